// OpenStore, roles, the migration list and the audit hash chain shared by both backends.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <ctime>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "store/store_internal.h"

namespace zebra::store {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kCoordinator: return "coordinator";
    case Role::kClinician: return "clinician";
    case Role::kAuditor: return "auditor";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "coordinator") return Role::kCoordinator;
  if (name == "clinician") return Role::kClinician;
  if (name == "auditor") return Role::kAuditor;
  return std::nullopt;
}

std::string_view TokenScopeName(TokenScope scope) { return scope == TokenScope::kWrite ? "write" : "read"; }

std::optional<TokenScope> ParseTokenScope(std::string_view name) {
  if (name == "read") return TokenScope::kRead;
  if (name == "write") return TokenScope::kWrite;
  return std::nullopt;
}

namespace {
template <class T>
Result<T> NotSupported() {
  return tl::unexpected(std::string("this store does not support the operation"));
}
}  // namespace

Result<std::vector<User>> Store::ListUsers() { return NotSupported<std::vector<User>>(); }
Result<User> Store::SetUserDisabled(std::string_view, bool, std::string_view) { return NotSupported<User>(); }
Result<User> Store::SetUserPassword(std::string_view, std::string_view, std::string_view) {
  return NotSupported<User>();
}
Result<User> Store::SetUserRole(std::string_view, Role, std::string_view) { return NotSupported<User>(); }
Result<ApiToken> Store::IssueApiToken(std::int64_t, std::string_view, std::string_view, TokenScope, std::int64_t,
                                      std::string_view) {
  return NotSupported<ApiToken>();
}
Result<std::optional<ApiTokenUse>> Store::FindApiToken(std::string_view, std::int64_t) {
  return NotSupported<std::optional<ApiTokenUse>>();
}
Result<std::vector<ApiToken>> Store::ListApiTokens(std::int64_t) { return NotSupported<std::vector<ApiToken>>(); }
Result<bool> Store::RevokeApiToken(std::int64_t, std::string_view, std::string_view) { return NotSupported<bool>(); }
Result<void> Store::TouchApiToken(std::string_view, std::int64_t) { return NotSupported<void>(); }
Result<void> Store::ProbeWrite() { return Ping(); }
Result<void> Store::AddCaseSource(std::string_view, int, std::string_view, std::string_view) {
  return NotSupported<void>();
}
Result<std::optional<std::string>> Store::GetCaseSource(std::string_view) {
  return NotSupported<std::optional<std::string>>();
}
Result<AuditAnchor> Store::GetAuditAnchor() { return NotSupported<AuditAnchor>(); }
Result<std::size_t> Store::ExportAudit(std::optional<std::string>, std::optional<std::string>,
                                       const std::function<bool(const AuditEntry&)>&) {
  return NotSupported<std::size_t>();
}
Result<AuditPruneResult> Store::PruneAudit(std::string_view, std::string_view,
                                           const std::function<Result<void>(const std::vector<AuditEntry>&)>&) {
  return NotSupported<AuditPruneResult>();
}

Result<MeetingRevision> Store::CreateMeeting(const MeetingRevision&, std::string_view) {
  return NotSupported<MeetingRevision>();
}
Result<MeetingUpdate> Store::UpdateMeeting(std::string_view, int, const MeetingRevision&, std::string_view) {
  return NotSupported<MeetingUpdate>();
}
Result<std::optional<MeetingRevision>> Store::GetMeeting(std::string_view, std::optional<int>) {
  return NotSupported<std::optional<MeetingRevision>>();
}
Result<std::vector<MeetingRevision>> Store::ListMeetingRevisions(std::string_view) {
  return NotSupported<std::vector<MeetingRevision>>();
}
Result<std::vector<MeetingRevision>> Store::ListMeetings() { return NotSupported<std::vector<MeetingRevision>>(); }
Result<std::vector<Decision>> Store::ListMeetingDecisions(std::string_view) {
  return NotSupported<std::vector<Decision>>();
}

Result<EvaluatedRevision> Store::CreateCaseWithEvaluation(std::string_view, std::string_view, const Evaluation&) {
  return tl::unexpected(std::string("this store cannot write evaluated revisions"));
}

Result<EvaluatedRevision> Store::UpdateCaseWithEvaluation(std::string_view, std::string_view, std::string_view,
                                                          const Evaluation&) {
  return tl::unexpected(std::string("this store cannot write evaluated revisions"));
}

