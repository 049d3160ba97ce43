// The routes of the case list, decisions and tumour-board meetings: each turns the Request into
// the inputs of meetings.cc and its Reply into the Response, recording the reads the reply names
// in the audit log first (no audit entry, no answer: 503).
#include <optional>
#include <string>

#include "api/api.h"
#include "api/handlers.h"
#include "api/meetings.h"
#include "api/metrics.h"

namespace zebra::api {
namespace {

board::Context BoardContext(const Request& req, Services& s) {
  return board::Context{*s.store, s.kb->catalogue(), req.Actor(), s.board_cache};
}

Response Send(const Request& req, Services& s, const board::Reply& reply) {
  Response res;
  if (!reply.store_error.empty()) return SendStoreFailure(res, req, s, reply.store_error);
  for (const auto& a : reply.audit) {
    if (Audit(s, req.Actor(), a.action, a.case_id, a.detail)) continue;
    s.metrics->RecordAuditFailure();
    res.SetHeader("Retry-After", "30");
    return SendProblem(res, 503, "audit-unavailable", "Audit log unavailable",
                       "the access could not be recorded in the audit log, so it is refused; try again later");
  }
  if (!reply.location.empty()) res.SetHeader("Location", reply.location);
  res.status = reply.status;
  if (!reply.html.empty()) {
    res.SetContent(reply.html, "text/html; charset=utf-8");
  } else {
    res.SetContent(Dump(reply.json), reply.status >= 400 ? kProblemType : "application/json");
  }
  return res;
}

std::optional<std::string> QueryParam(const Request& req, const std::string& name) {
  if (!req.HasQuery(name)) return std::nullopt;
  return req.Query(name);
}

}  // namespace

Response HandleListCases(const Request& req, Services& s) {
  return Send(req, s, board::ListCases(BoardContext(req, s), [&](const std::string& name) { return QueryParam(req, name); }));
}

Response HandleAddDecision(const Request& req, Services& s) {
  return Send(req, s, board::RecordDecision(BoardContext(req, s), req.PathParam("id"), req.body));
}

Response HandleListDecisions(const Request& req, Services& s) {
  return Send(req, s, board::ListDecisions(BoardContext(req, s), req.PathParam("id")));
}

Response HandleListMeetings(const Request& req, Services& s) {
  return Send(req, s, board::ListMeetings(BoardContext(req, s)));
}

Response HandleCreateMeeting(const Request& req, Services& s) {
  return Send(req, s, board::CreateMeeting(BoardContext(req, s), req.body));
}

Response HandleGetMeeting(const Request& req, Services& s) {
  return Send(req, s, board::GetMeeting(BoardContext(req, s), req.PathParam("id"), QueryParam(req, "revision")));
}

Response HandleUpdateMeeting(const Request& req, Services& s) {
  return Send(req, s, board::UpdateMeeting(BoardContext(req, s), req.PathParam("id"), req.body));
}

Response HandleListMeetingRevisions(const Request& req, Services& s) {
  return Send(req, s, board::ListMeetingRevisions(BoardContext(req, s), req.PathParam("id")));
}

Response HandleMeetingMinutes(const Request& req, Services& s) {
  return Send(req, s, board::Minutes(BoardContext(req, s), req.PathParam("id")));
}

}  // namespace zebra::api
