// zebra audit verify|export|prune  and  zebra user add|passwd|disable|enable|role|list
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <istream>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auth/auth.h"
#include "cli/commands.h"
#include "common/text.h"
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

// The OS account running the command, for the audit log's actor ("cli:NAME").
std::string CliActor() {
  const char* user = std::getenv("USER");
  std::string name = user && *user ? user : "unknown";
  if (!ValidUsername(name)) name = "unknown";
  return "cli:" + name;
}

// Reads one line without echo when standard input is a terminal.
std::string PromptSecret(Io io, const char* prompt) {
  termios old{};
  const bool tty = &io.in == &std::cin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    std::cerr << prompt << std::flush;
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(io.in, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// A new password from ZEBRA_PASSWORD or standard input, checked against the password policy;
// nullopt (message written) when it fails.
std::optional<std::string> ReadNewPassword(Io io, std::string_view command) {
  std::string password;
  if (const char* env = std::getenv("ZEBRA_PASSWORD")) {
    password = env;
  } else {
    password = PromptSecret(io, "New password: ");
    if (&io.in == &std::cin && isatty(STDIN_FILENO) && PromptSecret(io, "Repeat it: ") != password) {
      io.err << "zebra " << command << ": the two passwords differ\n";
      return std::nullopt;
    }
  }
  if (auto problem = auth::PasswordProblem(password)) {
    io.err << "zebra " << command << ": " << *problem << " (ZEBRA_PASSWORD or one line of stdin)\n";
    return std::nullopt;
  }
  return password;
}

// Opens an existing store; nullptr (message written, exit 2) when it cannot.
std::unique_ptr<store::Store> OpenExisting(const std::string& db, Io io, std::string_view command) {
  // Opening a missing SQLite file would create an empty store.
  if (db.starts_with("sqlite:") && !std::filesystem::exists(db.substr(7))) {
    io.err << "zebra " << command << ": no such database: " << db.substr(7) << "\n";
    return nullptr;
  }
  auto store = store::OpenStore(db);
  if (!store) {
    io.err << "zebra " << command << ": " << store.error() << "\n";
    return nullptr;
  }
  return std::move(*store);
}

int AuditExport(const Args& args, Io io) {
  CLI::App app{"Print audit log entries as JSON Lines (one entry a line, oldest first), with their hashes, so "
               "that they can be archived and checked later. The export itself is audited.",
               "zebra audit export"};
  std::string db = kDefaultDb, since, case_id;
  app.add_option("--since", since, "only entries at or after this date (YYYY-MM-DD or RFC 3339 UTC)");
  app.add_option("--case", case_id, "only this case's entries");
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, "audit export")) return *rc;
  store::AuditQuery query;
  if (!case_id.empty()) query.case_id = case_id;
  if (!since.empty()) query.since = since;
  if (auto problem = store::CheckAuditQuery(query)) {
    io.err << "zebra audit export: --" << problem->parameter << " " << problem->message << "\n";
    return 2;
  }
  auto store = OpenExisting(db, io, "audit export");
  if (!store) return 2;
  // The same lines as GET /v1/audit; the export is audited after the last line is written.
  auto n = store::ExportAuditJsonLines(*store, query, CliActor(), [&](std::string_view line) {
    io.out << line;
    return static_cast<bool>(io.out);
  });
  if (!n) {
    io.err << "zebra audit export: " << n.error() << "\n";
    return 1;
  }
  io.out.flush();
  return 0;
}

