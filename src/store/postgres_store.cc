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

#include "store/records.h"
#include "store/sql_store.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace zebra::store::internal {
namespace {

// Advisory lock keys (database-wide): "zebr" + purpose.
constexpr std::int64_t kMigrationLock = 0x7a65627200000001;
constexpr std::int64_t kHistoryLock = 0x7a65627200000002;
constexpr std::size_t kMaxConnections = 16;
constexpr std::int64_t kVerifyPage = 5000;

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An exception's message as a store error: of a server message ("ERROR:  duplicate key ...") only
// the first line, as details may quote values.
std::string Describe(const std::exception& e) {
  if (!dynamic_cast<const pqxx::failure*>(&e)) return e.what();
  std::string s(e.what());
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

// `sql` with its `?` placeholders numbered for PostgreSQL ($1, $2, ...). The shared SQL has no `?`
// inside a literal.
std::string Numbered(std::string_view sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

// A libpqxx row as a Row for the readers in records.h.
struct PgRow {
  const pqxx::row& row;
  std::string Text(int i) const { return row[i].as<std::string>(); }
  std::int64_t Int(int i) const { return row[i].as<std::int64_t>(); }
  bool Bool(int i) const { return row[i].as<bool>(); }
  bool IsNull(int i) const { return row[i].is_null(); }
};

// Every row of `sql` run with `args` in transaction `t`, each read by `read`.
template <class Tx, class Read, class... Args>
auto All(Tx& t, const std::string& sql, Read read, Args&&... args) {
  std::vector<std::invoke_result_t<Read&, const PgRow&>> out;
  for (const auto& row : t.exec_params(sql, std::forward<Args>(args)...)) out.push_back(read(PgRow{row}));
  return out;
}

// The first row of `sql` run with `args` in transaction `t`, read by `read`; nullopt when there is none.
template <class Tx, class Read, class... Args>
auto First(Tx& t, const std::string& sql, Read read, Args&&... args)
    -> std::optional<std::invoke_result_t<Read&, const PgRow&>> {
  const pqxx::result r = t.exec_params(sql, std::forward<Args>(args)...);
  if (r.empty()) return std::nullopt;
  return read(PgRow{r[0]});
}

// The audit anchor in transaction `t`; an error when it is missing.
template <class Tx>
AuditAnchor AnchorIn(Tx& t) {
  std::optional<AuditAnchor> anchor = First(t, std::string(kAnchorSelect), ReadAnchor);
  if (!anchor) throw std::runtime_error(std::string(kAnchorMissing));
  return *anchor;
}

class PostgresStore final : public SqlStore<PostgresStore> {
 public:
  explicit PostgresStore(std::string url) : pool_(std::move(url)) {}

 private:
  template <class F>
  auto Run(F&& f) -> Result<std::invoke_result_t<F&>> {
    return Guarded(f, Describe);
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
    Evaluation e = EvaluationOf(rev, actor, input);
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
    // The anchor holds the head: after a prune the log may be empty while the chain goes on.
    const std::optional<AuditAnchor> anchor = First(w, std::string(kAnchorSelect), ReadAnchor);
    if (!anchor) throw StoreError("postgresql: the audit anchor is missing");
    const AuditEntry e = NextAuditEntry(anchor->head_seq, anchor->head_hash, actor, action, case_id, detail,
                                        content_ref, content_hash);
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
      const std::optional<User> user =
          First(w, fmt::format("{} WHERE u.username = $1", kUserSelect), ReadUser, std::string(username));
      if (!user) throw StoreError("user not found");
      const std::string extra = change(w, *user);
      AppendAuditTx(w, actor, action, "", fmt::format("user {}{}", user->id, extra));
      std::optional<User> changed = First(w, fmt::format("{} WHERE u.id = $1", kUserSelect), ReadUser, user->id);
      if (!changed) throw StoreError("user not found");
      return *changed;
    });
  }

 public:
  // One case revision (sql_store.h).
  Result<EvaluatedRevision> WriteRevision(const std::string& case_id, bool create, std::string_view case_json,
                                          std::string_view actor, const Evaluation* evaluation) {
    return History([&](pqxx::work& w) {
      const int revision = create ? 1 : NextRevisionTx(w, case_id);
      EvaluatedRevision out{{case_id, revision, std::string(case_json), std::string(actor), NowRfc3339()}, {}};
      InsertRevision(w, out.revision);
      AuditRevisionTx(w, actor, create ? "case.create" : "case.update", out.revision);
      if (evaluation) out.evaluation = InsertEvaluationTx(w, out.revision, actor, *evaluation);
      return out;
    });
  }

  // The shared reads (sql_store.h) in a read-only transaction.
  template <class Reader, class... Args>
  auto QueryAll(const std::string& sql, Reader read, const Args&... args) {
    return Read([&](pqxx::read_transaction& t) { return All(t, Numbered(sql), read, args...); });
  }
  template <class Reader, class... Args>
  auto QueryFirst(const std::string& sql, Reader read, const Args&... args) {
    return Read([&](pqxx::read_transaction& t) { return First(t, Numbered(sql), read, args...); });
  }


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

  Result<Evaluation> AddEvaluation(const Evaluation& evaluation) override {
    if (!ValidCaseId(evaluation.case_id)) return tl::unexpected(std::string("case not found"));
    return History([&](pqxx::work& w) {
      Evaluation e = evaluation;
      InsertEvaluationTx(w, e);
      return e;
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

  static void InsertMeetingTx(pqxx::work& w, const MeetingRevision& m, std::string_view action) {
    w.exec_params(
        "INSERT INTO meeting_revisions (meeting_id, revision, meeting_date, meeting_time, board, meeting_json, "
        "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        m.meeting_id, m.revision, m.date, m.time, m.board, m.meeting_json, m.created_by, m.created_at);
    AppendAuditTx(w, m.created_by, action, "", fmt::format("meeting {} revision {}", m.meeting_id, m.revision),
                  MeetingRef(m.meeting_id, m.revision), Sha256Hex(m.meeting_json));
  }

  Result<MeetingRevision> CreateMeeting(const MeetingRevision& meeting, std::string_view actor) override {
    auto id = NewMeetingId();
    if (!id) return tl::unexpected(id.error());
    return History([&](pqxx::work& w) {
      MeetingRevision m = MeetingRevisionOf(meeting, *id, 1, actor);
      InsertMeetingTx(w, m, "meeting.create");
      return m;
    });
  }

  Result<MeetingUpdate> UpdateMeeting(std::string_view meeting_id, int based_on, const MeetingRevision& meeting,
                                      std::string_view actor) override {
    if (!ValidMeetingId(meeting_id)) return MeetingUpdate{};
    return History([&](pqxx::work& w) {
      std::optional<MeetingRevision> latest = First(w, Numbered(kLatestMeetingRevision), ReadMeeting, std::string(meeting_id));
      if (!latest) return MeetingUpdate{};
      if (latest->revision != based_on) return MeetingUpdate{MeetingUpdate::Status::kStale, std::move(*latest)};
      MeetingRevision m = MeetingRevisionOf(meeting, meeting_id, latest->revision + 1, actor);
      InsertMeetingTx(w, m, "meeting.update");
      return MeetingUpdate{MeetingUpdate::Status::kWritten, std::move(m)};
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

  Result<ApiToken> IssueApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name,
                                 TokenScope scope, std::int64_t expires_unix, std::string_view actor) override {
    return History([&](pqxx::work& w) {
      const ApiToken t = NewApiToken(user_id, token_hash, name, scope, expires_unix);
      w.exec_params(
          "INSERT INTO api_tokens (token_hash, user_id, name, created_at, scope, expires_unix) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          std::string(token_hash), user_id, t.name, t.created_at, std::string(TokenScopeName(scope)), expires_unix);
      AppendAuditTx(w, actor, "token.create", "", TokenDetail(t));
      return t;
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

  Result<std::size_t> VerifyAudit() override {
    // One snapshot for the whole walk, read page by page.
    return Run([&] {
      return pool_.Use([&](pqxx::connection& c) {
        pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> t(c);
        ChainVerifier verifier(AnchorIn(t));
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
          const std::vector<AuditEntry> page =
              All(t, fmt::format("{} WHERE seq > $1 ORDER BY seq LIMIT $2", kAuditSelect), ReadAudit, after,
                  kVerifyPage);
          for (const AuditEntry& e : page) {
            if (auto ok = verifier.Next(e, lookup); !ok) throw StoreError(ok.error());
            after = e.seq;
          }
          if (static_cast<std::int64_t>(page.size()) < kVerifyPage) break;
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

  Result<std::size_t> ExportAudit(std::optional<std::string> case_id, std::optional<std::string> since,
                                  const std::function<bool(const AuditEntry&)>& fn) override {
    return Run([&] {
      return pool_.Use([&](pqxx::connection& c) {
        pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> t(c);
        std::size_t n = 0;
        std::int64_t after = -1;
        const std::string id = case_id.value_or("");
        for (;;) {
          const std::vector<AuditEntry> page =
              All(t,
                  fmt::format("{} WHERE seq > $1 AND ($2 = '' OR case_id = $2) AND at >= $3 ORDER BY seq LIMIT $4",
                              kAuditSelect),
                  ReadAudit, after, id, since.value_or(""), kVerifyPage);
          for (const AuditEntry& e : page) {
            after = e.seq;
            ++n;
            if (!fn(e)) return n;
          }
          if (static_cast<std::int64_t>(page.size()) < kVerifyPage) break;
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
      // A prefix of the chain: everything up to the newest entry older than `before`.
      const std::vector<AuditEntry> rows =
          All(w,
              fmt::format("{} WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE at < $1) ORDER BY seq",
                          kAuditSelect),
              ReadAudit, std::string(before));
      if (rows.empty()) return out;
      if (auto kept = keep(rows); !kept) throw StoreError(kept.error());
      out = PrunedRange(rows);
      w.exec_params("UPDATE audit_anchor SET base_seq = $1, base_hash = $2 WHERE id = 1", out.last_seq,
                    out.last_hash);
      w.exec_params("DELETE FROM audit_log WHERE seq <= $1", out.last_seq);
      out.prune_entry = AppendAuditTx(w, actor, kPruneAction, "", PruneDetail(out, before),
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
