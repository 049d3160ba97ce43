// zebra dmn eval MODEL.dmn [--decision NAME]... (--input JSON | --inputs FILE.ndjson)
// zebra tck DIR [--level-filter TEXT] [--filter TEXT] [--verbose] [--no-isolate] [--timeout S]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstring>
#include <chrono>
#include <fstream>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands.h"
#include "dmn/model.h"
#include "tck/tck.h"
#include "feel/value.h"
#include "json/feel_object.h"
#include "json/json_parse.h"
#include "json/json_values.h"
#include "json/json_writer.h"

namespace zebra::cli {
namespace {

using feel::Value;

// --- FEEL → JSON -------------------------------------------------------------------------------

// nlohmann's escaping (invalid UTF-8 replaced), without a temporary json and string per call.
void AppendJsonString(std::string& out, const std::string& s) {
  zebra::json::AppendJsonString(out, s, zebra::json::Utf8Handler::replace);
}

// Numbers as JSON numbers with their exact decimal digits, temporal values as ISO 8601 strings,
// contexts as objects, lists as arrays; ranges and functions as their FEEL text.
void AppendJson(std::string& out, const Value& v);

// The JSON text of contexts that many cases share — a decision table rule's outputs built once
// at load and returned by every hit of that rule — written once, then appended as it is.
// Values are immutable and each entry holds a reference to its context, so an address never
// comes back with other contents: a hit is always the same text. Only contexts inside results
// that something else also holds, or that are immortal constants (feel::MakeImmortal), are
// taken (a context built for one case has one owner), and at most kMax of them.
class SharedFragments {
 public:
  // Both return the text they keep for the value (stable: nodes of the maps never move), or null.
  const std::string* Append(std::string& out, const feel::ContextPtr& c) {
    if (auto it = text_.find(c.get()); it != text_.end()) {
      out += it->second.second;
      return &it->second.second;
    }
    const size_t start = out.size();
    AppendContext(out, *c);
    if ((c.use_count() > 1 || feel::IsImmortal(c)) && text_.size() < kMax)
      return &text_.emplace(c.get(), std::make_pair(c, out.substr(start))).first->second.second;
    return nullptr;
  }
  // The same for strings that something besides the result holds (a rule's constant output).
  const std::string* Append(std::string& out, const feel::StringPtr& s) {
    if (s.use_count() <= 1 && !feel::IsImmortal(s)) {
      AppendJsonString(out, *s);
      return nullptr;
    }
    if (auto it = strings_.find(s.get()); it != strings_.end()) {
      out += it->second.second;
      return &it->second.second;
    }
    const size_t start = out.size();
    AppendJsonString(out, *s);
    if (strings_.size() < kMax)
      return &strings_.emplace(s.get(), std::make_pair(s, out.substr(start))).first->second.second;
    return nullptr;
  }
  static void AppendContext(std::string& out, const feel::Context& c) {
    feel::AppendJoined(out, "{", c.entries(), ",", "}", [&out](const auto& entry) {
      AppendJsonString(out, entry.first);
      out += ':';
      AppendJson(out, entry.second);
    });
  }

