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

alloc_totals sum() {
  alloc_totals result;
  for (auto& s : shards) {
    result.count += s.count.load(std::memory_order_relaxed);
    result.bytes += s.bytes.load(std::memory_order_relaxed);
  }
  return result;
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

namespace hubwatch::alloc_hooks {

void before_allocate(std::size_t size) noexcept {
  bench::count_allocation(size);
}

void after_allocate(void* p) noexcept {
  bench::count_live(p, 1);
}

void before_free(void* p) noexcept {
  bench::count_live(p, -1);
}

} // namespace hubwatch::alloc_hooks

#include "bench/replace_operator_new.hpp"
