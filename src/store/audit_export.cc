// The audit export behind `zebra audit export` and GET /v1/audit.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace zebra::store {

std::optional<AuditQueryProblem> CheckAuditQuery(const AuditQuery& query) {
  // Compared as text with the stored RFC 3339 times, so a prefix of one is what makes sense.
  if (query.since && !common::HasShapeWithTail(*query.since, "9999-99-99",
                                                {"", "T99:99", "T99:99Z", "T99:99:99", "T99:99:99Z", "T99:99:99.9",
                                                 "T99:99:99.9Z", "T99:99:99.99", "T99:99:99.99Z", "T99:99:99.999",
                                                 "T99:99:99.999Z"}))
    return AuditQueryProblem{"since", "must be YYYY-MM-DD or an RFC 3339 UTC time (e.g. 2026-12-01T08:00:00Z)"};
  if (query.case_id && !internal::ValidCaseId(*query.case_id))
    return AuditQueryProblem{"case", "must be a case id as the store assigns it (c_ and 32 hexadecimal digits)"};
  return std::nullopt;
}

std::string AuditEntryJsonLine(const AuditEntry& e) {
  nlohmann::ordered_json j;
  j["seq"] = e.seq;
  j["at"] = e.at;
  j["actor"] = e.actor;
  j["action"] = e.action;
  j["case_id"] = e.case_id;
  j["detail"] = e.detail;
  j["content_ref"] = e.content_ref;
  j["content_hash"] = e.content_hash;
  j["prev_hash"] = e.prev_hash;
  j["hash"] = e.hash;
  // Actor names come from accounts and identity providers: never let one stop the export.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::size_t> ExportAuditJsonLines(Store& store, const AuditQuery& query, std::string_view actor,
                                         const std::function<bool(std::string_view line)>& write) {
  auto n = store.ExportAudit(query.case_id, query.since, [&](const AuditEntry& e) {
    return write(AuditEntryJsonLine(e) + "\n");
  });
  if (!n) return n;
  auto logged = store.AppendAudit(actor, "audit.export", query.case_id.value_or(""),
                                  fmt::format("{} {}{}", *n, *n == 1 ? "entry" : "entries",
                                              query.since ? " since " + *query.since : ""));
  if (!logged) return tl::unexpected(std::string(kAuditExportNotRecorded) + logged.error());
  return n;
}

}  // namespace zebra::store
