#include "store/records.h"

#include <fmt/format.h>

#include "store/store_internal.h"

namespace zebra::store::internal {

Evaluation EvaluationOf(const CaseRevision& rev, std::string_view actor, const Evaluation& input) {
  return Evaluation{0, rev.case_id, rev.revision, input.knowledge_version, input.engine_version, input.output_json,
                    std::string(actor), ""};
}

MeetingRevision MeetingRevisionOf(const MeetingRevision& meeting, std::string_view meeting_id, int revision,
                                  std::string_view actor) {
  MeetingRevision m = meeting;
  m.meeting_id = meeting_id;
  m.revision = revision;
  m.created_by = actor;
  m.created_at = NowRfc3339();
  return m;
}

ApiToken NewApiToken(std::int64_t user_id, std::string_view token_hash, std::string_view name, TokenScope scope,
                     std::int64_t expires_unix) {
  ApiToken t;
  t.id = "tk_" + std::string(token_hash.substr(0, 16));
  t.user_id = user_id;
  t.name = name;
  t.scope = scope;
  t.created_at = NowRfc3339();
  t.expires_unix = expires_unix;
  return t;
}

std::string TokenDetail(const ApiToken& t) {
  return fmt::format("token {} scope {} user {} expires {}", t.id, TokenScopeName(t.scope), t.user_id,
                     t.expires_unix);
}

AuditEntry NextAuditEntry(std::int64_t head_seq, std::string head_hash, std::string_view actor,
                          std::string_view action, std::string_view case_id, std::string_view detail,
                          std::string_view content_ref, std::string_view content_hash) {
  AuditEntry e;
  e.seq = head_seq + 1;
  e.prev_hash = std::move(head_hash);
  e.at = NowRfc3339();
  e.actor = actor;
  e.action = action;
  e.case_id = case_id;
  e.detail = detail;
  e.content_ref = content_ref;
  e.content_hash = content_hash;
  e.hash = AuditHash(e);
  return e;
}

AuditPruneResult PrunedRange(const std::vector<AuditEntry>& rows) {
  AuditPruneResult out;
  out.pruned = rows.size();
  out.first_seq = rows.front().seq;
  out.last_seq = rows.back().seq;
  out.last_hash = rows.back().hash;
  return out;
}

std::string PruneDetail(const AuditPruneResult& out, std::string_view before) {
  return fmt::format("pruned {} entries (seq {} to {}) older than {}", out.pruned, out.first_seq, out.last_seq,
                     before);
}

}  // namespace zebra::store::internal
