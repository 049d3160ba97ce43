// Clinical-trial matching (issue 23): a local registry snapshot as data (knowledge/trials/), never
// fetched at run time, and per-trial eligibility written as knowledge.
//
//   knowledge/trials/registry.json  the studies: NCT id, title, phase, status, countries, source,
//                                   snapshot date (`zebra trials import FILE` writes it from a
//                                   ClinicalTrials.gov API v2 export)
//   knowledge/trials/criteria.json  per trial, the criteria a case can decide, each a FEEL test
//                                   over the case (true: met, false: rules the trial out, null:
//                                   to check), and the free-text criteria that stay "to check"
//   knowledge/trials/texts.json     the sentences the output uses (option text, patient sentence)
//
// This module holds no clinical decision: which trial fits is the criteria table's, evaluated by
// Zebra's FEEL engine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "clinical/clinical.h"
#include "common/error.h"
#include "feel/feel.h"
#include "feel/shaped_position.h"
#include "json/json_writer.h"

namespace zebra::clinical {
struct TextCounts;
struct Answer;
}

namespace zebra::trials {

using Json = nlohmann::ordered_json;

// path: JSON path in the file ("studies[2].protocolSection.identificationModule.nctId");
// message: what, and what is allowed.
using Error = common::Error;
using Errors = common::Errors;

// Days a snapshot may age before the output flags it as stale.
inline constexpr int kStaleAfterDays = 180;

struct Criterion {
  std::string id;
  std::string text;                // the requirement in words: "Ki-67 between 15 and 55 %"
  std::vector<std::string> needs;  // case fields (or facts) the test reads; absent: to check
  feel::CompiledExpression test;
  std::string source;  // the FEEL text of the test
  // `needs` resolved at load: the slot of each path's head and the keys below it.
  std::vector<std::pair<size_t, std::vector<std::string>>> need_paths;
  // Prepared at load for Annotate: `text` as a JSON string with its text, and the index of the
  // test among the registry's distinct test texts (a text shared by several criteria is
  // evaluated once per case).
  json::Fragment text_json;
  size_t test_index = 0;
  // The facts `need_paths` read (with the facts those read), ascending: evaluated before Known.
  std::vector<std::uint32_t> need_facts;
  bool needs_classification = false;  // `need_paths` (or their facts) read the classification
};

struct Fact {
  std::string name;
  feel::CompiledExpression expr;
  std::string source;  // the FEEL text
};

struct Study {
  Json record;  // the registry entry as stored
  std::string nct_id;
  std::string snapshot_date;
  bool encoded = false;  // criteria.json has structured criteria for it
  std::vector<Criterion> criteria;
  std::vector<std::string> to_check;  // free-text criteria the case cannot decide
  // Prepared at load for Annotate: the case-independent parts of the study's entry.
  std::string status;
  std::string not_recruiting;  // the reason when the status is not a recruiting one, else empty
  json::Fragment head;  // the entry's first members: nct_id, title, phase, status, countries
  // A fitting entry's last members: snapshot_date, stale (false, true), criteria_encoded, url.
  json::Fragment tail[2];
  std::vector<json::Fragment> to_check_json;  // to_check as JSON strings
  int snapshot_day = 0;  // snapshot_date as days since 1970-01-01
  // Without encoded criteria, a fitting entry is the same for every case: the whole entry, by
  // its stale flag (false, true).
  json::Fragment entry[2];
  // Prepared at load for Annotate (encoded studies): the tests of its criteria without `needs`
  // as bits over the registry's distinct tests (a test already found false rules the study out
  // before anything is evaluated for it).
  std::vector<std::uint64_t> test_bits;
  // Prepared at load for Annotate (encoded studies of at most 64 criteria, none with `needs`):
  // the test of each criterion, by index among the registry's distinct tests, in order. Its
  // outcomes alone decide whether the study fits and what its entry says.
  bool plain_criteria = false;
  std::vector<std::uint32_t> criterion_tests;
};

class Registry {
 public:
  // Loads knowledge/trials/ (dir is the knowledge directory). No trials/ directory: an empty
  // registry. Any error in the files or a criterion that does not compile: errors with paths.
  static tl::expected<std::shared_ptr<const Registry>, Errors> Load(const std::filesystem::path& knowledge_dir);

  const std::vector<Study>& studies() const { return studies_; }
  const Json& texts() const { return texts_; }
  // The oldest snapshot date of the loaded studies ("" when none).
  const std::string& snapshot_date() const { return snapshot_date_; }
  int encoded_count() const;

