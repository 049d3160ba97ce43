// The shared store for several `zebra serve` replicas: PostgreSQL through libpqxx, a small
// connection pool, the same migration list as SQLite. Every write that touches history takes one
// transaction-scoped advisory lock first, so revision numbers and the audit chain stay linear
// across replicas; sessions, tokens and jti rows do not need it.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <type_traits>

#include <fmt/format.h>

#include "store/store.h"
#include "store/store_internal.h"

namespace zebra::store::internal {
namespace {

// Advisory lock keys (database-wide): "zebr" + purpose.
constexpr std::int64_t kMigrationLock = 0x7a65627200000001;
constexpr std::int64_t kHistoryLock = 0x7a65627200000002;
constexpr std::size_t kMaxConnections = 16;
constexpr std::uint64_t kPurgeEvery = 256;
constexpr std::int64_t kJtiRetentionSeconds = 3600;
constexpr std::int64_t kVerifyPage = 5000;

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The first line of a server message ("ERROR:  duplicate key ..."); details may quote values.
std::string FirstLine(const char* what) {
  std::string s(what);
  s = s.substr(0, s.find('\n'));
  return "postgresql: " + s;
}

class Pool {
 public:
  explicit Pool(std::string url) : url_(std::move(url)) {}

  // Runs fn(connection), reconnecting once when the connection was lost before any commit.
  template <class F>
  auto Use(F&& fn) -> std::invoke_result_t<F&, pqxx::connection&> {
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<pqxx::connection> conn = Acquire();
      try {
        if constexpr (std::is_void_v<std::invoke_result_t<F&, pqxx::connection&>>) {
          fn(*conn);
          Release(std::move(conn));
          return;
        } else {
          auto out = fn(*conn);
          Release(std::move(conn));
          return out;
        }
      } catch (const pqxx::in_doubt_error&) {
        Drop();
        throw;  // the commit may or may not have happened: never retry
      } catch (const pqxx::broken_connection&) {
        Drop();
        if (attempt >= 1) throw;
      } catch (...) {
        // Statement errors leave the connection usable (the transaction object rolled back).
        if (conn->is_open()) {
          Release(std::move(conn));
        } else {
          Drop();
        }
        throw;
      }
    }
  }

 private:
  std::unique_ptr<pqxx::connection> Acquire() {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      ++open_;
    }
    try {
      auto c = std::make_unique<pqxx::connection>(url_);
      pqxx::nontransaction n(*c);
      n.exec("SET client_min_messages TO warning");  // no NOTICE chatter on stderr
      return c;
    } catch (...) {
      Drop();
      throw;
    }
  }
  void Release(std::unique_ptr<pqxx::connection> c) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
    cv_.notify_one();
  }
  void Drop() {
    std::lock_guard lock(mu_);
    --open_;
    cv_.notify_one();
  }

  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_ = 0;
};

CaseRevision ReadRevision(const pqxx::row& r) {
  return CaseRevision{r[0].as<std::string>(), r[1].as<int>(), r[2].as<std::string>(), r[3].as<std::string>(),
                      r[4].as<std::string>()};
}
Evaluation ReadEvaluation(const pqxx::row& r) {
  Evaluation e;
  e.id = r[0].as<std::int64_t>();
  e.case_id = r[1].as<std::string>();
  e.case_revision = r[2].as<int>();
  e.knowledge_version = r[3].as<std::string>();
  e.engine_version = r[4].as<std::string>();
  e.output_json = r[5].as<std::string>();
  e.created_by = r[6].as<std::string>();
  e.created_at = r[7].as<std::string>();
  return e;
}
Decision ReadDecision(const pqxx::row& r) {
  Decision d;
  d.id = r[0].as<std::int64_t>();
  d.case_id = r[1].as<std::string>();
  d.case_revision = r[2].as<int>();
  d.decision_json = r[3].as<std::string>();
  d.created_by = r[4].as<std::string>();
  d.created_at = r[5].as<std::string>();
  return d;
}
User ReadUser(const pqxx::row& r) {
  return User{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
              ParseRole(r[3].as<std::string>()).value_or(Role::kViewer)};
}
AuditEntry ReadAudit(const pqxx::row& r) {
  return AuditEntry{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                    r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                    r[6].as<std::string>(), r[7].as<std::string>()};
}

