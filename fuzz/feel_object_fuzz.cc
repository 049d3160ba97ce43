// libFuzzer target: see FeelObjectOne in targets.h (the flat-object scanner of `zebra dmn eval`
// held against the general JSON parser). A disagreement aborts; the input goes to
// tests/fuzz_regressions/feel_object/ so make test replays it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return zebra::fuzz::FeelObjectOne(std::string_view(reinterpret_cast<const char*>(data), size));
}