 private:
  static constexpr size_t kMax = 4096;
  std::unordered_map<const feel::Context*, std::pair<feel::ContextPtr, std::string>> text_;
  std::unordered_map<const std::string*, std::pair<feel::StringPtr, std::string>> strings_;
};

void AppendJson(std::string& out, const Value& v, SharedFragments* shared) {
  switch (v.type()) {
    case feel::Type::kNull: out.append("null", 4); return;
    case feel::Type::kBoolean:
      if (v.boolean()) out.append("true", 4);
      else out.append("false", 5);
      return;
    case feel::Type::kNumber: json::AppendDecimal(out, v.number()); return;
    case feel::Type::kString:
      if (shared) shared->Append(out, v.string_ptr());
      else AppendJsonString(out, v.string());
      return;
    case feel::Type::kList:
      feel::AppendJoined(out, "[", v.list(), ",", "]", [&out, shared](const Value& e) {
        if (shared && e.is(feel::Type::kContext)) shared->Append(out, e.context_ptr());
        else AppendJson(out, e, shared);
      });
      return;
    case feel::Type::kContext: SharedFragments::AppendContext(out, v.context()); return;
    case feel::Type::kRange:
    case feel::Type::kFunction: AppendJsonString(out, feel::ToFeelLiteral(v)); return;
    default: AppendJsonString(out, feel::ToFeelString(v)); return;
  }
}

void AppendJson(std::string& out, const Value& v) { AppendJson(out, v, nullptr); }

// The answers of `dmn eval --inputs`, gathered in one buffer: appends are a bounds check and a
// memcpy (std::string::append is an out-of-line call with its own checks, and a case writes a
// dozen small pieces).
class OutBuffer {
 public:
  [[gnu::always_inline]] void Append(const char* p, size_t n) {
    if (n > cap_ - size_) [[unlikely]] Grow(n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  [[gnu::always_inline]] void Append(char c) {
    if (cap_ == size_) [[unlikely]] Grow(1);
    data_[size_++] = c;
  }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

 private:
  [[gnu::noinline]] void Grow(size_t n) {
    const size_t cap = std::max(2 * cap_, std::max(size_ + n, size_t{1} << 17));
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, cap_ = 0;
};

// Writes the results of one evaluation: each decision's `{"name":` or `,"name":` prefix is made
// once. The JSON text is AppendJson's, byte for byte: booleans, null, lists and the shared
// fragments are written here, anything else by AppendJson into a scratch string.
class ResultWriter {
 public:
  explicit ResultWriter(const dmn::Evaluator& evaluator) {
    for (const auto& d : evaluator.results()) {
      std::string key(keys_.empty() ? "{" : ",");
      AppendJsonString(key, d.name);
      key += ':';
      keys_.push_back(std::move(key));
    }
  }

  // Appends {"decision": value, ...} and `end` for the evaluator's last evaluation to `out`;
  // diagnostics go to `err`, prefixed with `where` (called only when there is one to write).
  template <class Out, class Where>
  void Append(Out& out, const dmn::Evaluator& evaluator, std::ostream& err, const Where& where,
              std::string_view end = "}") {
    const auto results = evaluator.results();
    if (results.empty()) out.Append('{');
    for (size_t i = 0; i < results.size(); ++i) {
      const dmn::DecisionResult& d = results[i];
      out.Append(keys_[i]);
      AppendValue(out, d.value);
      for (const auto& diag : d.diagnostics)
        err << "zebra dmn: " << where() << "decision '" << d.name << "': " << diag.message << "\n";
    }
    out.Append(end);
  }

 private:
  // AppendJson(out, v, &shared_).
  template <class Out>
  void AppendValue(Out& out, const Value& v) {
    switch (v.type()) {
      case feel::Type::kNull: out.Append("null", 4); return;
      case feel::Type::kBoolean:
        if (v.boolean()) out.Append("true", 4);
        else out.Append("false", 5);
        return;
      case feel::Type::kString:
        if (const Hot& h = hot_[HotIndex(v.string_ptr().get())]; h.key == v.string_ptr().get()) {
          out.Append(h.text, h.size);
          return;
        }
        break;
      case feel::Type::kList: {
        out.Append('[');
        bool first = true;
        for (const Value& e : v.list()) {
          if (!first) out.Append(',');
          first = false;
          if (e.is(feel::Type::kContext)) {
            if (const Hot& h = hot_[HotIndex(e.context_ptr().get())]; h.key == e.context_ptr().get()) {
              out.Append(h.text, h.size);
              continue;
            }
            tmp_.clear();
            const std::string* text = shared_.Append(tmp_, e.context_ptr());
            out.Append(tmp_);
            if (text) hot_[HotIndex(e.context_ptr().get())] = {e.context_ptr().get(), text->data(), text->size()};
          } else {
            AppendValue(out, e);
          }
        }
        out.Append(']');
        return;
      }
      default: break;
    }
    tmp_.clear();
    if (v.is(feel::Type::kString)) {
      if (const std::string* text = shared_.Append(tmp_, v.string_ptr()))
        hot_[HotIndex(v.string_ptr().get())] = {v.string_ptr().get(), text->data(), text->size()};
    } else {
      AppendJson(tmp_, v, &shared_);
    }
    out.Append(tmp_);
  }

  // A direct-mapped cache in front of SharedFragments' maps: the address of a value those maps
  // hold (and so keep alive: an address never comes back with other contents) and its text.
  struct Hot {
    const void* key = nullptr;
    const char* text = nullptr;
    size_t size = 0;
  };
  static size_t HotIndex(const void* p) {
    return static_cast<size_t>((reinterpret_cast<uintptr_t>(p) * 0x9E3779B97F4A7C15ull) >> 54);  // 1,024
  }
  std::vector<std::string> keys_;
  SharedFragments shared_;
  std::array<Hot, 1024> hot_{};
  std::string tmp_;
};

// Only spaces, tabs and carriage returns (a line to skip); a JSON line fails at its first byte.
bool IsBlank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

int DmnEval(const std::string& model_path, const std::vector<std::string>& decisions, const std::string& input,
            const std::string& inputs_path, Io io) {
  dmn::LoadOptions load_options;
  load_options.import_paths.push_back(std::filesystem::path(model_path).parent_path());
  auto model = dmn::LoadModel(model_path, load_options);
  if (!model) {
    for (const auto& d : model.error()) io.err << "zebra dmn: " << d.ToString() << "\n";
    if (model.error().empty()) io.err << "zebra dmn: " << model_path << ": model failed to load\n";
    return 2;
  }
  const dmn::Model& m = **model;
  auto known = m.DecisionNames();
  for (const auto& name : decisions) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      io.err << "zebra dmn: " << model_path << ": no decision named '" << name << "'\n";
      return 2;
    }
  }

  dmn::EvaluateOptions options;
  options.trace = false;
  std::unique_ptr<dmn::Evaluator> evaluator = m.Prepare(decisions, options);
  ResultWriter writer(*evaluator);

  if (!inputs_path.empty()) {
    // Lines go straight into the evaluator's input slots; a line the slot reader does not take
    // (nested values, escapes, errors, ...) is parsed whole and its values taken by name.
    std::optional<json::SlotReader> reader;
    if (evaluator->SlotsSuffice()) {
      auto names = evaluator->InputNames();
      reader.emplace(std::vector<std::string>(names.begin(), names.end()));
    }
    std::ifstream file;
    std::istream* in = &io.in;
    if (inputs_path != "-") {
      file.open(inputs_path);
      if (!file) {
        io.err << "zebra dmn: " << inputs_path << ": cannot open\n";
        return 2;
      }
      in = &file;
    }
    size_t line_no = 0;
    size_t bad = 0;
    // One line in, one line out, answers gathered in `out`. Output is written whenever no more
    // input is buffered, i.e. before we would block on reading: a consumer streaming line by
    // line gets every answer at once, while a file is written in blocks rather than one system
    // call per line.
    OutBuffer out;
    std::streambuf* const source = in->rdbuf();
    const auto write_out = [&] {
      io.out.write(out.data(), static_cast<std::streamsize>(out.size()));
      out.clear();
    };
    // Lines are cut from blocks taken from the stream buffer, as std::getline would cut them
    // (a last line without '\n' is a line; nothing after the last '\n' is none), with one memchr
    // per line. Only what the stream buffer says it holds is taken without blocking.
    std::string block;
    size_t pos = 0, end = 0, scanned = 0;
    bool at_eof = false;
    const auto next_line = [&](std::string_view& line) {
      for (;;) {
        if (const void* nl = std::memchr(block.data() + scanned, '\n', end - scanned)) {
          const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - block.data());
          line = std::string_view(block.data() + pos, at - pos);
          pos = scanned = at + 1;
          return true;
        }
        scanned = end;
        if (at_eof) {
          if (pos == end) return false;
          line = std::string_view(block.data() + pos, end - pos);
          pos = end;
          return true;
        }
        if (pos > 0) {  // keep the unfinished line at the front
          std::memmove(block.data(), block.data() + pos, end - pos);
          end -= pos;
          scanned -= pos;
          pos = 0;
        }
        constexpr size_t kBlock = size_t{1} << 16;
        if (block.size() - end < kBlock) block.resize(std::max(2 * block.size(), end + kBlock));
        std::streamsize avail = source->in_avail();
        if (avail <= 0) {
          if (avail < 0 || source->sgetc() == std::char_traits<char>::eof()) {
            at_eof = true;
            continue;
          }
          avail = source->in_avail();
          if (avail <= 0) {
            // A stream buffer that does not say what it holds (std::cin synchronised with stdio):
            // one line at a time, as before.
            std::string piece;
            if (!std::getline(*in, piece)) {
              at_eof = true;
              continue;
            }
            const bool newline = !in->eof();
            if (block.size() - end < piece.size() + 1) block.resize(end + piece.size() + 1);
            std::memcpy(block.data() + end, piece.data(), piece.size());
            end += piece.size();
            if (newline) block[end++] = '\n';
            else at_eof = true;
            continue;
          }
        }
        const std::streamsize want = std::min(avail, static_cast<std::streamsize>(block.size() - end));
        const std::streamsize got = source->sgetn(block.data() + end, want);
        if (got <= 0) at_eof = true;
        else end += static_cast<size_t>(got);
      }
    };
    // As getline's loop did: after a line, when neither `block` nor the stream buffer holds more.
    const auto flush_if_input_drained = [&] {
      if (pos == end && source->in_avail() <= 0) {
        write_out();
        io.out << std::flush;
      } else if (out.size() >= (size_t{1} << 16)) {
        write_out();
      }
    };
    const auto where = [&] { return inputs_path + ":" + std::to_string(line_no) + ": "; };
    std::string_view line;
    while (next_line(line)) {
      ++line_no;
      if (IsBlank(line)) continue;
      if (reader && reader->Read(line, evaluator->Inputs())) {
        evaluator->Evaluate();
      } else {
        auto context = json::ParseFeelObject(line);
        if (!context) {
          ++bad;
          io.err << "zebra dmn: " << where() << context.error() << "\n";
          std::string text = "{\"line\":" + std::to_string(line_no) + ",\"error\":";
          AppendJsonString(text, context.error());
          text += "}\n";
          out.Append(text);
          flush_if_input_drained();
          continue;
        }
        evaluator->Evaluate(*context);
      }
      writer.Append(out, *evaluator, io.err, where, "}\n");
      flush_if_input_drained();
    }
    write_out();
    io.out << std::flush;
    if (bad > 0) {
      io.err << "zebra dmn: " << bad << " of " << line_no << " input lines were invalid\n";
      return 2;
    }
    return 0;
  }

