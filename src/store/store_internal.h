// Pieces shared by the SQLite and PostgreSQL stores: the migration list, the audit hash, ids and
// timestamps. Not part of the public interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace zebra::store::internal {

enum class Dialect { kSqlite, kPostgres };

struct Migration {
  int version;
  std::string_view name;
  std::vector<std::string> statements;  // applied in order, in one transaction
};

// The ordered schema history for one dialect. Versions only grow; applied steps never change.
const std::vector<Migration>& Migrations(Dialect dialect);

// RFC 3339 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z.
std::string NowRfc3339();
std::int64_t NowUnix();
// "c_" + 32 hex digits from a CSPRNG; the error when the generator fails.
Result<std::string> NewCaseId();
std::string Sha256Hex(std::string_view data);
// The hash chain rule: SHA-256 of prev|seq|at|actor|action|case_id|detail.
std::string AuditHash(const AuditEntry& e);
// Hash before the first entry.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
// The case document's own top-level "id" string, or "" (never fails).
std::string CaseLabel(std::string_view case_json);
// Checks entries fed in ascending seq order form an intact chain from seq 1; the error names the
// first broken seq.
class ChainVerifier {
 public:
  Result<void> Next(const AuditEntry& e);
  std::size_t count() const { return count_; }

 private:
  std::size_t count_ = 0;
  std::string prev_hash_{kGenesisHash};
};
// Case ids are opaque; refuse anything that is not ours before it reaches SQL or logs.
bool ValidCaseId(std::string_view case_id);

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url);

}  // namespace zebra::store::internal
