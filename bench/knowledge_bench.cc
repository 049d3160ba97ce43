// Whole knowledge base for one case: classification, staging, treatment, catalogue join and
// patient text (what `zebra evaluate` does after parsing).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"

namespace {

namespace fs = std::filesystem;
using zebra::clinical::Json;

struct Fixture {
  std::shared_ptr<const zebra::clinical::KnowledgeBase> kb;
  std::vector<Json> cases;
  std::vector<std::string> texts;
};

const Fixture& Get() {
  static Fixture f = [] {
    Fixture x;
    x.kb = *zebra::clinical::LoadKnowledgeBase(fs::path(ZEBRA_SOURCE_DIR) / "knowledge");
    for (const auto& e : fs::directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases")) {
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      x.texts.push_back(ss.str());
      x.cases.push_back(*zebra::clinical::ParseCase(ss.str(), *x.kb));
    }
    return x;
  }();
  return f;
}

void BM_EvaluateCase(benchmark::State& state) {
  const Fixture& f = Get();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(zebra::clinical::Evaluate(*f.kb, f.cases[i++ % f.cases.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateCase)->Unit(benchmark::kMicrosecond);

void BM_ParseValidateEvaluateSerialize(benchmark::State& state) {
  const Fixture& f = Get();
  size_t i = 0;
  for (auto _ : state) {
    auto c = zebra::clinical::ParseCase(f.texts[i++ % f.texts.size()], *f.kb);
    benchmark::DoNotOptimize(zebra::clinical::SerializeRecommendation(zebra::clinical::Evaluate(*f.kb, *c)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseValidateEvaluateSerialize)->Unit(benchmark::kMicrosecond);

}  // namespace
