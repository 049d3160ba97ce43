// The shared store for several `zebra serve` replicas: PostgreSQL through libpqxx, a small
// connection pool, the same migration list as SQLite. Every write that touches history takes one
// transaction-scoped advisory lock first, so revision numbers and the audit chain stay linear
// across replicas; sessions, tokens and jti rows do not need it.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
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
  d.meeting_id = r[6].as<std::string>();
  if (!r[7].is_null()) d.amends = r[7].as<std::int64_t>();
  return d;
}
// Columns of kMeetingSelect.
MeetingRevision ReadMeeting(const pqxx::row& r) {
  MeetingRevision m;
  m.meeting_id = r[0].as<std::string>();
  m.revision = r[1].as<int>();
  m.date = r[2].as<std::string>();
  m.time = r[3].as<std::string>();
  m.board = r[4].as<std::string>();
  m.meeting_json = r[5].as<std::string>();
  m.created_by = r[6].as<std::string>();
  m.created_at = r[7].as<std::string>();
  return m;
}
// Columns of kUserSelect.
User ReadUser(const pqxx::row& r) {
  return User{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
              ParseRole(r[3].as<std::string>()).value_or(Role::kViewer), r[4].as<std::int64_t>() != 0,
              r[5].as<std::string>()};
}
// Columns of kTokenColumns from `first`.
ApiToken ReadToken(const pqxx::row& r, int first) {
  ApiToken t;
  t.id = r[first].as<std::string>();
  t.user_id = r[first + 1].as<std::int64_t>();
  t.name = r[first + 2].as<std::string>();
  t.scope = ParseTokenScope(r[first + 3].as<std::string>()).value_or(TokenScope::kRead);
  t.created_at = r[first + 4].as<std::string>();
  t.expires_unix = r[first + 5].as<std::int64_t>();
  t.last_used_unix = r[first + 6].as<std::int64_t>();
  return t;
}
AuditEntry ReadAudit(const pqxx::row& r) {
  return AuditEntry{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                    r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                    r[6].as<std::string>(), r[7].as<std::string>(), r[8].as<std::string>(),
                    r[9].as<std::string>()};
}
AuditAnchor ReadAnchor(const pqxx::result& r) {
  if (r.empty()) throw std::runtime_error("audit chain broken: the audit anchor is missing");
  return AuditAnchor{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(), r[0][2].as<std::int64_t>(),
                     r[0][3].as<std::string>()};
}

constexpr const char* kRevisionSelect =
    "SELECT case_id, revision, case_json, created_by, created_at FROM case_revisions ";
constexpr const char* kEvaluationSelect =
    "SELECT id, case_id, case_revision, knowledge_version, engine_version, output_json, created_by, "
    "created_at FROM evaluations ";
constexpr const char* kDecisionSelect =
    "SELECT id, case_id, case_revision, decision_json, created_by, created_at, meeting_id, amends FROM decisions ";
constexpr const char* kMeetingSelect =
    "SELECT meeting_id, revision, meeting_date, meeting_time, board, meeting_json, created_by, created_at "
    "FROM meeting_revisions ";
constexpr const char* kAuditSelect =
    "SELECT seq, at, actor, action, case_id, detail, content_ref, content_hash, prev_hash, hash FROM audit_log ";
constexpr const char* kUserColumns = "u.id, u.username, u.password_hash, u.role, u.disabled, u.created_at";
constexpr const char* kTokenColumns =
    "'tk_' || substr(t.token_hash, 1, 16), t.user_id, t.name, t.scope, t.created_at, t.expires_unix, "
    "t.last_used_unix";
