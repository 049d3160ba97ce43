#include "feel/frame_memory.h"

namespace zebra::feel {
namespace frame_memory_internal {
namespace {

enum class State : uint8_t { kNew, kActive, kGone };
struct ThreadLarge {
  LargeBlockCache cache;
  State state = State::kNew;
};
// As value_pool.h's thread_blocks: no guard on the path; the thread's exit drains it through a
// guard object registered on the thread's first free, after which the heap serves every call.
constinit thread_local ThreadLarge thread_large;

struct ThreadLargeDrain {
  ~ThreadLargeDrain() {
    thread_large.cache.Disable();
    thread_large.state = State::kGone;
  }
};

}  // namespace

// A cache that is not on (a new thread's, or one drained at thread exit) is empty: the heap.
void* AllocateLarge(size_t bytes) { return thread_large.cache.Allocate(bytes); }

void FreeLarge(void* p, size_t bytes) noexcept {
  if (thread_large.state == State::kNew) [[unlikely]] {
    static thread_local ThreadLargeDrain drain;
    (void)drain;
    thread_large.cache.Enable();
    thread_large.state = State::kActive;
  }
  thread_large.cache.Free(p, bytes);
}

}  // namespace frame_memory_internal

size_t ThreadCachedLargeBytes() { return frame_memory_internal::thread_large.cache.cached_bytes(); }

}  // namespace zebra::feel
