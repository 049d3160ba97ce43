#include "clinical/clinical.h"
#include "json/json_writer.h"

namespace zebra::clinical {

// One definition of the output bytes: the CLI, the REST API and replay comparisons of stored
// evaluations must agree byte for byte. They are nlohmann's dump(2) bytes, written by the fast
// writer (json_writer.h), which keeps them identical.
std::string SerializeRecommendation(const Json& recommendation) {
  std::string out;
  out.reserve(8192);  // a typical recommendation is about 7 KB pretty-printed
  json::AppendJson(out, recommendation, 2);
  out += '\n';
  return out;
}

}  // namespace zebra::clinical
