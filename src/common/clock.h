// Times as RFC 3339 UTC text, the one way every module writes them.
#pragma once

#include <cstdint>
#include <string>

namespace zebra::common {

// "2026-12-06T04:10:00Z"
std::string UnixToRfc3339(std::int64_t unix_seconds);
// The current time with milliseconds: "2026-12-06T04:10:00.123Z".
std::string NowRfc3339();

}  // namespace zebra::common
