// For the clinical tests: the source tree's knowledge base, loaded once per test binary.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "build_info.h"
#include "clinical/clinical.h"

namespace zebra::clinical::test_support {

// A load failure is reported as a test failure (each error), then thrown, so the asking test stops.
inline const KnowledgeBase& SourceKnowledge() {
  static std::shared_ptr<const KnowledgeBase> kb = [] {
    auto r = LoadKnowledgeBase(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge");
    if (!r) {
      for (const auto& e : r.error()) ADD_FAILURE() << common::ToString(e);
      return std::shared_ptr<const KnowledgeBase>();
    }
    return *r;
  }();
  if (!kb) throw std::runtime_error("knowledge base does not load");
  return *kb;
}

}  // namespace zebra::clinical::test_support
