// Output serialisation of real recommendations (the demo cases): the fast writer against
// nlohmann's dump(), pretty (the API and `zebra evaluate`) and compact (`zebra batch`).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"
#include "json/json_writer.h"

namespace {

namespace fs = std::filesystem;
using zebra::clinical::Json;

const std::vector<Json>& Recommendations() {
  static const std::vector<Json> out = [] {
    std::vector<Json> r;
    auto kb = *zebra::clinical::LoadKnowledgeBase(fs::path(ZEBRA_SOURCE_DIR) / "knowledge");
    for (const auto& e : fs::directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases")) {
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      r.push_back(zebra::clinical::Evaluate(*kb, *zebra::clinical::ParseCase(ss.str(), *kb)));
    }
    return r;
  }();
  return out;
}

template <class Fn>
void Run(benchmark::State& state, Fn fn) {
  const auto& recs = Recommendations();
  size_t i = 0, bytes = 0;
  for (auto _ : state) bytes += fn(recs[i++ % recs.size()]);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_SerializeRecommendation(benchmark::State& state) {
  Run(state, [](const Json& r) { return zebra::clinical::SerializeRecommendation(r).size(); });
}
BENCHMARK(BM_SerializeRecommendation)->Unit(benchmark::kMicrosecond);

void BM_SerializePrettyNlohmann(benchmark::State& state) {
  Run(state, [](const Json& r) { return (r.dump(2) + '\n').size(); });
}
BENCHMARK(BM_SerializePrettyNlohmann)->Unit(benchmark::kMicrosecond);

void BM_SerializeCompactWriter(benchmark::State& state) {
  std::string buf;  // reused, as zebra batch reuses its chunk buffer
  Run(state, [&](const Json& r) {
    buf.clear();
    zebra::json::AppendJson(buf, r);
    return buf.size();
  });
}
BENCHMARK(BM_SerializeCompactWriter)->Unit(benchmark::kMicrosecond);

void BM_SerializeCompactNlohmann(benchmark::State& state) {
  std::string buf;
  Run(state, [&](const Json& r) {
    buf.clear();
    nlohmann::detail::serializer<Json> s(nlohmann::detail::output_adapter<char, std::string>(buf), ' ',
                                         nlohmann::detail::error_handler_t::strict);
    s.dump(r, false, false, 0);
    return buf.size();
  });
}
BENCHMARK(BM_SerializeCompactNlohmann)->Unit(benchmark::kMicrosecond);

}  // namespace
