// zebra batch IN.ndjson -o OUT.ndjson [--threads N] [--summary CSV] [--fail-fast] [--fhir]
//
// Streaming: the input is read in chunks of lines; worker threads evaluate whole chunks; a
// writer emits chunks in input order. At most a few chunks per thread are in flight, so memory
// does not grow with the input.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "clinical/clinical.h"
#include "fhir/fhir.h"

namespace zebra::cli {
namespace {

constexpr size_t kChunkLines = 512;

struct Chunk {
  size_t seq = 0;
  size_t first_line = 0;  // 1-based line number of lines[0]
  std::vector<std::string> lines;
  std::string output;
  std::string errors;
  size_t bad = 0;
  std::map<std::string, size_t> counts;  // "kind,id" → count
};

// Evaluates one chunk: every line becomes one output line (a recommendation or an error record).
// With FHIR code tables, each line is a FHIR Bundle mapped to a case first.
void ProcessChunk(const clinical::KnowledgeBase& kb, const fhir::Json* fhir_tables, Chunk& chunk) {
  for (size_t i = 0; i < chunk.lines.size(); ++i) {
    const std::string& line = chunk.lines[i];
    size_t line_no = chunk.first_line + i;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are skipped
    std::string mapped_text;
    if (fhir_tables) {
      auto mapped = fhir::MapBundle(line, *fhir_tables);
      if (!mapped) {
        ++chunk.bad;
        clinical::Json list = clinical::Json::array();
        for (const auto& e : mapped.error()) {
          chunk.errors += "line " + std::to_string(line_no) + ": " + e.path + ": " + e.message + "\n";
          list.push_back({{"path", e.path}, {"message", e.message}});
        }
        chunk.output += clinical::Json({{"line", line_no}, {"errors", list}}).dump();
        chunk.output += '\n';
        continue;
      }
      mapped_text = mapped->case_json.dump();
    }
    auto c = clinical::ParseCase(fhir_tables ? mapped_text : line, kb);
    if (!c) {
      ++chunk.bad;
      clinical::Json err = clinical::Json::object();
      err["line"] = line_no;
      clinical::Json list = clinical::Json::array();
      for (const auto& e : c.error()) {
        chunk.errors += "line " + std::to_string(line_no) + ": " + e.path + ": " + e.message + "\n";
        list.push_back({{"path", e.path}, {"message", e.message}});
      }
      err["errors"] = std::move(list);
      chunk.output += err.dump();
      chunk.output += '\n';
      continue;
    }
    clinical::Json r = clinical::Evaluate(kb, *c);
    if (r["scenario"]["id"].is_string()) ++chunk.counts["scenario," + r["scenario"]["id"].get<std::string>()];
    for (const auto& o : r["options"]) ++chunk.counts["option," + o["id"].get<std::string>()];
    for (const auto& a : r["alerts"]) ++chunk.counts["alert," + a["id"].get<std::string>()];
    chunk.output += r.dump();
    chunk.output += '\n';
  }
  chunk.lines.clear();
  chunk.lines.shrink_to_fit();
}

class Progress {
 public:
  Progress(bool enabled, uintmax_t total_bytes) : enabled_(enabled), total_(total_bytes), start_(Clock::now()) {}
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
  app.add_option("--summary", summary_path, "write counts per scenario, option and alert as CSV");
  app.add_option("--knowledge", knowledge, "knowledge directory (default: ./knowledge)");
  app.add_flag("--fail-fast", fail_fast, "stop at the first bad line");
  app.add_flag("--fhir", fhir_input, "each line is a FHIR R4 Bundle (mCODE) instead of a case");
  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    io.err << "zebra batch: " << e.what() << "\n" << app.help();
    return 2;
  }

