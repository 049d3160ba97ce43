// The reads the SQLite and PostgreSQL stores answer alike: one query on the shared schema, its
// rows read by records.h. A backend derives from SqlStore<Backend> and provides
//   QueryAll(sql, read, args...)   -> Result<std::vector<row type>>
//   QueryFirst(sql, read, args...) -> Result<std::optional<row type>>
// running `sql` (with `?` placeholders) on a read connection, and
//   WriteRevision(case_id, create, case_json, actor, evaluation) -> Result<EvaluatedRevision>
// writing one case revision (and its evaluation when not null) in one transaction. Other writes
// stay in the backends: their transactions and locks differ. Not part of the public interface.
#pragma once

#include <algorithm>
#include <exception>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "store/records.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace zebra::store::internal {

// Runs `f`, turning an exception into an error value (`describe` words it), so none leaves a store.
template <class F, class Describe>
auto Guarded(F&& f, Describe&& describe) -> Result<std::invoke_result_t<F&>> {
  using T = std::invoke_result_t<F&>;
  try {
    if constexpr (std::is_void_v<T>) {
      f();
      return {};
    } else {
      return f();
    }
  } catch (const std::exception& e) {
    return tl::unexpected(describe(e));
  }
}

template <class Backend>
class SqlStore : public Store {
 public:
  Result<CaseRevision> CreateCase(std::string_view case_json, std::string_view actor) override {
    return RevisionOf(WriteCase(std::nullopt, case_json, actor, nullptr));
  }

  Result<CaseRevision> UpdateCase(std::string_view case_id, std::string_view case_json,
                                  std::string_view actor) override {
    return RevisionOf(WriteCase(case_id, case_json, actor, nullptr));
  }

  Result<EvaluatedRevision> CreateCaseWithEvaluation(std::string_view case_json, std::string_view actor,
                                                     const Evaluation& evaluation) override {
    return WriteCase(std::nullopt, case_json, actor, &evaluation);
  }

  Result<EvaluatedRevision> UpdateCaseWithEvaluation(std::string_view case_id, std::string_view case_json,
                                                     std::string_view actor, const Evaluation& evaluation) override {
    return WriteCase(case_id, case_json, actor, &evaluation);
  }

  Result<std::optional<CaseRevision>> GetCase(std::string_view case_id, std::optional<int> revision) override {
    if (!ValidCaseId(case_id)) return std::optional<CaseRevision>();
    if (revision)
      return Self().QueryFirst(fmt::format("{} WHERE case_id = ? AND revision = ?", kRevisionSelect), ReadRevision,
                               std::string(case_id), *revision);
    return Self().QueryFirst(fmt::format("{} WHERE case_id = ? ORDER BY revision DESC LIMIT 1", kRevisionSelect),
                             ReadRevision, std::string(case_id));
  }

  Result<std::vector<CaseRevision>> ListRevisions(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<CaseRevision>();
    return Self().QueryAll(fmt::format("{} WHERE case_id = ? ORDER BY revision", kRevisionSelect), ReadRevision,
                           std::string(case_id));
  }

  Result<std::vector<CaseSummary>> ListCases() override {
    return Self().QueryAll(std::string(kCaseSummarySelect), ReadCaseSummary);
  }

  Result<std::vector<Evaluation>> ListEvaluations(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<Evaluation>();
    return Self().QueryAll(fmt::format("{} WHERE case_id = ? ORDER BY id", kEvaluationSelect), ReadEvaluation,
                           std::string(case_id));
  }

  Result<std::optional<Evaluation>> GetEvaluation(std::int64_t id) override {
    return Self().QueryFirst(fmt::format("{} WHERE id = ?", kEvaluationSelect), ReadEvaluation, id);
  }

  Result<std::optional<std::string>> GetCaseSource(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::optional<std::string>();
    return Self().QueryFirst(
        "SELECT source_json FROM case_sources WHERE case_id = ? ORDER BY case_revision DESC LIMIT 1", ReadText,
        std::string(case_id));
  }

  Result<std::vector<Decision>> ListDecisions(std::string_view case_id) override {
    if (!ValidCaseId(case_id)) return std::vector<Decision>();
    return Self().QueryAll(fmt::format("{} WHERE case_id = ? ORDER BY id", kDecisionSelect), ReadDecision,
                           std::string(case_id));
  }

  Result<std::vector<Decision>> ListMeetingDecisions(std::string_view meeting_id) override {
    if (!ValidMeetingId(meeting_id)) return std::vector<Decision>();
    return Self().QueryAll(fmt::format("{} WHERE meeting_id = ? ORDER BY id", kDecisionSelect), ReadDecision,
                           std::string(meeting_id));
  }

