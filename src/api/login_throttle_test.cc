#include "api/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace zebra::api::login_throttle_test {
namespace {

using std::chrono::seconds;
using Clock = LoginThrottle::Clock;

LoginThrottle::Limits Small() {
  LoginThrottle::Limits l;
  l.max_failures = 3;
  l.window = seconds(60);
  l.backoff = seconds(30);
  l.max_keys = 100;
  return l;
}

// One whole attempt: the wait Begin reported (0 = it ran), and whether it locked the key.
struct Attempt {
  std::int64_t wait = 0;
  bool locked = false;
};
Attempt Try(LoginThrottle& t, const std::string& key, bool fail, Clock::time_point now, bool reset = true) {
  Attempt a;
  a.wait = t.Begin(key, now);
  if (a.wait == 0) a.locked = t.Finish(key, fail, reset, now);
  return a;
}

TEST(LoginThrottle, LocksAfterMaxFailuresAndRefusesEvenTheRightPassword) {
  LoginThrottle t(Small());
  Clock::time_point now{};
  EXPECT_FALSE(Try(t, "ann", true, now).locked);
  EXPECT_FALSE(Try(t, "ann", true, now + seconds(1)).locked);
  Attempt third = Try(t, "ann", true, now + seconds(2));
  EXPECT_EQ(third.wait, 0);
  EXPECT_TRUE(third.locked);
  // Locked for the back-off, counted from the failure that locked it.
  EXPECT_EQ(t.Begin("ann", now + seconds(2)), 30);
  EXPECT_EQ(t.Begin("ann", now + seconds(31)), 1);
  // Other keys are unaffected.
  EXPECT_EQ(Try(t, "bob", false, now + seconds(3)).wait, 0);
  // After the back-off the key starts afresh: max_failures more attempts.
  EXPECT_EQ(Try(t, "ann", true, now + seconds(32)).wait, 0);
  EXPECT_EQ(Try(t, "ann", true, now + seconds(33)).wait, 0);
  EXPECT_TRUE(Try(t, "ann", true, now + seconds(34)).locked);
  EXPECT_GT(t.Begin("ann", now + seconds(35)), 0);
}

TEST(LoginThrottle, FailuresOutsideTheWindowDoNotCount) {
  LoginThrottle t(Small());
  Clock::time_point now{};
  Try(t, "ann", true, now);
  Try(t, "ann", true, now + seconds(10));
  // The first failure has left the 60 s window: two in the window after this one.
  EXPECT_FALSE(Try(t, "ann", true, now + seconds(61)).locked);
  EXPECT_TRUE(Try(t, "ann", true, now + seconds(62)).locked);
}

TEST(LoginThrottle, SuccessResetsOnlyWhenAsked) {
  LoginThrottle t(Small());
  Clock::time_point now{};
  Try(t, "user", true, now);
  Try(t, "user", true, now);
  EXPECT_EQ(Try(t, "user", false, now, /*reset=*/true).wait, 0);
  Try(t, "user", true, now);
  EXPECT_FALSE(Try(t, "user", true, now).locked);  // 2 failures since the success

  Try(t, "addr", true, now);
  Try(t, "addr", true, now);
  EXPECT_EQ(Try(t, "addr", false, now, /*reset=*/false).wait, 0);
  EXPECT_TRUE(Try(t, "addr", true, now).locked);  // the success did not reset the address
}

TEST(LoginThrottle, AttemptsInFlightCountAgainstTheLimit) {
  LoginThrottle t(Small());
  Clock::time_point now{};
  // Three parallel attempts may start; the fourth must wait for them.
  EXPECT_EQ(t.Begin("ann", now), 0);
  EXPECT_EQ(t.Begin("ann", now), 0);
  EXPECT_EQ(t.Begin("ann", now), 0);
  EXPECT_EQ(t.Begin("ann", now), 1);
  EXPECT_FALSE(t.Finish("ann", false, false, now));
  EXPECT_EQ(t.Begin("ann", now), 0);
}

TEST(LoginThrottle, MemoryIsBoundedAndStaleKeysGoFirst) {
  LoginThrottle t(Small());
  Clock::time_point now{};
  // A key locked long ago and one locked recently.
  for (int i = 0; i < 3; ++i) Try(t, "victim", true, now + seconds(100));
  for (int i = 0; i < 1000; ++i) Try(t, "flood-" + std::to_string(i), true, now + seconds(100));
  EXPECT_LE(t.Size(), 100u);
  // A flood of distinct keys evicts the least recently failed ones, never growing past the bound.
  for (int i = 0; i < 1000; ++i) Try(t, "late-" + std::to_string(i), false, now + seconds(500));
  EXPECT_LE(t.Size(), 100u);
  // Keys without failures in the window are purged before any live one.
  LoginThrottle u(Small());
  for (int i = 0; i < 3; ++i) Try(u, "locked", true, now + seconds(200));
  for (int i = 0; i < 300; ++i) Try(u, "ok-" + std::to_string(i), false, now + seconds(200), /*reset=*/false);
  EXPECT_LE(u.Size(), 100u);
  EXPECT_GT(u.Begin("locked", now + seconds(201)), 0);
}

TEST(LoginThrottle, LongKeysAreStoredAsDigests) {
  LoginThrottle t(Small());
  Clock::time_point now{};
  std::string huge(1 << 20, 'u');
  for (int i = 0; i < 3; ++i) Try(t, huge, true, now);
  EXPECT_GT(t.Begin(huge, now), 0);
  EXPECT_EQ(t.Begin(huge.substr(1), now), 0);
}

}  // namespace
}  // namespace zebra::api::login_throttle_test
