// Decision-table throughput: generated UNIQUE tables of 10, 100 and 1,000 rules (a number
// range column and a string column), evaluated for pre-generated inputs. Reports items/s,
// one item being one evaluation of the table's decision.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dmn/model.h"

namespace {

using zebra::dmn::Model;
namespace feel = zebra::feel;

constexpr int kRangeWidth = 10;
constexpr int kCategories = 7;

// Rule i: Age in [10i..10i+10) and (every third rule any category, else category c(i mod 7)).
std::string GenerateTable(int rules) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="bench"
             namespace="http://zebra.example/bench">
  <inputData id="i_age" name="Age"><variable id="v_age" name="Age" typeRef="number"/></inputData>
  <inputData id="i_cat" name="Category"><variable id="v_cat" name="Category" typeRef="string"/></inputData>
  <decision id="d_result" name="Result">
    <variable id="v_result" name="Result" typeRef="string"/>
    <informationRequirement id="ir_age"><requiredInput href="#i_age"/></informationRequirement>
    <informationRequirement id="ir_cat"><requiredInput href="#i_cat"/></informationRequirement>
    <decisionTable id="dt" hitPolicy="UNIQUE">
      <input id="in_age" label="Age"><inputExpression id="ie_age" typeRef="number"><text>Age</text></inputExpression></input>
      <input id="in_cat" label="Category"><inputExpression id="ie_cat" typeRef="string"><text>Category</text></inputExpression></input>
      <output id="out_result" name="Result" typeRef="string"/>
)";
  for (int i = 0; i < rules; ++i) {
    std::string n = std::to_string(i);
    std::string range = "[" + std::to_string(i * kRangeWidth) + ".." + std::to_string((i + 1) * kRangeWidth) + ")";
    std::string category = i % 3 == 0 ? "-" : "\"c" + std::to_string(i % kCategories) + "\"";
    xml += "      <rule id=\"r" + n + "\">\n";
    xml += "        <inputEntry id=\"r" + n + "_a\"><text>" + range + "</text></inputEntry>\n";
    xml += "        <inputEntry id=\"r" + n + "_c\"><text>" + category + "</text></inputEntry>\n";
    xml += "        <outputEntry id=\"r" + n + "_o\"><text>\"rule " + n + "\"</text></outputEntry>\n";
    xml += "      </rule>\n";
  }
  xml += "    </decisionTable>\n  </decision>\n</definitions>\n";
  return xml;
}

std::vector<feel::Context> GenerateInputs(int rules, size_t count) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> age(0, rules * kRangeWidth - 1);
  std::uniform_int_distribution<int> category(0, kCategories - 1);
  std::vector<feel::Context> out(count);
  for (auto& c : out) {
    c.Put("Age", feel::Value::Number(age(rng)));
    c.Put("Category", feel::Value::String("c" + std::to_string(category(rng))));
  }
  return out;
}

void BM_DecisionTable(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  auto model = zebra::dmn::LoadModelFromString(GenerateTable(rules), "bench.dmn");
  if (!model) {
    std::string message = "generated model failed to load";
    if (!model.error().empty()) message += ": " + model.error().front().ToString();
    state.SkipWithError(message.c_str());
    return;
  }
  std::vector<feel::Context> inputs = GenerateInputs(rules, 1024);
  const std::vector<std::string> decisions = {"Result"};
  zebra::dmn::EvaluateOptions options;
  options.trace = false;
  size_t i = 0;
  int64_t hits = 0;  // evaluations where a rule matched: proves the table really ran
  for (auto _ : state) {
    auto result = (*model)->Evaluate(inputs[i], decisions, options);
    if (!result.decisions.empty() && result.decisions.front().value.is(feel::Type::kString)) ++hits;
    benchmark::DoNotOptimize(result);
    i = (i + 1) % inputs.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["rules"] = rules;
  state.counters["hit_rate"] = state.iterations() ? static_cast<double>(hits) / static_cast<double>(state.iterations()) : 0;
}
BENCHMARK(BM_DecisionTable)->Arg(10)->Arg(100)->Arg(1000);

// The same with the trace on, as `zebra evaluate` runs it (fired rules are recorded).
void BM_DecisionTableTraced(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  auto model = zebra::dmn::LoadModelFromString(GenerateTable(rules), "bench.dmn");
  if (!model) {
    state.SkipWithError("generated model failed to load");
    return;
  }
  std::vector<feel::Context> inputs = GenerateInputs(rules, 1024);
  const std::vector<std::string> decisions = {"Result"};
  size_t i = 0;
  for (auto _ : state) {
    auto result = (*model)->Evaluate(inputs[i], decisions);
    benchmark::DoNotOptimize(result);
    i = (i + 1) % inputs.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_DecisionTableTraced)->Arg(10)->Arg(1000);

// Loading (parsing and compiling) a table, per rule.
void BM_LoadDecisionTable(benchmark::State& state) {
  int rules = static_cast<int>(state.range(0));
  std::string xml = GenerateTable(rules);
  for (auto _ : state) {
    auto model = zebra::dmn::LoadModelFromString(xml, "bench.dmn");
    benchmark::DoNotOptimize(model);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * rules);
}
BENCHMARK(BM_LoadDecisionTable)->Arg(100)->Arg(1000);

}  // namespace
