// The case store behind `zebra serve`: SQLite (default, embedded) or PostgreSQL (shared by
// replicas), same schema and behaviour. Cases are never overwritten: every change is a revision.
// Every write is acknowledged only after it is durable. Thread-safe: one Store is shared by all
// request threads. The audit log is append-only and hash-chained.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace zebra::store {

template <class T>
using Result = tl::expected<T, std::string>;

enum class Role { kViewer, kCoordinator, kClinician };
std::string_view RoleName(Role role);                  // "viewer", "coordinator", "clinician"
std::optional<Role> ParseRole(std::string_view name);

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // Argon2id encoded
  Role role = Role::kViewer;
};

struct CaseRevision {
  std::string case_id;        // store-assigned, e.g. "c_3f2a…" (no patient data)
  int revision = 0;           // 1, 2, 3 …
  std::string case_json;      // the zebra.case/v1 document as given
  std::string created_by;     // username
  std::string created_at;     // RFC 3339 UTC
};

struct CaseSummary {
  std::string case_id;
  std::string label;          // the case's own `id` field, if any
  int latest_revision = 0;
  std::string updated_at, updated_by;
  std::string status;         // "draft" | "evaluated" | "decided"
  std::optional<std::int64_t> last_evaluation_id;
  std::string last_evaluated_at;
};

struct Evaluation {
  std::int64_t id = 0;
  std::string case_id;
  int case_revision = 0;
  std::string knowledge_version, engine_version;
  std::string output_json;    // exact bytes returned to the client (replay compares to these)
  std::string created_by, created_at;
};

struct EvaluatedRevision {
  CaseRevision revision;
  Evaluation evaluation;
};

struct Decision {
  std::int64_t id = 0;
  std::string case_id;
  int case_revision = 0;
  std::string decision_json;  // {option_id, attendees:[{role,name}], notes}
  std::string created_by, created_at;
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::string at, actor, action;  // action e.g. "case.create", "case.read", "evaluation.create"
  std::string case_id;            // may be empty
  std::string detail;             // never patient data: ids, revisions, counts
  std::string prev_hash, hash;    // hash = SHA-256(prev_hash | seq | at | actor | action | case_id | detail)
};

struct Session {
  std::string token_hash;  // SHA-256 of the cookie value; the cookie itself is never stored
  std::string csrf_token;
  std::int64_t user_id = 0;
  std::int64_t expires_unix = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string_view Kind() const = 0;  // "sqlite" | "postgresql"
  virtual Result<void> Ping() = 0;

  // Cases. Create/Update append an audit entry in the same transaction.
  virtual Result<CaseRevision> CreateCase(std::string_view case_json, std::string_view actor) = 0;
  // UpdateCase fails with "case not found" for an unknown id. Actor names are stored as given.
  virtual Result<CaseRevision> UpdateCase(std::string_view case_id, std::string_view case_json,
                                          std::string_view actor) = 0;
  // A new revision and its evaluation in ONE transaction, so a crash never leaves a revision
  // without its evaluation. The store assigns the case id (create), the revision number, the
  // evaluation's id, case_id, case_revision and both timestamps; created_by is `actor` for both.
  // From `evaluation` only knowledge_version, engine_version and output_json are used. Audited as
  // case.create/case.update plus evaluation.create, in the same transaction. (Not pure: test fakes
  // that never write cases need not implement them; the default fails.)
  virtual Result<EvaluatedRevision> CreateCaseWithEvaluation(std::string_view case_json, std::string_view actor,
                                                             const Evaluation& evaluation);
  // Fails with "case not found" for an unknown id; nothing is written then.
  virtual Result<EvaluatedRevision> UpdateCaseWithEvaluation(std::string_view case_id, std::string_view case_json,
                                                             std::string_view actor, const Evaluation& evaluation);
  // Latest revision when `revision` is empty; nullopt when the case (or revision) does not exist.
  virtual Result<std::optional<CaseRevision>> GetCase(std::string_view case_id,
                                                      std::optional<int> revision) = 0;
  virtual Result<std::vector<CaseRevision>> ListRevisions(std::string_view case_id) = 0;
  virtual Result<std::vector<CaseSummary>> ListCases() = 0;

  virtual Result<Evaluation> AddEvaluation(const Evaluation& evaluation) = 0;  // id/created_at set by store
  virtual Result<std::vector<Evaluation>> ListEvaluations(std::string_view case_id) = 0;
  virtual Result<std::optional<Evaluation>> GetEvaluation(std::int64_t id) = 0;

  virtual Result<Decision> AddDecision(const Decision& decision) = 0;
  virtual Result<std::vector<Decision>> ListDecisions(std::string_view case_id) = 0;

  virtual Result<std::int64_t> AddFeedback(std::string_view service_id, std::string_view feedback_json) = 0;

  // Users, sessions and API tokens (only hashes of secrets are stored).
  virtual Result<User> CreateUser(std::string_view username, std::string_view password_hash, Role role) = 0;
  virtual Result<std::optional<User>> FindUser(std::string_view username) = 0;
  virtual Result<std::optional<User>> FindUserById(std::int64_t id) = 0;
  virtual Result<void> CreateSession(const Session& session) = 0;
  virtual Result<std::optional<Session>> FindSession(std::string_view token_hash, std::int64_t now_unix) = 0;
  virtual Result<void> DeleteSession(std::string_view token_hash) = 0;
  virtual Result<void> CreateApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name) = 0;
  virtual Result<std::optional<User>> FindUserByApiToken(std::string_view token_hash) = 0;

  // JWT replay protection shared by all replicas: false when (iss, jti) was already seen.
  virtual Result<bool> RememberJti(std::string_view iss, std::string_view jti, std::int64_t exp_unix) = 0;

  // Audit log: append-only, hash-chained (serialised across replicas).
  virtual Result<AuditEntry> AppendAudit(std::string_view actor, std::string_view action,
                                         std::string_view case_id, std::string_view detail) = 0;
  // The newest `limit` entries (all when 0), oldest first; only the case's when case_id is set.
  virtual Result<std::vector<AuditEntry>> ListAudit(std::optional<std::string> case_id, std::size_t limit) = 0;
  // Recomputes the chain; the error names the first broken sequence number. Returns entry count.
  virtual Result<std::size_t> VerifyAudit() = 0;
};

// "sqlite:PATH" (file created, WAL, migrations applied) or "postgresql://..." / "postgres://...".
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

}  // namespace zebra::store
