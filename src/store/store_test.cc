// One suite, run against both backends: Sqlite/StoreTest.* always, Postgres/StoreTest.* when
// ZEBRA_TEST_PG_URL names a scratch database (tests/with_postgres.sh provides one).
#include <openssl/evp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing.h"
#include "common/text.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "store/testing.h"

namespace zebra::store {
namespace {

enum class Backend { kSqlite, kPostgres };

std::string Sha256HexForTest(const std::string& s) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md.data(), &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

bool IsRfc3339Millis(const std::string& s) {
  return common::HasShape(s, "9999-99-99T99:99:99.999Z");
}

// SQL that lifts the database's own refusal to change audit rows (defined below).
std::string DropAuditGuards(Backend b);

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      std::random_device rd;
      dir_ = std::filesystem::temp_directory_path() / fmt::format("zebra_store_test_{}_{}", getpid(), rd());
      std::filesystem::create_directories(dir_);
      path_ = (dir_ / "zebra.db").string();
      url_ = "sqlite:" + path_;
    } else {
      const char* pg = std::getenv("ZEBRA_TEST_PG_URL");
      if (!pg || !*pg) GTEST_SKIP() << "ZEBRA_TEST_PG_URL not set";
      base_url_ = pg;
      // Each test gets a fresh schema so tests never see each other's rows.
      EmptyPostgresSchema();
      url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
             "options=-csearch_path%3Dzebra_store_test";
    }
    auto s = OpenStore(url_);
    ASSERT_TRUE(s) << s.error();
    store_ = std::move(*s);
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void EmptyPostgresSchema() {
    pqxx::connection c(base_url_);
    pqxx::work w(c);
    w.exec("DROP SCHEMA IF EXISTS zebra_store_test CASCADE");
    w.exec("CREATE SCHEMA zebra_store_test");
    w.commit();
  }

  // Closes the store, empties it and lays down the tables of schema `version` as that version
  // left them; `sql` gets the statements that record those versions as applied, for the test to
  // add its old rows to before it runs them.
  void LayOldSchema(int version, std::string& sql) {
    store_.reset();
    if (GetParam() == Backend::kSqlite) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    } else {
      EmptyPostgresSchema();
    }
    const auto dialect = GetParam() == Backend::kSqlite ? internal::Dialect::kSqlite : internal::Dialect::kPostgres;
    sql = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);";
    for (const auto& m : internal::Migrations(dialect)) {
      if (m.version > version) break;
      for (const auto& stmt : m.statements) ASSERT_EQ(RawExec(stmt), "") << stmt;
      sql += fmt::format("INSERT INTO schema_migrations VALUES ({}, 'old', 'x');", m.version);
    }
  }

  // Two Store objects on the same database stand in for two replicas (or two processes): `threads`
  // threads, alternately on this test's store and a second one, each call write(store, thread, i)
  // for i below `writes`; `failures` gets the sum of the failed writes they report.
  void WriteFromTwoStores(int threads, int writes, const std::function<int(Store&, int, int)>& write, int& failures) {
    auto second = OpenStore(url_);
    ASSERT_TRUE(second) << second.error();
    Store* stores[2] = {store_.get(), second->get()};
    std::atomic<int> failed{0};
    std::vector<std::thread> running;
    for (int t = 0; t < threads; ++t)
      running.emplace_back([&, t] {
        for (int i = 0; i < writes; ++i) failed += write(*stores[t % 2], t, i);
      });
    for (auto& th : running) th.join();
    failures = failed.load();
  }

  // Runs `sql` on the audit log past its guards, as a forger could: the next VerifyAudit must fail
  // with an error that names each of `named` and none of `unnamed`.
  void ExpectTamperingFound(const std::string& sql, const std::vector<std::string>& named,
                            const std::vector<std::string>& unnamed = {}) {
    ASSERT_EQ(RawExec(DropAuditGuards(GetParam()) + sql), "");
    auto verified = store_->VerifyAudit();
    ASSERT_FALSE(verified);
    for (const auto& n : named) EXPECT_NE(verified.error().find(n), std::string::npos) << n << ": " << verified.error();
    for (const auto& n : unnamed) EXPECT_EQ(verified.error().find(n), std::string::npos) << n << ": " << verified.error();
  }

  // Runs SQL on a separate raw connection, bypassing the store; the error text or "".
  std::string RawExec(const std::string& sql) {
    if (GetParam() == Backend::kSqlite) return store::testing::ExecSqliteFile(path_, sql);
    try {
      pqxx::connection c(url_);
      pqxx::work w(c);
      w.exec(sql);
      w.commit();
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  }

  std::int64_t RawCount(const std::string& sql) {
    if (GetParam() == Backend::kSqlite) {
      sqlite3* db = nullptr;
      sqlite3_open(path_.c_str(), &db);
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
      std::int64_t n = -1;
      if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
      sqlite3_close(db);
      return n;
    }
    pqxx::connection c(url_);
    pqxx::work w(c);
    return w.exec(sql)[0][0].as<std::int64_t>();
  }

  CaseRevision MustCreate(const std::string& json, const std::string& actor = "alice") {
    auto r = store_->CreateCase(json, actor);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : CaseRevision{};
  }

  Evaluation MakeEvaluation(const CaseRevision& rev, std::string output) {
    Evaluation e;
    e.case_id = rev.case_id;
    e.case_revision = rev.revision;
    e.knowledge_version = "2024.1";
    e.engine_version = "0.1.0";
    e.output_json = std::move(output);
    e.created_by = "bob";
    return e;
  }

  std::filesystem::path dir_;
  std::string path_, url_, base_url_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, KindAndPing) {
  EXPECT_EQ(store_->Kind(), GetParam() == Backend::kSqlite ? "sqlite" : "postgresql");
  EXPECT_TRUE(store_->Ping());
}

TEST_P(StoreTest, EveryChangeIsANewRevision) {
  const std::string v1 = R"({"schema":"zebra.case/v1","id":"demo-1","patient":{"age":61}})";
  const std::string v2 = R"({"schema":"zebra.case/v1","id":"demo-1","patient":{"age":62}})";
  const std::string v3 = R"({"schema":"zebra.case/v1","id":"demo-1b"})";
  CaseRevision r1 = MustCreate(v1, "alice");
  EXPECT_TRUE(common::testing::IsPrefixedHex(r1.case_id, "c_", 32)) << r1.case_id;
  EXPECT_EQ(r1.revision, 1);
  EXPECT_EQ(r1.created_by, "alice");
  EXPECT_TRUE(IsRfc3339Millis(r1.created_at)) << r1.created_at;

  auto r2 = store_->UpdateCase(r1.case_id, v2, "bob");
  ASSERT_TRUE(r2) << r2.error();
  EXPECT_EQ(r2->revision, 2);
  auto r3 = store_->UpdateCase(r1.case_id, v3, "carol");
  ASSERT_TRUE(r3) << r3.error();
  EXPECT_EQ(r3->revision, 3);

  auto latest = store_->GetCase(r1.case_id, std::nullopt);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->revision, 3);
  EXPECT_EQ((*latest)->case_json, v3);
  EXPECT_EQ((*latest)->created_by, "carol");

  auto first = store_->GetCase(r1.case_id, 1);
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->case_json, v1);
  EXPECT_EQ((*first)->created_by, "alice");

  auto missing_rev = store_->GetCase(r1.case_id, 4);
  ASSERT_TRUE(missing_rev);
  EXPECT_FALSE(*missing_rev);
  auto missing_case = store_->GetCase("c_00000000000000000000000000000000", std::nullopt);
  ASSERT_TRUE(missing_case);
  EXPECT_FALSE(*missing_case);
  auto junk = store_->GetCase("'; DROP TABLE case_revisions; --", std::nullopt);
  ASSERT_TRUE(junk);
  EXPECT_FALSE(*junk);

  auto revs = store_->ListRevisions(r1.case_id);
  ASSERT_TRUE(revs) << revs.error();
  ASSERT_EQ(revs->size(), 3u);
  EXPECT_EQ((*revs)[0].revision, 1);
  EXPECT_EQ((*revs)[1].case_json, v2);
  EXPECT_EQ((*revs)[2].created_by, "carol");

  EXPECT_FALSE(store_->UpdateCase("c_00000000000000000000000000000000", v1, "bob"));
  // Ids are random: a second case never reuses the first's id.
  EXPECT_NE(MustCreate(v1).case_id, r1.case_id);
}