  Result<std::optional<MeetingRevision>> GetMeeting(std::string_view meeting_id,
                                                    std::optional<int> revision) override {
    if (!ValidMeetingId(meeting_id)) return std::optional<MeetingRevision>();
    if (revision)
      return Self().QueryFirst(fmt::format("{} WHERE meeting_id = ? AND revision = ?", kMeetingSelect), ReadMeeting,
                               std::string(meeting_id), *revision);
    return Self().QueryFirst(std::string(kLatestMeetingRevision), ReadMeeting, std::string(meeting_id));
  }

  Result<std::vector<MeetingRevision>> ListMeetingRevisions(std::string_view meeting_id) override {
    if (!ValidMeetingId(meeting_id)) return std::vector<MeetingRevision>();
    return Self().QueryAll(fmt::format("{} WHERE meeting_id = ? ORDER BY revision", kMeetingSelect), ReadMeeting,
                           std::string(meeting_id));
  }

  Result<std::vector<MeetingRevision>> ListMeetings() override {
    return Self().QueryAll(fmt::format("{}{}", kMeetingSelect, kLatestMeetingsTail), ReadMeeting);
  }

  Result<std::optional<User>> FindUser(std::string_view username) override {
    return Self().QueryFirst(fmt::format("{} WHERE u.username = ?", kUserSelect), ReadUser, std::string(username));
  }

  Result<std::optional<User>> FindUserById(std::int64_t id) override {
    return Self().QueryFirst(fmt::format("{} WHERE u.id = ?", kUserSelect), ReadUser, id);
  }

  Result<std::optional<Session>> FindSession(std::string_view token_hash, std::int64_t now_unix) override {
    return Self().QueryFirst(
        "SELECT token_hash, csrf_token, user_id, expires_unix FROM sessions WHERE token_hash = ? AND expires_unix > ?",
        ReadSession, std::string(token_hash), now_unix);
  }

  Result<std::optional<User>> FindUserByApiToken(std::string_view token_hash) override {
    auto found = FindApiToken(token_hash, NowUnix());
    if (!found) return tl::unexpected(found.error());
    if (!*found) return std::optional<User>();
    return std::optional<User>((*found)->user);
  }

  Result<std::optional<ApiTokenUse>> FindApiToken(std::string_view token_hash, std::int64_t now_unix) override {
    return Self().QueryFirst(fmt::format("SELECT {}, {} FROM api_tokens t JOIN users u ON u.id = t.user_id "
                                         "WHERE t.token_hash = ? AND t.expires_unix > ?",
                                         kUserColumns, kTokenColumns),
                             ReadTokenUse, std::string(token_hash), now_unix);
  }

  Result<std::vector<ApiToken>> ListApiTokens(std::int64_t user_id) override {
    return Self().QueryAll(
        fmt::format("SELECT {} FROM api_tokens t WHERE t.user_id = ? ORDER BY t.created_at, t.token_hash",
                    kTokenColumns),
        [](const Row auto& r) { return ReadToken(r, 0); }, user_id);
  }

  Result<std::vector<User>> ListUsers() override {
    return Self().QueryAll(fmt::format("{} ORDER BY u.username", kUserSelect), ReadUser);
  }

  // The newest `limit` entries (all when 0), oldest first.
  Result<std::vector<AuditEntry>> ListAudit(std::optional<std::string> case_id, std::size_t limit) override {
    const std::string lim = limit == 0 ? "" : fmt::format(" LIMIT {}", limit);
    auto out = case_id ? Self().QueryAll(fmt::format("{} WHERE case_id = ? ORDER BY seq DESC{}", kAuditSelect, lim),
                                         ReadAudit, *case_id)
                       : Self().QueryAll(fmt::format("{} ORDER BY seq DESC{}", kAuditSelect, lim), ReadAudit);
    if (out) std::reverse(out->begin(), out->end());
    return out;
  }

  Result<AuditAnchor> GetAuditAnchor() override {
    auto anchor = Self().QueryFirst(std::string(kAnchorSelect), ReadAnchor);
    if (!anchor) return tl::unexpected(anchor.error());
    if (!*anchor) return tl::unexpected(std::string(kAnchorMissing));
    return **anchor;
  }

 private:
  Backend& Self() { return static_cast<Backend&>(*this); }

  // A new case (no `case_id`) or the next revision of one, with `evaluation` of it when given, in
  // one transaction: the backend's WriteRevision(case_id, create, case_json, actor, evaluation).
  Result<EvaluatedRevision> WriteCase(std::optional<std::string_view> case_id, std::string_view case_json,
                                      std::string_view actor, const Evaluation* evaluation) {
    std::string id;
    if (case_id) {
      if (!ValidCaseId(*case_id)) return tl::unexpected(std::string("case not found"));
      id = *case_id;
    } else {
      auto made = NewCaseId();
      if (!made) return tl::unexpected(made.error());
      id = std::move(*made);
    }
    return Self().WriteRevision(id, !case_id, case_json, actor, evaluation);
  }

  static Result<CaseRevision> RevisionOf(Result<EvaluatedRevision> written) {
    if (!written) return tl::unexpected(written.error());
    return std::move(written->revision);
  }
};

}  // namespace zebra::store::internal
