#include "api/metrics.h"

#include <fmt/format.h>

namespace zebra::api {
namespace {

// Label values are route templates and methods we chose ourselves, but escape anyway.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::RecordRequest(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& h = durations_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::RecordEvaluation(bool ok) {
  if (ok) ++evaluations_;
  else ++evaluation_errors_;
}

void Metrics::RecordConnectionTimedOut() { ++connections_timed_out_; }

void Metrics::RecordRateLimited(bool write) { ++(write ? rate_limited_writes_ : rate_limited_reads_); }

void Metrics::RecordAuditFailure() { ++audit_failures_; }

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  out += "# HELP zebra_http_requests_total HTTP requests by method, route template and status.\n";
  out += "# TYPE zebra_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("zebra_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", Escape(method),
                       Escape(route), status, n);
  }
  out += "# HELP zebra_http_request_duration_seconds HTTP request latency by route template.\n";
  out += "# TYPE zebra_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += fmt::format("zebra_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", Escape(route),
                         kBuckets[i], cumulative);
    }
    out += fmt::format("zebra_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", Escape(route),
                       h.count);
    out += fmt::format("zebra_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", Escape(route), h.sum);
    out += fmt::format("zebra_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", Escape(route), h.count);
  }
  out += "# HELP zebra_evaluations_total Case evaluations completed.\n";
  out += "# TYPE zebra_evaluations_total counter\n";
  out += fmt::format("zebra_evaluations_total {}\n", evaluations_.load());
  out += "# HELP zebra_evaluation_errors_total Evaluation requests refused (invalid input) or failed.\n";
  out += "# TYPE zebra_evaluation_errors_total counter\n";
  out += fmt::format("zebra_evaluation_errors_total {}\n", evaluation_errors_.load());
  out += "# HELP zebra_connections_timed_out_total Connections closed because a request did not arrive within the "
         "request timeout (slow or stalled clients).\n";
  out += "# TYPE zebra_connections_timed_out_total counter\n";
  out += fmt::format("zebra_connections_timed_out_total {}\n", connections_timed_out_.load());
  out += "# HELP zebra_rate_limited_total Requests refused with 429 by the per-principal rate limits.\n";
  out += "# TYPE zebra_rate_limited_total counter\n";
  out += fmt::format("zebra_rate_limited_total{{kind=\"read\"}} {}\n", rate_limited_reads_.load());
  out += fmt::format("zebra_rate_limited_total{{kind=\"write\"}} {}\n", rate_limited_writes_.load());
  out += "# HELP zebra_audit_failures_total Reads refused with 503 because their audit entry could not be written.\n";
  out += "# TYPE zebra_audit_failures_total counter\n";
  out += fmt::format("zebra_audit_failures_total {}\n", audit_failures_.load());
  return out;
}

}  // namespace zebra::api
