// GET /v1/audit (issue 22): the audit log as JSON Lines for the auditor role, the lines
// `zebra audit export` writes (store::ExportAuditJsonLines, one implementation).
#include "api/api.h"
#include "api/handlers.h"
#include "api/metrics.h"

namespace zebra::api {

Response HandleAuditLog(const Request& req, Services& s) {
  store::AuditQuery query;
  if (req.HasQuery("case")) query.case_id = req.Query("case");
  if (req.HasQuery("since")) query.since = req.Query("since");
  if (auto problem = store::CheckAuditQuery(query)) {
    return Problem(400, "invalid-parameter", "Invalid parameter", problem->parameter + " " + problem->message,
                   Json::array({Json{{"path", problem->parameter}, {"message", problem->message}}}));
  }
  // In memory: the answer goes out only once its reading is recorded (audit.export by the
  // reader); `since` bounds the size.
  std::string body;
  auto n = store::ExportAuditJsonLines(*s.store, query, req.Actor(), [&](std::string_view line) {
    body += line;
    return true;
  });
  if (!n && n.error().starts_with(store::kAuditExportNotRecorded)) {
    s.Log("zebra serve: audit export on " + req.route + ": " + n.error());
    s.metrics->RecordAuditFailure();
    Response refused = Problem(503, "audit-unavailable", "Audit log unavailable",
                               "the access could not be recorded in the audit log, so it is refused; try again later");
    refused.SetHeader("Retry-After", "30");
    return refused;
  }
  if (!n) return StoreFailure(req, s, n.error());
  Response res;
  res.SetContent(std::move(body), "application/jsonl");
  return res;
}

}  // namespace zebra::api