TEST_P(StoreTest, ListCasesSummarisesStatus) {
  CaseRevision a = MustCreate(R"({"id":"board-7","x":1})");
  CaseRevision b = MustCreate(R"({"x":2})");  // no own id
  CaseRevision c = MustCreate("not json at all");
  ASSERT_TRUE(store_->UpdateCase(a.case_id, R"({"id":"board-7","x":3})", "dana"));

  auto ea = store_->AddEvaluation(MakeEvaluation(a, "{}"));
  ASSERT_TRUE(ea) << ea.error();
  auto eb1 = store_->AddEvaluation(MakeEvaluation(b, "{\"n\":1}"));
  auto eb2 = store_->AddEvaluation(MakeEvaluation(b, "{\"n\":2}"));
  ASSERT_TRUE(eb1 && eb2);
  Decision d;
  d.case_id = a.case_id;
  d.case_revision = 2;
  d.decision_json = R"({"option_id":"ssa"})";
  d.created_by = "erin";
  ASSERT_TRUE(store_->AddDecision(d));

  auto list = store_->ListCases();
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 3u);
  std::map<std::string, CaseSummary> by_id;
  for (const auto& s : *list) by_id[s.case_id] = s;
  ASSERT_EQ(by_id.size(), 3u);
  const CaseSummary& sa = by_id[a.case_id];
  EXPECT_EQ(sa.label, "board-7");
  EXPECT_EQ(sa.latest_revision, 2);
  EXPECT_EQ(sa.updated_by, "dana");
  EXPECT_EQ(sa.status, "decided");
  EXPECT_EQ(sa.last_evaluation_id, ea->id);
  EXPECT_EQ(sa.last_evaluated_at, ea->created_at);
  const CaseSummary& sb = by_id[b.case_id];
  EXPECT_EQ(sb.label, "");
  EXPECT_EQ(sb.status, "evaluated");
  EXPECT_EQ(sb.last_evaluation_id, eb2->id);
  const CaseSummary& sc = by_id[c.case_id];
  EXPECT_EQ(sc.status, "draft");
  EXPECT_EQ(sc.latest_revision, 1);
  EXPECT_FALSE(sc.last_evaluation_id);
  EXPECT_EQ(sc.last_evaluated_at, "");
}

TEST_P(StoreTest, EvaluationOutputRoundTripsByteForByte) {
  CaseRevision r = MustCreate(R"({"id":"x"})");
  std::string output = "{\n  \"text\": \"caf\xC3\xA9 \\u00e9 \\\"q\\\" \xF0\x9F\xA6\x93\",\t\"n\": 1.50e+01 ,\r\n";
  output += "\"pad\":\"" + std::string(200000, 'z') + "\"}  \n";
  auto e = store_->AddEvaluation(MakeEvaluation(r, output));
  ASSERT_TRUE(e) << e.error();
  EXPECT_GT(e->id, 0);
  EXPECT_TRUE(IsRfc3339Millis(e->created_at));
  auto got = store_->GetEvaluation(e->id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->output_json.size(), output.size());
  EXPECT_TRUE((*got)->output_json == output);
  EXPECT_EQ((*got)->knowledge_version, "2024.1");
  EXPECT_EQ((*got)->engine_version, "0.1.0");
  EXPECT_EQ((*got)->case_revision, 1);
  EXPECT_EQ((*got)->created_by, "bob");
  EXPECT_EQ((*got)->created_at, e->created_at);

  auto second = store_->AddEvaluation(MakeEvaluation(r, "[]"));
  ASSERT_TRUE(second);
  EXPECT_GT(second->id, e->id);
  auto list = store_->ListEvaluations(r.case_id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE((*list)[0].output_json == output);
  EXPECT_EQ((*list)[1].output_json, "[]");

  auto none = store_->GetEvaluation(e->id + 1000);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  // An evaluation of a revision that does not exist is refused.
  Evaluation bad = MakeEvaluation(r, "{}");
  bad.case_revision = 5;
  EXPECT_FALSE(store_->AddEvaluation(bad));
}

TEST_P(StoreTest, CaseSources) {
  CaseRevision r = MustCreate(R"({"id":"s"})");
  auto none = store_->GetCaseSource(r.case_id);
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(*none);
  const std::string source = R"({"kind":"smart","patient":"Patient/p1"})";
  auto added = store_->AddCaseSource(r.case_id, 1, source, "erin");
  ASSERT_TRUE(added) << added.error();
  auto got = store_->GetCaseSource(r.case_id);
  ASSERT_TRUE(got) << got.error();
  ASSERT_TRUE(*got);
  EXPECT_EQ(**got, source);
  // One per revision, only for a revision that exists; audited.
  EXPECT_FALSE(store_->AddCaseSource(r.case_id, 1, source, "erin"));
  EXPECT_FALSE(store_->AddCaseSource(r.case_id, 2, source, "erin"));
  auto audit = store_->ListAudit(r.case_id, 0);
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->back().action, "case.source");
  EXPECT_EQ(audit->back().detail, "revision 1");
  EXPECT_TRUE(store_->VerifyAudit());
}

TEST_P(StoreTest, Decisions) {
  CaseRevision r = MustCreate(R"({"id":"d"})");
  Decision d;
  d.case_id = r.case_id;
  d.case_revision = 1;
  d.decision_json = R"({"option_id":"prrt","attendees":[{"role":"oncologist","name":"Dr A"}],"notes":""})";
  d.created_by = "erin";
  auto added = store_->AddDecision(d);
  ASSERT_TRUE(added) << added.error();
  EXPECT_GT(added->id, 0);
  EXPECT_TRUE(IsRfc3339Millis(added->created_at));
  auto list = store_->ListDecisions(r.case_id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].decision_json, d.decision_json);
  EXPECT_EQ((*list)[0].created_by, "erin");
  EXPECT_EQ((*list)[0].id, added->id);
  d.case_revision = 2;
  EXPECT_FALSE(store_->AddDecision(d));
  auto other = store_->ListDecisions("c_00000000000000000000000000000000");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
}

TEST_P(StoreTest, FeedbackIsStoredAndAudited) {
  auto f1 = store_->AddFeedback("net-tumor-board", R"({"feedback":[{"card":"a","outcome":"accepted"}]})");
  auto f2 = store_->AddFeedback("net-order-check", R"({"feedback":[]})");
  ASSERT_TRUE(f1 && f2);
  EXPECT_GT(*f2, *f1);
  auto audit = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "feedback.create");
  EXPECT_NE((*audit)[1].detail.find("net-order-check"), std::string::npos);
}

TEST_P(StoreTest, UsersSessionsAndTokens) {
  auto u = store_->CreateUser("alice", "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", Role::kClinician);
  ASSERT_TRUE(u) << u.error();
  EXPECT_GT(u->id, 0);
  EXPECT_FALSE(store_->CreateUser("alice", "x", Role::kViewer));  // usernames are unique
  auto v = store_->CreateUser("victor", "h2", Role::kViewer);
  ASSERT_TRUE(v);

  auto found = store_->FindUser("alice");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, u->id);
  EXPECT_EQ((*found)->role, Role::kClinician);
  EXPECT_EQ((*found)->password_hash, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
  auto by_id = store_->FindUserById(v->id);
  ASSERT_TRUE(by_id && *by_id);
  EXPECT_EQ((*by_id)->username, "victor");
  EXPECT_EQ((*by_id)->role, Role::kViewer);
  auto nobody = store_->FindUser("mallory");
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(*nobody);

  Session s{"tokhash1", "csrf1", u->id, 1000};
  ASSERT_TRUE(store_->CreateSession(s));
  auto live = store_->FindSession("tokhash1", 999);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->csrf_token, "csrf1");
  EXPECT_EQ((*live)->user_id, u->id);
  EXPECT_EQ((*live)->expires_unix, 1000);
  auto expired = store_->FindSession("tokhash1", 1000);
  ASSERT_TRUE(expired);
  EXPECT_FALSE(*expired);
  auto unknown = store_->FindSession("other", 0);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
  ASSERT_TRUE(store_->DeleteSession("tokhash1"));
  auto deleted = store_->FindSession("tokhash1", 0);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(*deleted);

  ASSERT_TRUE(store_->CreateApiToken(v->id, "apihash", "ci"));
  auto tok = store_->FindUserByApiToken("apihash");
  ASSERT_TRUE(tok && *tok);
  EXPECT_EQ((*tok)->username, "victor");
  auto badtok = store_->FindUserByApiToken("nope");
  ASSERT_TRUE(badtok);
  EXPECT_FALSE(*badtok);
  EXPECT_FALSE(store_->CreateApiToken(424242, "orphan", "x"));  // no such user
}

TEST_P(StoreTest, JtiReplayIsRefused) {
  auto first = store_->RememberJti("https://ehr.example", "j1", 2000000000);
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(*first);
  auto replay = store_->RememberJti("https://ehr.example", "j1", 2000000000);
  ASSERT_TRUE(replay);
  EXPECT_FALSE(*replay);
  auto other_issuer = store_->RememberJti("https://other.example", "j1", 2000000000);
  ASSERT_TRUE(other_issuer);
  EXPECT_TRUE(*other_issuer);
  // Many distinct jtis (exercises the periodic purge of long-expired rows, which must not
  // forget live ones).
  for (int i = 0; i < 260; ++i) {
    auto r = store_->RememberJti("iss", fmt::format("old{}", i), 1000);
    ASSERT_TRUE(r && *r);
  }
  EXPECT_LT(RawCount("SELECT COUNT(*) FROM jwt_jti"), 100);
  auto still = store_->RememberJti("https://ehr.example", "j1", 2000000000);
  ASSERT_TRUE(still);
  EXPECT_FALSE(*still);
}

