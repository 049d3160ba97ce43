// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a write is on disk
// before it is acknowledged. One writer connection guarded by a mutex keeps every write
// transaction serial (the audit chain and revision numbers need serial writers anyway); reads use
// a small pool of query-only connections, which WAL lets run beside the writer.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>

#include "store/records.h"
#include "store/sql_store.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace zebra::store::internal {
namespace {

// Thrown by the statement helpers below and turned into an error value at the Store boundary,
// so no exception leaves this file.
struct SqlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
      throw SqlError(fmt::format("sqlite: {}", sqlite3_errmsg(db)));
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Stmt& Bind(int i, std::string_view v) {
    // A default string_view has a null data pointer, which SQLite would store as NULL.
    const char* data = v.data() ? v.data() : "";
    Check(sqlite3_bind_text(stmt_, i, data, static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, std::int64_t v) {
    Check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }

  // True when a row is available, false when done.
  bool Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SqlError(fmt::format("sqlite: {}", sqlite3_errmsg(db_)));
  }
  void Run() {
    while (Step()) {
    }
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // The current row's columns (a Row for the readers in records.h).
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool Bool(int col) const { return Int(col) != 0; }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) throw SqlError(fmt::format("sqlite: {}", sqlite3_errmsg(db_)));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

template <class... Args>
void BindAll(Stmt& s, const Args&... args) {
  int i = 0;
  (s.Bind(++i, args), ...);
}

// Every row of `sql` with `args` bound, each read by `read`.
template <class Read, class... Args>
auto All(sqlite3* db, std::string_view sql, Read read, const Args&... args) {
  Stmt q(db, sql);
  BindAll(q, args...);
  std::vector<std::invoke_result_t<Read&, const Stmt&>> out;
  while (q.Step()) out.push_back(read(q));
  return out;
}

// The first row of `sql` with `args` bound, read by `read`; nullopt when there is none.
template <class Read, class... Args>
auto First(sqlite3* db, std::string_view sql, Read read, const Args&... args)
    -> std::optional<std::invoke_result_t<Read&, const Stmt&>> {
  Stmt q(db, sql);
  BindAll(q, args...);
  if (!q.Step()) return std::nullopt;
  return read(q);
}

// An exception's message, as the error a store call returns.
std::string What(const std::exception& e) { return e.what(); }

class SqliteStore final : public SqlStore<SqliteStore> {
 public:
  // One case revision (sql_store.h).
  Result<EvaluatedRevision> WriteRevision(const std::string& case_id, bool create, std::string_view case_json,
                                          std::string_view actor, const Evaluation* evaluation) {
    return Run([&] {
      Tx tx(*this);
      const int revision = create ? 1 : NextRevisionLocked(case_id);
      EvaluatedRevision out{{case_id, revision, std::string(case_json), std::string(actor), NowRfc3339()}, {}};
      InsertRevision(out.revision);
      AuditRevisionLocked(actor, create ? "case.create" : "case.update", out.revision);
      if (evaluation) out.evaluation = InsertEvaluationLocked(out.revision, actor, *evaluation);
      tx.Commit();
      return out;
    });
  }

  // The shared reads (sql_store.h) on a reader connection.
  template <class Reader, class... Args>
  auto QueryAll(const std::string& sql, Reader read, const Args&... args) {
    return RunRead([&](sqlite3* db) { return All(db, sql, read, args...); });
  }
  template <class Reader, class... Args>
  auto QueryFirst(const std::string& sql, Reader read, const Args&... args) {
    return RunRead([&](sqlite3* db) { return First(db, sql, read, args...); });
  }

  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override {
    for (sqlite3* r : readers_idle_) sqlite3_close_v2(r);
    sqlite3_close_v2(db_);
  }

  Result<void> Init(const OpenOptions& options) {
    return Run([&] {
      Exec("PRAGMA busy_timeout = 10000");
      {
        Stmt s(db_, "PRAGMA journal_mode = WAL");
        // An in-memory database (tests) has no journal file; a file must be in WAL mode.
        const bool ok = s.Step() && (s.Text(0) == "wal" || (InMemory() && s.Text(0) == "memory"));
        if (!ok) throw SqlError("sqlite: could not enable WAL mode");
      }
      Exec("PRAGMA synchronous = FULL");
      Exec("PRAGMA foreign_keys = ON");
      Migrate(options);
    });
  }

  std::string_view Kind() const override { return "sqlite"; }

  Result<void> Ping() override {
    return RunRead([&](sqlite3* db) {
      Stmt s(db, "SELECT 1");
      s.Step();
    });
  }

  Result<Evaluation> AddEvaluation(const Evaluation& evaluation) override {
    if (!ValidCaseId(evaluation.case_id)) return tl::unexpected(std::string("case not found"));
    return Run([&] {
      Tx tx(*this);
      Evaluation e = evaluation;
      InsertEvaluationLocked(e);
      tx.Commit();
      return e;
    });
  }

  Result<Decision> AddDecision(const Decision& decision) override {
    if (!ValidCaseId(decision.case_id)) return tl::unexpected(std::string("case not found"));
    return Run([&] {
      Tx tx(*this);
      Decision d = decision;
      d.created_at = NowRfc3339();
      if (d.amends) {
        // Checked under the write lock, so two amendments of one decision cannot both succeed.
        Stmt q(db_,
               "SELECT (SELECT COUNT(*) FROM decisions WHERE id = ? AND case_id = ?), "
               "(SELECT COUNT(*) FROM decisions WHERE amends = ?)");
        BindAll(q, *d.amends, d.case_id, *d.amends);
        q.Step();
        if (q.Int(0) == 0) throw SqlError(std::string(kAmendedDecisionNotFound));
        if (q.Int(1) != 0) throw SqlError(std::string(kDecisionAlreadyAmended));
      }
      Stmt ins(db_,
               "INSERT INTO decisions (case_id, case_revision, decision_json, created_by, created_at, meeting_id, "
               "amends) VALUES (?, ?, ?, ?, ?, ?, ?)");
      BindAll(ins, d.case_id, d.case_revision, d.decision_json, d.created_by, d.created_at, d.meeting_id);
      if (d.amends) ins.Bind(7, *d.amends);
      ins.Run();
      d.id = sqlite3_last_insert_rowid(db_);
      AppendAuditLocked(d.created_by, d.amends ? "decision.amend" : "decision.create", d.case_id,
                        DecisionDetail(d), RowRef("decisions", d.id), Sha256Hex(d.decision_json));
      tx.Commit();
      return d;
    });
  }

  Result<void> AddCaseSource(std::string_view case_id, int revision, std::string_view source_json,
                             std::string_view actor) override {
    if (!ValidCaseId(case_id)) return tl::unexpected(std::string("case not found"));
    return Run([&] {
      Tx tx(*this);
      Stmt ins(db_,
               "INSERT INTO case_sources (case_id, case_revision, source_json, created_by, created_at) "
               "VALUES (?, ?, ?, ?, ?)");
      BindAll(ins, case_id, revision, source_json, actor, NowRfc3339());
      ins.Run();
      AppendAuditLocked(actor, "case.source", case_id, fmt::format("revision {}", revision));
      tx.Commit();
    });
  }

  Result<MeetingRevision> CreateMeeting(const MeetingRevision& meeting, std::string_view actor) override {
    auto id = NewMeetingId();
    if (!id) return tl::unexpected(id.error());
    return Run([&] {
      Tx tx(*this);
      MeetingRevision m = MeetingRevisionOf(meeting, *id, 1, actor);
      InsertMeetingLocked(m);
      AuditMeetingLocked("meeting.create", m);
      tx.Commit();
      return m;
    });
  }

  Result<MeetingUpdate> UpdateMeeting(std::string_view meeting_id, int based_on, const MeetingRevision& meeting,
                                      std::string_view actor) override {
    if (!ValidMeetingId(meeting_id)) return MeetingUpdate{};
    return Run([&] {
      Tx tx(*this);
      std::optional<MeetingRevision> latest = First(db_, kLatestMeetingRevision, ReadMeeting, meeting_id);
      if (!latest) return MeetingUpdate{};
      if (latest->revision != based_on) return MeetingUpdate{MeetingUpdate::Status::kStale, std::move(*latest)};
      MeetingRevision m = MeetingRevisionOf(meeting, meeting_id, latest->revision + 1, actor);
      InsertMeetingLocked(m);
      AuditMeetingLocked("meeting.update", m);
      tx.Commit();
      return MeetingUpdate{MeetingUpdate::Status::kWritten, std::move(m)};
    });
  }

  Result<std::int64_t> AddFeedback(std::string_view service_id, std::string_view feedback_json) override {
    return Run([&] {
      Tx tx(*this);
      Stmt ins(db_, "INSERT INTO feedback (service_id, feedback_json, created_at) VALUES (?, ?, ?)");
      BindAll(ins, service_id, feedback_json, NowRfc3339());
      ins.Run();
      const std::int64_t id = sqlite3_last_insert_rowid(db_);
      AppendAuditLocked("cds-client", "feedback.create", "", fmt::format("feedback {} service {}", id, service_id),
                        RowRef("feedback", id), Sha256Hex(feedback_json));
      tx.Commit();
      return id;
    });
  }

  Result<User> CreateUser(std::string_view username, std::string_view password_hash, Role role) override {
    return Run([&] {
      Tx tx(*this);
      Stmt ins(db_, "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)");
      BindAll(ins, username, password_hash, RoleName(role), NowRfc3339());
      ins.Run();
      User u{sqlite3_last_insert_rowid(db_), std::string(username), std::string(password_hash), role};
      AppendAuditLocked("system", "user.create", "", fmt::format("user {} role {}", u.id, RoleName(role)));
      tx.Commit();
      return u;
    });
  }

  Result<void> CreateSession(const Session& session) override {
    return Run([&] {
      if (++session_writes_ % kPurgeEvery == 0) {
        Stmt del(db_, "DELETE FROM sessions WHERE expires_unix <= ?");
        del.Bind(1, NowUnix());
        del.Run();
      }
      Stmt ins(db_,
               "INSERT INTO sessions (token_hash, csrf_token, user_id, expires_unix, created_at) "
               "VALUES (?, ?, ?, ?, ?)");
      BindAll(ins, session.token_hash, session.csrf_token, session.user_id, session.expires_unix, NowRfc3339());
      ins.Run();
    });
  }

  Result<void> DeleteSession(std::string_view token_hash) override {
    return Run([&] {
      Stmt del(db_, "DELETE FROM sessions WHERE token_hash = ?");
      del.Bind(1, token_hash);
      del.Run();
    });
  }

  Result<void> CreateApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name) override {
    return Run([&] {
      Stmt ins(db_,
               "INSERT INTO api_tokens (token_hash, user_id, name, created_at, scope, expires_unix) "
               "VALUES (?, ?, ?, ?, 'write', ?)");
      BindAll(ins, token_hash, user_id, name, NowRfc3339(), NowUnix() + kDefaultTokenSeconds);
      ins.Run();
    });
  }

  Result<ApiToken> IssueApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name,
                                 TokenScope scope, std::int64_t expires_unix, std::string_view actor) override {
    return Run([&] {
      Tx tx(*this);
      const ApiToken t = NewApiToken(user_id, token_hash, name, scope, expires_unix);
      Stmt ins(db_,
               "INSERT INTO api_tokens (token_hash, user_id, name, created_at, scope, expires_unix) "
               "VALUES (?, ?, ?, ?, ?, ?)");
      BindAll(ins, token_hash, user_id, name, t.created_at, TokenScopeName(scope), expires_unix);
      ins.Run();
      AppendAuditLocked(actor, "token.create", "", TokenDetail(t));
      tx.Commit();
      return t;
    });
  }

