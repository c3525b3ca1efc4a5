#include "bench/alloc_count.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

// The replacement of the global operator new is by nature one per process:
// the counters below are the only global state of the bench, and they exist
// in this executable only.

namespace hubwatch::bench {

namespace {

// One counter pair per cache line, picked per thread: threads that allocate
// at the same time rarely share a line, so counting costs an uncontended
// atomic add instead of a cache line bouncing between cores. Threads beyond
// the number of shards share one, which stays correct (the adds are atomic).
constexpr unsigned shard_count = 64;

struct alignas(64) shard {
  std::atomic<uint64_t> count{0};
  std::atomic<uint64_t> bytes{0};
  // Net: usable bytes allocated minus freed while live counting is on.
  std::atomic<int64_t> live{0};
};

shard shards[shard_count];
std::atomic<unsigned> next_shard{0};
std::atomic<bool> enabled{false};
std::atomic<bool> live_enabled{false};
thread_local unsigned my_shard = shard_count;

shard& own_shard() noexcept {
  if (my_shard == shard_count)
    my_shard = next_shard.fetch_add(1, std::memory_order_relaxed) % shard_count;
  return shards[my_shard];
}

void count_allocation(std::size_t size) noexcept {
  if (!enabled.load(std::memory_order_relaxed))
    return;
  auto& s = own_shard();
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.bytes.fetch_add(size, std::memory_order_relaxed);
}

/// `p` was just allocated (`sign` 1) or is about to be freed (-1).
void count_live(void* p, int64_t sign) noexcept {
  if (p == nullptr || !live_enabled.load(std::memory_order_relaxed))
    return;
  auto size = static_cast<int64_t>(malloc_usable_size(p));
  own_shard().live.fetch_add(sign * size, std::memory_order_relaxed);
}

int64_t sum_live() {
  int64_t result = 0;
  for (auto& s : shards)
    result += s.live.load(std::memory_order_relaxed);
  return result;
}

void release(void* p) noexcept {
  count_live(p, -1);
  std::free(p);
}

alloc_totals sum() {
  alloc_totals result;
  for (auto& s : shards) {
    result.count += s.count.load(std::memory_order_relaxed);
    result.bytes += s.bytes.load(std::memory_order_relaxed);
  }
  return result;
}

void* allocate(std::size_t size) {
  count_allocation(size);
  for (;;) {
    if (auto* p = std::malloc(size == 0 ? 1 : size)) {
      count_live(p, 1);
      return p;
    }
    auto handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc{};
    handler();
  }
}

void* allocate_aligned(std::size_t size, std::align_val_t al) {
  count_allocation(size);
  auto alignment = static_cast<std::size_t>(al);
  if (alignment < sizeof(void*))
    alignment = sizeof(void*);
  for (;;) {
    void* p = nullptr;
    if (posix_memalign(&p, alignment, size == 0 ? 1 : size) == 0) {
      count_live(p, 1);
      return p;
    }
    auto handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc{};
    handler();
  }
}

} // namespace

alloc_counting::alloc_counting() {
  start_ = sum();
  enabled.store(true, std::memory_order_relaxed);
}

alloc_counting::~alloc_counting() {
  enabled.store(false, std::memory_order_relaxed);
}

alloc_totals alloc_counting::totals() const {
  auto now = sum();
  return {now.count - start_.count, now.bytes - start_.bytes};
}

live_heap_counting::live_heap_counting() {
  start_ = sum_live();
  live_enabled.store(true, std::memory_order_relaxed);
}

live_heap_counting::~live_heap_counting() {
  live_enabled.store(false, std::memory_order_relaxed);
}

int64_t live_heap_counting::bytes() const {
  return sum_live() - start_;
}

} // namespace hubwatch::bench

using hubwatch::bench::allocate;
using hubwatch::bench::allocate_aligned;
using hubwatch::bench::release;

void* operator new(std::size_t size) {
  return allocate(size);
}

void* operator new[](std::size_t size) {
  return allocate(size);
}

void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}

void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}

void* operator new(std::size_t size, std::align_val_t al) {
  return allocate_aligned(size, al);
}

void* operator new[](std::size_t size, std::align_val_t al) {
  return allocate_aligned(size, al);
}

void* operator new(std::size_t size, std::align_val_t al,
                   const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(size, al);
  } catch (...) {
    return nullptr;
  }
}

void* operator new[](std::size_t size, std::align_val_t al,
                     const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(size, al);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept {
  release(p);
}

void operator delete[](void* p) noexcept {
  release(p);
}

void operator delete(void* p, std::size_t) noexcept {
  release(p);
}

void operator delete[](void* p, std::size_t) noexcept {
  release(p);
}

void operator delete(void* p, const std::nothrow_t&) noexcept {
  release(p);
}

void operator delete[](void* p, const std::nothrow_t&) noexcept {
  release(p);
}

void operator delete(void* p, std::align_val_t) noexcept {
  release(p);
}

void operator delete[](void* p, std::align_val_t) noexcept {
  release(p);
}

void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  release(p);
}

void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  release(p);
}

void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  release(p);
}

void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  release(p);
}
