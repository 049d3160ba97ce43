#include "clinical/clinical.h"

namespace zebra::clinical {

// One definition of the output bytes: the CLI, the REST API and replay comparisons of stored
// evaluations must agree byte for byte.
std::string SerializeRecommendation(const Json& recommendation) {
  std::string out = recommendation.dump(2);
  out += '\n';
  return out;
}

}  // namespace zebra::clinical
