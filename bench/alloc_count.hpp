#pragma once

// Heap allocations of this process, counted by the bench's own replacement
// of the global operator new (bench/alloc_count.cpp, linked into
// hubwatch-bench only, never into the library or its users).
//
// What it counts: every operator new and new[] (all overloads, aligned and
// nothrow ones included) on every thread of the process, the blast source's
// included; not malloc called directly (C libraries such as OpenSSL). It
// counts only between `alloc_counting` construction and destruction, so the
// figures that do not ask for it pay one relaxed load per allocation (and,
// for `live_heap_counting`, one per allocation and per free).

#include <cstdint>

namespace hubwatch::bench {

struct alloc_totals {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

/// Counts while it lives; `totals()` says how much so far. One at a time:
/// the counters are the process's (operator new is).
class alloc_counting {
public:
  alloc_counting();
  ~alloc_counting();

  alloc_counting(const alloc_counting&) = delete;
  alloc_counting& operator=(const alloc_counting&) = delete;

  /// Allocations since construction, summed over all threads.
  alloc_totals totals() const;

private:
  alloc_totals start_;
};

/// Net heap bytes allocated through operator new while it lives: what was
/// allocated minus what was freed (sizes as malloc_usable_size reports
/// them), so a figure can tell how much a state holds. Memory allocated
/// before and freed while it lives counts negative. One at a time, like
/// `alloc_counting`; the two may live together.
class live_heap_counting {
public:
  live_heap_counting();
  ~live_heap_counting();

  live_heap_counting(const live_heap_counting&) = delete;
  live_heap_counting& operator=(const live_heap_counting&) = delete;

  /// Net bytes since construction, summed over all threads.
  int64_t bytes() const;

private:
  int64_t start_;
};

} // namespace hubwatch::bench
