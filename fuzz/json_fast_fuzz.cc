// libFuzzer target: see JsonFastOne in targets.h (the strict JSON reader's fast path held
// against nlohmann's SAX path). A disagreement aborts; the input goes to
// tests/fuzz_regressions/json_fast/ so make test replays it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return zebra::fuzz::JsonFastOne(std::string_view(reinterpret_cast<const char*>(data), size));
}
