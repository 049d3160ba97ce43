// A fired rule's trace entry as the answer writes it, made once per rule while loading: the
// writer copies it instead of writing and scanning the decision's and rule's names per case.
#pragma once

#include <string>
#include <string_view>

namespace zebra::dmn::internal {

// The compact JSON text {"decision":<decision>,"rule":<rule>,"hit":true}, the bytes
// nlohmann's dump() gives for that object; empty when either name is not valid UTF-8 (the
// writer then writes the entry member by member, and fails there as before).
std::string TraceEntryText(std::string_view decision, std::string_view rule);

}  // namespace zebra::dmn::internal
