// The SMART App Launch routes and a case's source and FHIR export (src/api/smart_routes.cc).
#pragma once

#include <vector>

#include "api/api.h"

namespace zebra::smart {
class Launcher;
}

namespace zebra::api {

// GET /smart/launch, GET /smart/callback, GET /v1/cases/{id}/source, GET /v1/cases/{id}/fhir.
// `launcher` null: SMART is not configured (the launch routes answer 404, the export 404).
std::vector<Route> SmartRoutes(smart::Launcher* launcher);

}  // namespace zebra::api
