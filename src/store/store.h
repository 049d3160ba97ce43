// The case store behind `zebra serve`: SQLite (default, embedded) or PostgreSQL (shared by
// replicas), same schema and behaviour. Cases are never overwritten: every change is a revision.
// Every write is acknowledged only after it is durable. Thread-safe: one Store is shared by all
// request threads. The audit log is append-only and hash-chained.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace zebra::store {

template <class T>
using Result = tl::expected<T, std::string>;

// viewer < coordinator < clinician, each allowed what the one before may do. The auditor stands
// apart: it reads the audit log (GET /v1/audit) and no case, evaluation or decision.
enum class Role { kViewer, kCoordinator, kClinician, kAuditor };
std::string_view RoleName(Role role);  // "viewer", "coordinator", "clinician", "auditor"
std::optional<Role> ParseRole(std::string_view name);

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // Argon2id encoded
  Role role = Role::kViewer;
  bool disabled = false;      // a disabled user cannot sign in; their sessions and tokens stop working
  std::string created_at;     // filled by ListUsers
};

// What an API token may do: read (safe methods only) or write (everything the role allows).
enum class TokenScope { kRead, kWrite };
std::string_view TokenScopeName(TokenScope scope);  // "read", "write"
std::optional<TokenScope> ParseTokenScope(std::string_view name);

// An API token's public description; the secret is never stored, only its SHA-256.
struct ApiToken {
  std::string id;             // "tk_" + the first 16 hex digits of the token hash (not a secret)
  std::int64_t user_id = 0;
  std::string name;
  TokenScope scope = TokenScope::kRead;
  std::string created_at;     // RFC 3339 UTC
  std::int64_t expires_unix = 0;
  std::int64_t last_used_unix = 0;  // 0: never used (updated at most hourly)
};

struct ApiTokenUse {
  User user;
  ApiToken token;
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
  std::string decision_json;  // {outcome, option_id, attendees:[{role,name}], notes, ...} as the server built it
  std::string created_by, created_at;
  std::string meeting_id;             // the meeting it was recorded in; empty: none (schema 4)
  std::optional<std::int64_t> amends;  // the decision of the same case this one amends (schema 4)
};

// AddDecision's errors when `amends` names a decision that is not the case's, or one already
// amended (a decision is amended at most once: amend its amendment instead).
inline constexpr std::string_view kAmendedDecisionNotFound = "amended decision not found";
inline constexpr std::string_view kDecisionAlreadyAmended = "decision already amended";

// One revision of a tumour-board meeting (schema 4). Like cases, meetings are never overwritten:
// every change is a new revision, audited with the hash of meeting_json.
struct MeetingRevision {
  std::string meeting_id;    // store-assigned, "m_" + 32 hex digits
  int revision = 0;
  std::string date;          // YYYY-MM-DD, copied out of the document for ordering
  std::string time;          // HH:MM or empty
  std::string board;
  std::string meeting_json;  // {date, time, board, attendees, agenda} as the server validated it
  std::string created_by, created_at;
};

// UpdateMeeting's outcome: written, or refused because `revision` is not the latest (stale: the
// latest is returned) or the meeting does not exist.
struct MeetingUpdate {
  enum class Status { kWritten, kStale, kNotFound };
  Status status = Status::kNotFound;
  MeetingRevision revision;  // the new revision (kWritten) or the latest one (kStale)
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::string at, actor, action;  // action e.g. "case.create", "case.read", "evaluation.create"
  std::string case_id;            // may be empty
  std::string detail;             // never patient data: ids, revisions, counts
  // The stored content this entry vouches for, written in the same transaction: e.g.
  // "case_revisions/c_…/2", "evaluations/17", "decisions/3", "feedback/4", or "audit_log/120" for a
  // prune's anchor; content_hash is the SHA-256 of case_json / output_json / decision_json /
  // feedback_json (the pruned row's hash for a prune). Both empty for entries without content and
  // for entries written before schema version 3.
  std::string content_ref, content_hash;
  // hash = SHA-256(prev_hash | seq | at | actor | action | case_id | detail), with
  // "| content_ref | content_hash" appended when content_ref is set.
  std::string prev_hash, hash;
};

// Where the chain starts and ends. base: the last pruned entry (0 and the genesis hash when nothing
// was pruned); head: the newest entry, updated in the same transaction as every append, so a
// removed tail is detected.
struct AuditAnchor {
  std::int64_t base_seq = 0;
  std::string base_hash;
  std::int64_t head_seq = 0;
  std::string head_hash;
};

