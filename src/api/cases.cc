// Stored cases: revisions, evaluations (each stored with its exact output bytes), replay and the
// case's audit trail (the case list and decisions are in meetings_routes.cc). Every answer that
// reveals stored data is audited first; when the audit entry cannot be written the answer is
// refused (503).
#include <fmt/format.h>

#include <string>

#include "api/api.h"
#include "api/handlers.h"
#include "api/metrics.h"

namespace zebra::api {
namespace {

Json CaseBody(const store::CaseRevision& rev) {
  Json j = RevisionHeader(rev.case_id, rev.revision, rev.created_at, rev.created_by);
  j["case"] = ParseStored(rev.case_json);
  return j;
}

Json EvaluationBody(const store::Evaluation& e) {
  Json j = Json::object();
  j["id"] = e.id;
  j["case_revision"] = e.case_revision;
  j["knowledge_version"] = e.knowledge_version;
  j["engine_version"] = e.engine_version;
  j["created_at"] = e.created_at;
  j["created_by"] = e.created_by;
  j["recommendation"] = ParseStored(e.output_json);
  return j;
}

// Stores the evaluation of a stored revision with its exact output bytes.
tl::expected<store::Evaluation, std::string> EvaluateAndStore(Services& s, const store::CaseRevision& rev,
                                                              std::string output, const std::string& actor) {
  store::Evaluation e = NewEvaluation(s, std::move(output));
  e.case_id = rev.case_id;
  e.case_revision = rev.revision;
  e.created_by = actor;
  return s.store->AddEvaluation(e);
}


// POST creates, PUT adds a revision; both evaluate the new revision in the same request.
Response WriteCase(const Request& req, Services& s, bool create) {
  Response res;
  auto evaluated = EvaluateText(s, req.body, engine::InputKind::kCase);
  if (!evaluated) return SendInputProblem(res, evaluated.error());
  std::string id;
  if (!create) {
    id = req.PathParam("id");
    if (!LoadCase(res, req, s, id, std::nullopt)) return res;
  }
  // Evaluated before anything is stored: the revision and its evaluation are one transaction,
  // so a crash can never leave a revision without its evaluation.
  store::Evaluation evaluation = NewEvaluation(s, std::move(evaluated->output));
  auto written = create ? s.store->CreateCaseWithEvaluation(req.body, req.Actor(), evaluation)
                        : s.store->UpdateCaseWithEvaluation(id, req.body, req.Actor(), evaluation);
  if (!written) return SendStoreFailure(res, req, s, written.error());
  Json out = CaseBody(written->revision);
  out["evaluation"] = EvaluationBody(written->evaluation);
  if (create) res.SetHeader("Location", "/v1/cases/" + written->revision.case_id);
  return SendJson(res, create ? 201 : 200, out);
}

// A list belonging to a stored case (its revisions, evaluations, audit entries) as {key: [rows]}:
// 404 for an unknown case, and audited (`action`, "N nouns") before it is shown.
template <class ListFn, class RowFn>
Response SendCaseList(const Request& req, Services& s, const std::string& key, const std::string& action,
                      std::string_view noun, ListFn list, RowFn row) {
  Response res;
  const std::string id = req.PathParam("id");
  if (!LoadCase(res, req, s, id, std::nullopt)) return res;
  auto listed = list(id);
  if (!listed) return SendStoreFailure(res, req, s, listed.error());
  Json rows = Json::array();
  for (const auto& item : *listed) rows.push_back(row(item));
  if (!AuditOrRefuse(res, req, s, action, id, Plural(listed->size(), noun))) return res;
  return SendJson(res, 200, Json{{key, rows}});
}

// "1" to "999999999".
bool IsRevisionNumber(std::string_view text) {
  if (text.empty() || text.size() > 9 || text[0] == '0') return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

// Loads a case (latest or given revision); nullopt when absent or the store failed (the answer
// is set on `res`).
std::optional<store::CaseRevision> LoadCase(Response& res, const Request& req, Services& s, const std::string& id,
                                            std::optional<int> revision) {
  auto rev = s.store->GetCase(id, revision);
  if (!rev) {
    SendStoreFailure(res, req, s, rev.error());
    return std::nullopt;
  }
  if (!*rev) {
    SendProblem(res, 404, "not-found", "Not found",
                revision ? fmt::format("case {} has no revision {}", id, *revision) : "no case with id " + id);
    return std::nullopt;
  }
  return **rev;
}

// For answers that reveal stored data: no audit entry, no answer (503 instead, set on `res`).
bool AuditOrRefuse(Response& res, const Request& req, Services& s, const std::string& action,
                   const std::string& case_id, const std::string& detail) {
  if (Audit(s, req.Actor(), action, case_id, detail)) return true;
  s.metrics->RecordAuditFailure();
  res.SetHeader("Retry-After", "30");
  SendProblem(res, 503, "audit-unavailable", "Audit log unavailable",
              "the access could not be recorded in the audit log, so it is refused; try again later");
  return false;
}

Response HandleCreateCase(const Request& req, Services& s) { return WriteCase(req, s, true); }
Response HandleUpdateCase(const Request& req, Services& s) { return WriteCase(req, s, false); }

Response HandleGetCase(const Request& req, Services& s) {
  Response res;
  std::string id = req.PathParam("id");
  std::optional<int> revision;
  if (req.HasQuery("revision")) {
    std::string text = req.Query("revision");
    if (!IsRevisionNumber(text)) {
      SendProblem(res, 400, "invalid-parameter", "Invalid parameter", "revision must be a positive integer",
                  Json::array({Json{{"path", "revision"}, {"message", "must be a positive integer"}}}));
      return res;
    }
    revision = std::stoi(text);
  }
  auto rev = LoadCase(res, req, s, id, revision);
  if (!rev) return res;
  if (!AuditOrRefuse(res, req, s, "case.read", id, "revision " + std::to_string(rev->revision))) return res;
  SendJson(res, 200, CaseBody(*rev));
  return res;
}

Response HandleListRevisions(const Request& req, Services& s) {
  return SendCaseList(
      req, s, "revisions", "case.revisions.read", "revision", [&](const std::string& id) { return s.store->ListRevisions(id); },
      [](const auto& r) {
        return Json{{"revision", r.revision}, {"created_at", r.created_at}, {"created_by", r.created_by}};
      });
}

Response HandleListEvaluations(const Request& req, Services& s) {
  return SendCaseList(
      req, s, "evaluations", "evaluation.read", "evaluation",
      [&](const std::string& id) { return s.store->ListEvaluations(id); }, EvaluationBody);
}

Response HandleReevaluate(const Request& req, Services& s) {
  Response res;
  std::string id = req.PathParam("id");
  bool trials_all = false;
  if (!ValidTrials(res, req, s, trials_all)) return res;
  auto rev = LoadCase(res, req, s, id, std::nullopt);
  if (!rev) return res;
  auto evaluated = EvaluateText(s, rev->case_json, engine::InputKind::kCase, {}, false, "en", trials_all);
  if (!evaluated) {
    // Knowledge updates may tighten the schema; a stored case can then stop validating.
    SendProblem(res, 409, "case-no-longer-valid", "Stored case does not validate",
                "the latest revision does not pass the current schema; update the case", ErrorList(evaluated.error()));
    return res;
  }
  auto evaluation = EvaluateAndStore(s, *rev, std::move(evaluated->output), req.Actor());
  if (!evaluation) return SendStoreFailure(res, req, s, evaluation.error());
  SendJson(res, 201, EvaluationBody(*evaluation));
  return res;
}

Response HandleReplay(const Request& req, Services& s) {
  Response res;
  std::string id = req.PathParam("id");
  std::int64_t eid = std::stoll(req.PathParam("eid"));
  auto stored = s.store->GetEvaluation(eid);
  if (!stored) return SendStoreFailure(res, req, s, stored.error());
  if (!*stored || (*stored)->case_id != id) {
    SendProblem(res, 404, "not-found", "Not found", fmt::format("case {} has no evaluation {}", id, eid));
    return res;
  }
  auto rev = LoadCase(res, req, s, id, (*stored)->case_revision);
  if (!rev) return res;
  auto evaluated = EvaluateText(s, rev->case_json, engine::InputKind::kCase);
  if (!evaluated) {
    SendProblem(res, 409, "case-no-longer-valid", "Stored case does not validate",
                "the stored revision does not pass the current schema", ErrorList(evaluated.error()));
    return res;
  }
  std::string now = std::move(evaluated->output);
  bool identical = now == (*stored)->output_json;
  if (!AuditOrRefuse(
          res, req, s, "evaluation.replay", id,
          fmt::format("evaluation {} revision {}: {}", eid, rev->revision, identical ? "identical" : "different")))
    return res;
  Json out = Json::object();
  out["identical"] = identical;
  out["stored_knowledge_version"] = (*stored)->knowledge_version;
  out["current_knowledge_version"] = s.kb->version();
  out["recommendation"] = ParseStored(now);
  SendJson(res, 200, out);
  return res;
}

Response HandleCaseAudit(const Request& req, Services& s) {
  return SendCaseList(
      req, s, "entries", "audit.read", "entry", [&](const std::string& id) { return s.store->ListAudit(id, 1000); },
      [](const auto& a) {
        return Json{{"seq", a.seq}, {"at", a.at}, {"actor", a.actor}, {"action", a.action}, {"detail", a.detail}};
      });
}

}  // namespace zebra::api