namespace {
std::optional<std::string> SqlitePath(std::string_view url) {
  if (!url.starts_with("sqlite:")) return std::nullopt;
  std::string path(url.substr(7));
  if (path.starts_with("//")) path.erase(0, 2);
  return path;
}
constexpr const char* kPostgresBackup =
    "PostgreSQL stores are backed up with pg_dump --format=custom and restored with pg_restore into an empty "
    "database (docs/operations.md)";
}  // namespace

Result<void> BackupStore(std::string_view url, const std::string& out) {
  auto path = SqlitePath(url);
  if (!path) return tl::unexpected(std::string(kPostgresBackup));
  if (path->empty()) return tl::unexpected(std::string("sqlite: URL has no file path"));
  return internal::BackupSqlite(*path, out);
}

Result<void> RestoreStore(const std::string& backup, std::string_view url) {
  auto path = SqlitePath(url);
  if (!path) return tl::unexpected(std::string(kPostgresBackup));
  if (path->empty()) return tl::unexpected(std::string("sqlite: URL has no file path"));
  return internal::RestoreSqlite(backup, *path);
}

int LatestSchemaVersion() { return internal::Migrations(internal::Dialect::kSqlite).back().version; }

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const OpenOptions& options) {
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.starts_with("//")) path.erase(0, 2);  // tolerate sqlite://PATH
    if (path.empty()) return tl::unexpected(std::string("sqlite: URL has no file path"));
    return internal::OpenSqliteStore(path, options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return internal::OpenPostgresStore(std::string(url), options);
  return tl::unexpected(std::string("unsupported store URL (use sqlite:PATH or postgresql://...)"));
}

namespace internal {
namespace {

// Tables shared by both dialects; {ID} is the dialect's auto-increment key.
constexpr std::array kInitialSchema = {
    R"(CREATE TABLE case_revisions (
  case_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  label TEXT NOT NULL,
  case_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (case_id, revision)))",
    R"(CREATE TABLE evaluations (
  id {ID},
  case_id TEXT NOT NULL,
  case_revision INTEGER NOT NULL,
  knowledge_version TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  output_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  FOREIGN KEY (case_id, case_revision) REFERENCES case_revisions (case_id, revision)))",
    "CREATE INDEX evaluations_case ON evaluations (case_id, id)",
    R"(CREATE TABLE decisions (
  id {ID},
  case_id TEXT NOT NULL,
  case_revision INTEGER NOT NULL,
  decision_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  FOREIGN KEY (case_id, case_revision) REFERENCES case_revisions (case_id, revision)))",
    "CREATE INDEX decisions_case ON decisions (case_id, id)",
    R"(CREATE TABLE feedback (
  id {ID},
  service_id TEXT NOT NULL,
  feedback_json TEXT NOT NULL,
  created_at TEXT NOT NULL))",
    R"(CREATE TABLE users (
  id {ID},
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'coordinator', 'clinician')),
  created_at TEXT NOT NULL))",
    R"(CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  csrf_token TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id),
  expires_unix BIGINT NOT NULL,
  created_at TEXT NOT NULL))",
    "CREATE INDEX sessions_expiry ON sessions (expires_unix)",
    R"(CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL))",
    R"(CREATE TABLE jwt_jti (
  iss TEXT NOT NULL,
  jti TEXT NOT NULL,
  exp_unix BIGINT NOT NULL,
  PRIMARY KEY (iss, jti)))",
    "CREATE INDEX jwt_jti_expiry ON jwt_jti (exp_unix)",
    R"(CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  case_id TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL))",
    "CREATE INDEX audit_log_case ON audit_log (case_id, seq)",
};

// Stored history is immutable: the audit log may not be changed or deleted; case revisions,
// evaluations and decisions may not be changed.
std::vector<std::string> AppendOnlyTriggers(Dialect dialect) {
  if (dialect == Dialect::kSqlite) {
    std::vector<std::string> out;
    auto forbid = [&](std::string_view table, std::string_view op) {
      out.push_back(fmt::format(
          "CREATE TRIGGER {0}_no_{1} BEFORE {2} ON {0} BEGIN SELECT RAISE(ABORT, '{0} is append-only'); END",
          table, op == "UPDATE" ? "update" : "delete", op));
    };
    forbid("audit_log", "UPDATE");
    forbid("audit_log", "DELETE");
    forbid("case_revisions", "UPDATE");
    forbid("evaluations", "UPDATE");
    forbid("decisions", "UPDATE");
    return out;
  }
  return {
      R"(CREATE FUNCTION zebra_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$)",
      "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
      "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()",
      "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
      "FOR EACH STATEMENT EXECUTE FUNCTION zebra_append_only()",
      "CREATE TRIGGER case_revisions_no_update BEFORE UPDATE ON case_revisions "
      "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()",
      "CREATE TRIGGER evaluations_no_update BEFORE UPDATE ON evaluations "
      "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()",
      "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
      "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()",
  };
}

