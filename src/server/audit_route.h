// GET /v1/audit: the audit log as JSON Lines for the auditor role, the same lines as
// `zebra audit export` (store::ExportAuditJsonLines). Transport-free: the caller has checked the
// role and sends the reply.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace zebra::server {

struct AuditReply {
  int status = 200;
  std::string content_type;  // application/jsonl, or application/problem+json for an error
  std::string body;
  std::string log;           // for the server log when status is 500 or 503 (never sent)
};

// `case_id` and `since` are the query parameters as given (nullopt when absent). Reading the log
// is itself audited (audit.export by `actor`); when that cannot be recorded nothing is sent (503).
AuditReply AuditExportReply(store::Store& store, std::string_view actor, const std::optional<std::string>& case_id,
                            const std::optional<std::string>& since);

}  // namespace zebra::server