// Writes `rows` as JSON Lines to a new file and flushes it to disk.
store::Result<void> WritePruned(const std::string& path, const std::vector<store::AuditEntry>& rows) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return tl::unexpected(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  std::string text;
  for (const auto& e : rows) text += store::AuditEntryJsonLine(e) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return tl::unexpected(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  // The rows leave the database only once the archive is on disk.
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return tl::unexpected(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return {};
}

int AuditPrune(const Args& args, Io io) {
  CLI::App app{"Move audit log entries older than a date into a JSON Lines file, in one transaction: the file "
               "is written and flushed first, then the entries are deleted, the chain's anchor records the last "
               "pruned entry (so `zebra audit verify` checks the rest from there) and an audit.prune entry is "
               "appended. Refuses to overwrite FILE.",
               "zebra audit prune"};
  std::string db = kDefaultDb, before, out;
  app.add_option("--before", before, "prune entries older than this date (YYYY-MM-DD or RFC 3339 UTC)")->required();
  app.add_option("--out", out, "new file for the pruned entries (JSON Lines)")->required();
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, "audit prune")) return *rc;
  if (auto problem = store::CheckAuditQuery({std::nullopt, before})) {
    io.err << "zebra audit prune: --before " << problem->message << "\n";
    return 2;
  }
  if (std::filesystem::exists(out)) {
    io.err << "zebra audit prune: " << out << " exists; name a new file\n";
    return 2;
  }
  auto store = OpenExisting(db, io, "audit prune");
  if (!store) return 2;
  // Never prune a chain that does not verify: the archive would carry the damage away.
  if (auto verified = store->VerifyAudit(); !verified) {
    io.err << "zebra audit prune: refused, the audit chain does not verify: " << verified.error() << "\n";
    return 1;
  }
  auto pruned = store->PruneAudit(before, CliActor(), [&](const std::vector<store::AuditEntry>& rows) {
    return WritePruned(out, rows);
  });
  if (!pruned) {
    io.err << "zebra audit prune: " << pruned.error() << "\n";
    return 1;
  }
  if (pruned->pruned == 0) {
    io.out << "nothing to prune: no entries older than " << before << "\n";
    return 0;
  }
  io.out << "pruned " << pruned->pruned << " entries (seq " << pruned->first_seq << " to " << pruned->last_seq
         << ") to " << out << "; anchor seq " << pruned->last_seq << " hash " << pruned->last_hash << "\n";
  return 0;
}

int AuditVerify(const Args& args, Io io) {
  CLI::App app{"Recompute the audit log's hash chain. Exit 0 when intact, 1 when an entry was changed, "
               "removed or reordered, 2 when the database cannot be read.",
               "zebra audit verify"};
  std::string db = kDefaultDb;
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
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
  if (verified.error().find("audit chain broken") != std::string::npos) {
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
  app.add_option("--role", role_name, "viewer | coordinator | clinician | auditor (reads the audit log only)")
      ->required()
      ->check(CLI::IsMember({"viewer", "coordinator", "clinician", "auditor"}));
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, "user add")) return *rc;
  if (!ValidUsername(username)) {
    io.err << "zebra user add: invalid username (letters, digits, . _ - @; at most 64 characters)\n";
    return 2;
  }
  const auto role = store::ParseRole(role_name);
  auto password = ReadNewPassword(io, "user add");
  if (!password) return 2;
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
  auto hash = auth::HashPassword(*password);
  if (!hash) {
    io.err << "zebra user add: " << common::ToString(hash.error()) << "\n";
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

// zebra user disable|enable|passwd|role USERNAME ...: one change to one account, audited.
int UserChange(std::string_view sub, const Args& args, Io io) {
  const std::string command = "user " + std::string(sub);
  CLI::App app{sub == "disable"  ? "Disable an account: it can no longer sign in, and its sessions and API tokens stop "
                                   "working at once."
               : sub == "enable" ? "Enable a disabled account again (its unexpired API tokens work again)."
               : sub == "passwd" ? "Set an account's password (ZEBRA_PASSWORD, or one line of stdin; asked twice without "
                                   "echo on a terminal). Ends the account's sessions."
                                 : "Change an account's role.",
               "zebra " + command};
  std::string username, role_name, db = kDefaultDb;
  app.add_option("username", username, "login name")->required();
  if (sub == "role")
    app.add_option("role", role_name, "viewer | coordinator | clinician | auditor (reads the audit log only)")
        ->required()
        ->check(CLI::IsMember({"viewer", "coordinator", "clinician", "auditor"}));
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, command)) return *rc;
  std::optional<std::string> password;
  if (sub == "passwd") {
    password = ReadNewPassword(io, command);
    if (!password) return 2;
  }
  auto store = OpenExisting(db, io, command);
  if (!store) return 2;
  store::Result<store::User> changed = tl::unexpected(std::string("unknown change"));
  if (sub == "disable" || sub == "enable") {
    changed = store->SetUserDisabled(username, sub == "disable", CliActor());
  } else if (sub == "passwd") {
    auto hash = auth::HashPassword(*password);
    if (!hash) {
      io.err << "zebra " << command << ": " << common::ToString(hash.error()) << "\n";
      return 1;
    }
    changed = store->SetUserPassword(username, *hash, CliActor());
  } else {
    changed = store->SetUserRole(username, *store::ParseRole(role_name), CliActor());
  }
  if (!changed) {
    io.err << "zebra " << command << ": " << (changed.error() == "user not found" ? "no user '" + username + "'"
                                                                                   : changed.error())
           << "\n";
    return 2;
  }
  if (sub == "disable") io.out << "disabled user '" << username << "'\n";
  else if (sub == "enable") io.out << "enabled user '" << username << "'\n";
  else if (sub == "passwd") io.out << "password changed for '" << username << "'\n";
  else io.out << "user '" << username << "' is now " << store::RoleName(changed->role) << "\n";
  return 0;
}

