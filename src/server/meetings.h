// Tumour-board meetings, decisions in meetings and the enriched case list (issue 18), free of any
// HTTP library: each operation takes parsed inputs and returns a Reply (status, JSON or HTML body,
// the reads to audit), which the transport turns into a response. docs/api.md describes the REST
// shape; src/server/openapi.json is the contract.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace zebra::server::board {

using Json = nlohmann::ordered_json;

// A read the transport must record in the audit log before it answers (and refuse with 503 when
// it cannot): no audit entry, no answer.
struct AuditNote {
  std::string action, case_id, detail;
};

struct Reply {
  int status = 200;
  Json json;                      // the body (problem details when status >= 400) unless html is set
  std::string html;               // a text/html body (the minutes)
  std::string location;           // the Location header of a 201
  std::vector<AuditNote> audit;   // reads to record before answering
  std::string store_error;        // set: the store failed (500; the transport logs it, never the body)
};

// What the lists need of stored evaluations, kept per evaluation id. Evaluations are never
// changed, so an entry never goes stale; one cache per store (ids are the store's). Thread-safe.
class FactsCache {
 public:
  std::optional<Json> Get(std::int64_t evaluation_id);
  void Put(std::int64_t evaluation_id, Json facts);

 private:
  static constexpr std::size_t kMaxEntries = 50000;  // ~1 KB each; cleared when full
  std::mutex mutex_;
  std::unordered_map<std::int64_t, Json> entries_;
};

struct Context {
  store::Store& store;
  const Json& catalogue;         // the knowledge catalogue: {"options": {id: {title, ...}}, ...}
  std::string actor;             // the signed-in username
  FactsCache* cache = nullptr;   // optional
};

// A query parameter's value, nullopt when absent.
using Params = std::function<std::optional<std::string>(const std::string& name)>;

// GET/POST /v1/meetings, GET/PUT /v1/meetings/{id}, GET /v1/meetings/{id}/revisions and /minutes.
Reply ListMeetings(const Context& ctx);
Reply CreateMeeting(const Context& ctx, const std::string& body);
Reply GetMeeting(const Context& ctx, const std::string& id, const std::optional<std::string>& revision);
Reply UpdateMeeting(const Context& ctx, const std::string& id, const std::string& body);
Reply ListMeetingRevisions(const Context& ctx, const std::string& id);
Reply Minutes(const Context& ctx, const std::string& id);

// POST /v1/cases/{id}/decision and GET /v1/cases/{id}/decisions.
Reply RecordDecision(const Context& ctx, const std::string& case_id, const std::string& body);
Reply ListDecisions(const Context& ctx, const std::string& case_id);

// GET /v1/cases with summary, readiness and decision status; q, sort and filters.
Reply ListCases(const Context& ctx, const Params& params);

// `zebra serve --demo`: when the store has no meeting, one upcoming meeting (a week after `today`,
// YYYY-MM-DD) of the demo board with standing attendees and the first three demo cases (by label)
// on its agenda. Created by "demo", audited like any meeting.
tl::expected<void, std::string> SeedDemoMeeting(store::Store& store, const std::string& today);

// ---- pure pieces, tested directly ----------------------------------------------------------------

// The one-line summary (CaseOneLine) of a case document and its latest recommendation (null when
// it has none).
Json CaseOneLine(const Json& case_doc, const Json& recommendation);
// Readiness of a case from its latest recommendation; null when there is none.
Json Readiness(const Json& recommendation, std::int64_t evaluation_id, int case_revision);
// The status of a set of decisions (DecisionStatus): the newest decision that is not amended.
Json DecisionStatus(const std::vector<store::Decision>& decisions);
// Checks a meeting body; on success fills `out` with the document to store. `put`: the body must
// carry the revision it edits (returned in `based_on`). `case_exists` answers for agenda case ids
// (nullopt: the store failed, reported in `store_error`).
struct MeetingCheck {
  Json errors = Json::array();  // [{path, message}]
  Json document;                // {date, time?, board, attendees, agenda}
  int based_on = 0;
  std::string store_error;
};
MeetingCheck CheckMeeting(const std::string& body, bool put,
                          const std::function<std::optional<bool>(const std::string&)>& case_exists);

}  // namespace zebra::server::board