  // Matches a validated case (and the recommendation's classification) against every study.
  // Adds to `recommendation`: `trials` (studies no known fact rules out), `trials_registry`
  // (snapshot date, stale flag, counts) and, with include_excluded, `trials_excluded` (each with
  // its reasons); names how many may fit in the trial.clinical_trial option and the patient
  // summary. `today` is YYYY-MM-DD (empty: the current UTC date).
  void Annotate(const Json& case_json, Json& recommendation, const std::string& today, bool include_excluded) const;
  struct AnnotateOptions {
    bool include_excluded = false;
    // The readability counts of the patient summary's text as it stands (English): the trial
    // sentence adds its own counts instead of the whole text being counted again.
    const clinical::TextCounts* summary_counts = nullptr;
    // When set, the trial members are appended here as JSON text (",\"trials\":[…],…", to go
    // before the recommendation's closing brace) instead of being added to the recommendation,
    // which must not hold them yet. The same description writes both (json::TextOut, TreeOut).
    std::string* members_text = nullptr;
    // The case as the FEEL value the clinical models read (clinical::EvaluateOptions::
    // case_value), when the caller has it: the criteria read its parts instead of the case being
    // converted again. Must be the value of `case_json`.
    const feel::Value* case_value = nullptr;
    // With members_text, for a recommendation written as text after the annotation (zebra
    // batch, clinical::AppendAnswer): `recommendation` is not read; the criteria read the
    // classification from here, and the trial option's note and the patient sentence (English)
    // are left here for the writer instead of being put in the tree.
    clinical::Answer* answer = nullptr;
    // With members_text: called once the notes are left in `answer` and just before the members
    // are appended (zebra batch writes the recommendation's text into members_text here, so the
    // members follow it without a copy). Not called when no members are written (no registry).
    std::function<void()> before_members;
  };
  void Annotate(const Json& case_json, Json& recommendation, const std::string& today,
                const AnnotateOptions& options) const;

  // `zebra trials list` as text.
  std::string ListText(const std::string& today) const;

  // `zebra kb check` of the registry beyond what Load checks (NCT ids, uniqueness, dates, FEEL):
  // every case field a criterion or fact names exists in `case_schema`, every string compared
  // with a field is one of its allowed values, and no criterion decides without case data (on an
  // empty case a test must give null, "to check", never true or false: that would be a guess).
  // Returns the problems, each naming the file and the criterion.
  std::vector<std::string> Check(const Json& case_schema) const;
  // Structured criteria over all studies.
  int criteria_count() const;

