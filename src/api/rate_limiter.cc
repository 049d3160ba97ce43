#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace zebra::api {

RateLimiter::RateLimiter(int per_minute)
    : capacity_(per_minute > 0 ? per_minute : 0), per_second_(per_minute > 0 ? per_minute / 60.0 : 0) {}

std::int64_t RateLimiter::Take(const std::string& key, Clock::time_point now) {
  if (capacity_ <= 0) return 0;
  std::lock_guard lock(mutex_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{capacity_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (elapsed > 0) b.tokens = std::min(capacity_, b.tokens + elapsed * per_second_);
    b.last = std::max(b.last, now);
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1 - b.tokens) / per_second_)));
}

}  // namespace zebra::api
