#include "alloc_probe.hpp"

#include <cstdlib>
#include <new>

// ASan and TSan bring their own operator new; replacing it would switch off
// their checks of new/delete pairs for the whole test binary.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define HUBWATCH_ALLOC_PROBE_COUNTS
#endif

// Replacing the global operator new is by nature one per process. The
// counter is per thread and counts only while a probe is armed on that
// thread; everything else in the test binary allocates as before, through
// malloc. bench/alloc_count.cpp counts the same way, for the bench.

namespace hubwatch::test {

namespace {

thread_local uint64_t allocations = 0;
thread_local bool armed = false;

} // namespace

alloc_probe::alloc_probe() : start_(allocations), was_armed_(armed) {
  armed = true;
}

alloc_probe::~alloc_probe() {
  armed = was_armed_;
}

uint64_t alloc_probe::count() const {
  return allocations - start_;
}

bool alloc_probe::counts() {
#ifdef HUBWATCH_ALLOC_PROBE_COUNTS
  return true;
#else
  return false;
#endif
}

} // namespace hubwatch::test

#ifdef HUBWATCH_ALLOC_PROBE_COUNTS

namespace hubwatch::alloc_hooks {

void before_allocate(std::size_t) noexcept {
  if (test::armed)
    ++test::allocations;
}

void after_allocate(void*) noexcept {
  // nop
}

void before_free(void*) noexcept {
  // nop
}

} // namespace hubwatch::alloc_hooks

#include "bench/replace_operator_new.hpp"

#endif // HUBWATCH_ALLOC_PROBE_COUNTS
