// Small DMN documents for the dmn tests (model_test.cc, boxed_test.cc): a definitions element
// around the elements under test, loaded from a string, and the elements tests write most.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "dmn/model.h"

namespace zebra::dmn::test {

inline std::string Doc(const std::string& body, const std::string& ns = "https://www.omg.org/spec/DMN/20230324/MODEL/") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<definitions xmlns=\"" + ns +
         "\" namespace=\"http://example.com/m\" name=\"m\" id=\"defs\">\n" + body + "\n</definitions>\n";
}

// The model of Doc(body) as file "test.dmn"; null, with the loader's errors as a test failure,
// when it does not load.
inline std::shared_ptr<const Model> Load(const std::string& body) {
  auto m = LoadModelFromString(Doc(body), "test.dmn");
  if (!m) {
    std::string all;
    for (const auto& d : m.error()) all += d.ToString() + "\n";
    ADD_FAILURE() << all;
    return nullptr;
  }
  return *m;
}

inline std::string Literal(const std::string& text) {
  return "<literalExpression><text>" + text + "</text></literalExpression>";
}

// A decision `name` (id "d_" + name) with its requirements `reqs` and expression `expr`.
inline std::string Decision(const std::string& name, const std::string& reqs, const std::string& expr,
                            const std::string& type = "") {
  return "<decision id=\"d_" + name + "\" name=\"" + name + "\"><variable name=\"" + name + "\"" +
         (type.empty() ? "" : " typeRef=\"" + type + "\"") + "/>" + reqs + expr + "</decision>";
}

// A decision's diagnostic messages, one per line, for comparing two evaluations' reports.
inline std::string Diags(const DecisionResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.message + "\n";
  return out;
}

}  // namespace zebra::dmn::test
