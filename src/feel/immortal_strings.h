// The immortal strings (feel::MakeImmortal in value.h), listed. Its own header, not value.h: few
// need it, and value.h is read by every file.
#pragma once

#include <string>
#include <vector>

namespace zebra::feel {

// The immortal strings made so far, each text once: they stay valid and unchanged for the rest of
// the process, so something prepared per constant text at load may be found by its address.
std::vector<const std::string*> ImmortalStrings();

}  // namespace zebra::feel