  Result<bool> RevokeApiToken(std::int64_t user_id, std::string_view token_id, std::string_view actor) override {
    if (!token_id.starts_with("tk_") || token_id.size() != 19) return false;
    return Run([&] {
      Tx tx(*this);
      Stmt del(db_, "DELETE FROM api_tokens WHERE user_id = ? AND substr(token_hash, 1, 16) = ?");
      BindAll(del, user_id, token_id.substr(3));
      del.Run();
      const bool revoked = sqlite3_changes(db_) > 0;
      if (revoked) AppendAuditLocked(actor, "token.revoke", "", fmt::format("token {} user {}", token_id, user_id));
      tx.Commit();
      return revoked;
    });
  }

  Result<void> TouchApiToken(std::string_view token_hash, std::int64_t now_unix) override {
    return Run([&] {
      Stmt up(db_, "UPDATE api_tokens SET last_used_unix = ? WHERE token_hash = ?");
      BindAll(up, now_unix, token_hash);
      up.Run();
    });
  }

  Result<User> SetUserDisabled(std::string_view username, bool disabled, std::string_view actor) override {
    return ChangeUser(username, actor, disabled ? "user.disable" : "user.enable", [&](const User& u) {
      Stmt up(db_, "UPDATE users SET disabled = ? WHERE id = ?");
      BindAll(up, disabled ? 1 : 0, u.id);
      up.Run();
      if (disabled) EndSessionsLocked(u.id);
      return std::string();
    });
  }