// Schema 3: tamper evidence and account control.
// - Rows of case_revisions, evaluations, decisions and feedback can be neither changed nor
//   deleted; audit_log rows only by `zebra audit prune`: the delete trigger lets through only rows
//   at or below the anchor's base, which only the prune transaction moves (forward, never back).
// - audit_log gains content_ref/content_hash (entries written before stay valid without them).
// - audit_anchor holds the chain's base (last pruned entry) and head (updated with every append),
//   so a removed tail is detected; its head and base only move forward.
// - users.disabled; api_tokens scope and expiry. Tokens from before keep write scope and expire
//   90 days after the upgrade.
std::vector<std::string> TamperEvidence(Dialect dialect) {
  const std::string genesis(kGenesisHash);
  std::vector<std::string> out = {
      "ALTER TABLE audit_log ADD COLUMN content_ref TEXT NOT NULL DEFAULT ''",
      "ALTER TABLE audit_log ADD COLUMN content_hash TEXT NOT NULL DEFAULT ''",
      R"(CREATE TABLE audit_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  base_seq BIGINT NOT NULL,
  base_hash TEXT NOT NULL,
  head_seq BIGINT NOT NULL,
  head_hash TEXT NOT NULL))",
      fmt::format("INSERT INTO audit_anchor (id, base_seq, base_hash, head_seq, head_hash) SELECT 1, 0, '{0}', "
                  "COALESCE((SELECT MAX(seq) FROM audit_log), 0), "
                  "COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '{0}')",
                  genesis),
      "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
      "ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write'",
      "ALTER TABLE api_tokens ADD COLUMN expires_unix BIGINT NOT NULL DEFAULT 0",
      "ALTER TABLE api_tokens ADD COLUMN last_used_unix BIGINT NOT NULL DEFAULT 0",
      "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
  };
  constexpr std::string_view kPruneOnly = "audit_log is append-only (only zebra audit prune removes old entries)";
  if (dialect == Dialect::kSqlite) {
    out.push_back("UPDATE api_tokens SET expires_unix = CAST(strftime('%s', 'now') AS INTEGER) + 7776000");
    auto forbid = [&](std::string_view table, std::string_view op) {
      out.push_back(fmt::format(
          "CREATE TRIGGER {0}_no_{1} BEFORE {2} ON {0} BEGIN SELECT RAISE(ABORT, '{0} is append-only'); END",
          table, op == "UPDATE" ? "update" : "delete", op));
    };
    out.push_back("DROP TRIGGER audit_log_no_delete");
    out.push_back(fmt::format(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "WHEN OLD.seq > COALESCE((SELECT base_seq FROM audit_anchor WHERE id = 1), 0) "
        "BEGIN SELECT RAISE(ABORT, '{}'); END",
        kPruneOnly));
    forbid("case_revisions", "DELETE");
    forbid("evaluations", "DELETE");
    forbid("decisions", "DELETE");
    forbid("feedback", "UPDATE");
    forbid("feedback", "DELETE");
    forbid("audit_anchor", "DELETE");
    out.push_back(
        "CREATE TRIGGER audit_anchor_forward_only BEFORE UPDATE ON audit_anchor "
        "WHEN NEW.id <> OLD.id OR NEW.head_seq < OLD.head_seq OR NEW.base_seq < OLD.base_seq "
        "OR NEW.base_seq > NEW.head_seq "
        "BEGIN SELECT RAISE(ABORT, 'audit_anchor only moves forward'); END");
    return out;
  }
  out.push_back("UPDATE api_tokens SET expires_unix = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) + 7776000");
  out.push_back("DROP TRIGGER audit_log_no_change ON audit_log");
  out.push_back(
      "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
      "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()");
  out.push_back(fmt::format(R"(CREATE FUNCTION zebra_audit_prune_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seq > COALESCE((SELECT base_seq FROM audit_anchor WHERE id = 1), 0) THEN
    RAISE EXCEPTION '{}';
  END IF;
  RETURN OLD;
END $$)",
                            kPruneOnly));
  out.push_back(
      "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
      "FOR EACH ROW EXECUTE FUNCTION zebra_audit_prune_only()");
  for (std::string_view table : {"case_revisions", "evaluations", "decisions"}) {
    out.push_back(fmt::format("CREATE TRIGGER {0}_no_delete BEFORE DELETE ON {0} "
                              "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()",
                              table));
    out.push_back(fmt::format("CREATE TRIGGER {0}_no_truncate BEFORE TRUNCATE ON {0} "
                              "FOR EACH STATEMENT EXECUTE FUNCTION zebra_append_only()",
                              table));
  }
  out.push_back("CREATE TRIGGER feedback_no_change BEFORE UPDATE OR DELETE ON feedback "
                "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()");
  out.push_back("CREATE TRIGGER feedback_no_truncate BEFORE TRUNCATE ON feedback "
                "FOR EACH STATEMENT EXECUTE FUNCTION zebra_append_only()");
  out.push_back(R"(CREATE FUNCTION zebra_anchor_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.head_seq < OLD.head_seq OR NEW.base_seq < OLD.base_seq
     OR NEW.base_seq > NEW.head_seq THEN
    RAISE EXCEPTION 'audit_anchor only moves forward';
  END IF;
  RETURN NEW;
END $$)");
  out.push_back("CREATE TRIGGER audit_anchor_forward_only BEFORE UPDATE OR DELETE ON audit_anchor "
                "FOR EACH ROW EXECUTE FUNCTION zebra_anchor_forward_only()");
  out.push_back("CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor "
                "FOR EACH STATEMENT EXECUTE FUNCTION zebra_append_only()");
  return out;
}

