#include "server/audit_route.h"

#include <nlohmann/json.hpp>

namespace zebra::server {
namespace {

AuditReply ProblemReply(int status, std::string_view type, std::string_view title, std::string_view detail,
                        nlohmann::ordered_json errors = nullptr) {
  nlohmann::ordered_json p;
  p["type"] = "urn:zebra:problem:" + std::string(type);
  p["title"] = title;
  p["status"] = status;
  p["detail"] = detail;
  if (!errors.is_null()) p["errors"] = std::move(errors);
  return AuditReply{status, "application/problem+json",
                    p.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), ""};
}

}  // namespace

AuditReply AuditExportReply(store::Store& store, std::string_view actor, const std::optional<std::string>& case_id,
                            const std::optional<std::string>& since) {
  const store::AuditQuery query{case_id, since};
  if (auto problem = store::CheckAuditQuery(query)) {
    return ProblemReply(400, "invalid-parameter", "Invalid parameter", problem->parameter + " " + problem->message,
                        nlohmann::ordered_json::array(
                            {{{"path", problem->parameter}, {"message", problem->message}}}));
  }
  // In memory: the answer goes out only once its reading is recorded. `since` bounds the size.
  std::string body;
  auto n = store::ExportAuditJsonLines(store, query, actor, [&](std::string_view line) {
    body += line;
    return true;
  });
  if (!n) {
    const bool not_recorded = n.error().starts_with(store::kAuditExportNotRecorded);
    AuditReply reply = not_recorded
                           ? ProblemReply(503, "audit-unavailable", "Audit log unavailable",
                                          "the access could not be recorded in the audit log, so it is refused; "
                                          "try again later")
                           : ProblemReply(500, "store", "Store error", "the case store could not complete the request");
    reply.log = n.error();
    return reply;
  }
  return AuditReply{200, "application/jsonl", std::move(body), ""};
}

}  // namespace zebra::server
