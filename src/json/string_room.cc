#include "json/string_room.h"

namespace zebra::json {

#if defined(__cpp_lib_string_resize_and_overwrite)

void ResizeForOverwrite(std::string& s, std::size_t n) {
  s.resize_and_overwrite(n, [](char*, std::size_t size) { return size; });
}

#elif defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI

namespace {
// libstdc++'s basic_string::_M_set_length (private: sets the length and writes the terminating
// NUL, nothing else; what its own resize_and_overwrite ends with). An explicit instantiation may
// name a private member ([temp.spec.general]/6): the template hands its address to the friend
// function below. (folly's resizeWithoutInitialization does the same for libstdc++.)
using SetLength = void (std::string::*)(std::string::size_type);
SetLength StringSetLength();
template <SetLength kMember>
struct SetLengthOf {
  friend SetLength StringSetLength() { return kMember; }
};
template struct SetLengthOf<&std::string::_M_set_length>;
}  // namespace

void ResizeForOverwrite(std::string& s, std::size_t n) {
  if (n > s.capacity()) s.reserve(n);  // (copies the text written so far, not the room)
  (s.*StringSetLength())(n);
}

#else

void ResizeForOverwrite(std::string& s, std::size_t n) { s.resize(n); }

#endif

}  // namespace zebra::json
