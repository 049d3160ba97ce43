// Helpers shared by the test suites that evaluate with the knowledge base of this checkout (tests
// only; nothing in a program includes this).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "build_info.h"
#include "engine/engine.h"

namespace zebra::engine::testing {

// knowledge/ of this checkout, loaded once per test binary; a suite cannot run without it.
inline const std::shared_ptr<const Knowledge>& SourceKnowledge() {
  static const std::shared_ptr<const Knowledge> kb = [] {
    auto loaded = Knowledge::Load(std::string(ZEBRA_SOURCE_DIR) + "/knowledge");
    if (!loaded) throw std::runtime_error("knowledge base did not load");
    return *loaded;
  }();
  return kb;
}

}  // namespace zebra::engine::testing
