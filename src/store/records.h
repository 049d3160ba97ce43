// What the SQLite and PostgreSQL stores share above their drivers: the column lists, the row
// readers, and the records a write builds before it is stored. Both stores run the same SQL on the
// same schema, so a row is read one way; each backend adapts its own row type. Not part of the
// public interface.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace zebra::store::internal {

// A row: Text(i), Int(i), Bool(i) and IsNull(i) for column i, in the order of the lists below.
// The readers are function objects, so the shared layer (sql_store.h) can hand them to either
// backend.
template <class R>
concept Row = requires(const R& r, int i) {
  { r.Text(i) } -> std::convertible_to<std::string>;
  { r.Int(i) } -> std::convertible_to<std::int64_t>;
  { r.Bool(i) } -> std::convertible_to<bool>;
  { r.IsNull(i) } -> std::convertible_to<bool>;
};

inline constexpr std::string_view kRevisionSelect =
    "SELECT case_id, revision, case_json, created_by, created_at FROM case_revisions";
inline constexpr std::string_view kEvaluationSelect =
    "SELECT id, case_id, case_revision, knowledge_version, engine_version, output_json, created_by, "
    "created_at FROM evaluations";
inline constexpr std::string_view kMeetingSelect =
    "SELECT meeting_id, revision, meeting_date, meeting_time, board, meeting_json, created_by, created_at "
    "FROM meeting_revisions";
inline constexpr std::string_view kDecisionSelect =
    "SELECT id, case_id, case_revision, decision_json, created_by, created_at, meeting_id, amends FROM decisions";
inline constexpr std::string_view kAuditSelect =
    "SELECT seq, at, actor, action, case_id, detail, content_ref, content_hash, prev_hash, hash FROM audit_log";
inline constexpr std::string_view kAnchorSelect =
    "SELECT base_seq, base_hash, head_seq, head_hash FROM audit_anchor WHERE id = 1";
inline constexpr std::string_view kUserColumns = "u.id, u.username, u.password_hash, u.role, u.disabled, u.created_at";
inline constexpr std::string_view kUserSelect =
    "SELECT u.id, u.username, u.password_hash, u.role, u.disabled, u.created_at FROM users u";
inline constexpr std::string_view kTokenColumns =
    "'tk_' || substr(t.token_hash, 1, 16), t.user_id, t.name, t.scope, t.created_at, t.expires_unix, "
    "t.last_used_unix";
// Each case's latest revision with what the case list shows (ReadCaseSummary).
inline constexpr std::string_view kCaseSummarySelect = R"(
SELECT r.case_id, r.label, r.revision, r.created_at, r.created_by,
  EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = r.case_id),
  (SELECT e.id FROM evaluations e WHERE e.case_id = r.case_id ORDER BY e.id DESC LIMIT 1),
  (SELECT e.created_at FROM evaluations e WHERE e.case_id = r.case_id ORDER BY e.id DESC LIMIT 1)
FROM case_revisions r
WHERE r.revision = (SELECT MAX(r2.revision) FROM case_revisions r2 WHERE r2.case_id = r.case_id)
ORDER BY r.created_at DESC, r.case_id)";
// Appended to kMeetingSelect: each meeting's latest revision, newest meeting first.
inline constexpr std::string_view kLatestMeetingsTail = R"( m
WHERE m.revision = (SELECT MAX(m2.revision) FROM meeting_revisions m2 WHERE m2.meeting_id = m.meeting_id)
ORDER BY m.meeting_date DESC, m.meeting_time DESC,
  (SELECT m1.created_at FROM meeting_revisions m1 WHERE m1.meeting_id = m.meeting_id AND m1.revision = 1) DESC,
  m.meeting_id)";
// A meeting's latest revision (one `?`: the meeting id).
inline constexpr std::string_view kLatestMeetingRevision =
    "SELECT meeting_id, revision, meeting_date, meeting_time, board, meeting_json, created_by, created_at "
    "FROM meeting_revisions WHERE meeting_id = ? ORDER BY revision DESC LIMIT 1";
inline constexpr std::string_view kAnchorMissing = "audit chain broken: the audit anchor is missing";
inline constexpr std::int64_t kDefaultTokenSeconds = 90 * 86400;
inline constexpr std::uint64_t kPurgeEvery = 256;
// Expired jti rows are kept a while longer than any verifier's clock skew allowance.
inline constexpr std::int64_t kJtiRetentionSeconds = 3600;

// Columns of kRevisionSelect.
inline constexpr auto ReadRevision = [](const Row auto& r) -> CaseRevision {
  return CaseRevision{r.Text(0), static_cast<int>(r.Int(1)), r.Text(2), r.Text(3), r.Text(4)};
};