constexpr const char* kRevisionSelect =
    "SELECT case_id, revision, case_json, created_by, created_at FROM case_revisions ";
constexpr const char* kEvaluationSelect =
    "SELECT id, case_id, case_revision, knowledge_version, engine_version, output_json, created_by, "
    "created_at FROM evaluations ";
constexpr const char* kAuditSelect =
    "SELECT seq, at, actor, action, case_id, detail, prev_hash, hash FROM audit_log ";

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string url) : pool_(std::move(url)) {}

 private:
  template <class F>
  auto Run(F&& f) -> Result<std::invoke_result_t<F&>> {
    using T = std::invoke_result_t<F&>;
    try {
      if constexpr (std::is_void_v<T>) {
        f();
        return {};
      } else {
        return f();
      }
    } catch (const pqxx::failure& e) {
      return tl::unexpected(FirstLine(e.what()));
    } catch (const std::exception& e) {
      return tl::unexpected(std::string(e.what()));
    }
  }

  template <class F>
  auto Read(F&& f) {
    return Run([&] {
      return pool_.Use([&](pqxx::connection& c) {
        pqxx::read_transaction t(c);
        return f(t);
      });
    });
  }

  template <class F>
  auto Write(F&& f) {
    return Run([&] {
      return pool_.Use([&](pqxx::connection& c) {
        pqxx::work w(c);
        if constexpr (std::is_void_v<std::invoke_result_t<F&, pqxx::work&>>) {
          f(w);
          w.commit();
        } else {
          auto out = f(w);
          w.commit();
          return out;
        }
      });
    });
  }

  // A write to history: serialised across replicas by the advisory lock, audited in the same
  // transaction.
  template <class F>
  auto History(F&& f) {
    return Write([&](pqxx::work& w) {
      w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kHistoryLock) + ")");
      return f(w);
    });
  }

  static void InsertRevision(pqxx::work& w, const CaseRevision& rev) {
    w.exec_params(
        "INSERT INTO case_revisions (case_id, revision, label, case_json, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        rev.case_id, rev.revision, CaseLabel(rev.case_json), rev.case_json, rev.created_by, rev.created_at);
  }

  // Caller holds kHistoryLock in this transaction. The revision after the case's latest.
  static int NextRevisionTx(pqxx::work& w, std::string_view case_id) {
    auto r = w.exec_params("SELECT MAX(revision) FROM case_revisions WHERE case_id = $1", std::string(case_id));
    if (r[0][0].is_null()) throw StoreError("case not found");
    return r[0][0].as<int>() + 1;
  }

  // Caller holds kHistoryLock in this transaction. Sets e.id and e.created_at; audited.
  static void InsertEvaluationTx(pqxx::work& w, Evaluation& e) {
    e.created_at = NowRfc3339();
    e.id = w.exec_params(
                "INSERT INTO evaluations (case_id, case_revision, knowledge_version, engine_version, output_json, "
                "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                e.case_id, e.case_revision, e.knowledge_version, e.engine_version, e.output_json, e.created_by,
                e.created_at)[0][0]
               .as<std::int64_t>();
    AppendAuditTx(w, e.created_by, "evaluation.create", e.case_id,
                  fmt::format("evaluation {} revision {}", e.id, e.case_revision));
  }

  // The evaluation of a revision being written in the same transaction.
  static Evaluation InsertEvaluationTx(pqxx::work& w, const CaseRevision& rev, std::string_view actor,
                                       const Evaluation& input) {
    Evaluation e;
    e.case_id = rev.case_id;
    e.case_revision = rev.revision;
    e.knowledge_version = input.knowledge_version;
    e.engine_version = input.engine_version;
    e.output_json = input.output_json;
    e.created_by = actor;
    InsertEvaluationTx(w, e);
    return e;
  }

  // Caller holds kHistoryLock in this transaction.
  static AuditEntry AppendAuditTx(pqxx::work& w, std::string_view actor, std::string_view action,
                                  std::string_view case_id, std::string_view detail) {
    AuditEntry e;
    e.seq = 1;
    e.prev_hash = std::string(kGenesisHash);
    auto head = w.exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (!head.empty()) {
      e.seq = head[0][0].as<std::int64_t>() + 1;
      e.prev_hash = head[0][1].as<std::string>();
    }
    e.at = NowRfc3339();
    e.actor = actor;
    e.action = action;
    e.case_id = case_id;
    e.detail = detail;
    e.hash = AuditHash(e);
    w.exec_params(
        "INSERT INTO audit_log (seq, at, actor, action, case_id, detail, prev_hash, hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        e.seq, e.at, e.actor, e.action, e.case_id, e.detail, e.prev_hash, e.hash);
    return e;
  }

 public:

  Result<void> Init() {
    return Run([&] {
      pool_.Use([&](pqxx::connection& c) {
        pqxx::work w(c);
        // Two replicas starting together: the second waits here, then finds nothing to do.
        w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
        w.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at TEXT NOT NULL)");
        const auto current = w.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].as<int>();
        const auto& migrations = Migrations(Dialect::kPostgres);
        if (current > migrations.back().version)
          throw StoreError(fmt::format("database schema version {} is newer than this zebra (knows {})", current,
                                       migrations.back().version));
        for (const Migration& m : migrations) {
          if (m.version <= current) continue;
          for (const std::string& stmt : m.statements) w.exec(stmt);
          w.exec_params("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", m.version,
                        std::string(m.name), NowRfc3339());
        }
        w.commit();
      });
    });
  }

  std::string_view Kind() const override { return "postgresql"; }

  Result<void> Ping() override {
    return Run([&] {
      pool_.Use([](pqxx::connection& c) {
        pqxx::nontransaction n(c);
        n.exec("SELECT 1");
      });
    });
  }

  Result<CaseRevision> CreateCase(std::string_view case_json, std::string_view actor) override {
    auto id = NewCaseId();
    if (!id) return tl::unexpected(id.error());
    return History([&](pqxx::work& w) {
      CaseRevision rev{*id, 1, std::string(case_json), std::string(actor), NowRfc3339()};
      InsertRevision(w, rev);
      AppendAuditTx(w, actor, "case.create", rev.case_id, "revision 1");
      return rev;
    });
  }

  Result<CaseRevision> UpdateCase(std::string_view case_id, std::string_view case_json,
                                  std::string_view actor) override {
    if (!ValidCaseId(case_id)) return tl::unexpected(std::string("case not found"));
    return History([&](pqxx::work& w) {
      const int next = NextRevisionTx(w, case_id);
      CaseRevision rev{std::string(case_id), next, std::string(case_json), std::string(actor), NowRfc3339()};
      InsertRevision(w, rev);
      AppendAuditTx(w, actor, "case.update", rev.case_id, fmt::format("revision {}", next));
      return rev;
    });
  }

  Result<EvaluatedRevision> CreateCaseWithEvaluation(std::string_view case_json, std::string_view actor,
                                                     const Evaluation& evaluation) override {
    auto id = NewCaseId();
    if (!id) return tl::unexpected(id.error());
    return History([&](pqxx::work& w) {
      CaseRevision rev{*id, 1, std::string(case_json), std::string(actor), NowRfc3339()};
      InsertRevision(w, rev);
      AppendAuditTx(w, actor, "case.create", rev.case_id, "revision 1");
      Evaluation e = InsertEvaluationTx(w, rev, actor, evaluation);
      return EvaluatedRevision{std::move(rev), std::move(e)};
    });
  }

  Result<EvaluatedRevision> UpdateCaseWithEvaluation(std::string_view case_id, std::string_view case_json,
                                                     std::string_view actor, const Evaluation& evaluation) override {
    if (!ValidCaseId(case_id)) return tl::unexpected(std::string("case not found"));
    return History([&](pqxx::work& w) {
      const int next = NextRevisionTx(w, case_id);
      CaseRevision rev{std::string(case_id), next, std::string(case_json), std::string(actor), NowRfc3339()};
      InsertRevision(w, rev);
      AppendAuditTx(w, actor, "case.update", rev.case_id, fmt::format("revision {}", next));
      Evaluation e = InsertEvaluationTx(w, rev, actor, evaluation);
      return EvaluatedRevision{std::move(rev), std::move(e)};
    });
  }

  Result<std::optional<CaseRevision>> GetCase(std::string_view case_id, std::optional<int> revision) override {
    if (!ValidCaseId(case_id)) return std::optional<CaseRevision>();
    return Read([&](pqxx::read_transaction& t) -> std::optional<CaseRevision> {
      pqxx::result r =
          revision ? t.exec_params(std::string(kRevisionSelect) + "WHERE case_id = $1 AND revision = $2",
                                   std::string(case_id), *revision)
                   : t.exec_params(std::string(kRevisionSelect) + "WHERE case_id = $1 ORDER BY revision DESC LIMIT 1",
                                   std::string(case_id));
      if (r.empty()) return std::nullopt;
      return ReadRevision(r[0]);
    });
  }

  Result<std::vector<CaseRevision>> ListRevisions(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<CaseRevision>();
    return Read([&](pqxx::read_transaction& t) {
      std::vector<CaseRevision> out;
      for (const auto& row :
           t.exec_params(std::string(kRevisionSelect) + "WHERE case_id = $1 ORDER BY revision", std::string(case_id)))
        out.push_back(ReadRevision(row));
      return out;
    });
  }

  Result<std::vector<CaseSummary>> ListCases() override {
    return Read([&](pqxx::read_transaction& t) {
      std::vector<CaseSummary> out;
      for (const auto& row : t.exec(R"(
SELECT r.case_id, r.label, r.revision, r.created_at, r.created_by,
  EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = r.case_id),
  (SELECT e.id FROM evaluations e WHERE e.case_id = r.case_id ORDER BY e.id DESC LIMIT 1),
  (SELECT e.created_at FROM evaluations e WHERE e.case_id = r.case_id ORDER BY e.id DESC LIMIT 1)
FROM case_revisions r
WHERE r.revision = (SELECT MAX(r2.revision) FROM case_revisions r2 WHERE r2.case_id = r.case_id)
ORDER BY r.created_at DESC, r.case_id)")) {
        CaseSummary s;
        s.case_id = row[0].as<std::string>();
        s.label = row[1].as<std::string>();
        s.latest_revision = row[2].as<int>();
        s.updated_at = row[3].as<std::string>();
        s.updated_by = row[4].as<std::string>();
        const bool decided = row[5].as<bool>();
        if (!row[6].is_null()) {
          s.last_evaluation_id = row[6].as<std::int64_t>();
          s.last_evaluated_at = row[7].as<std::string>();
        }
        s.status = decided ? "decided" : s.last_evaluation_id ? "evaluated" : "draft";
        out.push_back(std::move(s));
      }
      return out;
    });
  }

  Result<Evaluation> AddEvaluation(const Evaluation& evaluation) override {
    if (!ValidCaseId(evaluation.case_id)) return tl::unexpected(std::string("case not found"));
    return History([&](pqxx::work& w) {
      Evaluation e = evaluation;
      InsertEvaluationTx(w, e);
      return e;
    });
  }

  Result<std::vector<Evaluation>> ListEvaluations(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<Evaluation>();
    return Read([&](pqxx::read_transaction& t) {
      std::vector<Evaluation> out;
      for (const auto& row :
           t.exec_params(std::string(kEvaluationSelect) + "WHERE case_id = $1 ORDER BY id", std::string(case_id)))
        out.push_back(ReadEvaluation(row));
      return out;
    });
  }

  Result<std::optional<Evaluation>> GetEvaluation(std::int64_t id) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<Evaluation> {
      auto r = t.exec_params(std::string(kEvaluationSelect) + "WHERE id = $1", id);
      if (r.empty()) return std::nullopt;
      return ReadEvaluation(r[0]);
    });
  }

  Result<Decision> AddDecision(const Decision& decision) override {
    if (!ValidCaseId(decision.case_id)) return tl::unexpected(std::string("case not found"));
    return History([&](pqxx::work& w) {
      Decision d = decision;
      d.created_at = NowRfc3339();
      d.id = w.exec_params(
                  "INSERT INTO decisions (case_id, case_revision, decision_json, created_by, created_at) "
                  "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                  d.case_id, d.case_revision, d.decision_json, d.created_by, d.created_at)[0][0]
                 .as<std::int64_t>();
      AppendAuditTx(w, d.created_by, "decision.create", d.case_id,
                    fmt::format("decision {} revision {}", d.id, d.case_revision));
      return d;
    });
  }

  Result<std::vector<Decision>> ListDecisions(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<Decision>();
    return Read([&](pqxx::read_transaction& t) {
      std::vector<Decision> out;
      for (const auto& row : t.exec_params(
               "SELECT id, case_id, case_revision, decision_json, created_by, created_at FROM decisions "
               "WHERE case_id = $1 ORDER BY id",
               std::string(case_id)))
        out.push_back(ReadDecision(row));
      return out;
    });
  }

  Result<std::int64_t> AddFeedback(std::string_view service_id, std::string_view feedback_json) override {
    return History([&](pqxx::work& w) {
      const auto id = w.exec_params(
                           "INSERT INTO feedback (service_id, feedback_json, created_at) VALUES ($1, $2, $3) "
                           "RETURNING id",
                           std::string(service_id), std::string(feedback_json), NowRfc3339())[0][0]
                          .as<std::int64_t>();
      AppendAuditTx(w, "cds-client", "feedback.create", "", fmt::format("feedback {} service {}", id, service_id));
      return id;
    });
  }

  Result<User> CreateUser(std::string_view username, std::string_view password_hash, Role role) override {
    return History([&](pqxx::work& w) {
      const auto id = w.exec_params(
                           "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) "
                           "RETURNING id",
                           std::string(username), std::string(password_hash), std::string(RoleName(role)),
                           NowRfc3339())[0][0]
                          .as<std::int64_t>();
      AppendAuditTx(w, "system", "user.create", "", fmt::format("user {} role {}", id, RoleName(role)));
      return User{id, std::string(username), std::string(password_hash), role};
    });
  }

  Result<std::optional<User>> FindUser(std::string_view username) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<User> {
      auto r = t.exec_params("SELECT id, username, password_hash, role FROM users WHERE username = $1",
                             std::string(username));
      if (r.empty()) return std::nullopt;
      return ReadUser(r[0]);
    });
  }

  Result<std::optional<User>> FindUserById(std::int64_t id) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<User> {
      auto r = t.exec_params("SELECT id, username, password_hash, role FROM users WHERE id = $1", id);
      if (r.empty()) return std::nullopt;
      return ReadUser(r[0]);
    });
  }

  Result<void> CreateSession(const Session& session) override {
    return Write([&](pqxx::work& w) {
      if (++session_writes_ % kPurgeEvery == 0)
        w.exec_params("DELETE FROM sessions WHERE expires_unix <= $1", NowUnix());
      w.exec_params(
          "INSERT INTO sessions (token_hash, csrf_token, user_id, expires_unix, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          session.token_hash, session.csrf_token, session.user_id, session.expires_unix, NowRfc3339());
    });
  }

  Result<std::optional<Session>> FindSession(std::string_view token_hash, std::int64_t now_unix) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<Session> {
      auto r = t.exec_params(
          "SELECT token_hash, csrf_token, user_id, expires_unix FROM sessions "
          "WHERE token_hash = $1 AND expires_unix > $2",
          std::string(token_hash), now_unix);
      if (r.empty()) return std::nullopt;
      return Session{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<std::int64_t>(),
                     r[0][3].as<std::int64_t>()};
    });
  }

  Result<void> DeleteSession(std::string_view token_hash) override {
    return Write([&](pqxx::work& w) {
      w.exec_params("DELETE FROM sessions WHERE token_hash = $1", std::string(token_hash));
    });
  }

  Result<void> CreateApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name) override {
    return Write([&](pqxx::work& w) {
      w.exec_params("INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
                    std::string(token_hash), user_id, std::string(name), NowRfc3339());
    });
  }

  Result<std::optional<User>> FindUserByApiToken(std::string_view token_hash) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<User> {
      auto r = t.exec_params(
          "SELECT u.id, u.username, u.password_hash, u.role FROM api_tokens t "
          "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
          std::string(token_hash));
      if (r.empty()) return std::nullopt;
      return ReadUser(r[0]);
    });
  }

  Result<bool> RememberJti(std::string_view iss, std::string_view jti, std::int64_t exp_unix) override {
    return Write([&](pqxx::work& w) {
      if (++jti_writes_ % kPurgeEvery == 0)
        w.exec_params("DELETE FROM jwt_jti WHERE exp_unix < $1", NowUnix() - kJtiRetentionSeconds);
      auto r = w.exec_params("INSERT INTO jwt_jti (iss, jti, exp_unix) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                             std::string(iss), std::string(jti), exp_unix);
      return r.affected_rows() == 1;
    });
  }

  Result<AuditEntry> AppendAudit(std::string_view actor, std::string_view action, std::string_view case_id,
                                 std::string_view detail) override {
    return History([&](pqxx::work& w) { return AppendAuditTx(w, actor, action, case_id, detail); });
  }

  Result<std::vector<AuditEntry>> ListAudit(std::optional<std::string> case_id, std::size_t limit) override {
    return Read([&](pqxx::read_transaction& t) {
      const std::string lim = limit == 0 ? "" : fmt::format(" LIMIT {}", limit);
      pqxx::result r = case_id ? t.exec_params(std::string(kAuditSelect) + "WHERE case_id = $1 ORDER BY seq DESC" + lim,
                                               *case_id)
                               : t.exec(std::string(kAuditSelect) + "ORDER BY seq DESC" + lim);
      std::vector<AuditEntry> out;
      for (const auto& row : r) out.push_back(ReadAudit(row));
      std::reverse(out.begin(), out.end());
      return out;
    });
  }

  Result<std::size_t> VerifyAudit() override {
    // One snapshot for the whole walk, read page by page.
    return Run([&] {
      return pool_.Use([&](pqxx::connection& c) {
        pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> t(c);
        ChainVerifier verifier;
        std::int64_t after = 0;
        for (;;) {
          auto r = t.exec_params(std::string(kAuditSelect) + "WHERE seq > $1 ORDER BY seq LIMIT $2", after,
                                 kVerifyPage);
          for (const auto& row : r) {
            AuditEntry e = ReadAudit(row);
            if (auto ok = verifier.Next(e); !ok) throw StoreError(ok.error());
            after = e.seq;
          }
          if (static_cast<std::int64_t>(r.size()) < kVerifyPage) break;
        }
        t.commit();
        return verifier.count();
      });
    });
  }

 private:
  Pool pool_;
  std::atomic<std::uint64_t> session_writes_{0};
  std::atomic<std::uint64_t> jti_writes_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url) {
  auto store = std::make_unique<PostgresStore>(url);
  if (auto ok = store->Init(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace zebra::store::internal
