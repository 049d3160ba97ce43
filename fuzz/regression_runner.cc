// Replays every seed (fuzz/corpus/<target>/*) and every crash regression
// (tests/fuzz_regressions/<target>/*) through the fuzz targets' bodies, built with the ordinary
// compiler so that `make test` (and its ASan/UBSan run) checks them without clang or libFuzzer.
// A crash or sanitizer report fails the test; ctest's timeout catches hangs.
// Usage: fuzz_regressions [SOURCE_ROOT]
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "build_info.h"
#include "targets.h"

namespace fs = std::filesystem;

namespace {

struct Target {
  const char* name;
  int (*run)(std::string_view);
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Explicit expectations beyond "does not crash".
bool BillionLaughsIsRejectedQuickly(std::string& why) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  xml += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
  for (int i = 2; i <= 9; ++i) {
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) xml += "&lol" + std::to_string(i - 1) + ";";
    xml += "\">\n";
  }
  xml += "]>\n<definitions xmlns=\"https://www.omg.org/spec/DMN/20191111/MODEL/\" name=\"m\" namespace=\"n\">"
         "<decision name=\"d\"><literalExpression><text>\"&lol9;\"</text></literalExpression></decision></definitions>";
  auto start = std::chrono::steady_clock::now();
  auto m = zebra::dmn::LoadModelFromString(xml, "<billion-laughs>");
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (m) {
    why = "billion-laughs model loaded instead of being rejected";
    return false;
  }
  if (m.error().empty() || m.error().front().message.find("DOCTYPE") == std::string::npos) {
    why = "billion-laughs rejected without naming the DOCTYPE: " + (m.error().empty() ? "" : m.error().front().message);
    return false;
  }
  if (ms > 1000) {
    why = "billion-laughs took " + std::to_string(ms) + " ms to reject";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path root = argc > 1 ? fs::path(argv[1]) : fs::path(ZEBRA_SOURCE_DIR);
  const Target targets[] = {{"feel", zebra::fuzz::FeelOne},
                            {"dmn", zebra::fuzz::DmnOne},
                            {"case", zebra::fuzz::CaseOne},
                            {"fhir", zebra::fuzz::FhirOne},
                            {"feel_object", zebra::fuzz::FeelObjectOne},
                            {"json_fast", zebra::fuzz::JsonFastOne}};
  int passed = 0, failed = 0;
  for (const auto& t : targets) {
    int files = 0;
    for (const fs::path& dir : {root / "fuzz" / "corpus" / t.name, root / "tests" / "fuzz_regressions" / t.name}) {
      std::error_code ec;
      std::vector<fs::path> paths;
      for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file()) paths.push_back(e.path());
      std::sort(paths.begin(), paths.end());
      for (const auto& p : paths) {
        // A crash ends the process here; the last line printed names the input.
        std::cout << t.name << ": " << fs::relative(p, root).string() << std::endl;
        t.run(ReadFile(p));
        ++files;
        ++passed;
      }
    }
    if (files == 0) {
      std::cout << "FAIL " << t.name << ": no seed or regression inputs" << std::endl;
      ++failed;
    }
  }
  std::string why;
  if (BillionLaughsIsRejectedQuickly(why)) {
    ++passed;
  } else {
    std::cout << "FAIL " << why << std::endl;
    ++failed;
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