  Result<User> SetUserPassword(std::string_view username, std::string_view password_hash,
                               std::string_view actor) override {
    return ChangeUser(username, actor, "user.passwd", [&](const User& u) {
      Stmt up(db_, "UPDATE users SET password_hash = ? WHERE id = ?");
      BindAll(up, password_hash, u.id);
      up.Run();
      EndSessionsLocked(u.id);
      return std::string();
    });
  }

  Result<User> SetUserRole(std::string_view username, Role role, std::string_view actor) override {
    return ChangeUser(username, actor, "user.role", [&](const User& u) {
      Stmt up(db_, "UPDATE users SET role = ? WHERE id = ?");
      BindAll(up, RoleName(role), u.id);
      up.Run();
      return fmt::format(" role {} (was {})", RoleName(role), RoleName(u.role));
    });
  }

  Result<bool> RememberJti(std::string_view iss, std::string_view jti, std::int64_t exp_unix) override {
    return Run([&] {
      if (++jti_writes_ % kPurgeEvery == 0) {
        Stmt del(db_, "DELETE FROM jwt_jti WHERE exp_unix < ?");
        del.Bind(1, NowUnix() - kJtiRetentionSeconds);
        del.Run();
      }
      Stmt ins(db_, "INSERT INTO jwt_jti (iss, jti, exp_unix) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
      BindAll(ins, iss, jti, exp_unix);
      ins.Run();
      return sqlite3_changes(db_) == 1;
    });
  }

  Result<AuditEntry> AppendAudit(std::string_view actor, std::string_view action, std::string_view case_id,
                                 std::string_view detail) override {
    return Run([&] {
      Tx tx(*this);
      AuditEntry e = AppendAuditLocked(actor, action, case_id, detail);
      tx.Commit();
      return e;
    });
  }

  Result<std::size_t> VerifyAudit() override {
    // One read transaction, so appends during the walk do not move the head under it.
    return RunRead([&](sqlite3* db) {
      ReadTx tx(db);
      ChainVerifier verifier(AnchorOn(db));
      Stmt revision(db, "SELECT case_json FROM case_revisions WHERE case_id = ? AND revision = ?");
      Stmt evaluation(db, "SELECT output_json FROM evaluations WHERE id = ?");
      Stmt decision(db, "SELECT decision_json FROM decisions WHERE id = ?");
      Stmt feedback(db, "SELECT feedback_json FROM feedback WHERE id = ?");
      Stmt meeting(db, "SELECT meeting_json FROM meeting_revisions WHERE meeting_id = ? AND revision = ?");
      auto lookup = [&](const ContentRef& ref) -> std::optional<std::string> {
        Stmt* q = ref.table == "case_revisions"      ? &revision
                  : ref.table == "meeting_revisions" ? &meeting
                  : ref.table == "evaluations"       ? &evaluation
                  : ref.table == "decisions"         ? &decision
                  : ref.table == "feedback"          ? &feedback
                                                     : nullptr;
        if (!q) return std::nullopt;
        q->Reset();
        if (ref.table == "case_revisions" || ref.table == "meeting_revisions") {
          BindAll(*q, ref.case_id, ref.id);
        } else {
          q->Bind(1, ref.id);
        }
        if (!q->Step()) return std::nullopt;
        return q->Text(0);
      };
      Stmt q(db, fmt::format("{} ORDER BY seq", kAuditSelect));
      while (q.Step()) {
        if (auto ok = verifier.Next(ReadAudit(q), lookup); !ok) throw SqlError(ok.error());
      }
      if (auto ok = verifier.Finish(); !ok) throw SqlError(ok.error());
      return verifier.count();
    });
  }

  Result<void> ProbeWrite() override {
    return Run([&] {
      Tx tx(*this);  // takes the write lock: fails when another writer holds it past the busy timeout
      Stmt ins(db_,
               "INSERT INTO audit_log (seq, at, actor, action, case_id, detail, prev_hash, hash) "
               "VALUES (-1, '', 'health', 'health.probe', '', '', '', '')");
      ins.Run();
      // ~Tx rolls back: nothing is written.
    });
  }

  Result<std::size_t> ExportAudit(std::optional<std::string> case_id, std::optional<std::string> since,
                                  const std::function<bool(const AuditEntry&)>& fn) override {
    return RunRead([&](sqlite3* db) {
      Stmt q(db, fmt::format("{} WHERE (? = '' OR case_id = ?) AND at >= ? ORDER BY seq", kAuditSelect));
      const std::string id = case_id.value_or("");
      BindAll(q, id, id, since.value_or(""));
      std::size_t n = 0;
      while (q.Step()) {
        ++n;
        if (!fn(ReadAudit(q))) break;
      }
      return n;
    });
  }

  Result<AuditPruneResult> PruneAudit(
      std::string_view before, std::string_view actor,
      const std::function<Result<void>(const std::vector<AuditEntry>&)>& keep) override {
    return Run([&] {
      Tx tx(*this);
      AuditPruneResult out;
      // A prefix of the chain: everything up to the newest entry older than `before`.
      const std::vector<AuditEntry> rows =
          All(db_,
              fmt::format("{} WHERE seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE at < ?) ORDER BY seq",
                          kAuditSelect),
              ReadAudit, before);
      if (rows.empty()) return out;
      if (auto kept = keep(rows); !kept) throw SqlError(kept.error());
      out = PrunedRange(rows);
      Stmt base(db_, "UPDATE audit_anchor SET base_seq = ?, base_hash = ? WHERE id = 1");
      BindAll(base, out.last_seq, out.last_hash);
      base.Run();
      Stmt del(db_, "DELETE FROM audit_log WHERE seq <= ?");
      del.Bind(1, out.last_seq);
      del.Run();
      out.prune_entry = AppendAuditLocked(actor, kPruneAction, "", PruneDetail(out, before),
                                          RowRef("audit_log", out.last_seq), out.last_hash);
      tx.Commit();
      return out;
    });
  }

 private:
  // A write transaction; BEGIN IMMEDIATE takes the write lock up front so two processes sharing
  // the file wait (busy timeout) instead of failing on a lock upgrade.
  class Tx {
   public:
    explicit Tx(SqliteStore& s) : s_(s) { s_.Exec("BEGIN IMMEDIATE"); }
    Tx(const Tx&) = delete;
    Tx& operator=(const Tx&) = delete;
    ~Tx() {
      if (!done_) sqlite3_exec(s_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void Commit() {
      s_.Exec("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& s_;
    bool done_ = false;
  };

  // Runs `f` on the writer connection under the write lock.
  template <class F>
  auto Run(F&& f) -> Result<std::invoke_result_t<F&>> {
    std::lock_guard lock(mu_);
    return Guarded(f, What);
  }

  // Runs a read on a pooled query-only connection (the writer, under the mutex, for an in-memory
  // database, which other connections cannot see).
  template <class F>
  auto RunRead(F&& f) -> Result<std::invoke_result_t<F&, sqlite3*>> {
    if (InMemory()) return Run([&] { return f(db_); });
    sqlite3* db = nullptr;
    {
      std::unique_lock lock(readers_mu_);
      readers_cv_.wait(lock, [&] { return !readers_idle_.empty() || readers_open_ < kMaxReaders; });
      if (!readers_idle_.empty()) {
        db = readers_idle_.back();
        readers_idle_.pop_back();
      } else {
        ++readers_open_;
      }
    }
    if (!db) {
      db = OpenReader();
      if (!db) {
        ReleaseReader(nullptr);
        return Run([&] { return f(db_); });  // fall back to the writer connection
      }
    }
    auto out = Guarded([&] { return f(db); }, What);
    ReleaseReader(db);
    return out;
  }

  bool InMemory() const { return path_ == ":memory:"; }

  sqlite3* OpenReader() {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA busy_timeout = 10000; PRAGMA query_only = ON", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
      sqlite3_close_v2(db);
      return nullptr;
    }
    return db;
  }

  void ReleaseReader(sqlite3* db) {
    std::lock_guard lock(readers_mu_);
    if (db) {
      readers_idle_.push_back(db);
    } else {
      --readers_open_;
    }
    readers_cv_.notify_one();
  }

  void Exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string err = fmt::format("sqlite: {}", msg ? msg : sqlite3_errmsg(db_));
      sqlite3_free(msg);
      throw SqlError(err);
    }
  }

  // Foreign keys are off while migrations run (a migration may rebuild a referenced table, the
  // only way SQLite changes a constraint) and checked before the commit.
  void Migrate(const OpenOptions& options) {
    Exec("PRAGMA foreign_keys = OFF");
    try {
      MigrateWithoutForeignKeys(options);
    } catch (...) {
      Exec("PRAGMA foreign_keys = ON");
      throw;
    }
    Exec("PRAGMA foreign_keys = ON");
  }

  void MigrateWithoutForeignKeys(const OpenOptions& options) {
    Tx tx(*this);
    Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
         "applied_at TEXT NOT NULL)");
    std::int64_t current = 0;
    {
      Stmt q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (q.Step()) current = q.Int(0);
    }
    const auto& migrations = Migrations(Dialect::kSqlite);
    try {
      CheckSchemaVersion(static_cast<int>(current), options, schema_);
    } catch (const std::runtime_error& e) {
      throw SqlError(e.what());
    }
    for (const Migration& m : migrations) {
      if (m.version <= current) continue;
      schema_.applied.push_back(fmt::format("{} {}", m.version, m.name));
      for (const std::string& stmt : m.statements) Exec(stmt.c_str());
      Stmt ins(db_, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      BindAll(ins, m.version, m.name, NowRfc3339());
      ins.Run();
    }
    {
      Stmt check(db_, "PRAGMA foreign_key_check");
      if (check.Step()) throw SqlError("sqlite: a migration left a broken foreign key in " + check.Text(0));
    }
    tx.Commit();
  }

  void InsertRevision(const CaseRevision& rev) {
    Stmt ins(db_,
             "INSERT INTO case_revisions (case_id, revision, label, case_json, created_by, created_at) "
             "VALUES (?, ?, ?, ?, ?, ?)");
    BindAll(ins, rev.case_id, rev.revision, CaseLabel(rev.case_json), rev.case_json, rev.created_by,
            rev.created_at);
    ins.Run();
  }

  // Caller holds mu_ and an open write transaction.
  void EndSessionsLocked(std::int64_t user_id) {
    Stmt del(db_, "DELETE FROM sessions WHERE user_id = ?");
    del.Bind(1, user_id);
    del.Run();
  }

  // A change to one account, audited in the same transaction; `change` returns extra detail.
  template <class F>
  Result<User> ChangeUser(std::string_view username, std::string_view actor, std::string_view action, F&& change) {
    return Run([&] {
      Tx tx(*this);
      const std::optional<User> user = First(db_, fmt::format("{} WHERE u.username = ?", kUserSelect), ReadUser,
                                             username);
      if (!user) throw SqlError("user not found");
      const std::string extra = change(*user);
      AppendAuditLocked(actor, action, "", fmt::format("user {}{}", user->id, extra));
      std::optional<User> changed = First(db_, fmt::format("{} WHERE u.id = ?", kUserSelect), ReadUser, user->id);
      if (!changed) throw SqlError("user not found");
      tx.Commit();
      return *changed;
    });
  }

  // A read snapshot on a reader connection (WAL): later commits stay invisible until it ends.
  class ReadTx {
   public:
    explicit ReadTx(sqlite3* db) : db_(db) { sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr); }
    ReadTx(const ReadTx&) = delete;
    ReadTx& operator=(const ReadTx&) = delete;
    ~ReadTx() { sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); }

   private:
    sqlite3* db_;
  };

