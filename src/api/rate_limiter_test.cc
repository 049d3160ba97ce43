#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace zebra::api::rate_limiter_test {
namespace {

using std::chrono::seconds;

TEST(RateLimiter, BurstUpToTheLimitThenRetryAfter) {
  RateLimiter limiter(60);  // one a second
  const auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(limiter.Take("user:1", t0), 0) << i;
  EXPECT_EQ(limiter.Take("user:1", t0), 1);
  EXPECT_EQ(limiter.Take("user:2", t0), 0);  // keys are independent
  EXPECT_EQ(limiter.Take("user:1", t0 + seconds(1)), 0);  // refilled one
  EXPECT_EQ(limiter.Take("user:1", t0 + seconds(1)), 1);
}

TEST(RateLimiter, RetryAfterCoversTheWait) {
  RateLimiter limiter(6);  // one every 10 s
  const auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(limiter.Take("k", t0), 0);
  EXPECT_EQ(limiter.Take("k", t0), 10);
  const std::int64_t wait = limiter.Take("k", t0 + seconds(4));  // 0.4 of a request refilled
  EXPECT_GE(wait, 6);
  EXPECT_LE(wait, 7);
  EXPECT_EQ(limiter.Take("k", t0 + seconds(11)), 0);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  RateLimiter limiter(0);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(limiter.Take("k", RateLimiter::Clock::time_point{}), 0);
}

}  // namespace
}  // namespace zebra::api::rate_limiter_test