  auto context = json::ParseFeelObject(input);
  if (!context) {
    io.err << "zebra dmn: --input: " << context.error() << "\n";
    return 2;
  }
  OutBuffer out;
  evaluator->Evaluate(*context);
  writer.Append(out, *evaluator, io.err, [] { return ""; }, "}\n");
  io.out.write(out.data(), static_cast<std::streamsize>(out.size()));
  return 0;
}

struct Tally {
  size_t passed = 0;
  size_t failed = 0;
};

void PrintFailure(const dmn::tck::CaseResult& c, const std::string& level, bool verbose, std::ostream& out) {
  out << "FAIL " << c.id << " [" << level << "]\n";
  if (!c.error.empty()) {
    out << "  error: " << c.error << "\n";
    return;
  }
  for (const auto& m : c.mismatches) {
    out << "  " << m.node << ": expected " << m.expected << ", actual " << m.actual << "\n";
    if (verbose && !m.detail.empty()) out << "    diagnostics: " << m.detail << "\n";
  }
}

}  // namespace

int DmnCommand(const Args& args, Io io) {
  CLI::App app{"Evaluate a DMN model.", "zebra dmn"};
  app.require_subcommand(1);
  CLI::App* eval = app.add_subcommand("eval", "evaluate decisions of MODEL.dmn for JSON input");
  std::string model_path;
  std::vector<std::string> decisions;
  std::string input;
  std::string inputs_path;
  eval->add_option("model", model_path, "the DMN file")->required();
  eval->add_option("--decision", decisions, "decision to evaluate (repeatable; default: all)")
      ->allow_extra_args(false);
  auto* input_opt = eval->add_option("--input", input, "one JSON object of input data");
  auto* inputs_opt = eval->add_option("--inputs", inputs_path, "NDJSON file (or -) with one input object per line");
  input_opt->excludes(inputs_opt);
  inputs_opt->excludes(input_opt);
  if (auto rc = ParseCommandLine(app, args, io, "dmn")) return *rc;
  if (input_opt->count() == 0 && inputs_opt->count() == 0) {
    io.err << "zebra dmn eval: one of --input or --inputs is required\n" << eval->help();
    return 2;
  }
  return DmnEval(model_path, decisions, input, inputs_path, io);
}

int TckCommand(const Args& args, Io io) {
  CLI::App app{"Run DMN TCK test cases and report failures and pass counts per compliance level.", "zebra tck"};
  std::string dir;
  std::string level_filter;
  std::string filter;
  bool verbose = false;
  bool no_isolate = false;
  int timeout = 30;
  app.add_option("dir", dir, "TestCases root, a compliance-level folder, or one test folder")->required();
  app.add_option("--level-filter", level_filter, "only levels whose name contains TEXT (e.g. 2, compliance-level-3)");
  app.add_option("--filter", filter, "only test folders whose name contains TEXT");
  app.add_flag("--verbose,-v", verbose, "print passing cases and engine diagnostics");
  app.add_flag("--no-isolate", no_isolate, "run in this process (a crash stops the run)");
  app.add_option("--timeout", timeout, "seconds allowed per test case")->check(CLI::PositiveNumber);
  if (auto rc = ParseCommandLine(app, args, io, "tck")) return *rc;

  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    io.err << "zebra tck: " << dir << ": not a directory\n";
    return 2;
  }
  auto folders = dmn::tck::FindTestFolders(dir);
  if (folders.empty()) {
    io.err << "zebra tck: no test folders (with *-test-*.xml files) under " << dir << "\n";
    return 2;
  }
  // Run from the TestCases root, the compliance levels count; other folders (non-compliant/)
  // run only when asked for directly.
  auto level_of = [](const std::filesystem::path& folder) {
    std::filesystem::path normal = folder.lexically_normal();
    if (normal.filename().empty()) normal = normal.parent_path();
    return normal.parent_path().filename().string();
  };
  bool any_compliance = std::any_of(folders.begin(), folders.end(), [&](const auto& f) {
    return level_of(f).rfind("compliance-level-", 0) == 0;
  });
  dmn::tck::RunOptions options;
  options.isolate = !no_isolate;
  options.case_timeout_seconds = timeout;