// Schema 4: tumour-board meetings. Meetings are revisioned like cases (append-only, audited with
// a content hash); decisions may name the meeting they were recorded in and the decision they
// amend (each decision is amended at most once, so amendments form a chain).
std::vector<std::string> Meetings(Dialect dialect) {
  std::vector<std::string> out = {
      R"(CREATE TABLE meeting_revisions (
  meeting_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  meeting_date TEXT NOT NULL,
  meeting_time TEXT NOT NULL,
  board TEXT NOT NULL,
  meeting_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (meeting_id, revision)))",
      "CREATE INDEX meeting_revisions_date ON meeting_revisions (meeting_date, meeting_time)",
      "ALTER TABLE decisions ADD COLUMN meeting_id TEXT NOT NULL DEFAULT ''",
      "ALTER TABLE decisions ADD COLUMN amends BIGINT",
      "CREATE INDEX decisions_meeting ON decisions (meeting_id, id)",
      "CREATE UNIQUE INDEX decisions_amends ON decisions (amends)",
  };
  if (dialect == Dialect::kSqlite) {
    for (std::string_view op : {"UPDATE", "DELETE"})
      out.push_back(fmt::format("CREATE TRIGGER meeting_revisions_no_{0} BEFORE {1} ON meeting_revisions "
                                "BEGIN SELECT RAISE(ABORT, 'meeting_revisions is append-only'); END",
                                op == "UPDATE" ? "update" : "delete", op));
    return out;
  }
  for (std::string_view op : {"update", "delete"})
    out.push_back(fmt::format("CREATE TRIGGER meeting_revisions_no_{} BEFORE {} ON meeting_revisions "
                              "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()",
                              op, op == "update" ? "UPDATE" : "DELETE"));
  out.push_back("CREATE TRIGGER meeting_revisions_no_truncate BEFORE TRUNCATE ON meeting_revisions "
                "FOR EACH STATEMENT EXECUTE FUNCTION zebra_append_only()");
  return out;
}

// Schema 5: the auditor role (reads the audit log, nothing else). users.role has a CHECK
// constraint: PostgreSQL replaces it; SQLite cannot alter a constraint, so the table is rebuilt
// (SQLite's documented procedure: the runner turns foreign keys off around migrations and checks
// them before commit, because sessions and api_tokens reference users).
std::vector<std::string> AuditorRole(Dialect dialect) {
  constexpr std::string_view kRoles = "'viewer', 'coordinator', 'clinician', 'auditor'";
  if (dialect == Dialect::kPostgres)
    return {"ALTER TABLE users DROP CONSTRAINT users_role_check",
            fmt::format("ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ({}))", kRoles)};
  return {
      fmt::format(R"(CREATE TABLE users_v5 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ({})),
  created_at TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0))",
                  kRoles),
      "INSERT INTO users_v5 (id, username, password_hash, role, created_at, disabled) "
      "SELECT id, username, password_hash, role, created_at, disabled FROM users",
      "DROP TABLE users",
      "ALTER TABLE users_v5 RENAME TO users",
  };
}

