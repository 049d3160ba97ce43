// Room at the end of a std::string for a writer that fills it through a pointer, without the zero
// fill of resize(): what C++23's resize_and_overwrite gives, for C++20.
#pragma once

#include <cstddef>
#include <string>

namespace zebra::json {

// Makes s.size() == n (n >= s.size()); the bytes from the old size on are unspecified until the
// caller writes them (it cuts s back to what it wrote, with resize(), before anyone reads s). The
// capacity grows as reserve() grows it (at least doubling).
void ResizeForOverwrite(std::string& s, std::size_t n);

// True when ResizeForOverwrite leaves the new bytes unwritten (C++23, or libstdc++'s own
// length setter); false when it falls back to resize() (they are then zeros).
#if defined(__cpp_lib_string_resize_and_overwrite) || (defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI)
inline constexpr bool kResizeForOverwriteSkipsTheFill = true;
#else
inline constexpr bool kResizeForOverwriteSkipsTheFill = false;
#endif

}  // namespace zebra::json