int UserList(const Args& args, Io io) {
  CLI::App app{"List the local accounts: name, role, enabled or disabled, created (audited).", "zebra user list"};
  std::string db = kDefaultDb;
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  if (auto rc = ParseCommandLine(app, args, io, "user list")) return *rc;
  auto store = OpenExisting(db, io, "user list");
  if (!store) return 2;
  auto users = store->ListUsers();
  if (!users) {
    io.err << "zebra user list: " << users.error() << "\n";
    return 1;
  }
  for (const auto& u : *users)
    io.out << fmt::format("{:<24} {:<12} {:<9} {}\n", u.username, store::RoleName(u.role),
                          u.disabled ? "disabled" : "enabled", u.created_at);
  // Reading the account list is audited like every other administrative command.
  if (auto logged = store->AppendAudit(CliActor(), "user.list", "", fmt::format("{} users", users->size())); !logged) {
    io.err << "zebra user list: the listing could not be audited: " << logged.error() << "\n";
    return 1;
  }
  return 0;
}

std::string Subcommand(const Args& args) { return args.empty() ? "" : args[0]; }

}  // namespace

int BackupCommand(const Args& args, Io io) {
  CLI::App app{"Copy a SQLite store consistently while it may be serving (PostgreSQL: pg_dump, see "
               "docs/operations.md).",
               "zebra backup"};
  std::string db = "sqlite:zebra.db", out;
  app.add_option("--db", db, "store URL: sqlite:PATH (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  app.add_option("--out", out, "backup file to create (never overwritten)")->required();
  if (auto rc = ParseCommandLine(app, args, io, "backup")) return *rc;
  if (auto r = store::BackupStore(db, out); !r) {
    io.err << "zebra backup: " << r.error() << "\n";
    return r.error().find("pg_dump") != std::string::npos || r.error().find("exists") != std::string::npos ? 2 : 1;
  }
  io.out << "backup written: " << out << "\n";
  return 0;
}

int RestoreCommand(const Args& args, Io io) {
  CLI::App app{"Restore a `zebra backup` file into a new or empty SQLite store, then verify its audit chain.",
               "zebra restore"};
  std::string db, file;
  app.add_option("file", file, "the backup file")->required();
  app.add_option("--db", db, "target store URL: sqlite:PATH (also $ZEBRA_DB)")->envname("ZEBRA_DB")->required();
  if (auto rc = ParseCommandLine(app, args, io, "restore")) return *rc;
  if (auto r = store::RestoreStore(file, db); !r) {
    io.err << "zebra restore: " << r.error() << "\n";
    return 2;
  }
  auto store = store::OpenStore(db);
  auto verified = store ? (*store)->VerifyAudit() : store::Result<std::size_t>(tl::unexpected(store.error()));
  io.out << "restored into " << db << "; audit chain intact: " << (verified ? *verified : 0) << " entries\n";
  return 0;
}

int MigrateCommand(const Args& args, Io io) {
  CLI::App app{"Bring the store's schema to this zebra's version (what `zebra serve` does at start unless "
               "--no-migrate), and say what ran.",
               "zebra migrate"};
  std::string db = "sqlite:zebra.db";
  bool check = false;
  app.add_option("--db", db, "store URL: sqlite:PATH or postgresql://... (also $ZEBRA_DB)")->envname("ZEBRA_DB")->capture_default_str();
  app.add_flag("--check", check, "only report; exit 1 when migrations are pending");
  if (auto rc = ParseCommandLine(app, args, io, "migrate")) return *rc;
  store::OpenOptions options;
  options.migrate = !check;
  auto store = store::OpenStore(db, options);
  if (!store) {
    if (check && store.error().find("older than") != std::string::npos) {
      io.out << "store schema: " << store.error() << "\n";
      return 1;
    }
    io.err << "zebra migrate: " << store.error() << "\n";
    return 1;
  }
  const auto& schema = (*store)->schema();
  if (schema.applied.empty()) {
    io.out << "store schema: version " << schema.after << ", up to date\n";
    return 0;
  }
  io.out << "store schema: version " << schema.before << " -> " << schema.after << "\n";
  for (const auto& m : schema.applied) io.out << "  applied " << m << "\n";
  return 0;
}

int AuditCommand(const Args& args, Io io) {
  const std::string sub = Subcommand(args);
  if (sub == "verify") return AuditVerify(Args(args.begin() + 1, args.end()), io);
  if (sub == "export") return AuditExport(Args(args.begin() + 1, args.end()), io);
  if (sub == "prune") return AuditPrune(Args(args.begin() + 1, args.end()), io);
  const bool help = sub == "--help" || sub == "-h";
  (help ? io.out : io.err) << "Usage: zebra audit verify [--db URL]   check the audit log's hash chain\n"
                              "       zebra audit export [--since DATE] [--case ID] [--db URL]   JSON Lines to stdout\n"
                              "       zebra audit prune --before DATE --out FILE [--db URL]   archive and remove old "
                              "entries\n";
  return help ? 0 : 2;
}

int UserCommand(const Args& args, Io io) {
  const std::string sub = Subcommand(args);
  const Args rest = args.empty() ? Args() : Args(args.begin() + 1, args.end());
  if (sub == "add") return UserAdd(rest, io);
  if (sub == "list") return UserList(rest, io);
  if (sub == "disable" || sub == "enable" || sub == "passwd" || sub == "role") return UserChange(sub, rest, io);
  const bool help = sub == "--help" || sub == "-h";
  (help ? io.out : io.err) << "Usage: zebra user add USERNAME --role viewer|coordinator|clinician|auditor [--db URL]\n"
                              "       zebra user passwd USERNAME [--db URL]\n"
                              "  (passwords from ZEBRA_PASSWORD or one line of stdin; at least 12 characters,\n"
                              "   not a common password)\n"
                              "       zebra user disable|enable USERNAME [--db URL]\n"
                              "       zebra user role USERNAME viewer|coordinator|clinician|auditor [--db URL]\n"
                              "       zebra user list [--db URL]\n";
  return help ? 0 : 2;
}

}  // namespace zebra::cli
