#include "feel/value_pool.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstring>
#include <string>
#include <set>
#include <thread>
#include <vector>

#include "feel/frame_memory.h"
#include "feel/value.h"

namespace zebra::feel::value_pool_test {
namespace {

// The cache's own logic, on a local cache (also under ASan, where values bypass it and its cached
// blocks are poisoned).
TEST(BlockCache, CachesNothingUntilEnabled) {
  BlockCache cache;
  void* p = cache.Allocate(40);
  cache.Free(p, 40);
  EXPECT_EQ(cache.cached_blocks(), 0u);
}

TEST(BlockCache, ReusesAFreedBlockOfTheSameClassOnly) {
  BlockCache cache;
  cache.Enable();
  void* a = cache.Allocate(40);  // class of 33..48 bytes
  std::memset(a, 0xAB, 48);      // the whole class size is usable
  cache.Free(a, 40);
  EXPECT_EQ(cache.cached_blocks(), 1u);
  EXPECT_EQ(cache.cached_bytes(), 48u);
  void* other = cache.Allocate(64);  // another class: not the cached block
  EXPECT_NE(other, a);
  EXPECT_EQ(cache.Allocate(33), a);  // same class: the cached block
  EXPECT_EQ(cache.cached_blocks(), 0u);
  cache.Free(a, 33);
  cache.Free(other, 64);
  cache.Disable();
  EXPECT_EQ(cache.cached_blocks(), 0u);
}

TEST(BlockCache, LastFreedFirstReusedAndAllDistinct) {
  BlockCache cache;
  cache.Enable();
  std::vector<void*> blocks;
  for (int i = 0; i < 100; ++i) blocks.push_back(cache.Allocate(100));
  EXPECT_EQ(std::set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
  for (void* p : blocks) cache.Free(p, 100);
  EXPECT_EQ(cache.cached_blocks(), 100u);
  for (int i = 99; i >= 0; --i) EXPECT_EQ(cache.Allocate(100), blocks[static_cast<size_t>(i)]);
  for (void* p : blocks) cache.Free(p, 100);
  cache.Disable();
}

TEST(BlockCache, BoundedPerClassAndLargeBlocksNeverCached) {
  BlockCache cache;
  cache.Enable();
  const size_t cls = BlockCache::ClassOf(200);
  const size_t limit = BlockCache::Limit(cls);
  std::vector<void*> blocks;
  for (size_t i = 0; i < limit + 50; ++i) blocks.push_back(cache.Allocate(200));
  for (void* p : blocks) cache.Free(p, 200);
  EXPECT_EQ(cache.cached_blocks(), limit);
  EXPECT_LE(cache.cached_bytes(), BlockCache::kMaxCachedBytesPerClass);
  void* big = cache.Allocate(BlockCache::kMaxBlockBytes + 1);
  cache.Free(big, BlockCache::kMaxBlockBytes + 1);
  EXPECT_EQ(cache.cached_blocks(), limit);
  void* zero = cache.Allocate(0);  // operator new(0): a unique pointer, never cached
  cache.Free(zero, 0);
  EXPECT_EQ(cache.cached_blocks(), limit);
  cache.Disable();
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

// A list of n numbers whose items' memory comes from the thread's cache.
Value Numbers(int n, int start) {
  List items;
  for (int i = 0; i < n; ++i) items.push_back(Value::Number(start + i));
  return Value::FromList(std::move(items));
}

Value Record(int i) {
  static const ContextShape* const shape = [] {
    const std::string keys[] = {"id", "name", "scores"};
    return ContextShape::Intern(keys);
  }();
  Context c(shape);
  c.AppendValue(Value::Number(i));
  c.AppendValue(Value::String("record number " + std::to_string(i) + " with a name longer than fifteen"));
  c.AppendValue(Numbers(i % 7 + 1, i));
  return Value::FromContext(std::move(c));
}

bool RecordIsIntact(const Value& v, int i) {
  if (!v.is(Type::kContext) || v.context().size() != 3) return false;
  const Value* id = v.context().Find("id");
  const Value* name = v.context().Find("name");
  const Value* scores = v.context().Find("scores");
  if (!id || !name || !scores || !DeepEqual(*id, Value::Number(i))) return false;
  if (name->string() != "record number " + std::to_string(i) + " with a name longer than fifteen") return false;
  return DeepEqual(*scores, Numbers(i % 7 + 1, i));
}

// Reused memory never shows an earlier value: values made after many were freed are whole.
TEST(ValueMemory, ReusedBlocksHoldTheNewValues) {
  for (int round = 0; round < 3; ++round) {
    std::vector<Value> kept;
    for (int i = 0; i < 2000; ++i) {
      Value v = Record(i + round);
      if (i % 3 == 0) kept.push_back(std::move(v));  // the rest are freed at once, their blocks reused
    }
    for (size_t k = 0; k < kept.size(); ++k) ASSERT_TRUE(RecordIsIntact(kept[k], static_cast<int>(k * 3) + round));
  }
}

// Values made on one thread and freed on another (as a batch worker's result may be): each
// thread's cache takes the blocks it frees, within its bound, and every value stays intact
// until freed. Run under ASan too, where the heap checks every block.
TEST(ValueMemory, ValuesFreedOnAnotherThread) {
  constexpr int kValues = 20000;
  std::vector<Value> made;
  std::thread maker([&] {
    for (int i = 0; i < kValues; ++i) made.push_back(Record(i));
  });
  maker.join();  // the maker's thread has ended: its cache is drained
  std::atomic<bool> intact{true};
  size_t cached_after = 0;
  std::thread freer([&] {
    for (int i = 0; i < kValues; ++i)
      if (!RecordIsIntact(made[static_cast<size_t>(i)], i)) intact = false;
    made.clear();  // every block freed on this thread
    cached_after = ThreadCachedValueBytes();
    // This thread reuses what it freed.
    for (int i = 0; i < 100; ++i)
      if (!RecordIsIntact(Record(i), i)) intact = false;
  });
  freer.join();
  EXPECT_TRUE(intact);
  EXPECT_LE(cached_after, BlockCache::kClasses * BlockCache::kMaxCachedBytesPerClass);
#if !defined(ZEBRA_ASAN)
  EXPECT_GT(cached_after, 0u);  // the freeing thread kept blocks for its own use
#endif
}

// Many cases' worth of values on two threads that also free each other's: the cached memory of
// each thread stays within the bound, whatever the number of values.
TEST(ValueMemory, MemoryBoundedAfterManyCases) {
  constexpr int kCases = 3000;
  std::vector<Value> handoff[2];
  size_t cached[2] = {0, 0};
  auto worker = [&](int w) {
    for (int c = 0; c < kCases; ++c) {
      std::vector<Value> scratch;
      for (int i = 0; i < 40; ++i) scratch.push_back(Record(c + i));
      if (c % 10 == 0) handoff[w].push_back(scratch.back());
    }
    cached[w] = ThreadCachedValueBytes();
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  std::thread freer([&] {
    handoff[0].clear();
    handoff[1].clear();
  });
  freer.join();
  for (size_t w : {0u, 1u}) EXPECT_LE(cached[w], BlockCache::kClasses * BlockCache::kMaxCachedBytesPerClass);
#if !defined(ZEBRA_ASAN)
  // Without ASan the thread kept blocks to reuse (a case's values are freed by the case's end).
  EXPECT_GT(cached[0], 0u);
#endif
}

// Values' blocks over kMaxBlockBytes (a shaped context of 40 keys, a long list's items) go
// through the thread's large-block cache (frame_memory.h): a freed one is kept and serves the
// next value of its class, with the class's whole size usable.
constexpr size_t kBigKeys = 40;
static_assert(kBigKeys * sizeof(Value) > BlockCache::kMaxBlockBytes);
static_assert(kBigKeys * sizeof(Value) <= LargeBlockClasses::ClassBytes(0));

const ContextShape* BigShape() {
  static const ContextShape* const shape = [] {
    std::vector<std::string> keys;
    for (size_t i = 0; i < kBigKeys; ++i) keys.push_back("big" + std::to_string(i));
    return ContextShape::Intern(keys);
  }();
  return shape;
}

Value BigRecord(int base) {
  Context c(BigShape());
  for (size_t i = 0; i < kBigKeys; ++i) c.AppendValue(Value::Number(base + static_cast<int>(i)));
  return Value::FromContext(std::move(c));
}

bool BigRecordIsIntact(const Value& v, int base) {
  if (!v.is(Type::kContext) || v.context().size() != kBigKeys) return false;
  for (size_t i = 0; i < kBigKeys; ++i) {
    const Value* x = v.context().Find("big" + std::to_string(i));
    if (!x || !DeepEqual(*x, Value::Number(base + static_cast<int>(i)))) return false;
  }
  return true;
}

TEST(ValueMemory, LargeBlocksReusedThroughTheLargeCache) {
  std::thread fresh([] {  // a new thread: both caches start empty
    EXPECT_EQ(ThreadCachedLargeBytes(), 0u);
    Value first = BigRecord(0);
    ASSERT_TRUE(BigRecordIsIntact(first, 0));
    [[maybe_unused]] const void* block = first.context().Find("big0");  // (read only outside ASan)
    first = Value();  // the context and its values' block freed
#if !defined(ZEBRA_ASAN)
    EXPECT_EQ(ThreadCachedLargeBytes(), LargeBlockClasses::ClassBytes(0));
    EXPECT_GE(malloc_usable_size(const_cast<void*>(block)), LargeBlockClasses::ClassBytes(0));
#endif
    Value second = BigRecord(100);
    EXPECT_TRUE(BigRecordIsIntact(second, 100));
#if !defined(ZEBRA_ASAN)
    EXPECT_EQ(second.context().Find("big0"), block);  // the freed block, taken back from the cache
    EXPECT_EQ(ThreadCachedLargeBytes(), 0u);
#endif
    // A list's items over 2 KB: a higher class, kept and reused alike.
    constexpr size_t kItemsClass = LargeBlockClasses::ClassOf(100 * sizeof(Value));
    static_assert(kItemsClass > 0 && kItemsClass < LargeBlockClasses::kClasses);
    List items;
    items.reserve(100);
    const Value* data = items.data();
    for (int i = 0; i < 100; ++i) items.push_back(Value::Number(i));
    Value list = Value::FromList(std::move(items));
    ASSERT_EQ(list.list().data(), data);
    list = Value();
#if !defined(ZEBRA_ASAN)
    EXPECT_EQ(ThreadCachedLargeBytes(), LargeBlockClasses::ClassBytes(kItemsClass));
    EXPECT_GE(malloc_usable_size(const_cast<Value*>(data)), LargeBlockClasses::ClassBytes(kItemsClass));
#else
    EXPECT_EQ(ThreadCachedLargeBytes(), 0u);
#endif
    List again;
    again.reserve(LargeBlockClasses::ClassBytes(kItemsClass) / sizeof(Value));  // the class's whole size
    for (size_t i = 0; i < again.capacity(); ++i) again.push_back(Value::Number(static_cast<int>(i)));
#if !defined(ZEBRA_ASAN)
    EXPECT_EQ(again.data(), data);
#endif
    for (size_t i = 0; i < again.size(); ++i) ASSERT_TRUE(DeepEqual(again[i], Value::Number(static_cast<int>(i))));
  });
  fresh.join();
}

// Large blocks made on one thread and freed on another go to the freeing thread's large cache,
// within its bound: 200 contexts fill class 0 to its limit, the rest go back to the heap.
TEST(ValueMemory, LargeBlocksFreedOnAnotherThreadBounded) {
  constexpr int kValues = 200;
  static_assert(kValues > LargeBlockClasses::Limit(0));
  std::vector<Value> made;
  std::thread maker([&] {
    for (int i = 0; i < kValues; ++i) made.push_back(BigRecord(i));
  });
  maker.join();
  bool intact = true;
  size_t cached = 1;
  std::thread freer([&] {
    for (int i = 0; i < kValues; ++i) intact = intact && BigRecordIsIntact(made[static_cast<size_t>(i)], i);
    made.clear();
    cached = ThreadCachedLargeBytes();
    Value again = BigRecord(7);  // served from this thread's cache
    intact = intact && BigRecordIsIntact(again, 7);
  });
  freer.join();
  EXPECT_TRUE(intact);
#if !defined(ZEBRA_ASAN)
  EXPECT_EQ(cached, LargeBlockClasses::Limit(0) * LargeBlockClasses::ClassBytes(0));
#else
  EXPECT_EQ(cached, 0u);
#endif
}

}  // namespace
}  // namespace zebra::feel::value_pool_test