TEST_P(StoreTest, AuditChainLinksAndVerifies) {
  CaseRevision r = MustCreate(R"({"id":"a"})", "alice");
  ASSERT_TRUE(store_->UpdateCase(r.case_id, R"({"id":"a2"})", "bob"));
  auto ev = store_->AddEvaluation(MakeEvaluation(r, "{}"));
  ASSERT_TRUE(ev);
  auto read = store_->AppendAudit("carol", "case.read", r.case_id, "revision 2");
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->seq, 4);
  CaseRevision other = MustCreate("{}", "dana");

  auto all = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].prev_hash, std::string(64, '0'));
  for (std::size_t i = 0; i < all->size(); ++i) {
    const AuditEntry& e = (*all)[i];
    EXPECT_EQ(e.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_TRUE(IsRfc3339Millis(e.at));
    if (i > 0) {
      EXPECT_EQ(e.prev_hash, (*all)[i - 1].hash);
    }
    // Entries that vouch for stored content hash it in as well (schema 3).
    if (e.content_ref.empty()) {
      EXPECT_EQ(e.hash, Sha256HexForTest(fmt::format("{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at, e.actor,
                                                     e.action, e.case_id, e.detail)));
    } else {
      EXPECT_EQ(e.hash, Sha256HexForTest(fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at,
                                                     e.actor, e.action, e.case_id, e.detail, e.content_ref,
                                                     e.content_hash)));
    }
  }
  EXPECT_EQ((*all)[0].content_ref, "case_revisions/" + r.case_id + "/1");
  EXPECT_EQ((*all)[0].content_hash, Sha256HexForTest(R"({"id":"a"})"));
  EXPECT_EQ((*all)[1].content_ref, "case_revisions/" + r.case_id + "/2");
  EXPECT_EQ((*all)[1].content_hash, Sha256HexForTest(R"({"id":"a2"})"));
  EXPECT_EQ((*all)[2].content_ref, "evaluations/" + std::to_string(ev->id));
  EXPECT_EQ((*all)[2].content_hash, Sha256HexForTest("{}"));
  EXPECT_EQ((*all)[3].content_ref, "");  // a read vouches for no content
  EXPECT_EQ((*all)[0].action, "case.create");
  EXPECT_EQ((*all)[0].actor, "alice");
  EXPECT_EQ((*all)[0].case_id, r.case_id);
  EXPECT_EQ((*all)[1].action, "case.update");
  EXPECT_EQ((*all)[2].action, "evaluation.create");
  EXPECT_NE((*all)[2].detail.find(std::to_string(ev->id)), std::string::npos);

  auto for_case = store_->ListAudit(r.case_id, 0);
  ASSERT_TRUE(for_case);
  EXPECT_EQ(for_case->size(), 4u);
  auto last_two = store_->ListAudit(r.case_id, 2);
  ASSERT_TRUE(last_two);
  ASSERT_EQ(last_two->size(), 2u);
  EXPECT_EQ((*last_two)[0].seq, 3);
  EXPECT_EQ((*last_two)[1].seq, 4);
  auto other_only = store_->ListAudit(other.case_id, 10);
  ASSERT_TRUE(other_only);
  ASSERT_EQ(other_only->size(), 1u);
  EXPECT_EQ((*other_only)[0].actor, "dana");

  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 5u);
}

TEST_P(StoreTest, EmptyAuditVerifies) {
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 0u);
}

std::string DropAuditGuards(Backend b) {
  return b == Backend::kSqlite ? "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                               : "DROP TRIGGER audit_log_no_update ON audit_log; "
                                 "DROP TRIGGER audit_log_no_delete ON audit_log;";
}

// Drops one table's guard against `op` ("update" or "delete"), as an attacker with database
// access could.
std::string DropGuard(Backend b, const std::string& table, const std::string& op) {
  if (b == Backend::kSqlite) return fmt::format("DROP TRIGGER {}_no_{};", table, op);
  if (table == "audit_log") return fmt::format("DROP TRIGGER audit_log_no_{} ON audit_log;", op);
  if (op == "update") return fmt::format("DROP TRIGGER {0}_no_update ON {0};", table);
  return fmt::format("DROP TRIGGER {0}_no_delete ON {0};", table);
}

TEST_P(StoreTest, AuditTamperingIsDetected) {
  for (int i = 0; i < 4; ++i) MustCreate(fmt::format(R"({{"id":"t{}"}})", i));
  ASSERT_TRUE(store_->VerifyAudit());
  ExpectTamperingFound("UPDATE audit_log SET detail = 'revision 9' WHERE seq = 2", {"seq 2"}, {"seq 3"});
}

TEST_P(StoreTest, AuditRehashedRowBreaksTheNextLink) {
  for (int i = 0; i < 4; ++i) MustCreate("{}");
  // A forger who recomputes the row's own hash still breaks the link from seq 3.
  auto all = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(all);
  AuditEntry e = (*all)[1];
  e.actor = "mallory";
  const std::string forged = Sha256HexForTest(fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at,
                                                          e.actor, e.action, e.case_id, e.detail, e.content_ref,
                                                          e.content_hash));
  ASSERT_FALSE(e.content_ref.empty());
  ExpectTamperingFound("UPDATE audit_log SET actor = 'mallory', hash = '" + forged + "' WHERE seq = 2", {"seq 3"});
}

TEST_P(StoreTest, AuditDeletionIsDetected) {
  for (int i = 0; i < 4; ++i) MustCreate("{}");
  ExpectTamperingFound("DELETE FROM audit_log WHERE seq = 3", {"seq 3"});
}

TEST_P(StoreTest, DatabaseRefusesChangesToHistory) {
  CaseRevision r = MustCreate(R"({"id":"h"})");
  ASSERT_TRUE(store_->AddEvaluation(MakeEvaluation(r, "{}")));
  EXPECT_NE(RawExec("UPDATE audit_log SET detail = 'x' WHERE seq = 1"), "");
  EXPECT_NE(RawExec("DELETE FROM audit_log"), "");
  EXPECT_NE(RawExec("UPDATE case_revisions SET case_json = '{}'"), "");
  EXPECT_NE(RawExec("UPDATE evaluations SET output_json = '{}'"), "");
  if (GetParam() == Backend::kPostgres) {
    EXPECT_NE(RawExec("TRUNCATE audit_log"), "");
  }
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM audit_log"), 2);
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 2u);
  auto got = store_->GetCase(r.case_id, 1);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->case_json, R"({"id":"h"})");
}

TEST_P(StoreTest, ConcurrentWritersKeepOneLinearChain) {
  // Two Store objects on the same database stand in for two replicas (or two processes).
  auto second = OpenStore(url_);
  ASSERT_TRUE(second) << second.error();
  Store* stores[2] = {store_.get(), second->get()};
  constexpr int kThreads = 6, kCasesPerThread = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store* s = stores[t % 2];
      for (int i = 0; i < kCasesPerThread; ++i) {
        auto c = s->CreateCase(fmt::format(R"({{"id":"t{}-{}"}})", t, i), fmt::format("user{}", t));
        if (!c) {
          ++failures;
          continue;
        }
        if (!s->UpdateCase(c->case_id, "{}", "u")) ++failures;
        Evaluation e;
        e.case_id = c->case_id;
        e.case_revision = 2;
        e.output_json = "{}";
        e.created_by = "u";
        if (!s->AddEvaluation(e)) ++failures;
        if (!s->RememberJti("iss", fmt::format("{}-{}", t, i), 2000000000)) ++failures;
      }
    });
  }
  // Readers run beside the writers: every snapshot they see is a whole, intact chain.
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0}, read_failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      while (writing) {
        auto v = stores[t]->VerifyAudit();
        if (!v) ++read_failures;
        if (!stores[t]->ListCases()) ++read_failures;
        ++reads;
      }
    });
  }
  for (auto& th : threads) th.join();
  writing = false;
  for (auto& th : readers) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, static_cast<std::size_t>(kThreads * kCasesPerThread * 3));
  auto list = (*second)->ListCases();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), static_cast<std::size_t>(kThreads * kCasesPerThread));
  for (const auto& s : *list) EXPECT_EQ(s.latest_revision, 2);
}

TEST_P(StoreTest, ConcurrentUpdatesOfOneCaseGetDistinctRevisions) {
  CaseRevision r = MustCreate("{}");
  int failures = -1;
  ASSERT_NO_FATAL_FAILURE(WriteFromTwoStores(4, 5, [&](Store& s, int, int) {
    return s.UpdateCase(r.case_id, "{}", "u") ? 0 : 1;
  }, failures));
  EXPECT_EQ(failures, 0);
  auto revs = store_->ListRevisions(r.case_id);
  ASSERT_TRUE(revs);
  ASSERT_EQ(revs->size(), 21u);
  for (std::size_t i = 0; i < revs->size(); ++i) EXPECT_EQ((*revs)[i].revision, static_cast<int>(i + 1));
}

