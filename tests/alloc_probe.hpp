#pragma once

#include <cstdint>

namespace hubwatch::test {

/// Counts the heap allocations the current thread makes while it lives.
/// The test binary replaces the global operator new for this
/// (tests/alloc_probe.cpp); other threads and other times are not counted,
/// so a probe sees only the code it brackets.
class alloc_probe {
public:
  alloc_probe();
  ~alloc_probe();

  alloc_probe(const alloc_probe&) = delete;
  alloc_probe& operator=(const alloc_probe&) = delete;

  /// Allocations on this thread since construction.
  uint64_t count() const;

  /// False in a sanitizer build: there the sanitizer's own operator new
  /// stays (it checks new/delete pairs), nothing is counted, and tests that
  /// count skip.
  static bool counts();

private:
  uint64_t start_;
  bool was_armed_;
};

} // namespace hubwatch::test
