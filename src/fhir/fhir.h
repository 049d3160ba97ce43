// FHIR R4 (mCODE, US Core) Bundle → zebra.case/v1.
//
// The mapping is driven by code tables in knowledge/fhir/code_tables.json, so a hospital can
// extend it without touching C++. Nothing is guessed: an unknown code stays unknown (and shows up
// in the report); two values for one field are a conflict, resolved by the latest date and
// reported.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.h"

namespace zebra::fhir {

using Json = nlohmann::ordered_json;

// A problem with a bundle: path (JSON path in the bundle, e.g.
// "entry[3].resource.valueQuantity.value") and message.
using MapError = common::Error;

struct MapResult {
  Json case_json;  // zebra.case/v1
  // { "fields": [{field, value, resource, element}], "conflicts": [...], "unused": [...],
  //   "notes": [...], "reported": [{item, value, resource, element, date}] }
  // "reported" holds what the EHR states but the case format derives itself (stage group,
  // histologic grade): kept for comparison, never copied into the case.
  Json report;
};

struct MapOptions {
  std::optional<std::string> as_of;  // YYYY-MM-DD for age; default: the bundle timestamp
};

// The first entry of a code table (a list of {system, code | code_prefix} and {text_contains}
// entries) matching the CodeableConcept `cc`: coded entries first, in table order, so that a coded
// concept is never re-read from its free text; then text_contains entries (case-insensitive, in
// the text and the codings' displays). `tables` (the code tables) gives the "systems" aliases.
// The one matcher of `fhir map` and the CDS Hooks order-sign check.
const Json* MatchCodeTable(const Json& tables, const Json& table, const Json& cc);

// YYYY-MM-DD at the start of a date or date-time (digits only); nullopt otherwise.
struct DateParts {
  int year = 0, month = 0, day = 0;
};
std::optional<DateParts> DatePrefix(std::string_view text);

tl::expected<Json, std::string> LoadCodeTables(const std::filesystem::path& file);
std::filesystem::path DefaultCodeTablesPath(const std::filesystem::path& knowledge_dir);

tl::expected<MapResult, std::vector<MapError>> MapBundle(std::string_view bundle_text, const Json& code_tables,
                                                         const MapOptions& options = {});
// The same for a bundle the caller already parsed strictly, within MapBundle's limits (32 MiB,
// 64 levels): the text is not parsed again.
tl::expected<MapResult, std::vector<MapError>> MapParsedBundle(const Json& bundle, const Json& code_tables,
                                                               const MapOptions& options = {});

// Compares the stage group the bundle reported (report.reported, item "stage_group", latest) with
// the group the knowledge base derived from T, N and M; adds a note saying whether they agree.
// A reported "II" agrees with a derived "IIA" (a subgroup of it). Nothing in the case changes.
void CompareStageGroup(MapResult& result, const std::string& derived_group);

}  // namespace zebra::fhir
