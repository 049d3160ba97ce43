// Pieces shared by the SQLite and PostgreSQL stores: the migration list, the audit hash, ids and
// timestamps. Not part of the public interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
// Content references in audit entries (AuditEntry::content_ref).
std::string RevisionRef(std::string_view case_id, int revision);  // "case_revisions/c_…/2"
std::string MeetingRef(std::string_view meeting_id, int revision);  // "meeting_revisions/m_…/2"
std::string RowRef(std::string_view table, std::int64_t id);      // "evaluations/17"
struct ContentRef {
  std::string table;    // case_revisions | meeting_revisions | evaluations | decisions | feedback | audit_log
  std::string case_id;  // case_revisions: the case id; meeting_revisions: the meeting id
  std::int64_t id = 0;  // the revision for case_revisions, else the row id / seq
};
std::optional<ContentRef> ParseContentRef(std::string_view ref);
// The stored text a reference names (case_json, output_json, ...); nullopt when the row is gone.
using ContentLookup = std::function<std::optional<std::string>(const ContentRef&)>;

// Checks entries fed in ascending seq order form an intact chain from the anchor's base (seq 1
// and the genesis hash without an anchor) to its head, and that referenced content still hashes
// to what its entry recorded; the error names the first broken seq.
class ChainVerifier {
 public:
  ChainVerifier() = default;
  explicit ChainVerifier(AuditAnchor anchor);
  Result<void> Next(const AuditEntry& e, const ContentLookup& lookup = nullptr);
  // After the last entry: the head matches the anchor and a pruned base is vouched for.
  Result<void> Finish() const;
  std::size_t count() const { return count_; }

 private:
  std::optional<AuditAnchor> anchor_;
  std::size_t count_ = 0;
  std::int64_t last_seq_ = 0;
  std::string prev_hash_{kGenesisHash};
  bool base_vouched_ = false;
};
// The audit.prune entry's detail and content for a pruned range.
inline constexpr std::string_view kPruneAction = "audit.prune";
// Case ids are opaque; refuse anything that is not ours before it reaches SQL or logs.
bool ValidCaseId(std::string_view case_id);
// The audit detail of a decision: "decision 7 revision 2[ meeting m_…][ amends 5]" (ids only).
std::string DecisionDetail(const Decision& d);
// "m_" + 32 hex digits from a CSPRNG.
Result<std::string> NewMeetingId();
bool ValidMeetingId(std::string_view meeting_id);

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const OpenOptions& options = {});
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const OpenOptions& options = {});
// The start-up check both backends share: refused when the schema is newer than this zebra, or
// older while migrations are off; fills `state.before` and `state.after`.
void CheckSchemaVersion(int current, const OpenOptions& options, SchemaState& state);
Result<void> BackupSqlite(const std::string& path, const std::string& out);
Result<void> RestoreSqlite(const std::string& backup, const std::string& path);

}  // namespace zebra::store::internal
