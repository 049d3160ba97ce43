// Issue 17: the cost of a full what-if (every probe the knowledge gives, each value evaluated
// again) against one evaluation, over the demo cases and the what-if vignettes. The ratio
// BM_WhatIfFull / BM_EvaluateOnce is the cost in evaluations (target: below 10); the counter
// "probes" is the mean number of re-evaluations per case.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"

namespace {

namespace fs = std::filesystem;
using zebra::clinical::Json;

struct WhatIfFixture {
  std::shared_ptr<const zebra::clinical::KnowledgeBase> kb;
  std::vector<Json> cases;
};

const WhatIfFixture& Cases() {
  static WhatIfFixture f = [] {
    WhatIfFixture x;
    x.kb = *zebra::clinical::LoadKnowledgeBase(fs::path(ZEBRA_SOURCE_DIR) / "knowledge");
    auto add = [&](const fs::path& p, bool vignette) {
      std::ifstream in(p);
      std::stringstream ss;
      ss << in.rdbuf();
      Json j = Json::parse(ss.str(), nullptr, false);
      if (j.is_discarded()) return;
      if (vignette) j = j.value("case", Json());
      if (zebra::clinical::ValidateCaseJson(j, *x.kb).empty()) x.cases.push_back(std::move(j));
    };
    for (const auto& e : fs::directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases")) add(e.path(), false);
    fs::path whatif = fs::path(ZEBRA_SOURCE_DIR) / "tests" / "vignettes" / "whatif";
    if (fs::exists(whatif))
      for (const auto& e : fs::directory_iterator(whatif)) add(e.path(), true);
    return x;
  }();
  return f;
}

void BM_EvaluateOnce(benchmark::State& state) {
  const WhatIfFixture& f = Cases();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(zebra::clinical::Evaluate(*f.kb, f.cases[i++ % f.cases.size()]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateOnce)->Unit(benchmark::kMicrosecond);

void BM_WhatIfFull(benchmark::State& state) {
  const WhatIfFixture& f = Cases();
  size_t i = 0;
  double probes = 0;
  for (auto _ : state) {
    const Json& c = f.cases[i++ % f.cases.size()];
    Json p;
    Json r = zebra::clinical::Evaluate(*f.kb, c, &p);
    for (const auto& probe : p) probes += probe.value("values", Json::array()).size();
    benchmark::DoNotOptimize(zebra::clinical::WhatIf(*f.kb, c, r, p));
  }
  state.counters["probes"] = benchmark::Counter(probes / static_cast<double>(state.iterations()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WhatIfFull)->Unit(benchmark::kMicrosecond);

}  // namespace
