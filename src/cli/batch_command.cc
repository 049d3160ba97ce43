// zebra batch IN.ndjson -o OUT.ndjson [--threads N] [--summary CSV] [--fail-fast] [--fhir]
//
// Streaming: the input is read in chunks of lines; worker threads evaluate whole chunks; a
// writer emits chunks in input order. At most a few chunks per thread are in flight, so memory
// does not grow with the input. Chunks are recycled and keep their buffers, and the input is
// read in large blocks into one buffer per chunk, so steady state allocates nothing per line
// outside the engine.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "cli/commands.h"
#include "cli/id_counts.h"
#include "engine/engine.h"
#include "json/json_writer.h"

namespace zebra::cli {
namespace {

// An answer is ~20 KB, so a chunk's output is ~2.5 MB; at most two chunks per worker are in flight.
constexpr size_t kChunkLines = 128;
constexpr size_t kReadBlock = size_t{1} << 18;
// A recycled chunk keeps its buffers unless one grew past this (a few huge lines).
constexpr size_t kKeepCapacity = size_t{32} << 20;

struct Chunk {
  size_t seq = 0;
  size_t first_line = 0;      // 1-based line number of the first line
  std::string text;           // the lines, each followed by '\n'
  std::vector<size_t> ends;   // ends[i]: offset of line i's '\n' in text
  std::string output;
  std::string errors;
  size_t cases = 0;  // output lines
  size_t bad = 0;
  // "kind,id" → count (a chunk counts ~3 ids a case; the totals are sorted).
  IdCounts counts;

  size_t Lines() const { return ends.size(); }
  std::string_view Line(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1] + 1;
    return std::string_view(text).substr(begin, ends[i] - begin);
  }
  void Reset() {
    auto trim = [](std::string& s) {
      if (s.capacity() > kKeepCapacity) std::string().swap(s);
      s.clear();
    };
    trim(text);
    trim(output);
    trim(errors);
    ends.clear();
    cases = bad = 0;
    counts.Clear();
  }
};

// Reads lines in large blocks (std::getline semantics: '\n' ends a line, a last line without
// one still counts, '\r' is kept).
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in), buf_(kReadBlock) {}

  // Appends the next line and a '\n' to `out`; false at the end of the input.
  bool AppendLine(std::string& out) {
    bool partial = false;
    for (;;) {
      if (pos_ == end_) {
        if (!Fill()) {
          if (partial) out += '\n';
          return partial;
        }
      }
      const char* start = buf_.data() + pos_;
      const void* nl = std::memchr(start, '\n', end_ - pos_);
      if (nl) {
        size_t n = static_cast<size_t>(static_cast<const char*>(nl) - start);
        out.append(start, n + 1);
        pos_ += n + 1;
        return true;
      }
      out.append(start, end_ - pos_);
      pos_ = end_;
      partial = true;
    }
  }

 private:
  bool Fill() {
    if (eof_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    end_ = static_cast<size_t>(in_.gcount());
    pos_ = 0;
    if (end_ < buf_.size()) eof_ = true;
    return end_ > 0;
  }

  std::istream& in_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
};

void AppendErrorRecord(Chunk& chunk, size_t line_no, const std::vector<std::pair<std::string, std::string>>& errors) {
  engine::Json list = engine::Json::array();
  for (const auto& [path, message] : errors) {
    chunk.errors += "line " + std::to_string(line_no) + ": " + path + ": " + message + "\n";
    list.push_back({{"path", path}, {"message", message}});
  }
  engine::Json err = engine::Json::object();
  err["line"] = line_no;
  err["errors"] = std::move(list);
  // Replace, not throw, on invalid UTF-8: an error message may quote the bad input.
  json::AppendJson(chunk.output, err, -1, json::Utf8Handler::replace);
  chunk.output += '\n';
  ++chunk.bad;
  ++chunk.cases;
}

void Count(Chunk& chunk, std::string_view kind, std::string_view id) { chunk.counts.Add(kind, id); }
void CountJson(Chunk& chunk, std::string_view kind, const engine::Json& id) {
  if (id.is_string()) Count(chunk, kind, id.get_ref<const std::string&>());
}