// Schema 6: where a case revision came from (a SMART launch: the FHIR server, the patient and the
// mapping report), kept beside the revision and, like it, never changed.
std::vector<std::string> CaseSources(Dialect dialect) {
  std::vector<std::string> out = {R"(CREATE TABLE case_sources (
  case_id TEXT NOT NULL,
  case_revision INTEGER NOT NULL,
  source_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (case_id, case_revision),
  FOREIGN KEY (case_id, case_revision) REFERENCES case_revisions (case_id, revision)))"};
  if (dialect == Dialect::kSqlite) {
    out.push_back("CREATE TRIGGER case_sources_no_update BEFORE UPDATE ON case_sources BEGIN "
                  "SELECT RAISE(ABORT, 'case_sources is append-only'); END");
    out.push_back("CREATE TRIGGER case_sources_no_delete BEFORE DELETE ON case_sources BEGIN "
                  "SELECT RAISE(ABORT, 'case_sources is append-only'); END");
  } else {
    out.push_back("CREATE TRIGGER case_sources_no_change BEFORE UPDATE OR DELETE ON case_sources "
                  "FOR EACH ROW EXECUTE FUNCTION zebra_append_only()");
    out.push_back("CREATE TRIGGER case_sources_no_truncate BEFORE TRUNCATE ON case_sources "
                  "FOR EACH STATEMENT EXECUTE FUNCTION zebra_append_only()");
  }
  return out;
}

std::vector<Migration> BuildMigrations(Dialect dialect) {
  const std::string id = dialect == Dialect::kSqlite
                             ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                             : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  Migration initial{1, "initial schema", {}};
  for (std::string_view stmt : kInitialSchema) {
    std::string s(stmt);
    for (auto pos = s.find("{ID}"); pos != std::string::npos; pos = s.find("{ID}", pos))
      s.replace(pos, 4, id);
    initial.statements.push_back(std::move(s));
  }
  return {std::move(initial), Migration{2, "append-only history", AppendOnlyTriggers(dialect)},
          Migration{3, "tamper evidence and account control", TamperEvidence(dialect)},
          Migration{4, "tumour-board meetings", Meetings(dialect)},
          Migration{5, "auditor role", AuditorRole(dialect)},
          Migration{6, "case sources", CaseSources(dialect)}};
}

}  // namespace

const std::vector<Migration>& Migrations(Dialect dialect) {
  static const std::vector<Migration> sqlite = BuildMigrations(Dialect::kSqlite);
  static const std::vector<Migration> postgres = BuildMigrations(Dialect::kPostgres);
  return dialect == Dialect::kSqlite ? sqlite : postgres;
}

void CheckSchemaVersion(int current, const OpenOptions& options, SchemaState& state) {
  const int latest = LatestSchemaVersion();
  state.before = current;
  state.after = current;
  if (current > latest)
    throw std::runtime_error(fmt::format("database schema version {} is newer than this zebra (knows {})", current, latest));
  if (current < latest && !options.migrate)
    throw std::runtime_error(fmt::format("store schema version {} is older than this zebra's {}: run `zebra migrate` "
                                         "first (migrations are off: --no-migrate)",
                                         current, latest));
  state.after = latest;
}

std::string NowRfc3339() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::int64_t NowUnix() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
Result<std::string> NewId(std::string_view prefix) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return tl::unexpected(std::string("random number generator failed"));
  std::string id(prefix);
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

