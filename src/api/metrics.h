// Prometheus counters and histograms for `zebra serve` (text exposition format 0.0.4).
// Labels are route templates, never concrete paths, so the series count stays bounded.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace zebra::api {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void RecordRequest(const std::string& method, const std::string& route, int status, double seconds);
  void RecordEvaluation(bool ok);
  void RecordConnectionTimedOut();  // closed: a request did not arrive within the request timeout
  void RecordRateLimited(bool write);  // a 429 from the per-principal read or write limit
  void RecordAuditFailure();           // a read refused (503) because its audit entry could not be written
  std::string Render() const;  // text/plain; version=0.0.4

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // non-cumulative counts
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
  std::atomic<std::uint64_t> evaluations_{0};
  std::atomic<std::uint64_t> evaluation_errors_{0};
  std::atomic<std::uint64_t> connections_timed_out_{0};
  std::atomic<std::uint64_t> rate_limited_reads_{0};
  std::atomic<std::uint64_t> rate_limited_writes_{0};
  std::atomic<std::uint64_t> audit_failures_{0};
};

}  // namespace zebra::api
