#pragma once

// Heap allocations of this process, counted by the bench's own replacement
// of the global operator new (bench/alloc_count.cpp, linked into
// hubwatch-bench only, never into the library or its users).
//
// What it counts: every operator new and new[] (all overloads, aligned and
// nothrow ones included) on every thread of the process, the blast source's
// included; not malloc called directly (C libraries such as OpenSSL). It
// counts only between `alloc_counting` construction and destruction, so the
// figures that do not ask for it pay one relaxed load per allocation.

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

} // namespace hubwatch::bench
