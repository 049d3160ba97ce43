// libFuzzer target: see CaseOne in targets.h for what is exercised. Any crash, sanitizer report
// or hang is a bug; the crashing input goes to tests/fuzz_regressions/case/ so make test replays it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return zebra::fuzz::CaseOne(std::string_view(reinterpret_cast<const char*>(data), size));
}