  auto kb = clinical::LoadKnowledgeBase(knowledge.empty() ? clinical::DefaultKnowledgeDir() : std::filesystem::path(knowledge));
  if (!kb) {
    io.err << "zebra batch: the knowledge base does not load:\n";
    for (const auto& e : kb.error()) io.err << "  " << e << "\n";
    return 1;
  }
  std::optional<fhir::Json> fhir_tables;
  if (fhir_input) {
    auto t = fhir::LoadCodeTables(fhir::DefaultCodeTablesPath((*kb)->dir));
    if (!t) {
      io.err << "zebra batch: " << t.error() << "\n";
      return 1;
    }
    fhir_tables = std::move(*t);
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

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Chunk*> todo;
  std::map<size_t, Chunk*> done;
  size_t in_flight = 0;
  const size_t max_in_flight = static_cast<size_t>(threads) * 3;
  bool input_finished = false;
  std::atomic<bool> stop{false};

  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (;;) {
        Chunk* c = nullptr;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return !todo.empty() || input_finished; });
          if (todo.empty()) return;
          c = todo.front();
          todo.pop_front();
        }
        if (!stop) ProcessChunk(**kb, fhir_tables ? &*fhir_tables : nullptr, *c);
        {
          std::lock_guard lock(mu);
          done[c->seq] = c;
        }
        cv.notify_all();
      }
    });
  }

  Progress progress(isatty(STDERR_FILENO) != 0, total_bytes);
  size_t next_write = 0, seq = 0, line_no = 0, cases = 0, bad = 0;
  uintmax_t bytes_read = 0;
  std::map<std::string, size_t> counts;
  auto drain = [&](std::unique_lock<std::mutex>& lock, bool all) {
    for (;;) {
      auto it = done.find(next_write);
      if (it == done.end()) {
        if (!all || next_write == seq) return;
        cv.wait(lock);
        continue;
      }
      Chunk* c = it->second;
      done.erase(it);
      --in_flight;
      ++next_write;
      lock.unlock();
      *out << c->output;
      io.err << c->errors;
      bad += c->bad;
      for (const auto& [k, n] : c->counts) counts[k] += n;
      cases += c->output.empty() ? 0 : static_cast<size_t>(std::count(c->output.begin(), c->output.end(), '\n'));
      if (fail_fast && c->bad) stop = true;
      delete c;
      progress.Update(cases, bytes_read);
      lock.lock();
    }
  };

  std::string line;
  auto* chunk = new Chunk();
  chunk->first_line = 1;
  auto submit = [&](Chunk* c) {
    std::unique_lock lock(mu);
    drain(lock, false);
    while (in_flight >= max_in_flight) {
      // Only writing the oldest chunk frees a place, so wait for exactly that one.
      cv.wait(lock, [&] { return done.count(next_write) > 0; });
      drain(lock, false);
    }
    c->seq = seq++;
    ++in_flight;
    todo.push_back(c);
    lock.unlock();
    cv.notify_all();
  };
  while (!stop && std::getline(*in, line)) {
    ++line_no;
    bytes_read += line.size() + 1;
    chunk->lines.push_back(std::move(line));
    if (chunk->lines.size() == kChunkLines) {
      submit(chunk);
      chunk = new Chunk();
      chunk->first_line = line_no + 1;
    }
  }
  if (!chunk->lines.empty()) submit(chunk);
  else delete chunk;
  {
    std::unique_lock lock(mu);
    input_finished = true;
    cv.notify_all();
    drain(lock, true);
  }
  cv.notify_all();
  for (auto& w : workers) w.join();
  out->flush();
  progress.Update(cases, total_bytes ? total_bytes : bytes_read, true);

  if (!summary_path.empty()) {
    std::ofstream csv(summary_path);
    if (!csv) {
      io.err << "zebra batch: cannot write " << summary_path << "\n";
      return 2;
    }
    csv << "kind,id,count\n";
    csv << "cases,all," << cases << "\n";
    csv << "cases,invalid," << bad << "\n";
    for (const auto& [k, n] : counts) csv << k << "," << n << "\n";
  }
  if (bad) io.err << "zebra batch: " << bad << " invalid line(s)\n";
  return bad ? 2 : 0;
}

}  // namespace zebra::cli
