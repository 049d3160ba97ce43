// Helpers shared by the test suites that open a store (tests only; nothing in a program includes
// this).
#pragma once

#include <sqlite3.h>

#include <string>

namespace zebra::store::testing {

// Runs `sql` on the SQLite file at `path` over a connection of its own, bypassing the store, as an
// operator (or an attacker) could; the error text, or "" when it ran.
inline std::string ExecSqliteFile(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  char* msg = nullptr;
  std::string err;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) err = msg ? msg : "error";
  sqlite3_free(msg);
  sqlite3_close(db);
  return err;
}

}  // namespace zebra::store::testing
