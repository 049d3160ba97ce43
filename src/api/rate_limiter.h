// Per-principal request rate limits for `zebra serve` (in memory, per process): a token bucket per
// key that holds at most one minute's allowance and refills continuously, so a client may burst up
// to the limit and then sustain the limit's rate. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace zebra::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_minute <= 0: unlimited.
  explicit RateLimiter(int per_minute);

  // 0 when the request may proceed (and is counted); otherwise the whole seconds until it may.
  std::int64_t Take(const std::string& key, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last{};
  };
  double capacity_ = 0;
  double per_second_ = 0;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // one per principal: bounded by the user count
};

}  // namespace zebra::api
