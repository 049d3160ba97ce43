// Memory for FEEL values (lists, contexts, strings and their shared-pointer control blocks): a
// per-thread cache of freed blocks by size class, so that the many short-lived lists and contexts
// of an evaluation take and give back their memory in a few instructions, and a case's blocks
// serve the next case on the same thread. Lifetimes still follow the reference counts: a block is
// cached only once its owner is gone, by whichever thread frees it (a value made on one thread
// and freed on another goes to the freeing thread's cache), and each thread caches at most
// kMaxCachedBytesPerClass per class, so memory stays bounded. Past the cap and at thread exit,
// memory goes back to the heap; blocks over kMaxBlockBytes go to the thread's large blocks
// (frame_memory.h), and past those (16 KB) to the heap.
//
// Under AddressSanitizer values bypass the cache (every block straight from the heap, so ASan sees
// each use after free); BlockCache itself is tested directly there, with its cached blocks poisoned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>

#include "common/sanitizers.h"

#if defined(ZEBRA_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace zebra::feel {

// Freed blocks kept in one free list per size class, the classes as `Classes` maps sizes to them
// (Cacheable, ClassOf, ClassBytes, Limit, kClasses). Not thread-safe: one per thread, or a local
// one in tests. A new cache caches nothing until Enable(). Constant-initialised and trivially
// destructible, so a thread_local one costs no guard.
template <class Classes>
class SizeClassCache : public Classes {
 public:
  using Classes::ClassBytes;
  using Classes::ClassOf;
  using Classes::kClasses;
  using Classes::Limit;

  constexpr SizeClassCache() = default;
  SizeClassCache(const SizeClassCache&) = delete;
  SizeClassCache& operator=(const SizeClassCache&) = delete;

  // A block of at least `bytes`, aligned as operator new aligns: a cached one when there is one.
  void* Allocate(size_t bytes) {
    if (Classes::Cacheable(bytes)) {
      const size_t c = ClassOf(bytes);
      if (Block* b = free_[c]) [[likely]] {
        Unpoison(b, sizeof(Block));
        free_[c] = b->next;
        --count_[c];
        Unpoison(b, ClassBytes(c));
        return b;
      }
      return ::operator new(ClassBytes(c));
    }
    return ::operator new(bytes);
  }
  // Gives back a block that Allocate(bytes) returned (from this cache or any other): cached when
  // its class has room, else freed.
  void Free(void* p, size_t bytes) noexcept {
    if (!TryCache(p, bytes)) ::operator delete(p);
  }
  // Caches the block if its class has room; false (and nothing done) if not.
  bool TryCache(void* p, size_t bytes) noexcept {
    if (Classes::Cacheable(bytes)) {
      const size_t c = ClassOf(bytes);
      if (count_[c] < limit_[c]) [[likely]] {
        Block* b = static_cast<Block*>(p);
        b->next = free_[c];
        free_[c] = b;
        ++count_[c];
        Poison(b, ClassBytes(c));
        return true;
      }
    }
    return false;
  }

  // Caching on (each class up to Limit) or off (every cached block freed, later frees go to the heap).
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
#if defined(ZEBRA_ASAN)
    ASAN_POISON_MEMORY_REGION(p, n);
#endif
  }
  static void Unpoison([[maybe_unused]] void* p, [[maybe_unused]] size_t n) {
#if defined(ZEBRA_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
  }

  Block* free_[kClasses] = {};
  uint32_t count_[kClasses] = {};
  uint32_t limit_[kClasses] = {};  // 0 until Enable: frees then go to the heap
};

// The values' classes: 16-byte steps up to kMaxBlockBytes; larger blocks are never cached here.
struct ValueBlockClasses {
  static constexpr size_t kGranule = 16;
  static constexpr size_t kClasses = 64;
  static constexpr size_t kMaxBlockBytes = kGranule * kClasses;
  static constexpr size_t kMaxCachedBytesPerClass = size_t{64} << 10;

  static constexpr bool Cacheable(size_t bytes) { return bytes - 1 < kMaxBlockBytes; }  // 0 wraps: the heap
  // The size class of a block of `bytes` (1..kMaxBlockBytes) and the bytes of its blocks.
  static constexpr size_t ClassOf(size_t bytes) { return (bytes - 1) / kGranule; }
  static constexpr size_t ClassBytes(size_t c) { return (c + 1) * kGranule; }
  // How many blocks of class `c` a cache keeps at most.
  static constexpr uint32_t Limit(size_t c) { return static_cast<uint32_t>(kMaxCachedBytesPerClass / ClassBytes(c)); }
};
using BlockCache = SizeClassCache<ValueBlockClasses>;

namespace frame_memory_internal {
// The calling thread's cache of blocks over kMaxBlockBytes (frame_memory.h, .cc): also for the
// values' largest blocks (a big shaped context's values), which the heap served through its slow
// path once per case.
void* AllocateLarge(size_t bytes);
void FreeLarge(void* p, size_t bytes) noexcept;
}  // namespace frame_memory_internal

namespace value_pool_internal {
enum class State : uint8_t { kNew, kActive, kGone };
struct ThreadBlocks {
  BlockCache cache;
  State state = State::kNew;
};
// Constant-initialised and trivially destructible, so reaching it costs no guard; the thread's
// exit drains it through a guard object that Activate registers (value.cc).
inline constinit thread_local ThreadBlocks thread_blocks;
// First use on a thread: turns the cache on and arranges for it to be drained at thread exit.
// After that exit (kGone, e.g. values freed by static destructors) the heap serves every call.
void Activate() noexcept;
// A block the cache had no room for, one over kMaxBlockBytes (the large blocks' cache), or a
// thread's first free, which turns caching on.
[[gnu::noinline]] inline void FreeSlow(void* p, size_t bytes) noexcept {
  if (bytes > BlockCache::kMaxBlockBytes) {
    frame_memory_internal::FreeLarge(p, bytes);
    return;
  }
  if (thread_blocks.state == State::kNew) {
    Activate();
    if (thread_blocks.cache.TryCache(p, bytes)) return;
  }
  ::operator delete(p);
}
}  // namespace value_pool_internal

// The calling thread's cache. Allocation needs no state test: a cache that is not on (a new
// thread's, or one drained at thread exit) is empty and takes the heap.
inline void* AllocateValueMemory(size_t bytes) {
#if defined(ZEBRA_ASAN)
  return ::operator new(bytes);
#else
  if (bytes > BlockCache::kMaxBlockBytes) [[unlikely]] return frame_memory_internal::AllocateLarge(bytes);
  return value_pool_internal::thread_blocks.cache.Allocate(bytes);
#endif
}
inline void FreeValueMemory(void* p, size_t bytes) noexcept {
#if defined(ZEBRA_ASAN)
  (void)bytes;
  ::operator delete(p);
#else
  if (!value_pool_internal::thread_blocks.cache.TryCache(p, bytes)) [[unlikely]]
    value_pool_internal::FreeSlow(p, bytes);
#endif
}
// The calling thread's cached bytes (0 under ASan), for tests.
inline size_t ThreadCachedValueBytes() { return value_pool_internal::thread_blocks.cache.cached_bytes(); }

// A standard allocator over the thread's cache: for the lists' items, and with allocate_shared
// for the control blocks of lists, contexts and strings.
template <class T>
struct ValueAllocator {
  using value_type = T;
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  ValueAllocator() noexcept = default;
  template <class U>
  ValueAllocator(const ValueAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(AllocateValueMemory(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { FreeValueMemory(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const ValueAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace zebra::feel