  static AuditAnchor AnchorOn(sqlite3* db) {
    std::optional<AuditAnchor> anchor = First(db, kAnchorSelect, ReadAnchor);
    if (!anchor) throw SqlError(std::string(kAnchorMissing));
    return *anchor;
  }

  // Caller holds mu_ and an open write transaction.
  void InsertMeetingLocked(const MeetingRevision& m) {
    Stmt ins(db_,
             "INSERT INTO meeting_revisions (meeting_id, revision, meeting_date, meeting_time, board, meeting_json, "
             "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    BindAll(ins, m.meeting_id, m.revision, m.date, m.time, m.board, m.meeting_json, m.created_by, m.created_at);
    ins.Run();
  }

  void AuditMeetingLocked(std::string_view action, const MeetingRevision& m) {
    AppendAuditLocked(m.created_by, action, "", fmt::format("meeting {} revision {}", m.meeting_id, m.revision),
                      MeetingRef(m.meeting_id, m.revision), Sha256Hex(m.meeting_json));
  }

  // Caller holds mu_ and an open write transaction. The revision after the case's latest.
  int NextRevisionLocked(std::string_view case_id) {
    Stmt q(db_, "SELECT MAX(revision) FROM case_revisions WHERE case_id = ?");
    q.Bind(1, case_id);
    if (!q.Step() || q.IsNull(0)) throw SqlError("case not found");
    return static_cast<int>(q.Int(0)) + 1;
  }

  // Caller holds mu_ and an open write transaction. Sets e.id and e.created_at; audited.
  void InsertEvaluationLocked(Evaluation& e) {
    e.created_at = NowRfc3339();
    Stmt ins(db_,
             "INSERT INTO evaluations (case_id, case_revision, knowledge_version, engine_version, "
             "output_json, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    BindAll(ins, e.case_id, e.case_revision, e.knowledge_version, e.engine_version, e.output_json, e.created_by,
            e.created_at);
    ins.Run();
    e.id = sqlite3_last_insert_rowid(db_);
    AppendAuditLocked(e.created_by, "evaluation.create", e.case_id,
                      fmt::format("evaluation {} revision {}", e.id, e.case_revision), RowRef("evaluations", e.id),
                      Sha256Hex(e.output_json));
  }

  // The evaluation of a revision being written in the same transaction.
  Evaluation InsertEvaluationLocked(const CaseRevision& rev, std::string_view actor, const Evaluation& input) {
    Evaluation e = EvaluationOf(rev, actor, input);
    InsertEvaluationLocked(e);
    return e;
  }

  void AuditRevisionLocked(std::string_view actor, std::string_view action, const CaseRevision& rev) {
    AppendAuditLocked(actor, action, rev.case_id, fmt::format("revision {}", rev.revision),
                      RevisionRef(rev.case_id, rev.revision), Sha256Hex(rev.case_json));
  }

  // Caller holds mu_ and an open write transaction. Moves the anchor's head in the same
  // transaction.
  AuditEntry AppendAuditLocked(std::string_view actor, std::string_view action, std::string_view case_id,
                               std::string_view detail, std::string_view content_ref = {},
                               std::string_view content_hash = {}) {
    // The anchor holds the head: after a prune the log may be empty while the chain goes on.
    const std::optional<AuditAnchor> anchor = First(db_, kAnchorSelect, ReadAnchor);
    if (!anchor) throw SqlError("sqlite: the audit anchor is missing");
    const AuditEntry e = NextAuditEntry(anchor->head_seq, anchor->head_hash, actor, action, case_id, detail,
                                        content_ref, content_hash);
    Stmt ins(db_,
             "INSERT INTO audit_log (seq, at, actor, action, case_id, detail, content_ref, content_hash, prev_hash, "
             "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    BindAll(ins, e.seq, e.at, e.actor, e.action, e.case_id, e.detail, e.content_ref, e.content_hash, e.prev_hash,
            e.hash);
    ins.Run();
    Stmt head(db_, "UPDATE audit_anchor SET head_seq = ?, head_hash = ? WHERE id = 1");
    BindAll(head, e.seq, e.hash);
    head.Run();
    if (sqlite3_changes(db_) != 1) throw SqlError("sqlite: the audit anchor is missing");
    return e;
  }

  static constexpr std::size_t kMaxReaders = 4;

  sqlite3* db_;
  std::string path_;
  std::mutex mu_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<sqlite3*> readers_idle_;
  std::size_t readers_open_ = 0;
  std::uint64_t session_writes_ = 0;
  std::uint64_t jti_writes_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const OpenOptions& options) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string err = fmt::format("sqlite: cannot open {}: {}", path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close_v2(db);
    return tl::unexpected(err);
  }
  auto store = std::make_unique<SqliteStore>(db, path);
  if (auto ok = store->Init(options); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<Store>(std::move(store));
}

// Copies every page of `from` into `to` (SQLite's online backup: readers and the writer of `from`
// go on meanwhile; a page changed during the copy restarts it).
Result<void> CopyDatabase(sqlite3* from, sqlite3* to) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (!backup) return tl::unexpected(fmt::format("sqlite: backup cannot start: {}", sqlite3_errmsg(to)));
  int rc;
  do {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return tl::unexpected(fmt::format("sqlite: backup failed: {}", sqlite3_errmsg(to)));
  return {};
}

// An open database handle, closed on scope exit.
struct Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close_v2(handle); }
};

