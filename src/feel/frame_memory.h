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

// Large blocks by class: 1025..2048 bytes, 2049..4096, ... up to kMaxBytes.
struct LargeBlockClasses {
  static constexpr size_t kMinBytes = BlockCache::kMaxBlockBytes + 1;
  static constexpr size_t kClasses = 4;
  static constexpr size_t kMaxBytes = BlockCache::kMaxBlockBytes << kClasses;  // 16 KB
  static constexpr size_t kMaxCachedBytesPerClass = BlockCache::kMaxCachedBytesPerClass;

  static constexpr bool Cacheable(size_t bytes) { return bytes - kMinBytes < kMaxBytes - BlockCache::kMaxBlockBytes; }
  // The class of a block of kMinBytes..kMaxBytes bytes, and the bytes of its blocks.
  static constexpr size_t ClassOf(size_t bytes) {
    return static_cast<size_t>(std::bit_width((bytes - 1) / BlockCache::kMaxBlockBytes)) - 1;
  }
  static constexpr size_t ClassBytes(size_t c) { return BlockCache::kMaxBlockBytes << (c + 1); }
  static constexpr uint32_t Limit(size_t c) { return static_cast<uint32_t>(kMaxCachedBytesPerClass / ClassBytes(c)); }
};
// Freed large blocks, kept as the values' blocks are (value_pool.h). One per thread (the frame
// memory's), or a local one in tests.
using LargeBlockCache = SizeClassCache<LargeBlockClasses>;

// The calling thread's large blocks, frame_memory_internal::AllocateLarge and FreeLarge, are
// declared in value_pool.h (the values' blocks over kMaxBlockBytes take them too) and defined in
// frame_memory.cc, out of line: a few calls per case.

// A frame's block of `bytes` (> 0), and its return with the same `bytes`, on the calling thread.
inline void* AllocateFrameMemory(size_t bytes) {
#if defined(ZEBRA_ASAN)
  return ::operator new(bytes);
#else
  if (bytes <= BlockCache::kMaxBlockBytes) return AllocateValueMemory(bytes);
  return frame_memory_internal::AllocateLarge(bytes);
#endif
}
inline void FreeFrameMemory(void* p, size_t bytes) noexcept {
#if defined(ZEBRA_ASAN)
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