// Evaluates one chunk: every line becomes one output line (a recommendation or an error record).
// With `fhir`, each line is a FHIR Bundle mapped to a case first. With `count`, the answers'
// scenario, option and alert ids are counted for --summary (without it, nothing reads them).
void ProcessChunk(const engine::Knowledge& knowledge, bool fhir, bool count, Chunk& chunk) {
  std::vector<std::pair<std::string, std::string>> errors;
  engine::Options options;
  options.format = engine::Format::kJsonLine;
  options.append_to = &chunk.output;  // straight into the chunk's buffer
  options.text_only = true;  // only the text and the ids counted below are read
  // Room for the chunk's answers (~20 KB each) up front: growing a buffer of megabytes copies it.
  chunk.output.reserve(kChunkLines * (24 << 10));
  for (size_t i = 0; i < chunk.Lines(); ++i) {
    std::string_view line = chunk.Line(i);
    size_t line_no = chunk.first_line + i;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank lines are skipped
    errors.clear();
    size_t mark = chunk.output.size();
    try {
      engine::CaseInput input{line, fhir ? engine::InputKind::kFhirBundle : engine::InputKind::kCase, {}};
      auto evaluated = engine::Evaluate(knowledge, input, options);
      if (!evaluated) {
        chunk.output.resize(mark);
        for (const auto& e : evaluated.error()) errors.emplace_back(e.path, e.message);
        AppendErrorRecord(chunk, line_no, errors);
        continue;
      }
      chunk.output += '\n';
      ++chunk.cases;
      if (!count) continue;
      if (const auto& ids = evaluated->ids) {  // the answer written as text only: its ids
        if (ids->has_scenario_id) Count(chunk, "scenario", ids->scenario_id);
        for (const auto& id : ids->option_ids) Count(chunk, "option", id);
        for (const auto& id : ids->alert_ids) Count(chunk, "alert", id);
        continue;
      }
      const engine::Json& r = evaluated->recommendation;
      if (auto s = r.find("scenario"); s != r.end() && s->is_object()) {
        if (auto id = s->find("id"); id != s->end()) CountJson(chunk, "scenario", *id);
      }
      for (const char* kind : {"option", "alert"}) {
        auto list = r.find(std::string(kind) + "s");
        if (list == r.end() || !list->is_array()) continue;
        for (const auto& o : *list) {
          if (auto id = o.find("id"); id != o.end()) CountJson(chunk, kind, *id);
        }
      }
    } catch (const std::exception& e) {  // never let one line take the whole batch down
      chunk.output.resize(mark);
      errors.clear();
      errors.emplace_back("$", std::string("internal error: ") + e.what());
      AppendErrorRecord(chunk, line_no, errors);
    }
  }
}

class Progress {
 public:
  Progress(bool enabled, uintmax_t total_bytes) : enabled_(enabled), total_(total_bytes), start_(Clock::now()) {}
  // Erases the bar, so that a message printed next starts on a clean line.
  void Clear() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }
  void Update(size_t cases, uintmax_t bytes, bool final = false) {
    if (!enabled_) return;
    auto now = Clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(cases) / secs : 0;
    double frac = total_ ? static_cast<double>(bytes) / static_cast<double>(total_) : 0;
    double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    int width = 30;
    int filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %zu cases  %.0f/s  %.0fs left ", filled,
                 "##############################", width - filled, "", frac * 100, cases, rate, eta);
    if (final) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  uintmax_t total_;
  Clock::time_point start_;
  Clock::time_point last_{};
};

}  // namespace