constexpr const char* kAnchorSelect = "SELECT base_seq, base_hash, head_seq, head_hash FROM audit_anchor WHERE id = 1";
constexpr std::int64_t kDefaultTokenSeconds = 90 * 86400;

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
                  fmt::format("evaluation {} revision {}", e.id, e.case_revision), RowRef("evaluations", e.id),
                  Sha256Hex(e.output_json));
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

  static void AuditRevisionTx(pqxx::work& w, std::string_view actor, std::string_view action,
                              const CaseRevision& rev) {
    AppendAuditTx(w, actor, action, rev.case_id, fmt::format("revision {}", rev.revision),
                  RevisionRef(rev.case_id, rev.revision), Sha256Hex(rev.case_json));
  }

  // Caller holds kHistoryLock in this transaction. Moves the anchor's head in the same transaction.
  static AuditEntry AppendAuditTx(pqxx::work& w, std::string_view actor, std::string_view action,
                                  std::string_view case_id, std::string_view detail,
                                  std::string_view content_ref = {}, std::string_view content_hash = {}) {
    AuditEntry e;
    // The anchor holds the head: after a prune the log may be empty while the chain goes on.
    auto head = w.exec("SELECT head_seq, head_hash FROM audit_anchor WHERE id = 1");
    if (head.empty()) throw StoreError("postgresql: the audit anchor is missing");
    e.seq = head[0][0].as<std::int64_t>() + 1;
    e.prev_hash = head[0][1].as<std::string>();
    e.at = NowRfc3339();
    e.actor = actor;
    e.action = action;
    e.case_id = case_id;
    e.detail = detail;
    e.content_ref = content_ref;
    e.content_hash = content_hash;
    e.hash = AuditHash(e);
    w.exec_params(
        "INSERT INTO audit_log (seq, at, actor, action, case_id, detail, content_ref, content_hash, prev_hash, hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        e.seq, e.at, e.actor, e.action, e.case_id, e.detail, e.content_ref, e.content_hash, e.prev_hash, e.hash);
    auto moved = w.exec_params("UPDATE audit_anchor SET head_seq = $1, head_hash = $2 WHERE id = 1", e.seq, e.hash);
    if (moved.affected_rows() != 1) throw StoreError("postgresql: the audit anchor is missing");
    return e;
  }

  static void EndSessionsTx(pqxx::work& w, std::int64_t user_id) {
    w.exec_params("DELETE FROM sessions WHERE user_id = $1", user_id);
  }

  // A change to one account, audited in the same transaction; `change` returns extra detail.
  template <class F>
  Result<User> ChangeUser(std::string_view username, std::string_view actor, std::string_view action, F&& change) {
    return History([&](pqxx::work& w) {
      auto r = w.exec_params(fmt::format("SELECT {} FROM users u WHERE u.username = $1", kUserColumns),
                             std::string(username));
      if (r.empty()) throw StoreError("user not found");
      const User user = ReadUser(r[0]);
      const std::string extra = change(w, user);
      AppendAuditTx(w, actor, action, "", fmt::format("user {}{}", user.id, extra));
      return ReadUser(w.exec_params(fmt::format("SELECT {} FROM users u WHERE u.id = $1", kUserColumns), user.id)[0]);
    });
  }

 public:

  Result<void> Init(const OpenOptions& options) {
    return Run([&] {
      pool_.Use([&](pqxx::connection& c) {
        pqxx::work w(c);
        // Two replicas starting together: the second waits here, then finds nothing to do.
        w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
        w.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
               "applied_at TEXT NOT NULL)");
        const auto current = w.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].as<int>();
        const auto& migrations = Migrations(Dialect::kPostgres);
        try {
          CheckSchemaVersion(current, options, schema_);
        } catch (const std::runtime_error& e) {
          throw StoreError(e.what());
        }
        for (const Migration& m : migrations) {
          if (m.version <= current) continue;
          schema_.applied.push_back(fmt::format("{} {}", m.version, m.name));
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
      AuditRevisionTx(w, actor, "case.create", rev);
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
      AuditRevisionTx(w, actor, "case.update", rev);
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
      AuditRevisionTx(w, actor, "case.create", rev);
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
      AuditRevisionTx(w, actor, "case.update", rev);
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
      if (d.amends) {
        // Checked under the history lock, so two amendments of one decision cannot both succeed.
        auto r = w.exec_params(
            "SELECT (SELECT COUNT(*) FROM decisions WHERE id = $1 AND case_id = $2), "
            "(SELECT COUNT(*) FROM decisions WHERE amends = $1)",
            *d.amends, d.case_id);
        if (r[0][0].as<std::int64_t>() == 0) throw StoreError(std::string(kAmendedDecisionNotFound));
        if (r[0][1].as<std::int64_t>() != 0) throw StoreError(std::string(kDecisionAlreadyAmended));
      }
      d.id = w.exec_params(
                  "INSERT INTO decisions (case_id, case_revision, decision_json, created_by, created_at, meeting_id, "
                  "amends) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                  d.case_id, d.case_revision, d.decision_json, d.created_by, d.created_at, d.meeting_id, d.amends)[0][0]
                 .as<std::int64_t>();
      AppendAuditTx(w, d.created_by, d.amends ? "decision.amend" : "decision.create", d.case_id, DecisionDetail(d),
                    RowRef("decisions", d.id), Sha256Hex(d.decision_json));
      return d;
    });
  }

  Result<void> AddCaseSource(std::string_view case_id, int revision, std::string_view source_json,
                             std::string_view actor) override {
    if (!ValidCaseId(case_id)) return tl::unexpected(std::string("case not found"));
    return History([&](pqxx::work& w) {
      w.exec_params(
          "INSERT INTO case_sources (case_id, case_revision, source_json, created_by, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          std::string(case_id), revision, std::string(source_json), std::string(actor), NowRfc3339());
      AppendAuditTx(w, actor, "case.source", case_id, fmt::format("revision {}", revision));
    });
  }

  Result<std::optional<std::string>> GetCaseSource(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::optional<std::string>();
    return Read([&](pqxx::read_transaction& t) -> std::optional<std::string> {
      auto r = t.exec_params(
          "SELECT source_json FROM case_sources WHERE case_id = $1 ORDER BY case_revision DESC LIMIT 1",
          std::string(case_id));
      if (r.empty()) return std::nullopt;
      return r[0][0].as<std::string>();
    });
  }

  Result<std::vector<Decision>> ListDecisions(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<Decision>();
    return Read([&](pqxx::read_transaction& t) {
      std::vector<Decision> out;
      for (const auto& row :
           t.exec_params(std::string(kDecisionSelect) + "WHERE case_id = $1 ORDER BY id", std::string(case_id)))
        out.push_back(ReadDecision(row));
      return out;
    });
  }

  Result<std::vector<Decision>> ListMeetingDecisions(std::string_view meeting_id) override {
    if (!ValidMeetingId(meeting_id)) return std::vector<Decision>();
    return Read([&](pqxx::read_transaction& t) {
      std::vector<Decision> out;
      for (const auto& row :
           t.exec_params(std::string(kDecisionSelect) + "WHERE meeting_id = $1 ORDER BY id", std::string(meeting_id)))
        out.push_back(ReadDecision(row));
      return out;
    });
  }

  static void InsertMeetingTx(pqxx::work& w, const MeetingRevision& m, std::string_view action) {
    w.exec_params(
        "INSERT INTO meeting_revisions (meeting_id, revision, meeting_date, meeting_time, board, meeting_json, "
        "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        m.meeting_id, m.revision, m.date, m.time, m.board, m.meeting_json, m.created_by, m.created_at);
    AppendAuditTx(w, m.created_by, action, "", fmt::format("meeting {} revision {}", m.meeting_id, m.revision),
                  MeetingRef(m.meeting_id, m.revision), Sha256Hex(m.meeting_json));
  }

  template <class T>
  static std::optional<MeetingRevision> GetMeetingTx(T& t, std::string_view meeting_id, std::optional<int> revision) {
    pqxx::result r =
        revision ? t.exec_params(std::string(kMeetingSelect) + "WHERE meeting_id = $1 AND revision = $2",
                                 std::string(meeting_id), *revision)
                 : t.exec_params(std::string(kMeetingSelect) + "WHERE meeting_id = $1 ORDER BY revision DESC LIMIT 1",
                                 std::string(meeting_id));
    if (r.empty()) return std::nullopt;
    return ReadMeeting(r[0]);
  }

  Result<MeetingRevision> CreateMeeting(const MeetingRevision& meeting, std::string_view actor) override {
    auto id = NewMeetingId();
    if (!id) return tl::unexpected(id.error());
    return History([&](pqxx::work& w) {
      MeetingRevision m = meeting;
      m.meeting_id = *id;
      m.revision = 1;
      m.created_by = actor;
      m.created_at = NowRfc3339();
      InsertMeetingTx(w, m, "meeting.create");
      return m;
    });
  }

  Result<MeetingUpdate> UpdateMeeting(std::string_view meeting_id, int based_on, const MeetingRevision& meeting,
                                      std::string_view actor) override {
    if (!ValidMeetingId(meeting_id)) return MeetingUpdate{};
    return History([&](pqxx::work& w) {
      std::optional<MeetingRevision> latest = GetMeetingTx(w, meeting_id, std::nullopt);
      if (!latest) return MeetingUpdate{};
      if (latest->revision != based_on) return MeetingUpdate{MeetingUpdate::Status::kStale, std::move(*latest)};
      MeetingRevision m = meeting;
      m.meeting_id = meeting_id;
      m.revision = latest->revision + 1;
      m.created_by = actor;
      m.created_at = NowRfc3339();
      InsertMeetingTx(w, m, "meeting.update");
      return MeetingUpdate{MeetingUpdate::Status::kWritten, std::move(m)};
    });
  }

  Result<std::optional<MeetingRevision>> GetMeeting(std::string_view meeting_id,
                                                    std::optional<int> revision) override {
    if (!ValidMeetingId(meeting_id)) return std::optional<MeetingRevision>();
    return Read([&](pqxx::read_transaction& t) { return GetMeetingTx(t, meeting_id, revision); });
  }

  Result<std::vector<MeetingRevision>> ListMeetingRevisions(std::string_view meeting_id) override {
    if (!ValidMeetingId(meeting_id)) return std::vector<MeetingRevision>();
    return Read([&](pqxx::read_transaction& t) {
      std::vector<MeetingRevision> out;
      for (const auto& row : t.exec_params(std::string(kMeetingSelect) + "WHERE meeting_id = $1 ORDER BY revision",
                                           std::string(meeting_id)))
        out.push_back(ReadMeeting(row));
      return out;
    });
  }

  Result<std::vector<MeetingRevision>> ListMeetings() override {
    return Read([&](pqxx::read_transaction& t) {
      std::vector<MeetingRevision> out;
      for (const auto& row : t.exec(std::string(kMeetingSelect) + R"(m
WHERE m.revision = (SELECT MAX(m2.revision) FROM meeting_revisions m2 WHERE m2.meeting_id = m.meeting_id)
ORDER BY m.meeting_date DESC, m.meeting_time DESC,
  (SELECT m1.created_at FROM meeting_revisions m1 WHERE m1.meeting_id = m.meeting_id AND m1.revision = 1) DESC,
  m.meeting_id)"))
        out.push_back(ReadMeeting(row));
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
      AppendAuditTx(w, "cds-client", "feedback.create", "", fmt::format("feedback {} service {}", id, service_id),
                    RowRef("feedback", id), Sha256Hex(feedback_json));
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
      auto r = t.exec_params(fmt::format("SELECT {} FROM users u WHERE u.username = $1", kUserColumns),
                             std::string(username));
      if (r.empty()) return std::nullopt;
      return ReadUser(r[0]);
    });
  }

  Result<std::optional<User>> FindUserById(std::int64_t id) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<User> {
      auto r = t.exec_params(fmt::format("SELECT {} FROM users u WHERE u.id = $1", kUserColumns), id);
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
      w.exec_params(
          "INSERT INTO api_tokens (token_hash, user_id, name, created_at, scope, expires_unix) "
          "VALUES ($1, $2, $3, $4, 'write', $5)",
          std::string(token_hash), user_id, std::string(name), NowRfc3339(), NowUnix() + kDefaultTokenSeconds);
    });
  }

  Result<std::optional<User>> FindUserByApiToken(std::string_view token_hash) override {
    auto found = FindApiToken(token_hash, NowUnix());
    if (!found) return tl::unexpected(found.error());
    if (!*found) return std::optional<User>();
    return std::optional<User>((*found)->user);
  }

  Result<ApiToken> IssueApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name,
                                 TokenScope scope, std::int64_t expires_unix, std::string_view actor) override {
    return History([&](pqxx::work& w) {
      ApiToken t;
      t.id = "tk_" + std::string(token_hash.substr(0, 16));
      t.user_id = user_id;
      t.name = name;
      t.scope = scope;
      t.created_at = NowRfc3339();
      t.expires_unix = expires_unix;
      w.exec_params(
          "INSERT INTO api_tokens (token_hash, user_id, name, created_at, scope, expires_unix) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          std::string(token_hash), user_id, t.name, t.created_at, std::string(TokenScopeName(scope)), expires_unix);
      AppendAuditTx(w, actor, "token.create", "",
                    fmt::format("token {} scope {} user {} expires {}", t.id, TokenScopeName(scope), user_id,
                                expires_unix));
      return t;
    });
  }

  Result<std::optional<ApiTokenUse>> FindApiToken(std::string_view token_hash, std::int64_t now_unix) override {
    return Read([&](pqxx::read_transaction& t) -> std::optional<ApiTokenUse> {
      auto r = t.exec_params(fmt::format("SELECT {}, {} FROM api_tokens t JOIN users u ON u.id = t.user_id "
                                         "WHERE t.token_hash = $1 AND t.expires_unix > $2",
                                         kUserColumns, kTokenColumns),
                             std::string(token_hash), now_unix);
      if (r.empty()) return std::nullopt;
      return ApiTokenUse{ReadUser(r[0]), ReadToken(r[0], 6)};
    });
  }

  Result<std::vector<ApiToken>> ListApiTokens(std::int64_t user_id) override {
    return Read([&](pqxx::read_transaction& t) {
      std::vector<ApiToken> out;
      for (const auto& row : t.exec_params(
               fmt::format("SELECT {} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at, t.token_hash",
                           kTokenColumns),
               user_id))
        out.push_back(ReadToken(row, 0));
      return out;
    });
  }

  Result<bool> RevokeApiToken(std::int64_t user_id, std::string_view token_id, std::string_view actor) override {
    if (!token_id.starts_with("tk_") || token_id.size() != 19) return false;
    return History([&](pqxx::work& w) {
      auto r = w.exec_params("DELETE FROM api_tokens WHERE user_id = $1 AND substr(token_hash, 1, 16) = $2", user_id,
                             std::string(token_id.substr(3)));
      const bool revoked = r.affected_rows() > 0;
      if (revoked) AppendAuditTx(w, actor, "token.revoke", "", fmt::format("token {} user {}", token_id, user_id));
      return revoked;
    });
  }

  Result<void> TouchApiToken(std::string_view token_hash, std::int64_t now_unix) override {
    return Write([&](pqxx::work& w) {
      w.exec_params("UPDATE api_tokens SET last_used_unix = $1 WHERE token_hash = $2", now_unix,
                    std::string(token_hash));
    });
  }

  Result<std::vector<User>> ListUsers() override {
    return Read([&](pqxx::read_transaction& t) {
      std::vector<User> out;
      for (const auto& row : t.exec(fmt::format("SELECT {} FROM users u ORDER BY u.username", kUserColumns)))
        out.push_back(ReadUser(row));
      return out;
    });
  }

  Result<User> SetUserDisabled(std::string_view username, bool disabled, std::string_view actor) override {
    return ChangeUser(username, actor, disabled ? "user.disable" : "user.enable", [&](pqxx::work& w, const User& u) {
      w.exec_params("UPDATE users SET disabled = $1 WHERE id = $2", disabled ? 1 : 0, u.id);
      if (disabled) EndSessionsTx(w, u.id);
      return std::string();
    });
  }

  Result<User> SetUserPassword(std::string_view username, std::string_view password_hash,
                               std::string_view actor) override {
    return ChangeUser(username, actor, "user.passwd", [&](pqxx::work& w, const User& u) {
      w.exec_params("UPDATE users SET password_hash = $1 WHERE id = $2", std::string(password_hash), u.id);
      EndSessionsTx(w, u.id);
      return std::string();
    });
  }

  Result<User> SetUserRole(std::string_view username, Role role, std::string_view actor) override {
    return ChangeUser(username, actor, "user.role", [&](pqxx::work& w, const User& u) {
      w.exec_params("UPDATE users SET role = $1 WHERE id = $2", std::string(RoleName(role)), u.id);
      return fmt::format(" role {} (was {})", RoleName(role), RoleName(u.role));
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
        ChainVerifier verifier(ReadAnchor(t.exec(kAnchorSelect)));
        auto lookup = [&](const ContentRef& ref) -> std::optional<std::string> {
          pqxx::result r;
          if (ref.table == "case_revisions")
            r = t.exec_params("SELECT case_json FROM case_revisions WHERE case_id = $1 AND revision = $2", ref.case_id,
                              ref.id);
          else if (ref.table == "meeting_revisions")
            r = t.exec_params("SELECT meeting_json FROM meeting_revisions WHERE meeting_id = $1 AND revision = $2",
                              ref.case_id, ref.id);
          else if (ref.table == "evaluations")
            r = t.exec_params("SELECT output_json FROM evaluations WHERE id = $1", ref.id);
          else if (ref.table == "decisions")
            r = t.exec_params("SELECT decision_json FROM decisions WHERE id = $1", ref.id);
          else if (ref.table == "feedback")
            r = t.exec_params("SELECT feedback_json FROM feedback WHERE id = $1", ref.id);
          if (r.empty()) return std::nullopt;
          return r[0][0].as<std::string>();
        };
        std::int64_t after = -1;
        for (;;) {
          auto r = t.exec_params(std::string(kAuditSelect) + "WHERE seq > $1 ORDER BY seq LIMIT $2", after,
                                 kVerifyPage);
          for (const auto& row : r) {
            AuditEntry e = ReadAudit(row);
            if (auto ok = verifier.Next(e, lookup); !ok) throw StoreError(ok.error());
            after = e.seq;
          }
          if (static_cast<std::int64_t>(r.size()) < kVerifyPage) break;
        }
        if (auto ok = verifier.Finish(); !ok) throw StoreError(ok.error());
        t.commit();
        return verifier.count();
      });
    });
  }

  Result<void> ProbeWrite() override {
    return Run([&] {
      pool_.Use([&](pqxx::connection& c) {
        pqxx::work w(c);
        w.exec(
            "INSERT INTO audit_log (seq, at, actor, action, case_id, detail, prev_hash, hash) "
            "VALUES (-1, '', 'health', 'health.probe', '', '', '', '')");
        w.abort();  // nothing is written
      });
    });
  }

  Result<AuditAnchor> GetAuditAnchor() override {
    return Read([&](pqxx::read_transaction& t) { return ReadAnchor(t.exec(kAnchorSelect)); });
  }

  Result<std::size_t> ExportAudit(std::optional<std::string> case_id, std::optional<std::string> since,
                                  const std::function<bool(const AuditEntry&)>& fn) override {
    return Run([&] {
      return pool_.Use([&](pqxx::connection& c) {
        pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> t(c);
        std::size_t n = 0;
        std::int64_t after = -1;
        const std::string id = case_id.value_or("");
        for (;;) {
          auto r = t.exec_params(std::string(kAuditSelect) +
                                     "WHERE seq > $1 AND ($2 = '' OR case_id = $2) AND at >= $3 ORDER BY seq LIMIT $4",
                                 after, id, since.value_or(""), kVerifyPage);
          for (const auto& row : r) {
            AuditEntry e = ReadAudit(row);
            after = e.seq;
            ++n;
            if (!fn(e)) return n;
          }
          if (static_cast<std::int64_t>(r.size()) < kVerifyPage) break;
        }
        t.commit();
        return n;
      });
    });
  }

  Result<AuditPruneResult> PruneAudit(
      std::string_view before, std::string_view actor,
      const std::function<Result<void>(const std::vector<AuditEntry>&)>& keep) override {
    return History([&](pqxx::work& w) {
      AuditPruneResult out;
      std::vector<AuditEntry> rows;
      // A prefix of the chain: everything up to the newest entry older than `before`.
      for (const auto& row : w.exec_params(std::string(kAuditSelect) +
                                               "WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_log "
                                               "WHERE at < $1) ORDER BY seq",
                                           std::string(before)))
        rows.push_back(ReadAudit(row));
      if (rows.empty()) return out;
      if (auto kept = keep(rows); !kept) throw StoreError(kept.error());
      out.pruned = rows.size();
      out.first_seq = rows.front().seq;
      out.last_seq = rows.back().seq;
      out.last_hash = rows.back().hash;
      w.exec_params("UPDATE audit_anchor SET base_seq = $1, base_hash = $2 WHERE id = 1", out.last_seq,
                    out.last_hash);
      w.exec_params("DELETE FROM audit_log WHERE seq <= $1", out.last_seq);
      out.prune_entry = AppendAuditTx(
          w, actor, kPruneAction, "",
          fmt::format("pruned {} entries (seq {} to {}) older than {}", out.pruned, out.first_seq, out.last_seq,
                      before),
          RowRef("audit_log", out.last_seq), out.last_hash);
      return out;
    });
  }

 private:
  Pool pool_;
  std::atomic<std::uint64_t> session_writes_{0};
  std::atomic<std::uint64_t> jti_writes_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const OpenOptions& options) {
  auto store = std::make_unique<PostgresStore>(url);
  if (auto ok = store->Init(options); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace zebra::store::internal