bool ValidId(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 32 || !id.starts_with(prefix)) return false;
  for (char c : id.substr(prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

Result<std::string> NewCaseId() { return NewId("c_"); }
Result<std::string> NewMeetingId() { return NewId("m_"); }
bool ValidCaseId(std::string_view case_id) { return ValidId(case_id, "c_"); }
bool ValidMeetingId(std::string_view meeting_id) { return ValidId(meeting_id, "m_"); }

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string AuditHash(const AuditEntry& e) {
  // Entries without content keep the original rule, so entries written before schema 3 verify.
  if (e.content_ref.empty())
    return Sha256Hex(fmt::format("{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at, e.actor, e.action,
                                 e.case_id, e.detail));
  return Sha256Hex(fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at, e.actor, e.action,
                               e.case_id, e.detail, e.content_ref, e.content_hash));
}

std::string RevisionRef(std::string_view case_id, int revision) {
  return fmt::format("case_revisions/{}/{}", case_id, revision);
}

std::string DecisionDetail(const Decision& d) {
  std::string out = fmt::format("decision {} revision {}", d.id, d.case_revision);
  if (!d.meeting_id.empty()) out += " meeting " + d.meeting_id;
  if (d.amends) out += fmt::format(" amends {}", *d.amends);
  return out;
}

std::string MeetingRef(std::string_view meeting_id, int revision) {
  return fmt::format("meeting_revisions/{}/{}", meeting_id, revision);
}

std::string RowRef(std::string_view table, std::int64_t id) { return fmt::format("{}/{}", table, id); }

std::optional<ContentRef> ParseContentRef(std::string_view ref) {
  auto number = [](std::string_view s) -> std::optional<std::int64_t> {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  const auto slash = ref.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ContentRef out;
  out.table = std::string(ref.substr(0, slash));
  std::string_view rest = ref.substr(slash + 1);
  if (out.table == "case_revisions" || out.table == "meeting_revisions") {
    const auto second = rest.find('/');
    if (second == std::string_view::npos) return std::nullopt;
    out.case_id = std::string(rest.substr(0, second));
    rest = rest.substr(second + 1);
  } else if (out.table != "evaluations" && out.table != "decisions" && out.table != "feedback" &&
             out.table != "audit_log") {
    return std::nullopt;
  }
  auto id = number(rest);
  if (!id) return std::nullopt;
  out.id = *id;
  return out;
}

std::string CaseLabel(std::string_view case_json) {
  auto j = nlohmann::json::parse(case_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto it = j.find("id");
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

ChainVerifier::ChainVerifier(AuditAnchor anchor)
    : anchor_(anchor), last_seq_(anchor.base_seq), prev_hash_(anchor.base_hash) {
  if (prev_hash_.empty()) prev_hash_ = std::string(kGenesisHash);
}

Result<void> ChainVerifier::Next(const AuditEntry& e, const ContentLookup& lookup) {
  const std::int64_t expected_seq = last_seq_ + 1;
  if (e.seq != expected_seq)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: expected seq {} (entry missing)",
                                      expected_seq, expected_seq));
  if (e.prev_hash != prev_hash_)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: prev_hash does not match seq {}",
                                      e.seq, e.seq - 1));
  if (AuditHash(e) != e.hash)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: hash does not match content", e.seq));
  if (!e.content_ref.empty()) {
    auto ref = ParseContentRef(e.content_ref);
    if (!ref)
      return tl::unexpected(
          fmt::format("audit chain broken at seq {}: unknown content reference {}", e.seq, e.content_ref));
    if (ref->table == "audit_log") {
      // A prune's entry vouches for the anchor's base (earlier prunes name older bases).
      if (anchor_ && ref->id == anchor_->base_seq && e.content_hash == anchor_->base_hash) base_vouched_ = true;
    } else if (lookup) {
      std::optional<std::string> content = lookup(*ref);
      if (!content)
        return tl::unexpected(fmt::format("audit chain broken at seq {}: {} is missing (deleted)", e.seq,
                                          e.content_ref));
      if (Sha256Hex(*content) != e.content_hash)
        return tl::unexpected(fmt::format("audit chain broken at seq {}: {} does not match its recorded hash "
                                          "(content changed)",
                                          e.seq, e.content_ref));
    }
  }
  prev_hash_ = e.hash;
  last_seq_ = e.seq;
  ++count_;
  return {};
}

Result<void> ChainVerifier::Finish() const {
  if (!anchor_) return {};
  if (last_seq_ != anchor_->head_seq || prev_hash_ != anchor_->head_hash) {
    if (last_seq_ < anchor_->head_seq)
      return tl::unexpected(fmt::format("audit chain broken at seq {}: the anchor records the head at seq {} but "
                                        "the log ends at seq {} (entries removed from the tail)",
                                        last_seq_ + 1, anchor_->head_seq, last_seq_));
    return tl::unexpected(fmt::format("audit chain broken at seq {}: the log's head does not match the anchor "
                                      "(head seq {})",
                                      last_seq_, anchor_->head_seq));
  }
  if (anchor_->base_seq > 0 && !base_vouched_)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: the anchor's base is not vouched for by an "
                                      "audit.prune entry",
                                      anchor_->base_seq + 1));
  return {};
}

}  // namespace internal
}  // namespace zebra::store