struct AuditPruneResult {
  std::size_t pruned = 0;
  std::int64_t first_seq = 0, last_seq = 0;  // the pruned range; last_seq is the new anchor base
  std::string last_hash;
  AuditEntry prune_entry;                    // the audit.prune entry appended for the prune itself
};

struct Session {
  std::string token_hash;  // SHA-256 of the cookie value; the cookie itself is never stored
  std::string csrf_token;
  std::int64_t user_id = 0;
  std::int64_t expires_unix = 0;
};

// What opening a store did to its schema (for `zebra migrate` and the start-up log).
struct SchemaState {
  int before = 0;                     // the version found (0: a new store)
  int after = 0;                      // the version now
  std::vector<std::string> applied;   // "3 tamper evidence and account control", ...
};

struct OpenOptions {
  // false: a store whose schema is older than this zebra's is refused (`zebra serve --no-migrate`;
  // run `zebra migrate` first), instead of being migrated silently.
  bool migrate = true;
};

// The newest schema version this zebra knows.
int LatestSchemaVersion();

class Store {
 public:
  virtual ~Store() = default;
  const SchemaState& schema() const { return schema_; }
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

  // Audited as decision.create, or decision.amend when `amends` is set (errors: kAmendedDecisionNotFound,
  // kDecisionAlreadyAmended; nothing is written then).
  virtual Result<Decision> AddDecision(const Decision& decision) = 0;
  virtual Result<std::vector<Decision>> ListDecisions(std::string_view case_id) = 0;

  // Meetings (schema 4). Not pure: test fakes need not implement them; the default fails.
  // Creates revision 1 from date/time/board/meeting_json; audited as meeting.create.
  virtual Result<MeetingRevision> CreateMeeting(const MeetingRevision& meeting, std::string_view actor);
  // A new revision when `based_on` is still the latest, in one transaction; audited as meeting.update.
  virtual Result<MeetingUpdate> UpdateMeeting(std::string_view meeting_id, int based_on,
                                              const MeetingRevision& meeting, std::string_view actor);
  // Latest revision when `revision` is empty; nullopt when absent.
  virtual Result<std::optional<MeetingRevision>> GetMeeting(std::string_view meeting_id,
                                                            std::optional<int> revision);
  virtual Result<std::vector<MeetingRevision>> ListMeetingRevisions(std::string_view meeting_id);
  // The latest revision of every meeting, newest meeting first (date, time, then creation).
  virtual Result<std::vector<MeetingRevision>> ListMeetings();
  // Decisions recorded in the meeting, in recording order.
  virtual Result<std::vector<Decision>> ListMeetingDecisions(std::string_view meeting_id);

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

  // Account administration (`zebra user ...`); each change is audited in the same transaction
  // with `actor`. Not pure: test fakes need not implement them; the default fails.
  virtual Result<std::vector<User>> ListUsers();
  // Fails with "user not found". Disabling also ends the user's sessions.
  virtual Result<User> SetUserDisabled(std::string_view username, bool disabled, std::string_view actor);
  // Also ends the user's sessions.
  virtual Result<User> SetUserPassword(std::string_view username, std::string_view password_hash,
                                       std::string_view actor);
  virtual Result<User> SetUserRole(std::string_view username, Role role, std::string_view actor);