int BatchCommand(const Args& args, Io io) {
  CLI::App app{"Evaluate many cases: NDJSON in (one case per line), NDJSON out in the same order.", "zebra batch"};
  std::string in_path, out_path, summary_path, knowledge;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool fail_fast = false;
  bool fhir_input = false;
  app.add_option("input", in_path, "input NDJSON file, or - for standard input")->required();
  app.add_option("-o,--output", out_path, "output NDJSON file (- for standard output)")->required();
  app.add_option("--threads", threads, "worker threads (default: all cores)")->check(CLI::Range(1u, 256u));
  app.add_option("--summary", summary_path,
                 "write counts per scenario, option and alert as CSV (- for standard output)");
  app.add_option("--knowledge", knowledge, "knowledge directory (default: ./knowledge)");
  app.add_flag("--fail-fast", fail_fast, "stop at the first bad line");
  app.add_flag("--fhir", fhir_input, "each line is a FHIR R4 Bundle (mCODE) instead of a case");
  if (auto rc = ParseCommandLine(app, args, io, "batch")) return *rc;
  if (summary_path == "-" && out_path == "-") {
    io.err << "zebra batch: --summary - and -o - would mix the CSV into the NDJSON; send one to a file\n";
    return 2;
  }

  auto k = engine::Knowledge::Load(knowledge.empty() ? engine::Knowledge::DefaultDir() : std::filesystem::path(knowledge));
  if (!k) {
    io.err << "zebra batch: the knowledge base does not load:\n";
    for (const auto& e : k.error()) io.err << "  " << e.message << "\n";
    return knowledge.empty() ? 1 : 2;  // a --knowledge that does not load is bad input
  }
  std::ifstream in_file;
  std::istream* in = &io.in;
  uintmax_t total_bytes = 0;
  if (in_path != "-") {
    in_file.open(in_path, std::ios::binary);
    if (!in_file) {
      io.err << "zebra batch: cannot read " << in_path << "\n";
      return 2;
    }
    in = &in_file;
    std::error_code ec;
    total_bytes = std::filesystem::file_size(in_path, ec);
  }
  std::ofstream out_file;
  std::ostream* out = &io.out;
  if (out_path != "-") {
    out_file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!out_file) {
      io.err << "zebra batch: cannot write " << out_path << "\n";
      return 2;
    }
    out = &out_file;
  }

  // Every thread is a worker (the calling thread is one of them): it reads the next chunk of
  // lines under the input lock, evaluates it, and writes finished chunks in input order. The
  // thread that finishes the oldest unwritten chunk writes it and any later ones already
  // finished, so there is no separate reader or writer thread to share the cores with.
  std::mutex mu;  // chunks, done, writing, next_write, in_flight and the totals below
  std::condition_variable slot_freed;
  std::mutex read_mu;  // the reader, seq and line_no
  std::vector<std::unique_ptr<Chunk>> chunks;  // owns every chunk; at most max_in_flight
  std::vector<Chunk*> free_chunks;             // written chunks, ready for reuse
  std::map<size_t, Chunk*> done;               // evaluated, waiting for their turn to be written
  bool writing = false;
  size_t in_flight = 0;
  const size_t max_in_flight = static_cast<size_t>(threads) * 2;
  std::atomic<bool> stop{false};
  LineReader reader(*in);
  bool input_finished = false;
  size_t seq = 0, line_no = 0;

  Progress progress(isatty(STDERR_FILENO) != 0, total_bytes);
  size_t next_write = 0, cases = 0, bad = 0;
  uintmax_t bytes_read = 0, bytes_done = 0;
  std::map<std::string, size_t, std::less<>> counts;

  // Writes `c` and every finished chunk after it; called with `lock` held by the one writer.
  auto write_in_order = [&](std::unique_lock<std::mutex>& lock) {
    for (auto it = done.find(next_write); it != done.end(); it = done.find(next_write)) {
      Chunk* c = it->second;
      done.erase(it);
      lock.unlock();
      *out << c->output;
      if (!c->errors.empty()) {
        progress.Clear();  // error lines never share the progress bar's line
        io.err << c->errors;
      }
      bytes_done += c->text.size();
      bad += c->bad;
      for (const auto& [key, n] : c->counts) {
        auto at = counts.find(key);
        if (at != counts.end()) at->second += n;
        else counts.emplace(key, n);
      }
      cases += c->cases;
      if (fail_fast && c->bad) stop = true;
      c->Reset();
      progress.Update(cases, bytes_done);  // what was evaluated and written, not only read
      lock.lock();
      ++next_write;
      --in_flight;
      free_chunks.push_back(c);
      slot_freed.notify_all();
    }
  };

  auto work = [&] {
    for (;;) {
      Chunk* c = nullptr;
      {
        std::unique_lock lock(mu);
        // A chunk in flight is being read, evaluated or waiting to be written; the oldest is
        // never waiting for a slot, so a place always frees up.
        slot_freed.wait(lock, [&] { return in_flight < max_in_flight || stop; });
        if (stop) return;
        ++in_flight;
        if (!free_chunks.empty()) {
          c = free_chunks.back();
          free_chunks.pop_back();
        } else {
          chunks.push_back(std::make_unique<Chunk>());
          c = chunks.back().get();
        }
      }
      {
        std::lock_guard read_lock(read_mu);
        if (!input_finished && !stop) {
          c->first_line = line_no + 1;
          while (c->Lines() < kChunkLines) {
            size_t before = c->text.size();
            if (!reader.AppendLine(c->text)) {
              input_finished = true;
              break;
            }
            ++line_no;
            bytes_read += c->text.size() - before;
            c->ends.push_back(c->text.size() - 1);
          }
        }
        if (c->Lines() > 0) c->seq = seq++;
      }
      if (c->Lines() == 0) {  // the end of the input (or a stop): nothing more for this worker
        std::lock_guard lock(mu);
        --in_flight;
        free_chunks.push_back(c);
        slot_freed.notify_all();
        return;
      }
      if (!stop) ProcessChunk(**k, fhir_input, !summary_path.empty(), *c);
      std::unique_lock lock(mu);
      done.emplace(c->seq, c);
      if (writing) continue;  // the writer will reach it
      writing = true;
      write_in_order(lock);
      writing = false;
    }
  };
  // With several workers, each is a new thread and the calling one only waits: the loading
  // thread's heap pages and value caches hold the models among the blocks its loading freed, so a
  // worker that took its per-case blocks there would write on the lines the other workers read.
  std::vector<std::thread> workers;
  for (unsigned t = threads > 1 ? 0 : 1; t < threads; ++t) workers.emplace_back(work);
  if (threads == 1) work();
  for (auto& w : workers) w.join();
  {
    // Chunks a stopped worker left unwritten (after --fail-fast) are written as they are.
    std::unique_lock lock(mu);
    write_in_order(lock);
  }
  out->flush();
  progress.Update(cases, total_bytes ? total_bytes : bytes_read, true);

  if (!summary_path.empty()) {
    std::ofstream csv_file;
    if (summary_path != "-") {
      csv_file.open(summary_path);
      if (!csv_file) {
        io.err << "zebra batch: cannot write " << summary_path << "\n";
        return 2;
      }
    }
    std::ostream& csv = summary_path == "-" ? io.out : csv_file;
    csv << "kind,id,count\n";
    csv << "cases,all," << cases << "\n";
    csv << "cases,invalid," << bad << "\n";
    for (const auto& [k, n] : counts) csv << k << "," << n << "\n";
  }
  if (bad) io.err << "zebra batch: " << bad << " invalid line(s)\n";
  return bad ? 2 : 0;
}

}  // namespace zebra::cli
