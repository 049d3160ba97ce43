// zebra feel 'EXPRESSION' [--context JSON]
#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/commands.h"
#include "json/json_parse.h"
#include "json/json_values.h"
#include "feel/feel.h"

namespace zebra::cli {

int FeelCommand(const Args& args, Io io) {
  CLI::App app{"Evaluate one FEEL expression and print the result in FEEL literal syntax.", "zebra feel"};
  std::string expression;
  std::string context_json;
  bool show_warnings = true;
  app.add_option("expression", expression, "the FEEL expression")->required();
  app.add_option("--context", context_json, "JSON object whose entries are in scope by name");
  app.add_flag("!--quiet", show_warnings, "do not print evaluation diagnostics");
  app.footer("An expression that starts with '-' (other than a number) goes after '--', which ends the\n"
             "options: zebra feel -- '-(3)'");
  if (auto rc = ParseCommandLine(app, args, io, "feel")) return *rc;

  feel::Context variables;
  if (!context_json.empty()) {
    auto j = json::ParseStrict(context_json);
    if (!j) {
      io.err << "zebra feel: --context " << j.error().path << ": " << j.error().message << "\n";
      return 2;
    }
    if (!j->is_object()) {
      io.err << "zebra feel: --context must be a JSON object\n";
      return 2;
    }
    feel::Value v = json::ValueFromJson(*j);
    variables = v.context();
  }
  feel::EvalContext ctx;
  auto result = feel::EvaluateExpression(expression, variables, ctx);
  if (!result) {
    io.err << "zebra feel: syntax error at " << result.error().ToString() << "\n";
    return 2;
  }
  if (show_warnings)
    for (const auto& d : ctx.diagnostics()) io.err << "zebra feel: " << d.message << "\n";
  io.out << feel::ToFeelLiteral(*result) << "\n";
  return 0;
}

}  // namespace zebra::cli
