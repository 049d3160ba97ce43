#include "feel/frame_memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace zebra::feel::frame_memory_test {
namespace {

constexpr size_t kSmall = BlockCache::kMaxBlockBytes;

// The cache's own logic, on a local cache (also under ASan, where frames bypass it and its cached
// blocks are poisoned).
TEST(LargeBlockCache, CachesNothingUntilEnabled) {
  LargeBlockCache cache;
  void* p = cache.Allocate(3000);
  cache.Free(p, 3000);
  EXPECT_EQ(cache.cached_blocks(), 0u);
}

// Classes that double: 1025..2048 bytes share one, 2049..4096 the next, ... up to kMaxBytes.
TEST(LargeBlockCache, ReusesAFreedBlockOfTheSameClassOnly) {
  LargeBlockCache cache;
  cache.Enable();
  EXPECT_EQ(LargeBlockCache::ClassOf(kSmall + 1), 0u);
  EXPECT_EQ(LargeBlockCache::ClassOf(2 * kSmall), 0u);
  EXPECT_EQ(LargeBlockCache::ClassOf(2 * kSmall + 1), 1u);
  EXPECT_EQ(LargeBlockCache::ClassOf(LargeBlockCache::kMaxBytes), LargeBlockCache::kClasses - 1);
  EXPECT_EQ(LargeBlockCache::ClassBytes(LargeBlockCache::kClasses - 1), LargeBlockCache::kMaxBytes);
  void* a = cache.Allocate(kSmall + 1);
  std::memset(a, 0xCD, 2 * kSmall);  // the whole class size is usable
  cache.Free(a, kSmall + 1);
  EXPECT_EQ(cache.cached_blocks(), 1u);
  EXPECT_EQ(cache.cached_bytes(), 2 * kSmall);
  void* next_class = cache.Allocate(2 * kSmall + 1);
  EXPECT_NE(next_class, a);
  std::memset(next_class, 0xEF, 4 * kSmall);
  EXPECT_EQ(cache.Allocate(2 * kSmall), a);  // the top of the same class: the cached block
  EXPECT_EQ(cache.cached_blocks(), 0u);
  cache.Free(next_class, 2 * kSmall + 1);
  EXPECT_EQ(cache.cached_bytes(), 4 * kSmall);
  EXPECT_EQ(cache.Allocate(4 * kSmall), next_class);
  cache.Free(next_class, 4 * kSmall);
  cache.Free(a, 2 * kSmall);
  EXPECT_EQ(cache.cached_bytes(), 6 * kSmall);
  cache.Disable();
  EXPECT_EQ(cache.cached_blocks(), 0u);
  void* after = cache.Allocate(kSmall + 1);  // off again: nothing cached
  cache.Free(after, kSmall + 1);
  EXPECT_EQ(cache.cached_blocks(), 0u);
}

TEST(LargeBlockCache, BoundedPerClassAndOtherSizesNeverCached) {
  LargeBlockCache cache;
  cache.Enable();
  const size_t top = LargeBlockCache::kClasses - 1;
  const uint32_t limit = LargeBlockCache::Limit(top);
  EXPECT_LE(limit * LargeBlockCache::kMaxBytes, LargeBlockCache::kMaxCachedBytesPerClass);
  std::vector<void*> blocks;
  for (uint32_t i = 0; i < limit + 3; ++i) blocks.push_back(cache.Allocate(LargeBlockCache::kMaxBytes));
  EXPECT_EQ(std::set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
  for (void* p : blocks) cache.Free(p, LargeBlockCache::kMaxBytes);
  EXPECT_EQ(cache.cached_blocks(), limit);
  EXPECT_EQ(cache.cached_bytes(), limit * LargeBlockCache::kMaxBytes);
  for (size_t bytes : {size_t{1}, kSmall, LargeBlockCache::kMaxBytes + 1, size_t{1} << 20}) {
    void* p = cache.Allocate(bytes);
    cache.Free(p, bytes);
    EXPECT_EQ(cache.cached_blocks(), limit) << bytes;
  }
  cache.Disable();
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

// The thread's frame memory: a large frame given back is the next one's block (outside ASan),
// its bytes the new frame's to write; each thread has its own, bounded per class.
TEST(FrameMemory, LargeFramesReusedOnTheirThread) {
  auto run = [](unsigned char fill) {
    std::vector<void*> seen;
    for (int i = 0; i < 5; ++i) {
      const size_t bytes = 40 * 48;  // a boxed context of 40 slots
      auto* p = static_cast<unsigned char*>(AllocateFrameMemory(bytes));
      std::memset(p, fill, bytes);
      for (size_t k = 0; k < bytes; k += 97) EXPECT_EQ(p[k], fill);
      seen.push_back(p);
      FreeFrameMemory(p, bytes);
      void* small = AllocateFrameMemory(100);  // the value cache's sizes
      FreeFrameMemory(small, 100);
    }
#if !defined(ZEBRA_ASAN)
    for (size_t i = 2; i < seen.size(); ++i) EXPECT_EQ(seen[i], seen[1]);
    EXPECT_GE(ThreadCachedLargeBytes(), 2 * kSmall);
    EXPECT_LE(ThreadCachedLargeBytes(), LargeBlockCache::kClasses * LargeBlockCache::kMaxCachedBytesPerClass);
#else
    EXPECT_EQ(ThreadCachedLargeBytes(), 0u);
#endif
  };
  run(0x11);
  std::thread other([&] { run(0x22); });
  other.join();
  // Many frames at once, then freed: the thread keeps at most its bound.
  std::vector<void*> frames;
  for (int i = 0; i < 100; ++i) frames.push_back(AllocateFrameMemory(3 * kSmall));
  for (void* p : frames) FreeFrameMemory(p, 3 * kSmall);
  EXPECT_LE(ThreadCachedLargeBytes(), LargeBlockCache::kClasses * LargeBlockCache::kMaxCachedBytesPerClass);
}

}  // namespace
}  // namespace zebra::feel::frame_memory_test