TEST_P(StoreTest, RevisionAndEvaluationAreWrittenTogether) {
  Evaluation input;
  input.knowledge_version = "2024.1";
  input.engine_version = "0.1.0";
  input.output_json = "{\n  \"scenario\": \"caf\xC3\xA9\"\n}\n";
  // Fields the store assigns are ignored even when the caller fills them in.
  input.case_id = "c_ffffffffffffffffffffffffffffffff";
  input.case_revision = 9;
  input.created_by = "mallory";
  auto created = store_->CreateCaseWithEvaluation(R"({"id":"tx-1"})", "alice", input);
  ASSERT_TRUE(created) << created.error();
  EXPECT_EQ(created->revision.revision, 1);
  EXPECT_EQ(created->revision.created_by, "alice");
  EXPECT_TRUE(IsRfc3339Millis(created->revision.created_at));
  const Evaluation& e1 = created->evaluation;
  EXPECT_GT(e1.id, 0);
  EXPECT_EQ(e1.case_id, created->revision.case_id);
  EXPECT_EQ(e1.case_revision, 1);
  EXPECT_EQ(e1.created_by, "alice");
  EXPECT_EQ(e1.knowledge_version, "2024.1");
  EXPECT_TRUE(IsRfc3339Millis(e1.created_at));
  const std::string id = created->revision.case_id;

  input.output_json = "[2]";
  auto updated = store_->UpdateCaseWithEvaluation(id, R"({"id":"tx-1","v":2})", "bob", input);
  ASSERT_TRUE(updated) << updated.error();
  EXPECT_EQ(updated->revision.case_id, id);
  EXPECT_EQ(updated->revision.revision, 2);
  EXPECT_EQ(updated->evaluation.case_revision, 2);
  EXPECT_EQ(updated->evaluation.created_by, "bob");
  EXPECT_GT(updated->evaluation.id, e1.id);

  auto list = store_->ListEvaluations(id);
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].output_json, "{\n  \"scenario\": \"caf\xC3\xA9\"\n}\n");
  EXPECT_EQ((*list)[0].case_revision, 1);
  EXPECT_EQ((*list)[1].output_json, "[2]");
  auto latest = store_->GetCase(id, std::nullopt);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->case_json, R"({"id":"tx-1","v":2})");
  auto cases = store_->ListCases();
  ASSERT_TRUE(cases && cases->size() == 1u);
  EXPECT_EQ((*cases)[0].status, "evaluated");
  EXPECT_EQ((*cases)[0].last_evaluation_id, updated->evaluation.id);

  // Audited in order: the revision, then its evaluation, each time.
  auto audit = store_->ListAudit(id, 0);
  ASSERT_TRUE(audit);
  std::vector<std::string> actions;
  for (const auto& a : *audit) actions.push_back(a.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"case.create", "evaluation.create", "case.update", "evaluation.create"}));
  EXPECT_EQ((*audit)[1].detail, fmt::format("evaluation {} revision 1", e1.id));
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 4u);

  // An unknown case writes nothing.
  auto missing = store_->UpdateCaseWithEvaluation("c_00000000000000000000000000000000", "{}", "bob", input);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("case not found"), std::string::npos) << missing.error();
  EXPECT_FALSE(store_->UpdateCaseWithEvaluation("not-an-id", "{}", "bob", input));
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM evaluations"), 2);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM audit_log"), 4);
}

TEST_P(StoreTest, FailedEvaluationInsertLeavesNoRevision) {
  auto first = store_->CreateCaseWithEvaluation(R"({"id":"atomic"})", "alice", Evaluation{});
  ASSERT_TRUE(first) << first.error();
  // From now on every evaluation insert fails inside the database, after the revision and its
  // audit entry were inserted in the same transaction.
  std::string err =
      GetParam() == Backend::kSqlite
          ? RawExec("CREATE TRIGGER zebra_test_fail BEFORE INSERT ON evaluations "
                    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
          : RawExec("CREATE FUNCTION zebra_test_fail() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; "
                    "CREATE TRIGGER zebra_test_fail BEFORE INSERT ON evaluations "
                    "FOR EACH ROW EXECUTE FUNCTION zebra_test_fail()");
  ASSERT_EQ(err, "");
  const std::int64_t revisions = RawCount("SELECT COUNT(*) FROM case_revisions");
  const std::int64_t audit = RawCount("SELECT COUNT(*) FROM audit_log");
  ASSERT_EQ(revisions, 1);
  ASSERT_EQ(audit, 2);

  auto created = store_->CreateCaseWithEvaluation(R"({"id":"lost"})", "alice", Evaluation{});
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().find("injected failure"), std::string::npos) << created.error();
  auto updated = store_->UpdateCaseWithEvaluation(first->revision.case_id, "{}", "bob", Evaluation{});
  ASSERT_FALSE(updated);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM case_revisions"), revisions);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM audit_log"), audit);
  auto list = store_->ListCases();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].latest_revision, 1);
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  // The store is still usable for other writes.
  EXPECT_TRUE(store_->CreateCase("{}", "alice"));
}

TEST_P(StoreTest, ConcurrentEvaluatedUpdatesPairEachRevisionWithItsEvaluation) {
  auto created = store_->CreateCaseWithEvaluation("{}", "u", Evaluation{});
  ASSERT_TRUE(created) << created.error();
  const std::string id = created->revision.case_id;
  int failures = -1;
  ASSERT_NO_FATAL_FAILURE(WriteFromTwoStores(4, 5, [&](Store& s, int t, int i) {
    Evaluation e;
    e.output_json = fmt::format("\"{}-{}\"", t, i);
    auto r = s.UpdateCaseWithEvaluation(id, e.output_json, "u", e);
    return r && r->evaluation.case_revision == r->revision.revision ? 0 : 1;
  }, failures));
  EXPECT_EQ(failures, 0);
  auto revs = store_->ListRevisions(id);
  auto evals = store_->ListEvaluations(id);
  ASSERT_TRUE(revs && evals);
  ASSERT_EQ(revs->size(), 21u);
  ASSERT_EQ(evals->size(), 21u);
  // Each revision's content (written as its evaluation's output) is paired with its evaluation.
  std::map<int, std::string> content;
  for (const auto& r : *revs) content[r.revision] = r.case_json;
  for (std::size_t i = 1; i < evals->size(); ++i)
    EXPECT_EQ((*evals)[i].output_json, content[(*evals)[i].case_revision]);
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 42u);
}

TEST_P(StoreTest, MigrationsAreIdempotent) {
  CaseRevision r = MustCreate(R"({"id":"m"})");
  const std::int64_t applied = RawCount("SELECT COUNT(*) FROM schema_migrations");
  EXPECT_GE(applied, 2);
  store_.reset();
  for (int i = 0; i < 2; ++i) {
    auto again = OpenStore(url_);
    ASSERT_TRUE(again) << again.error();
    store_ = std::move(*again);
  }
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM schema_migrations"), applied);
  auto got = store_->GetCase(r.case_id, std::nullopt);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->case_json, R"({"id":"m"})");
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_EQ(*verified, 1u);
}

TEST_P(StoreTest, RefusesSchemaNewerThanItKnows) {
  ASSERT_EQ(RawExec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')"), "");
  store_.reset();
  auto s = OpenStore(url_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("999"), std::string::npos) << s.error();
}

// ---- issue 13: tamper evidence, prune, accounts and tokens ----------------------------------------

// One case with two revisions, an evaluation, a decision and feedback, all vouched for in the chain.
struct History {
  CaseRevision rev;
  Evaluation evaluation;
  Decision decision;
};

History MakeHistory(Store& store) {
  History h;
  auto r = store.CreateCase(R"({"id":"tamper"})", "alice");
  EXPECT_TRUE(r) << r.error();
  h.rev = *r;
  EXPECT_TRUE(store.UpdateCase(h.rev.case_id, R"({"id":"tamper","v":2})", "alice"));
  Evaluation e;
  e.case_id = h.rev.case_id;
  e.case_revision = 2;
  e.knowledge_version = "k";
  e.engine_version = "e";
  e.output_json = R"({"options":["ssa"]})";
  e.created_by = "bob";
  auto ev = store.AddEvaluation(e);
  EXPECT_TRUE(ev) << ev.error();
  h.evaluation = *ev;
  Decision d;
  d.case_id = h.rev.case_id;
  d.case_revision = 2;
  d.decision_json = R"({"option_id":"ssa"})";
  d.created_by = "carol";
  auto dec = store.AddDecision(d);
  EXPECT_TRUE(dec) << dec.error();
  h.decision = *dec;
  EXPECT_TRUE(store.AddFeedback("net-order-check", R"({"feedback":[]})"));
  return h;
}

TEST_P(StoreTest, EveryClinicalWriteHashesItsContentIntoTheChain) {
  History h = MakeHistory(*store_);
  auto all = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[1].content_ref, "case_revisions/" + h.rev.case_id + "/2");
  EXPECT_EQ((*all)[1].content_hash, Sha256HexForTest(R"({"id":"tamper","v":2})"));
  EXPECT_EQ((*all)[2].content_ref, "evaluations/" + std::to_string(h.evaluation.id));
  EXPECT_EQ((*all)[2].content_hash, Sha256HexForTest(h.evaluation.output_json));
  EXPECT_EQ((*all)[3].content_ref, "decisions/" + std::to_string(h.decision.id));
  EXPECT_EQ((*all)[3].content_hash, Sha256HexForTest(R"({"option_id":"ssa"})"));
  EXPECT_EQ((*all)[4].content_ref.rfind("feedback/", 0), 0u);
  auto anchor = store_->GetAuditAnchor();
  ASSERT_TRUE(anchor) << anchor.error();
  EXPECT_EQ(anchor->base_seq, 0);
  EXPECT_EQ(anchor->head_seq, 5);
  EXPECT_EQ(anchor->head_hash, (*all)[4].hash);
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 5u);
}

