// zebra audit verify [--db URL]  and  zebra user add USERNAME --role ROLE [--db URL]
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <istream>
#include <ostream>

#include "auth/auth.h"
#include "cli/commands.h"
#include "store/store.h"

namespace zebra::cli {
namespace {

constexpr const char* kDefaultDb = "sqlite:zebra.db";

bool ValidUsername(std::string_view u) {
  if (u.empty() || u.size() > 64) return false;
  for (char c : u) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

int AuditVerify(const Args& args, Io io) {
  CLI::App app{"Recompute the audit log's hash chain. Exit 0 when intact, 1 when an entry was changed, "
               "removed or reordered, 2 when the database cannot be read.",
               "zebra audit verify"};
  std::string db = kDefaultDb;
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://...")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, "audit verify")) return *rc;
  // Opening a missing SQLite file would create an empty store and report it intact.
  if (db.starts_with("sqlite:") && !std::filesystem::exists(db.substr(7))) {
    io.err << "zebra audit verify: no such database: " << db.substr(7) << "\n";
    return 2;
  }
  auto store = store::OpenStore(db);
  if (!store) {
    io.err << "zebra audit verify: " << store.error() << "\n";
    return 2;
  }
  auto verified = (*store)->VerifyAudit();
  if (verified) {
    io.out << "audit chain intact: " << *verified << " entries\n";
    return 0;
  }
  if (verified.error().starts_with("audit chain broken")) {
    io.out << verified.error() << "\n";
    return 1;
  }
  io.err << "zebra audit verify: " << verified.error() << "\n";
  return 2;
}

int UserAdd(const Args& args, Io io) {
  CLI::App app{"Create a local account. The password is read from ZEBRA_PASSWORD or, when that is unset, "
               "from one line of standard input; only its Argon2id hash is stored.",
               "zebra user add"};
  std::string username, role_name, db = kDefaultDb;
  app.add_option("username", username, "login name (letters, digits, . _ - @; at most 64)")->required();
  app.add_option("--role", role_name, "viewer | coordinator | clinician")
      ->required()
      ->check(CLI::IsMember({"viewer", "coordinator", "clinician"}));
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://...")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, "user add")) return *rc;
  if (!ValidUsername(username)) {
    io.err << "zebra user add: invalid username (letters, digits, . _ - @; at most 64 characters)\n";
    return 2;
  }
  const auto role = store::ParseRole(role_name);
  std::string password;
  if (const char* env = std::getenv("ZEBRA_PASSWORD")) {
    password = env;
  } else {
    std::getline(io.in, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  }
  if (password.size() < 8) {
    io.err << "zebra user add: password must have at least 8 characters (ZEBRA_PASSWORD or one line of stdin)\n";
    return 2;
  }
  auto store = store::OpenStore(db);
  if (!store) {
    io.err << "zebra user add: " << store.error() << "\n";
    return 2;
  }
  auto existing = (*store)->FindUser(username);
  if (!existing) {
    io.err << "zebra user add: " << existing.error() << "\n";
    return 2;
  }
  if (*existing) {
    io.err << "zebra user add: user '" << username << "' already exists\n";
    return 2;
  }
  auto hash = auth::HashPassword(password);
  if (!hash) {
    io.err << "zebra user add: " << hash.error() << "\n";
    return 1;
  }
  auto user = (*store)->CreateUser(username, *hash, *role);
  if (!user) {
    io.err << "zebra user add: " << user.error() << "\n";
    return 2;
  }
  io.out << "created user '" << user->username << "' (" << store::RoleName(user->role) << ")\n";
  return 0;
}

std::string Subcommand(const Args& args) { return args.empty() ? "" : args[0]; }

}  // namespace

int AuditCommand(const Args& args, Io io) {
  const std::string sub = Subcommand(args);
  if (sub == "verify") return AuditVerify(Args(args.begin() + 1, args.end()), io);
  const bool help = sub == "--help" || sub == "-h";
  (help ? io.out : io.err) << "Usage: zebra audit verify [--db URL]   check the audit log's hash chain\n";
  return help ? 0 : 2;
}

int UserCommand(const Args& args, Io io) {
  const std::string sub = Subcommand(args);
  if (sub == "add") return UserAdd(Args(args.begin() + 1, args.end()), io);
  const bool help = sub == "--help" || sub == "-h";
  (help ? io.out : io.err) << "Usage: zebra user add USERNAME --role viewer|coordinator|clinician [--db URL]\n"
                              "  (password from ZEBRA_PASSWORD or one line of stdin)\n";
  return help ? 0 : 2;
}

}  // namespace zebra::cli