  std::map<std::string, Tally> per_level;
  Tally total;
  size_t run = 0;
  for (const auto& folder : folders) {
    std::filesystem::path normal = folder.lexically_normal();
    if (normal.filename().empty()) normal = normal.parent_path();
    std::string level = level_of(folder);
    if (any_compliance && level.rfind("compliance-level-", 0) != 0) continue;
    if (!level_filter.empty() && level.find(level_filter) == std::string::npos) continue;
    if (!filter.empty() && normal.filename().string().find(filter) == std::string::npos) continue;
    ++run;
    auto started = std::chrono::steady_clock::now();
    dmn::tck::FolderResult result = dmn::tck::RunFolder(folder, options);
    Tally& tally = per_level[result.level];
    if (!result.error.empty()) {
      io.out << "FAIL " << normal.filename().string() << " [" << result.level << "]\n  error: " << result.error << "\n";
      ++tally.failed;
      ++total.failed;
    }
    for (const auto& c : result.cases) {
      if (c.passed) {
        ++tally.passed;
        ++total.passed;
        if (verbose) io.out << "PASS " << c.id << "\n";
      } else {
        ++tally.failed;
        ++total.failed;
        PrintFailure(c, result.level, verbose, io.out);
      }
    }
    if (verbose) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      io.out << "# " << normal.filename().string() << ": " << result.cases.size() << " cases in " << ms.count()
             << " ms\n";
    }
    io.out << std::flush;
  }
  if (run == 0) {
    io.err << "zebra tck: no test folder matches the filters\n";
    return 2;
  }
  for (const auto& [level, tally] : per_level)
    io.out << level << ": " << tally.passed << " passed, " << tally.failed << " failed\n";
  io.out << total.passed << " passed, " << total.failed << " failed\n";
  return 0;
}

}  // namespace zebra::cli