TEST_P(StoreTest, TriggersRefuseUpdateAndDeleteOnEveryClinicalTable) {
  History h = MakeHistory(*store_);
  for (const char* sql : {"DELETE FROM case_revisions", "UPDATE case_revisions SET case_json = '{}'",
                          "DELETE FROM evaluations", "UPDATE evaluations SET output_json = '{}'",
                          "DELETE FROM decisions", "UPDATE decisions SET decision_json = '{}'", "DELETE FROM feedback",
                          "UPDATE feedback SET feedback_json = '{}'", "DELETE FROM audit_log",
                          "DELETE FROM audit_log WHERE seq = 5", "UPDATE audit_log SET actor = 'x'",
                          "DELETE FROM audit_anchor", "UPDATE audit_anchor SET head_seq = 2",
                          "UPDATE audit_anchor SET base_seq = 9"})
    EXPECT_NE(RawExec(sql), "") << sql << " was allowed";
  if (GetParam() == Backend::kPostgres) {
    for (const char* table : {"case_revisions", "evaluations", "decisions", "feedback", "audit_log", "audit_anchor"})
      EXPECT_NE(RawExec(std::string("TRUNCATE ") + table + " CASCADE"), "") << table;
  }
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM case_revisions"), 2);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM evaluations"), 1);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM decisions"), 1);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM feedback"), 1);
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 5u);
}

TEST_P(StoreTest, ChangedCaseRevisionIsDetected) {
  History h = MakeHistory(*store_);
  ASSERT_EQ(RawExec(DropGuard(GetParam(), "case_revisions", "update") +
                    "UPDATE case_revisions SET case_json = '{\"id\":\"forged\"}' WHERE revision = 1"),
            "");
  auto verified = store_->VerifyAudit();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().find("audit chain broken at seq 1: case_revisions/" + h.rev.case_id + "/1"),
            std::string::npos)
      << verified.error();
  EXPECT_NE(verified.error().find("content changed"), std::string::npos) << verified.error();
}

TEST_P(StoreTest, ChangedEvaluationAndDecisionAreDetected) {
  History h = MakeHistory(*store_);
  ASSERT_EQ(RawExec(DropGuard(GetParam(), "decisions", "update") + "UPDATE decisions SET decision_json = '{}'"), "");
  auto verified = store_->VerifyAudit();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().find("seq 4: decisions/" + std::to_string(h.decision.id)), std::string::npos)
      << verified.error();
  ASSERT_EQ(RawExec(DropGuard(GetParam(), "evaluations", "update") + "UPDATE evaluations SET output_json = '{}'"),
            "");
  verified = store_->VerifyAudit();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().find("seq 3: evaluations/" + std::to_string(h.evaluation.id)), std::string::npos)
      << verified.error();
}

TEST_P(StoreTest, DeletedEvaluationIsDetected) {
  History h = MakeHistory(*store_);
  EXPECT_NE(RawExec("DELETE FROM evaluations"), "");  // refused while the trigger stands
  ASSERT_EQ(RawExec(DropGuard(GetParam(), "evaluations", "delete") + "DELETE FROM evaluations"), "");
  auto verified = store_->VerifyAudit();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().find("seq 3: evaluations/" + std::to_string(h.evaluation.id) + " is missing"),
            std::string::npos)
      << verified.error();
}

TEST_P(StoreTest, TruncatedAuditTailIsDetected) {
  MakeHistory(*store_);
  ASSERT_TRUE(store_->VerifyAudit());
  // The last two entries go; the chain that remains is internally intact.
  ExpectTamperingFound("DELETE FROM audit_log WHERE seq > 3", {"audit chain broken at seq 4", "removed from the tail"});
}

TEST_P(StoreTest, PruneArchivesOldEntriesAndTheRestStillVerifies) {
  History h = MakeHistory(*store_);
  auto all = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(all && all->size() == 5u);
  // Everything before the far future: all five entries, then the prune's own entry remains.
  std::vector<AuditEntry> archived;
  auto keep = [&](const std::vector<AuditEntry>& rows) -> Result<void> {
    archived = rows;
    return {};
  };
  // A failing archive writer rolls everything back.
  auto failed = store_->PruneAudit("9999-01-01", "ops", [](const std::vector<AuditEntry>&) -> Result<void> {
    return tl::unexpected(std::string("disk full"));
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM audit_log"), 5);

  auto pruned = store_->PruneAudit("9999-01-01", "ops", keep);
  ASSERT_TRUE(pruned) << pruned.error();
  EXPECT_EQ(pruned->pruned, 5u);
  EXPECT_EQ(pruned->first_seq, 1);
  EXPECT_EQ(pruned->last_seq, 5);
  EXPECT_EQ(pruned->last_hash, (*all)[4].hash);
  ASSERT_EQ(archived.size(), 5u);
  EXPECT_EQ(archived[2].hash, (*all)[2].hash);
  EXPECT_EQ(pruned->prune_entry.seq, 6);
  EXPECT_EQ(pruned->prune_entry.action, "audit.prune");
  EXPECT_EQ(pruned->prune_entry.actor, "ops");
  EXPECT_EQ(pruned->prune_entry.prev_hash, (*all)[4].hash);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM audit_log"), 1);
  auto anchor = store_->GetAuditAnchor();
  ASSERT_TRUE(anchor);
  EXPECT_EQ(anchor->base_seq, 5);
  EXPECT_EQ(anchor->head_seq, 6);

  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 1u);
  // The chain goes on from the prune, and the archive links to what remains.
  ASSERT_TRUE(store_->UpdateCase(h.rev.case_id, R"({"id":"after"})", "alice"));
  verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 2u);
  // Rows above the base are still protected; nothing to prune before the first entry.
  EXPECT_NE(RawExec("DELETE FROM audit_log"), "");
  auto none = store_->PruneAudit("2000-01-01", "ops", keep);
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(none->pruned, 0u);
  // A second prune moves the base on; the first prune's entry goes with it.
  auto again = store_->PruneAudit("9999-01-01", "ops", keep);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->first_seq, 6);
  EXPECT_EQ(again->last_seq, 7);
  verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 1u);
}

TEST_P(StoreTest, PruneByHandWithoutAPruneEntryIsDetected) {
  MakeHistory(*store_);
  auto all = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(all);
  // Moving the base forward and deleting below it imitates a prune, but no audit.prune entry
  // vouches for the new base.
  ASSERT_EQ(RawExec(fmt::format("UPDATE audit_anchor SET base_seq = 2, base_hash = '{}' WHERE id = 1; "
                                "DELETE FROM audit_log WHERE seq <= 2",
                                (*all)[1].hash)),
            "");
  auto verified = store_->VerifyAudit();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().find("not vouched for"), std::string::npos) << verified.error();
}

TEST_P(StoreTest, ExportFiltersByCaseAndDate) {
  History h = MakeHistory(*store_);
  MustCreate(R"({"id":"other"})");
  std::vector<AuditEntry> got;
  auto collect = [&](const AuditEntry& e) {
    got.push_back(e);
    return true;
  };
  auto n = store_->ExportAudit(std::nullopt, std::nullopt, collect);
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ(*n, 6u);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].seq, 1);
  EXPECT_EQ(got[5].seq, 6);
  got.clear();
  n = store_->ExportAudit(h.rev.case_id, std::nullopt, collect);
  ASSERT_TRUE(n);
  EXPECT_EQ(got.size(), 4u);
  for (const auto& e : got) EXPECT_EQ(e.case_id, h.rev.case_id);
  got.clear();
  n = store_->ExportAudit(std::nullopt, std::string("9999-01-01"), collect);
  ASSERT_TRUE(n);
  EXPECT_TRUE(got.empty());
  n = store_->ExportAudit(std::nullopt, std::string("2000-01-01"), collect);
  ASSERT_TRUE(n);
  EXPECT_EQ(got.size(), 6u);
}