Result<void> OpenDb(const std::string& path, int flags, Db& db) {
  if (sqlite3_open_v2(path.c_str(), &db.handle, flags, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db.handle, 10000);
    return {};
  }
  return tl::unexpected(
      fmt::format("sqlite: cannot open {}: {}", path, db.handle ? sqlite3_errmsg(db.handle) : "out of memory"));
}

// A whole-database copy from `from` (read only) into `to` (opened with `to_flags`).
Result<void> CopyFile(const std::string& from, const std::string& to, int to_flags) {
  Db source, target;
  if (auto r = OpenDb(from, SQLITE_OPEN_READONLY, source); !r) return r;
  if (auto r = OpenDb(to, to_flags, target); !r) return r;
  return CopyDatabase(source.handle, target.handle);
}

Result<void> BackupSqlite(const std::string& path, const std::string& out) {
  if (std::error_code ec; std::filesystem::exists(out, ec))
    return tl::unexpected(fmt::format("{} exists: a backup never overwrites a file", out));
  auto copied = CopyFile(path, out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (std::error_code ec; !copied) std::filesystem::remove(out, ec);
  return copied;
}

Result<void> RestoreSqlite(const std::string& backup, const std::string& path) {
  {
    // Only into a new or empty store: a restore never mixes two histories.
    auto target = OpenSqliteStore(path);
    if (!target) return tl::unexpected(target.error());
    auto cases = (*target)->ListCases();
    auto users = (*target)->ListUsers();
    auto audit = (*target)->ListAudit(std::nullopt, 1);
    if (!cases || !users || !audit) return tl::unexpected(std::string("cannot read the target store"));
    if (!cases->empty() || !users->empty() || !audit->empty())
      return tl::unexpected(fmt::format("{} is not empty: restore only into a new or empty store", path));
  }
  if (auto copied = CopyFile(backup, path, SQLITE_OPEN_READWRITE); !copied) return copied;
  auto restored = OpenSqliteStore(path);  // migrates an older backup to this zebra's schema
  if (!restored) return tl::unexpected(restored.error());
  if (auto verified = (*restored)->VerifyAudit(); !verified)
    return tl::unexpected("the restored audit chain does not verify: " + verified.error());
  return {};
}

}  // namespace zebra::store::internal
