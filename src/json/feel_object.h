// One JSON object → a FEEL context, for `zebra dmn eval` (--input, and --inputs one NDJSON line
// at a time). Numbers keep the exact digits of the JSON text (0.1 stays the decimal 0.1,
// 34-digit numbers survive); a repeated key is an error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "feel/value.h"

namespace zebra::json {

// Parses a JSON object into a FEEL context; the error text says what is wrong. A flat object of
// plain ASCII keys and scalar values (the usual NDJSON line) is read by a one-pass scanner; any
// other text goes through the general parser, which also writes every error message.
tl::expected<feel::Context, std::string> ParseFeelObject(std::string_view text);

// The two paths on their own, so tests and the fuzz target can hold them against each other.
// ScanFlatFeelObject answers false (and leaves `out` unspecified) for anything outside its
// subset, valid JSON or not: whatever it accepts, the general parser accepts with the same value.
bool ScanFlatFeelObject(std::string_view text, feel::Context& out);
tl::expected<feel::Context, std::string> ParseFeelObjectGeneral(std::string_view text);

// Reads NDJSON lines straight into value slots (the inputs of a prepared DMN evaluation): the
// value of key names[i] goes to slot i, other keys are read and dropped. Only the flat subset of
// ScanFlatFeelObject is read here; Read() answers false for anything else, and the caller then
// parses the line with ParseFeelObject and takes the values by name, which gives the same values
// (and the same error for bad lines: a repeated key, unknown or not, is still refused). Keys are
// looked for in the order of the previous line first. Not for concurrent use.
class SlotReader {
 public:
  explicit SlotReader(std::vector<std::string> names);
  // True when `text` was read: every slot then holds its key's value, or null when absent.
  bool Read(std::string_view text, std::span<feel::Value> slots);

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t Lookup(std::string_view key, size_t position);
  std::vector<std::string> names_;
  bool usable_ = true;             // false when two slots share a name (then never read here)
  std::vector<uint8_t> plain_;     // per slot: the name is printable ASCII without '"' or '\\'
  std::vector<uint32_t> order_;    // slot of each key position of the previous line (kNone: unknown)
  std::vector<uint32_t> seen_;     // per slot: the generation of the line that set it
  uint32_t generation_ = 0;
  std::vector<std::string_view> unknown_;  // this line's other keys, to refuse repeats
  feel::Value dropped_;                    // the value of an other key, read to check it
  // String values seen lately, per slot, shared rather than allocated again (values are immutable).
  std::vector<std::vector<feel::StringPtr>> strings_;
};

}  // namespace zebra::json