TEST_P(StoreTest, WriteProbeFailsWhenTheAuditTableRefusesWrites) {
  ASSERT_TRUE(store_->ProbeWrite());
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM audit_log"), 0);  // the probe leaves nothing behind
  const std::string block =
      GetParam() == Backend::kSqlite
          ? "CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END"
          : "CREATE TRIGGER block_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION zebra_append_only()";
  ASSERT_EQ(RawExec(block), "");
  EXPECT_FALSE(store_->ProbeWrite());
  EXPECT_FALSE(store_->AppendAudit("vic", "case.read", "", ""));
  EXPECT_TRUE(store_->Ping());  // reads still work: only a write probe tells
}

TEST_P(StoreTest, AccountsCanBeDisabledRenamedInRoleAndGivenNewPasswords) {
  auto u = store_->CreateUser("alice", "h1", Role::kViewer);
  ASSERT_TRUE(u);
  ASSERT_TRUE(store_->CreateSession(Session{"s1", "c1", u->id, 4000000000}));
  auto disabled = store_->SetUserDisabled("alice", true, "cli:root");
  ASSERT_TRUE(disabled) << disabled.error();
  EXPECT_TRUE(disabled->disabled);
  auto found = store_->FindUser("alice");
  ASSERT_TRUE(found && *found);
  EXPECT_TRUE((*found)->disabled);
  auto session = store_->FindSession("s1", 0);
  ASSERT_TRUE(session);
  EXPECT_FALSE(*session);  // disabling ends the sessions
  auto enabled = store_->SetUserDisabled("alice", false, "cli:root");
  ASSERT_TRUE(enabled);
  EXPECT_FALSE(enabled->disabled);
  ASSERT_TRUE(store_->CreateSession(Session{"s2", "c2", u->id, 4000000000}));
  auto passwd = store_->SetUserPassword("alice", "h2", "cli:root");
  ASSERT_TRUE(passwd);
  EXPECT_EQ(passwd->password_hash, "h2");
  session = store_->FindSession("s2", 0);
  ASSERT_TRUE(session);
  EXPECT_FALSE(*session);  // a new password ends the sessions too
  auto role = store_->SetUserRole("alice", Role::kClinician, "cli:root");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->role, Role::kClinician);
  EXPECT_FALSE(store_->SetUserDisabled("nobody", true, "cli:root"));
  auto users = store_->ListUsers();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].username, "alice");
  EXPECT_TRUE(IsRfc3339Millis((*users)[0].created_at));
  auto audit = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  std::vector<std::string> actions;
  for (const auto& e : *audit) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"user.create", "user.disable", "user.enable", "user.passwd",
                                               "user.role"}));
  EXPECT_EQ((*audit)[1].actor, "cli:root");
  EXPECT_EQ((*audit)[4].detail, fmt::format("user {} role clinician (was viewer)", u->id));
  ASSERT_TRUE(store_->VerifyAudit());
}

TEST_P(StoreTest, TokensHaveScopeExpiryListingAndRevocation) {
  auto u = store_->CreateUser("alice", "h", Role::kCoordinator);
  auto v = store_->CreateUser("victor", "h", Role::kViewer);
  ASSERT_TRUE(u && v);
  auto t1 = store_->IssueApiToken(u->id, std::string(64, 'a'), "ci", TokenScope::kRead, 2000, "alice");
  ASSERT_TRUE(t1) << t1.error();
  EXPECT_EQ(t1->id, "tk_" + std::string(16, 'a'));
  auto t2 = store_->IssueApiToken(u->id, std::string(64, 'b'), "deploy", TokenScope::kWrite, 3000, "alice");
  ASSERT_TRUE(t2);
  ASSERT_TRUE(store_->IssueApiToken(v->id, std::string(64, 'c'), "mine", TokenScope::kRead, 3000, "victor"));

  auto live = store_->FindApiToken(std::string(64, 'a'), 1999);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->user.username, "alice");
  EXPECT_EQ((*live)->token.scope, TokenScope::kRead);
  EXPECT_EQ((*live)->token.name, "ci");
  auto expired = store_->FindApiToken(std::string(64, 'a'), 2000);
  ASSERT_TRUE(expired);
  EXPECT_FALSE(*expired);

  ASSERT_TRUE(store_->TouchApiToken(std::string(64, 'b'), 1234));
  auto list = store_->ListApiTokens(u->id);
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 2u);
  std::map<std::string, ApiToken> by_name;
  for (const auto& t : *list) by_name[t.name] = t;
  EXPECT_EQ(by_name["deploy"].scope, TokenScope::kWrite);
  EXPECT_EQ(by_name["deploy"].expires_unix, 3000);
  EXPECT_EQ(by_name["deploy"].last_used_unix, 1234);
  EXPECT_EQ(by_name["ci"].last_used_unix, 0);

  // Only one's own tokens can be revoked.
  auto foreign = store_->RevokeApiToken(v->id, t2->id, "victor");
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(*foreign);
  auto revoked = store_->RevokeApiToken(u->id, t2->id, "alice");
  ASSERT_TRUE(revoked) << revoked.error();
  EXPECT_TRUE(*revoked);
  auto gone = store_->FindApiToken(std::string(64, 'b'), 0);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  auto junk = store_->RevokeApiToken(u->id, "' OR 1=1 --", "alice");
  ASSERT_TRUE(junk);
  EXPECT_FALSE(*junk);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM api_tokens"), 2);

  auto audit = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 6u);
  EXPECT_EQ((*audit)[2].action, "token.create");
  EXPECT_EQ((*audit)[2].actor, "alice");
  EXPECT_EQ((*audit)[5].action, "token.revoke");
  EXPECT_EQ((*audit)[5].detail.find(std::string(64, 'b')), std::string::npos);  // never the hash
}

TEST_P(StoreTest, OldStoreMigratesAndStillVerifies) {
  // A store as schema 2 left it: entries without content hashes and no anchor.
  std::string sql;
  ASSERT_NO_FATAL_FAILURE(LayOldSchema(2, sql));
  const std::string case_id = "c_0123456789abcdef0123456789abcdef";
  sql += fmt::format(
      "INSERT INTO case_revisions VALUES ('{}', 1, 'old', '{{\"id\":\"old\"}}', 'alice', '2024-01-01T00:00:00.000Z');",
      case_id);
  sql += "INSERT INTO api_tokens (token_hash, user_id, name, created_at) SELECT 'x', 1, 'old', 'y' WHERE 1 = 0;";
  std::string prev(internal::kGenesisHash);
  for (int seq = 1; seq <= 3; ++seq) {
    AuditEntry e;
    e.seq = seq;
    e.at = fmt::format("2024-01-01T00:00:0{}.000Z", seq);
    e.actor = "alice";
    e.action = seq == 1 ? "case.create" : "case.read";
    e.case_id = case_id;
    e.detail = "revision 1";
    e.prev_hash = prev;
    e.hash = Sha256HexForTest(fmt::format("{}|{}|{}|{}|{}|{}|{}", e.prev_hash, e.seq, e.at, e.actor, e.action,
                                          e.case_id, e.detail));
    sql += fmt::format("INSERT INTO audit_log VALUES ({}, '{}', '{}', '{}', '{}', '{}', '{}', '{}');", e.seq, e.at,
                       e.actor, e.action, e.case_id, e.detail, e.prev_hash, e.hash);
    prev = e.hash;
  }
  ASSERT_EQ(RawExec(sql), "");

  auto s = OpenStore(url_);
  ASSERT_TRUE(s) << s.error();
  store_ = std::move(*s);
  EXPECT_EQ(RawCount("SELECT MAX(version) FROM schema_migrations"), LatestSchemaVersion());
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 3u);
  auto anchor = store_->GetAuditAnchor();
  ASSERT_TRUE(anchor);
  EXPECT_EQ(anchor->head_seq, 3);
  EXPECT_EQ(anchor->head_hash, prev);
  // New entries carry content hashes and link to the old ones.
  ASSERT_TRUE(store_->UpdateCase(case_id, R"({"id":"new"})", "bob"));
  verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 4u);
  // An old entry is still protected by the chain: changing it is detected.
  ExpectTamperingFound("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", {"seq 2"});
}

// ---- issue 18: tumour-board meetings, decisions in meetings, amendments ---------------------------

MeetingRevision MeetingDoc(const std::string& date, const std::string& time, const std::string& board) {
  MeetingRevision m;
  m.date = date;
  m.time = time;
  m.board = board;
  m.meeting_json = fmt::format(R"({{"date":"{}","time":"{}","board":"{}","attendees":[],"agenda":[]}})", date, time,
                               board);
  return m;
}

