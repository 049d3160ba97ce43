// Model::Describe(): the decisions, tables and rules of a model as written, gathered from the
// XML while the model is compiled (the only place DMN XML is read).
#include <algorithm>

#include <pugixml.hpp>

#include "dmn/internal.h"
#include "dmn/model.h"

namespace zebra::dmn {

const ModelDescription& Model::Describe() const {
  static const ModelDescription kEmpty;
  return kEmpty;
}

namespace internal {
namespace {

// The string literals of a FEEL text: "..." with \x read as x.
std::vector<std::string> StringLiterals(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    std::string literal;
    std::size_t j = i + 1;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) ++j;
      literal += text[j];
    }
    out.push_back(std::move(literal));
    i = j;
  }
  return out;
}

// 1-based line of a byte offset, from the sorted offsets of the source's newlines (one pass over
// the file, not one per rule: counting from the start for every rule made loading quadratic).
int LineOf(const std::vector<std::size_t>& newlines, std::size_t offset) {
  return 1 + static_cast<int>(std::lower_bound(newlines.begin(), newlines.end(), offset) - newlines.begin());
}

DecisionTableDescription DescribeTable(const pugi::xml_node& dt, const std::vector<std::size_t>& newlines) {
  DecisionTableDescription t;
  if (!dt.attribute("hitPolicy").empty()) t.hit_policy = dt.attribute("hitPolicy").value();
  for (const auto& in : Children(dt, "input")) t.inputs.push_back(ChildText(Child(in, "inputExpression")));
  for (const auto& out : Children(dt, "output")) t.outputs.push_back(out.attribute("name").value());
  for (const auto& a : Children(dt, "annotation")) t.annotations.push_back(a.attribute("name").value());
  int index = 0;
  for (const auto& rule : Children(dt, "rule")) {
    RuleDescription r;
    r.id = rule.attribute("id").value();
    r.index = ++index;
    auto offset = static_cast<std::size_t>(std::max<ptrdiff_t>(0, rule.offset_debug()));
    r.line = LineOf(newlines, offset);
    for (const auto& e : Children(rule, "inputEntry")) r.inputs.push_back(ChildText(e));
    for (const auto& e : Children(rule, "outputEntry")) {
      r.outputs.push_back(ChildText(e));
      for (auto& l : StringLiterals(r.outputs.back())) r.output_literals.push_back(std::move(l));
    }
    for (const auto& e : Children(rule, "annotationEntry")) r.annotations.push_back(ChildText(e));
    t.rules.push_back(std::move(r));
  }
  return t;
}

}  // namespace

ModelDescription DescribeDefinitions(const pugi::xml_node& root, std::string_view source, const std::string& file) {
  std::vector<std::size_t> newlines;
  for (std::size_t i = 0; i < source.size(); ++i)
    if (source[i] == '\n') newlines.push_back(i);
  ModelDescription m;
  m.name = root.attribute("name").value();
  m.namespace_uri = root.attribute("namespace").value();
  m.file = file;
  for (const auto& el : Children(root, "decision")) {
    DecisionDescription d;
    d.id = el.attribute("id").value();
    d.name = el.attribute("name").value();
    for (pugi::xml_node body = el.first_child(); body; body = body.next_sibling()) {
      if (body.type() != pugi::node_element) continue;
      std::string_view kind = LocalName(body.name());
      if (kind == "literalExpression") {
        d.literal_expression = ChildText(body);
      } else if (kind == "context") {
        for (const auto& entry : Children(body, "contextEntry"))
          d.context.push_back({Child(entry, "variable").attribute("name").value(), ChildText(Child(entry, "literalExpression"))});
      } else if (kind == "decisionTable") {
        d.tables.push_back(DescribeTable(body, newlines));
      }
    }
    m.decisions.push_back(std::move(d));
  }
  return m;
}

}  // namespace internal
}  // namespace zebra::dmn