 private:
  Registry() = default;
  // tests_ points into studies_: a registry stays where Load built it.
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  void PrepareTests();  // tests_ and the other prepared parts, once the studies are loaded
  void PrepareEntries();  // the prepared JSON: Study::entry, registry_head_, *_members_
  // A distinct criterion test text: a plain name of the scope is read from its slot (a fact
  // evaluated once), any other text evaluated by `expr` (the first criterion's with that text).
  struct Test {
    const feel::CompiledExpression* expr = nullptr;
    int slot = -1;
    // The facts the text may read (with the facts those read), ascending: a fact is evaluated
    // once per case, when a test that may read it is first evaluated (FEEL has no side effects).
    std::vector<std::uint32_t> facts;
    bool classification = false;  // the text or its facts may read the classification
  };
  // The facts a compiled text reads (its ExpressionReads), with the facts those read, ascending;
  // only facts declared before it (index < before) have slots it can read.
  std::vector<std::uint32_t> FactsIn(const feel::ExpressionReads& reads, size_t before) const;
  // Does a compiled text (its reads, and the facts it reads) read the classification?
  bool ReadsClassification(const feel::ExpressionReads& reads, const std::vector<std::uint32_t>& facts) const;
  std::string StaleNote(int oldest_age) const;  // texts.json's "stale" for the oldest snapshot's age
  std::vector<std::vector<std::uint32_t>> fact_needs_;  // by fact: FactsIn(its reads), earlier facts only
  // A case path a fact or test reads (a part's slot and the keys below it), found once per case.
  struct KeyPath {
    size_t slot = 0;
    std::vector<std::string> keys;
    std::shared_ptr<feel::ShapedPosition[]> positions;  // by key: where shaped contexts hold it
    bool operator==(const KeyPath& o) const { return slot == o.slot && keys == o.keys; }
    // The value at the path below `head` as FEEL's path reads it (absent, or below null: null);
    // nullptr when it passes a value other than a context or null (FEEL maps a path over a list).
    const feel::Value* In(const feel::Value& head) const;
  };
  // What a fact's value or a test's outcome depends on, for a thread to keep what it found for
  // other cases (see MemoPlanOf in trials.cc): the case paths it reads (leaves_) and the facts it
  // reads directly. Not keyed: evaluated for every case.
  struct MemoPlan {
    bool keyed = false;
    std::vector<std::uint32_t> leaves;  // indices into leaves_
    std::vector<std::uint32_t> facts;   // facts read (their values), ascending
  };
  // `before`: only facts declared before it (index < before) have slots the text can read.
  MemoPlan MemoPlanOf(const feel::ExpressionReads& reads, size_t before);
  static MemoPlan Bounded(MemoPlan plan);  // not keyed when it reads more values than a key holds
  std::vector<KeyPath> leaves_;     // the distinct case paths of the keyed facts and tests
  std::vector<MemoPlan> fact_memo_;  // by fact
  std::vector<char> fact_reads_classification_;         // by fact
  std::vector<Fact> facts_;
  std::vector<Test> tests_;
  // By test: keyed by the case paths it and its facts read (its facts evaluated only when the
  // thread has no outcome for the key).
  std::vector<MemoPlan> test_memo_;
  // The case paths that key at least one test alone (a test whose MemoPlan is that one path):
  // Annotate finds their ids first and takes every outcome the thread keeps for them as bits
  // over the tests, before any study is visited. By test: the index of its path among these,
  // or -1 (a test keyed otherwise, or not at all).
  std::vector<std::uint32_t> alone_leaves_;
  std::vector<int> test_alone_;
  size_t test_words_ = 0;  // 64-bit words of a bit set over tests_
  json::Fragment not_encoded_matched_json_, not_encoded_to_check_json_;
  // trials_registry's case-independent members (snapshot_date, studies, criteria_encoded), and its
  // last ones (stale, stale_note) when nothing is stale and on the day Load ran.
  json::Fragment registry_head_, not_stale_members_, stale_members_;
  int min_snapshot_day_ = 0;  // the oldest study's snapshot_day (any study stale: it is)
  // The studies by what Annotate does with them when the excluded are not listed: those that do
  // not recruit are counted; those recruiting, with encoded criteria, are matched; those
  // without fit (their entries all have text: plain_has_text_).
  size_t not_recruiting_count_ = 0;
  std::vector<const Study*> encoded_recruiting_, plain_recruiting_;
  bool plain_has_text_ = false;
  // By the number of studies that may fit (0 to studies_.size()): the trial option's sentence
  // and the patient's (English), with its readability counts.
  std::vector<std::string> option_texts_, patient_sentences_;
  std::vector<clinical::TextCounts> patient_counts_;
  int snapshot_day_ = 0;  // snapshot_date_ as days since 1970-01-01 (0 when it is no date)
  bool snapshot_is_date_ = false;
  // The stale note for the oldest snapshot's age in days on the day Load ran.
  int stale_note_age_ = 0;
  std::string stale_note_;
  std::vector<std::string> scope_names_;
  std::vector<Study> studies_;
  std::uint64_t id_ = 0;  // this registry among those loaded (what a thread keeps for it is its own)
  Json texts_ = Json::object();
  std::string not_encoded_matched_, not_encoded_to_check_;  // from texts_
  std::string snapshot_date_;
};

// The current UTC date, YYYY-MM-DD.
std::string TodayUtc();
// The current UTC date as days since 1970-01-01.
int TodayDayNumber();
// Days from `from` to `to` (both YYYY-MM-DD); nullopt when either is not a date.
std::optional<int> DaysBetween(std::string_view from, std::string_view to);

// Reads a ClinicalTrials.gov API v2 export ({"studies": [{"protocolSection": {...}}]}) and
// returns the registry entries of its neuroendocrine studies, each stamped with
// `snapshot_date`. Every input problem is an error with its JSON path; nothing is guessed.
struct ImportResult {
  Json studies = Json::array();  // registry entries
  int read = 0;                  // studies in the file
  int skipped = 0;               // not neuroendocrine
};
tl::expected<ImportResult, Errors> ReadApiV2(std::string_view text, const std::string& snapshot_date);

// `zebra trials import`: merges the file's neuroendocrine studies into
// knowledge_dir/trials/registry.json (same NCT id: replaced; new: added) and writes it atomically
// (a temporary file renamed over the old one), so a bad file leaves the loaded snapshot untouched.
struct ImportReport {
  int read = 0, kept = 0, added = 0, updated = 0, skipped = 0;
  std::filesystem::path file;
};
tl::expected<ImportReport, Errors> Import(const std::filesystem::path& knowledge_dir, std::string_view text,
                                          const std::string& snapshot_date);

}  // namespace zebra::trials