TEST_P(StoreTest, MeetingsAreRevisionedNeverOverwrittenAndAudited) {
  auto created = store_->CreateMeeting(MeetingDoc("2026-12-10", "16:00", "GEP-NET board"), "cora");
  ASSERT_TRUE(created) << created.error();
  const std::string id = created->meeting_id;
  EXPECT_TRUE(internal::ValidMeetingId(id)) << id;
  EXPECT_FALSE(internal::ValidCaseId(id));
  EXPECT_EQ(created->revision, 1);
  EXPECT_EQ(created->created_by, "cora");
  EXPECT_TRUE(IsRfc3339Millis(created->created_at));

  MeetingRevision edit = MeetingDoc("2026-12-10", "17:00", "GEP-NET board");
  auto updated = store_->UpdateMeeting(id, 1, edit, "cora");
  ASSERT_TRUE(updated) << updated.error();
  ASSERT_EQ(updated->status, MeetingUpdate::Status::kWritten);
  EXPECT_EQ(updated->revision.revision, 2);
  EXPECT_EQ(updated->revision.time, "17:00");

  // An edit based on revision 1 after revision 2 exists is stale: nothing is written.
  auto stale = store_->UpdateMeeting(id, 1, MeetingDoc("2026-12-11", "", "x"), "dan");
  ASSERT_TRUE(stale) << stale.error();
  EXPECT_EQ(stale->status, MeetingUpdate::Status::kStale);
  EXPECT_EQ(stale->revision.revision, 2);
  auto missing = store_->UpdateMeeting("m_00000000000000000000000000000000", 1, edit, "dan");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, MeetingUpdate::Status::kNotFound);
  EXPECT_EQ(store_->UpdateMeeting("c_00000000000000000000000000000000", 1, edit, "dan")->status,
            MeetingUpdate::Status::kNotFound);

  auto first = store_->GetMeeting(id, 1);
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->time, "16:00");
  EXPECT_EQ((*first)->meeting_json, created->meeting_json);
  auto latest = store_->GetMeeting(id, std::nullopt);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->revision, 2);
  EXPECT_EQ((*latest)->meeting_json, edit.meeting_json);
  auto none = store_->GetMeeting(id, 3);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto revisions = store_->ListMeetingRevisions(id);
  ASSERT_TRUE(revisions);
  ASSERT_EQ(revisions->size(), 2u);
  EXPECT_EQ(RawCount("SELECT COUNT(*) FROM meeting_revisions"), 2);

  auto audit = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "meeting.create");
  EXPECT_EQ((*audit)[0].actor, "cora");
  EXPECT_EQ((*audit)[0].detail, "meeting " + id + " revision 1");
  EXPECT_EQ((*audit)[1].action, "meeting.update");
  EXPECT_EQ((*audit)[1].content_ref, "meeting_revisions/" + id + "/2");
  EXPECT_EQ((*audit)[1].content_hash, Sha256HexForTest(edit.meeting_json));
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(*verified, 2u);

  // History cannot be changed in place, and a change made behind the guards is detected.
  EXPECT_NE(RawExec("UPDATE meeting_revisions SET board = 'x'"), "");
  EXPECT_NE(RawExec("DELETE FROM meeting_revisions"), "");
  if (GetParam() == Backend::kPostgres) {
    EXPECT_NE(RawExec("TRUNCATE meeting_revisions"), "");
  }
  ASSERT_EQ(RawExec(DropGuard(GetParam(), "meeting_revisions", "update") +
                    "UPDATE meeting_revisions SET meeting_json = '{}' WHERE revision = 1"),
            "");
  verified = store_->VerifyAudit();
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().find("seq 1: meeting_revisions/" + id + "/1"), std::string::npos) << verified.error();
}

TEST_P(StoreTest, MeetingsAreListedNewestFirstWithTheirLatestRevision) {
  auto older = store_->CreateMeeting(MeetingDoc("2026-11-05", "16:00", "GEP-NET board"), "cora");
  auto newer = store_->CreateMeeting(MeetingDoc("2026-12-03", "", "Lung NET board"), "cora");
  auto same_day_later = store_->CreateMeeting(MeetingDoc("2026-12-03", "17:30", "GEP-NET board"), "cora");
  ASSERT_TRUE(older && newer && same_day_later);
  ASSERT_EQ(store_->UpdateMeeting(older->meeting_id, 1, MeetingDoc("2026-11-05", "16:00", "Renamed board"), "dan")
                ->status,
            MeetingUpdate::Status::kWritten);
  auto list = store_->ListMeetings();
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].meeting_id, same_day_later->meeting_id);
  EXPECT_EQ((*list)[1].meeting_id, newer->meeting_id);
  EXPECT_EQ((*list)[2].meeting_id, older->meeting_id);
  EXPECT_EQ((*list)[2].revision, 2);
  EXPECT_EQ((*list)[2].board, "Renamed board");
  EXPECT_EQ((*list)[2].created_by, "dan");
}

TEST_P(StoreTest, DecisionsRecordTheirMeetingAndAmendmentsFormAChain) {
  CaseRevision a = MustCreate(R"({"id":"a"})");
  CaseRevision b = MustCreate(R"({"id":"b"})");
  auto meeting = store_->CreateMeeting(MeetingDoc("2026-12-10", "", "GEP-NET board"), "cora");
  ASSERT_TRUE(meeting);
  Decision d;
  d.case_id = a.case_id;
  d.case_revision = 1;
  d.decision_json = R"({"outcome":"defer_workup"})";
  d.created_by = "erin";
  d.meeting_id = meeting->meeting_id;
  auto first = store_->AddDecision(d);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->meeting_id, meeting->meeting_id);
  EXPECT_FALSE(first->amends);

  Decision amend = d;
  amend.decision_json = R"({"outcome":"option","option_id":"ssa"})";
  amend.amends = first->id;
  auto second = store_->AddDecision(amend);
  ASSERT_TRUE(second) << second.error();
  ASSERT_TRUE(second->amends);
  EXPECT_EQ(*second->amends, first->id);
  // A decision is amended once; the next amendment amends the amendment.
  auto again = store_->AddDecision(amend);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), kDecisionAlreadyAmended);
  // Only a decision of the same case can be amended.
  Decision other = amend;
  other.case_id = b.case_id;
  other.amends = second->id;
  auto foreign = store_->AddDecision(other);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error(), kAmendedDecisionNotFound);
  other.amends = 999999;
  EXPECT_FALSE(store_->AddDecision(other));
  Decision plain;
  plain.case_id = b.case_id;
  plain.case_revision = 1;
  plain.decision_json = R"({"outcome":"option","option_id":"prrt"})";
  plain.created_by = "erin";
  auto outside = store_->AddDecision(plain);
  ASSERT_TRUE(outside) << outside.error();
  EXPECT_EQ(outside->meeting_id, "");

  auto listed = store_->ListDecisions(a.case_id);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].meeting_id, meeting->meeting_id);
  EXPECT_FALSE((*listed)[0].amends);
  ASSERT_TRUE((*listed)[1].amends);
  EXPECT_EQ(*(*listed)[1].amends, first->id);
  EXPECT_EQ((*listed)[1].decision_json, amend.decision_json);
  auto in_meeting = store_->ListMeetingDecisions(meeting->meeting_id);
  ASSERT_TRUE(in_meeting);
  ASSERT_EQ(in_meeting->size(), 2u);
  EXPECT_EQ((*in_meeting)[0].id, first->id);
  EXPECT_EQ((*in_meeting)[1].id, second->id);
  EXPECT_TRUE(store_->ListMeetingDecisions("m_00000000000000000000000000000000")->empty());

  auto audit = store_->ListAudit(a.case_id, 0);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[1].action, "decision.create");
  EXPECT_EQ((*audit)[1].detail,
            fmt::format("decision {} revision 1 meeting {}", first->id, meeting->meeting_id));
  EXPECT_EQ((*audit)[2].action, "decision.amend");
  EXPECT_EQ((*audit)[2].detail,
            fmt::format("decision {} revision 1 meeting {} amends {}", second->id, meeting->meeting_id, first->id));
  EXPECT_EQ((*audit)[2].content_hash, Sha256HexForTest(amend.decision_json));
  auto verified = store_->VerifyAudit();
  ASSERT_TRUE(verified) << verified.error();
}

// ---- issue 22: the auditor role and the shared audit export ---------------------------------------

TEST_P(StoreTest, AuditorRoleIsStoredAndTheDatabaseStillRefusesUnknownRoles) {
  auto a = store_->CreateUser("audrey", "h", Role::kAuditor);
  ASSERT_TRUE(a) << a.error();
  auto found = store_->FindUser("audrey");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->role, Role::kAuditor);
  auto v = store_->CreateUser("victor", "h", Role::kViewer);
  ASSERT_TRUE(v);
  auto changed = store_->SetUserRole("victor", Role::kAuditor, "cli:root");
  ASSERT_TRUE(changed) << changed.error();
  EXPECT_EQ(changed->role, Role::kAuditor);
  // The CHECK constraint is still there, with the new role in it.
  EXPECT_NE(RawExec("UPDATE users SET role = 'admin' WHERE username = 'audrey'"), "");
  EXPECT_NE(RawExec("INSERT INTO users (username, password_hash, role, created_at) VALUES ('x', 'h', 'root', 'y')"),
            "");
  ASSERT_TRUE(store_->VerifyAudit());
}