// Columns of kEvaluationSelect.
inline constexpr auto ReadEvaluation = [](const Row auto& r) -> Evaluation {
  return Evaluation{r.Int(0),  r.Text(1), static_cast<int>(r.Int(2)), r.Text(3), r.Text(4),
                    r.Text(5), r.Text(6), r.Text(7)};
};

// Columns of kDecisionSelect.
inline constexpr auto ReadDecision = [](const Row auto& r) -> Decision {
  return Decision{r.Int(0),  r.Text(1), static_cast<int>(r.Int(2)), r.Text(3),
                  r.Text(4), r.Text(5), r.Text(6), r.IsNull(7) ? std::nullopt : std::optional(r.Int(7))};
};

// Columns of kMeetingSelect.
inline constexpr auto ReadMeeting = [](const Row auto& r) -> MeetingRevision {
  return MeetingRevision{r.Text(0), static_cast<int>(r.Int(1)), r.Text(2), r.Text(3),
                         r.Text(4), r.Text(5), r.Text(6), r.Text(7)};
};

// Columns of kUserColumns.
inline constexpr auto ReadUser = [](const Row auto& r) -> User {
  return User{r.Int(0), r.Text(1), r.Text(2), ParseRole(r.Text(3)).value_or(Role::kViewer), r.Int(4) != 0,
              r.Text(5)};
};

// Columns of kTokenColumns from `first`.
inline constexpr auto ReadToken = [](const Row auto& r, int first) -> ApiToken {
  return ApiToken{r.Text(first),     r.Int(first + 1), r.Text(first + 2),
                  ParseTokenScope(r.Text(first + 3)).value_or(TokenScope::kRead),
                  r.Text(first + 4), r.Int(first + 5), r.Int(first + 6)};
};

// kUserColumns then kTokenColumns.
inline constexpr auto ReadTokenUse = [](const Row auto& r) -> ApiTokenUse {
  return ApiTokenUse{ReadUser(r), ReadToken(r, 6)};
};

// token_hash, csrf_token, user_id, expires_unix.
inline constexpr auto ReadSession = [](const Row auto& r) -> Session {
  return Session{r.Text(0), r.Text(1), r.Int(2), r.Int(3)};
};

// One text column.
inline constexpr auto ReadText = [](const Row auto& r) -> std::string { return r.Text(0); };

// Columns of kAuditSelect.
inline constexpr auto ReadAudit = [](const Row auto& r) -> AuditEntry {
  return AuditEntry{r.Int(0),  r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                    r.Text(5), r.Text(6), r.Text(7), r.Text(8), r.Text(9)};
};

// Columns of kAnchorSelect.
inline constexpr auto ReadAnchor = [](const Row auto& r) -> AuditAnchor {
  return AuditAnchor{r.Int(0), r.Text(1), r.Int(2), r.Text(3)};
};

// Columns of kCaseSummarySelect.
inline constexpr auto ReadCaseSummary = [](const Row auto& r) -> CaseSummary {
  CaseSummary s;
  s.case_id = r.Text(0);
  s.label = r.Text(1);
  s.latest_revision = static_cast<int>(r.Int(2));
  s.updated_at = r.Text(3);
  s.updated_by = r.Text(4);
  const bool decided = r.Bool(5);
  if (!r.IsNull(6)) {
    s.last_evaluation_id = r.Int(6);
    s.last_evaluated_at = r.Text(7);
  }
  s.status = decided ? "decided" : s.last_evaluation_id ? "evaluated" : "draft";
  return s;
};

// The evaluation of `rev` (being written in the same transaction) with the engine's output from
// `input`; the store fills id and created_at.
Evaluation EvaluationOf(const CaseRevision& rev, std::string_view actor, const Evaluation& input);
// `meeting` as revision `revision` of `meeting_id`, written now by `actor`.
MeetingRevision MeetingRevisionOf(const MeetingRevision& meeting, std::string_view meeting_id, int revision,
                                  std::string_view actor);
// A token issued now; its id is "tk_" + the first 16 hex digits of the hash.
ApiToken NewApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name, TokenScope scope,
                     std::int64_t expires_unix);
// The audit detail of an issued token.
std::string TokenDetail(const ApiToken& t);
// The entry after the chain's head (`head_seq`, `head_hash`), stamped now and hashed.
AuditEntry NextAuditEntry(std::int64_t head_seq, std::string head_hash, std::string_view actor,
                          std::string_view action, std::string_view case_id, std::string_view detail,
                          std::string_view content_ref, std::string_view content_hash);
// The range a prune removes (`rows`, oldest first, not empty), before its audit entry is written.
AuditPruneResult PrunedRange(const std::vector<AuditEntry>& rows);
// The audit detail of a prune.
std::string PruneDetail(const AuditPruneResult& out, std::string_view before);

}  // namespace zebra::store::internal
