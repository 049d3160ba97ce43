// Memory for evaluation frames (the DMN evaluator's ScratchArray when its values do not fit on
// the stack): blocks up to BlockCache::kMaxBlockBytes from the thread's value cache
// (value_pool.h), larger ones (a big boxed context's slots, up to kMaxBytes) from a per-thread
// cache of large blocks in classes that double. Such a block is taken and given back once per
// case; the heap served it through its slow path each time (~170 instructions a block, the
// heap's page free list being empty again after every free), the cache in a few.
//
// Under AddressSanitizer frames bypass both caches (each block from the heap); LargeBlockCache
// itself is tested directly there, with its cached blocks poisoned.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>

#include "feel/value_pool.h"

namespace zebra::feel {

// Freed large blocks by class: 1025..2048 bytes, 2049..4096, ... up to kMaxBytes. Not
// thread-safe: one per thread (the frame memory's), or a local one in tests. A new cache caches
// nothing until Enable(). Constant-initialised and trivially destructible, as BlockCache.
class LargeBlockCache {
 public:
  static constexpr size_t kMinBytes = BlockCache::kMaxBlockBytes + 1;
  static constexpr size_t kClasses = 4;
  static constexpr size_t kMaxBytes = BlockCache::kMaxBlockBytes << kClasses;  // 16 KB
  static constexpr size_t kMaxCachedBytesPerClass = BlockCache::kMaxCachedBytesPerClass;

  constexpr LargeBlockCache() = default;
  LargeBlockCache(const LargeBlockCache&) = delete;
  LargeBlockCache& operator=(const LargeBlockCache&) = delete;

  static constexpr bool Cacheable(size_t bytes) { return bytes - kMinBytes < kMaxBytes - BlockCache::kMaxBlockBytes; }
  // The class of a block of kMinBytes..kMaxBytes bytes, and the bytes of its blocks.
  static constexpr size_t ClassOf(size_t bytes) {
    return static_cast<size_t>(std::bit_width((bytes - 1) / BlockCache::kMaxBlockBytes)) - 1;
  }
  static constexpr size_t ClassBytes(size_t c) { return BlockCache::kMaxBlockBytes << (c + 1); }
  static constexpr uint32_t Limit(size_t c) { return static_cast<uint32_t>(kMaxCachedBytesPerClass / ClassBytes(c)); }

  // A block of at least `bytes`, aligned as operator new aligns: a cached one when there is one.
  void* Allocate(size_t bytes) {
    if (!Cacheable(bytes)) return ::operator new(bytes);
    const size_t c = ClassOf(bytes);
    if (Block* b = free_[c]) {
      Unpoison(b, sizeof(Block));
      free_[c] = b->next;
      --count_[c];
      Unpoison(b, ClassBytes(c));
      return b;
    }
    return ::operator new(ClassBytes(c));
  }
  // Gives back a block that Allocate(bytes) returned: cached when its class has room, else freed.
  void Free(void* p, size_t bytes) noexcept {
    if (Cacheable(bytes)) {
      const size_t c = ClassOf(bytes);
      if (count_[c] < limit_[c]) {
        Block* b = static_cast<Block*>(p);
        b->next = free_[c];
        free_[c] = b;
        ++count_[c];
        Poison(b, ClassBytes(c));
        return;
      }
    }
    ::operator delete(p);
  }

  void Enable() noexcept {
    for (size_t c = 0; c < kClasses; ++c) limit_[c] = Limit(c);
  }
  void Disable() noexcept {
    for (size_t c = 0; c < kClasses; ++c) {
      limit_[c] = 0;
      while (Block* b = free_[c]) {
        Unpoison(b, sizeof(Block));
        free_[c] = b->next;
        Unpoison(b, ClassBytes(c));
        ::operator delete(b);
      }
      count_[c] = 0;
    }
  }
  size_t cached_blocks() const {
    size_t n = 0;
    for (size_t c = 0; c < kClasses; ++c) n += count_[c];
    return n;
  }
  size_t cached_bytes() const {
    size_t n = 0;
    for (size_t c = 0; c < kClasses; ++c) n += count_[c] * ClassBytes(c);
    return n;
  }

 private:
  struct Block {
    Block* next;
  };
  static void Poison([[maybe_unused]] void* p, [[maybe_unused]] size_t n) {
#if defined(ZEBRA_VALUE_POOL_ASAN)
    ASAN_POISON_MEMORY_REGION(p, n);
#endif
  }
  static void Unpoison([[maybe_unused]] void* p, [[maybe_unused]] size_t n) {
#if defined(ZEBRA_VALUE_POOL_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
  }

  Block* free_[kClasses] = {};
  uint32_t count_[kClasses] = {};
  uint32_t limit_[kClasses] = {};  // 0 until Enable: frees then go to the heap
};

namespace frame_memory_internal {
// The calling thread's large blocks (frame_memory.cc), out of line: a few calls per case.
void* AllocateLarge(size_t bytes);
void FreeLarge(void* p, size_t bytes) noexcept;
}  // namespace frame_memory_internal

// A frame's block of `bytes` (> 0), and its return with the same `bytes`, on the calling thread.
inline void* AllocateFrameMemory(size_t bytes) {
#if defined(ZEBRA_VALUE_POOL_ASAN)
  return ::operator new(bytes);
#else
  if (bytes <= BlockCache::kMaxBlockBytes) return AllocateValueMemory(bytes);
  return frame_memory_internal::AllocateLarge(bytes);
#endif
}
inline void FreeFrameMemory(void* p, size_t bytes) noexcept {
#if defined(ZEBRA_VALUE_POOL_ASAN)
  (void)bytes;
  ::operator delete(p);
#else
  if (bytes <= BlockCache::kMaxBlockBytes) FreeValueMemory(p, bytes);
  else frame_memory_internal::FreeLarge(p, bytes);
#endif
}
// The calling thread's cached large bytes (0 under ASan), for tests.
size_t ThreadCachedLargeBytes();

}  // namespace zebra::feel
