#pragma once

// Every overload of the global operator new and delete, replaced by ones that
// call three hooks, so that an executable can count its allocations. The
// one source file that includes this (one per executable, never in the
// library: replacing operator new is by nature one per process) defines the
// hooks first:
//
//   namespace hubwatch::alloc_hooks {
//   void before_allocate(std::size_t size) noexcept;
//   void after_allocate(void* p) noexcept;
//   void before_free(void* p) noexcept;
//   }
//
// bench/alloc_count.cpp counts for the bench, tests/alloc_probe.cpp for the
// tests. Memory comes from malloc (posix_memalign when aligned), so every
// delete frees with free.

#include <cstddef>
#include <cstdlib>
#include <new>

namespace hubwatch::alloc_hooks {

inline void* allocate(std::size_t size) {
  before_allocate(size);
  for (;;) {
    if (auto* p = std::malloc(size == 0 ? 1 : size)) {
      after_allocate(p);
      return p;
    }
    auto handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc{};
    handler();
  }
}

inline void* allocate_aligned(std::size_t size, std::align_val_t al) {
  before_allocate(size);
  auto alignment = static_cast<std::size_t>(al);
  if (alignment < sizeof(void*))
    alignment = sizeof(void*);
  for (;;) {
    void* p = nullptr;
    if (posix_memalign(&p, alignment, size == 0 ? 1 : size) == 0) {
      after_allocate(p);
      return p;
    }
    auto handler = std::get_new_handler();
    if (handler == nullptr)
      throw std::bad_alloc{};
    handler();
  }
}

inline void release(void* p) noexcept {
  before_free(p);
  std::free(p);
}

} // namespace hubwatch::alloc_hooks

using hubwatch::alloc_hooks::allocate;
using hubwatch::alloc_hooks::allocate_aligned;
using hubwatch::alloc_hooks::release;

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