// A store as schema 3 left it, with users, a session and a token (which reference users): the
// later migrations (meetings, then the auditor role's table rebuild) keep them all, the ids and
// the foreign keys, and then accept the auditor role.
TEST_P(StoreTest, SchemaThreeStoreWithAccountsMigratesToTheAuditorRole) {
  std::string sql;
  ASSERT_NO_FATAL_FAILURE(LayOldSchema(3, sql));
  sql += "INSERT INTO users (id, username, password_hash, role, created_at, disabled) VALUES "
         "(7, 'cora', 'h7', 'coordinator', '2026-01-01T00:00:00.000Z', 0), "
         "(9, 'dis', 'h9', 'viewer', '2026-01-02T00:00:00.000Z', 1);";
  sql += "INSERT INTO sessions VALUES ('sess', 'csrf', 7, 4000000000, 'x');";
  sql += "INSERT INTO api_tokens (token_hash, user_id, name, created_at, scope, expires_unix) "
         "VALUES ('tok', 7, 'ci', 'x', 'read', 4000000000);";
  // The ids came from the store's sequence (PostgreSQL does not advance it for explicit ids).
  if (GetParam() == Backend::kPostgres) sql += "SELECT setval(pg_get_serial_sequence('users', 'id'), 9);";
  ASSERT_EQ(RawExec(sql), "");
  ASSERT_NE(RawExec("UPDATE users SET role = 'auditor' WHERE id = 9"), "");  // schema 3 refuses it

  auto s = OpenStore(url_);
  ASSERT_TRUE(s) << s.error();
  store_ = std::move(*s);
  EXPECT_EQ(RawCount("SELECT MAX(version) FROM schema_migrations"), LatestSchemaVersion());
  auto cora = store_->FindUser("cora");
  ASSERT_TRUE(cora && *cora);
  EXPECT_EQ((*cora)->id, 7);
  EXPECT_EQ((*cora)->role, Role::kCoordinator);
  EXPECT_EQ((*cora)->password_hash, "h7");
  auto dis = store_->FindUser("dis");
  ASSERT_TRUE(dis && *dis);
  EXPECT_TRUE((*dis)->disabled);
  auto session = store_->FindSession("sess", 0);
  ASSERT_TRUE(session && *session);
  EXPECT_EQ((*session)->user_id, 7);
  auto token = store_->FindApiToken("tok", 0);
  ASSERT_TRUE(token && *token);
  EXPECT_EQ((*token)->user.username, "cora");
  auto role = store_->SetUserRole("dis", Role::kAuditor, "cli:root");
  ASSERT_TRUE(role) << role.error();
  // Foreign keys still hold after the rebuild, and new users continue the ids.
  EXPECT_FALSE(store_->CreateSession(Session{"orphan", "c", 12345, 4000000000}));
  EXPECT_TRUE(store_->CreateSession(Session{"again", "c", 7, 4000000000}));
  auto next = store_->CreateUser("new", "h", Role::kAuditor);
  ASSERT_TRUE(next) << next.error();
  EXPECT_GT(next->id, 9);
  ASSERT_TRUE(store_->VerifyAudit());
}

TEST_P(StoreTest, AuditExportJsonLinesFiltersAndRecordsItself) {
  History h = MakeHistory(*store_);
  MustCreate(R"({"id":"other"})");
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  auto n = ExportAuditJsonLines(*store_, AuditQuery{}, "audrey", collect);
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ(*n, 6u);
  ASSERT_EQ(lines.size(), 6u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ASSERT_FALSE(lines[i].empty());
    EXPECT_EQ(lines[i].back(), '\n');
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["seq"], static_cast<std::int64_t>(i + 1));
    for (const char* key : {"at", "actor", "action", "case_id", "detail", "content_ref", "content_hash",
                            "prev_hash", "hash"})
      EXPECT_TRUE(j.contains(key)) << key;
  }
  // The export itself is the newest entry, by the reader, with the count and the filter.
  auto all = store_->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->back().action, "audit.export");
  EXPECT_EQ(all->back().actor, "audrey");
  EXPECT_EQ(all->back().detail, "6 entries");

  lines.clear();
  n = ExportAuditJsonLines(*store_, AuditQuery{h.rev.case_id, std::string("2000-01-01")}, "audrey", collect);
  ASSERT_TRUE(n);
  EXPECT_EQ(lines.size(), 4u);
  for (const auto& l : lines) EXPECT_EQ(nlohmann::json::parse(l)["case_id"], h.rev.case_id);
  all = store_->ListAudit(std::nullopt, 0);
  EXPECT_EQ(all->back().case_id, h.rev.case_id);
  EXPECT_EQ(all->back().detail, "4 entries since 2000-01-01");

  lines.clear();
  n = ExportAuditJsonLines(*store_, AuditQuery{std::nullopt, std::string("9999-01-01")}, "audrey", collect);
  ASSERT_TRUE(n);
  EXPECT_TRUE(lines.empty());
  ASSERT_TRUE(store_->VerifyAudit());
}

TEST_P(StoreTest, AuditExportThatCannotBeRecordedFails) {
  MustCreate(R"({"id":"x"})");
  const std::string block =
      GetParam() == Backend::kSqlite
          ? "CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END"
          : "CREATE TRIGGER block_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION zebra_append_only()";
  ASSERT_EQ(RawExec(block), "");
  auto n = ExportAuditJsonLines(*store_, AuditQuery{}, "audrey", [](std::string_view) { return true; });
  ASSERT_FALSE(n);
  EXPECT_TRUE(n.error().starts_with(kAuditExportNotRecorded)) << n.error();
}

TEST(AuditQuery, ParametersAreCheckedAndNamed) {
  EXPECT_FALSE(CheckAuditQuery({}));
  EXPECT_FALSE(CheckAuditQuery({std::nullopt, std::string("2026-12-01")}));
  EXPECT_FALSE(CheckAuditQuery({std::nullopt, std::string("2026-12-01T08:00:00Z")}));
  EXPECT_FALSE(CheckAuditQuery({std::string("c_0123456789abcdef0123456789abcdef"), std::nullopt}));
  auto since = CheckAuditQuery({std::nullopt, std::string("yesterday")});
  ASSERT_TRUE(since);
  EXPECT_EQ(since->parameter, "since");
  auto empty = CheckAuditQuery({std::nullopt, std::string("")});
  ASSERT_TRUE(empty);
  auto c = CheckAuditQuery({std::string("c_1' OR '1'='1"), std::nullopt});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->parameter, "case");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(Backend::kPostgres));

TEST(StoreOpen, RejectsUnknownUrls) {
  EXPECT_FALSE(OpenStore("mysql://x"));
  EXPECT_FALSE(OpenStore("sqlite:"));
  EXPECT_FALSE(OpenStore(""));
  EXPECT_FALSE(OpenStore("sqlite:/nonexistent-dir-zebra/x.db"));
}

TEST(StoreOpen, InMemorySqliteWorks) {
  auto s = OpenStore("sqlite::memory:");
  ASSERT_TRUE(s) << s.error();
  auto c = (*s)->CreateCase(R"({"id":"mem"})", "a");
  ASSERT_TRUE(c) << c.error();
  auto got = (*s)->GetCase(c->case_id, std::nullopt);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->case_json, R"({"id":"mem"})");
  auto list = (*s)->ListCases();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].label, "mem");
}

TEST(StoreOpen, Roles) {
  for (Role r : {Role::kViewer, Role::kCoordinator, Role::kClinician, Role::kAuditor})
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_EQ(RoleName(Role::kAuditor), "auditor");
  EXPECT_EQ(RoleName(Role::kCoordinator), "coordinator");
  EXPECT_FALSE(ParseRole("admin"));
  EXPECT_FALSE(ParseRole(""));
}

// An acknowledged write survives the writer being killed with SIGKILL.
TEST(SqliteDurability, AcknowledgedWriteSurvivesSigkill) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("zebra_store_kill_{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string url = "sqlite:" + (dir / "z.db").string();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto s = OpenStore(url);
    if (!s) _exit(3);
    auto c = (*s)->CreateCase(R"({"id":"durable"})", "k");
    if (!c) _exit(4);
    std::string msg = c->case_id + "\n";
    if (write(fds[1], msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) _exit(5);
    for (;;) pause();  // killed here, with the store still open
  }
  close(fds[1]);
  std::string id;
  char ch;
  while (read(fds[0], &ch, 1) == 1 && ch != '\n') id += ch;
  close(fds[0]);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(id.size(), 34u);
  auto s = OpenStore(url);
  ASSERT_TRUE(s) << s.error();
  auto got = (*s)->GetCase(id, std::nullopt);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->case_json, R"({"id":"durable"})");
  EXPECT_TRUE((*s)->VerifyAudit());
  s->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zebra::store