  // API tokens with scope and expiry. Audited as token.create / token.revoke.
  virtual Result<ApiToken> IssueApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name,
                                         TokenScope scope, std::int64_t expires_unix, std::string_view actor);
  // The token and its (enabled or disabled) user; nullopt when unknown or expired at now_unix.
  virtual Result<std::optional<ApiTokenUse>> FindApiToken(std::string_view token_hash, std::int64_t now_unix);
  virtual Result<std::vector<ApiToken>> ListApiTokens(std::int64_t user_id);
  // false when the user has no token with that id.
  virtual Result<bool> RevokeApiToken(std::int64_t user_id, std::string_view token_id, std::string_view actor);
  virtual Result<void> TouchApiToken(std::string_view token_hash, std::int64_t now_unix);

  // JWT replay protection shared by all replicas: false when (iss, jti) was already seen.
  virtual Result<bool> RememberJti(std::string_view iss, std::string_view jti, std::int64_t exp_unix) = 0;

  // Audit log: append-only, hash-chained (serialised across replicas).
  virtual Result<AuditEntry> AppendAudit(std::string_view actor, std::string_view action,
                                         std::string_view case_id, std::string_view detail) = 0;
  // The newest `limit` entries (all when 0), oldest first; only the case's when case_id is set.
  virtual Result<std::vector<AuditEntry>> ListAudit(std::optional<std::string> case_id, std::size_t limit) = 0;
  // Recomputes the chain; the error names the first broken sequence number. Returns entry count.
  // Also (schema 3) checks the chain starts at the anchor's base and ends at its head, and that
  // every entry's content (case revision, evaluation, decision, feedback) still has its hash.
  virtual Result<std::size_t> VerifyAudit() = 0;

  // Where a case revision came from, as JSON (a SMART launch: {kind, fhir_base, patient,
  // imported_at, mapping_report}); at most one per revision, never changed. Audited as case.source
  // (without the content). Not pure: the default fails.
  virtual Result<void> AddCaseSource(std::string_view case_id, int revision, std::string_view source_json,
                                     std::string_view actor);
  // The source of the case's newest revision that has one; nullopt when none.
  virtual Result<std::optional<std::string>> GetCaseSource(std::string_view case_id);

  // A write that touches the audit table and is rolled back: fails when the store cannot write
  // (locked, read-only, disk or trigger failure). For /v1/health.
  virtual Result<void> ProbeWrite();
  virtual Result<AuditAnchor> GetAuditAnchor();
  // Entries in seq order, only the case's when case_id is set, only those at or after `since`
  // (RFC 3339 prefix comparison, e.g. "2026-01-01") when set; fn returns false to stop.
  virtual Result<std::size_t> ExportAudit(std::optional<std::string> case_id, std::optional<std::string> since,
                                          const std::function<bool(const AuditEntry&)>& fn);
  // Removes every entry older than `before` (RFC 3339 prefix) in one transaction: hands them to
  // `keep` first (which must store them durably; its error rolls everything back), moves the
  // anchor's base to the last pruned entry and appends an audit.prune entry. The only way rows
  // leave audit_log: the delete trigger lets through only rows at or below the anchor's base.
  virtual Result<AuditPruneResult> PruneAudit(
      std::string_view before, std::string_view actor,
      const std::function<Result<void>(const std::vector<AuditEntry>&)>& keep);

 protected:
  SchemaState schema_;
};

// The audit export shared by `zebra audit export` and GET /v1/audit (one implementation): JSON
// Lines, one entry a line, oldest first, with the hashes that let a copy be checked later.
struct AuditQuery {
  std::optional<std::string> case_id;  // only this case's entries
  std::optional<std::string> since;    // only entries at or after: YYYY-MM-DD or RFC 3339 UTC
};
// What is wrong with a query, for a message that names the parameter ("case", "since"); nullopt
// when it is fine.
struct AuditQueryProblem {
  std::string parameter;
  std::string message;
};
std::optional<AuditQueryProblem> CheckAuditQuery(const AuditQuery& query);
// One entry as one line of JSON (no newline): seq, at, actor, action, case_id, detail,
// content_ref, content_hash, prev_hash, hash.
std::string AuditEntryJsonLine(const AuditEntry& entry);
// Hands every matching entry's line (with its newline) to `write` (false: stop, the reader went
// away), then records the export itself as audit.export by `actor`, so reading the log leaves a
// trace. Returns the number of entries. The query must have passed CheckAuditQuery.
// An error that starts with kAuditExportNotRecorded: the entries were read but the export could
// not be recorded (the caller must not hand them out).
Result<std::size_t> ExportAuditJsonLines(Store& store, const AuditQuery& query, std::string_view actor,
                                         const std::function<bool(std::string_view line)>& write);
inline constexpr std::string_view kAuditExportNotRecorded = "the export could not be audited: ";

// A consistent copy of a SQLite store taken while it may be serving (SQLite's online backup API),
// written to `out` (which must not exist). PostgreSQL stores are backed up with pg_dump
// (docs/operations.md): an error says so.
Result<void> BackupStore(std::string_view url, const std::string& out);
// Restores a BackupStore copy into a new or empty SQLite store, then verifies its audit chain.
Result<void> RestoreStore(const std::string& backup, std::string_view url);

// "sqlite:PATH" (file created, WAL, migrations applied) or "postgresql://..." / "postgres://...".
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const OpenOptions& options = {});

}  // namespace zebra::store
