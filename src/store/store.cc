// OpenStore, roles, the migration list and the audit hash chain shared by both backends.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <ctime>

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
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "coordinator") return Role::kCoordinator;
  if (name == "clinician") return Role::kClinician;
  return std::nullopt;
}

Result<EvaluatedRevision> Store::CreateCaseWithEvaluation(std::string_view, std::string_view, const Evaluation&) {
  return tl::unexpected(std::string("this store cannot write evaluated revisions"));
}

Result<EvaluatedRevision> Store::UpdateCaseWithEvaluation(std::string_view, std::string_view, std::string_view,
                                                          const Evaluation&) {
  return tl::unexpected(std::string("this store cannot write evaluated revisions"));
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.starts_with("//")) path.erase(0, 2);  // tolerate sqlite://PATH
    if (path.empty()) return tl::unexpected(std::string("sqlite: URL has no file path"));
    return internal::OpenSqliteStore(path);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return internal::OpenPostgresStore(std::string(url));
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
  return {std::move(initial), Migration{2, "append-only history", AppendOnlyTriggers(dialect)}};
}

}  // namespace

const std::vector<Migration>& Migrations(Dialect dialect) {
  static const std::vector<Migration> sqlite = BuildMigrations(Dialect::kSqlite);
  static const std::vector<Migration> postgres = BuildMigrations(Dialect::kPostgres);
  return dialect == Dialect::kSqlite ? sqlite : postgres;
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

Result<std::string> NewCaseId() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return tl::unexpected(std::string("random number generator failed"));
  std::string id = "c_";
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

bool ValidCaseId(std::string_view case_id) {
  if (case_id.size() != 34 || !case_id.starts_with("c_")) return false;
  for (char c : case_id.substr(2))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

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
  return Sha256Hex(fmt::format("{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at, e.actor, e.action,
                               e.case_id, e.detail));
}

std::string CaseLabel(std::string_view case_json) {
  auto j = nlohmann::json::parse(case_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto it = j.find("id");
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

Result<void> ChainVerifier::Next(const AuditEntry& e) {
  const auto expected_seq = static_cast<std::int64_t>(count_) + 1;
  if (e.seq != expected_seq)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: expected seq {} (entry missing)",
                                      expected_seq, expected_seq));
  if (e.prev_hash != prev_hash_)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: prev_hash does not match seq {}",
                                      e.seq, e.seq - 1));
  if (AuditHash(e) != e.hash)
    return tl::unexpected(fmt::format("audit chain broken at seq {}: hash does not match content", e.seq));
  prev_hash_ = e.hash;
  ++count_;
  return {};
}

}  // namespace internal
}  // namespace zebra::store
