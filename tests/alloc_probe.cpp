#include "alloc_probe.hpp"

#include <cstdlib>
#include <new>

// ASan and TSan bring their own operator new; replacing it would switch off
// their checks of new/delete pairs for the whole test binary.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#  define HUBWATCH_ALLOC_PROBE_COUNTS
#endif

// Replacing the global operator new is by nature one per process. The
// counter is per thread and counts only while a probe is armed on that
// thread; everything else in the test binary allocates as before, through
// malloc. bench/alloc_count.cpp counts the same way, for the bench.

namespace hubwatch::test {

namespace {

thread_local uint64_t allocations = 0;
thread_local bool armed = false;

void* allocate(std::size_t size) {
  if (armed)
    ++allocations;
  for (;;) {
    if (auto* p = std::malloc(size == 0 ? 1 : size))
      return p;
    auto handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc{};
    handler();
  }
}

void* allocate_aligned(std::size_t size, std::align_val_t al) {
  if (armed)
    ++allocations;
  auto alignment = static_cast<std::size_t>(al);
  if (alignment < sizeof(void*))
    alignment = sizeof(void*);
  for (;;) {
    void* p = nullptr;
    if (posix_memalign(&p, alignment, size == 0 ? 1 : size) == 0)
      return p;
    auto handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc{};
    handler();
  }
}

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

using hubwatch::test::allocate;
using hubwatch::test::allocate_aligned;

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

// Every delete frees what malloc or posix_memalign gave.

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete[](void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}

void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  std::free(p);
}

#endif // HUBWATCH_ALLOC_PROBE_COUNTS
