#include "common/clock.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace zebra::common::clock_test {
namespace {

TEST(Clock, UnixSecondsAsRfc3339Utc) {
  EXPECT_EQ(UnixToRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(UnixToRfc3339(1796537400), "2026-12-06T06:10:00Z");
  EXPECT_EQ(UnixToRfc3339(951782400), "2000-02-29T00:00:00Z");  // a leap day
}

TEST(Clock, NowHasMilliseconds) {
  const std::string now = NowRfc3339();
  EXPECT_TRUE(HasShape(now, "9999-99-99T99:99:99.999Z")) << now;
  EXPECT_GE(now.substr(0, 4), "2026");
}

}  // namespace
}  // namespace zebra::common::clock_test
