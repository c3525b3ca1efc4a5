#include "hubwatch/messages/inline_text.hpp"

#include <algorithm>
#include <memory>

namespace hubwatch {

void inline_text::assign(const char* text, size_t n) {
  if (n <= inline_capacity) {
    // memmove: `text` may be this object's own bytes. A heap buffer is
    // freed only after the copy, for the same reason.
    char* old = is_inline() ? nullptr : heap_ptr();
    if (n > 0)
      std::memmove(raw_, text, n);
    set_inline_size(n);
    delete[] old;
    return;
  }
  if (!is_inline() && load_field(capacity_offset) >= n) {
    auto* ptr = heap_ptr();
    std::memmove(ptr, text, n);
    set_heap(ptr, n, load_field(capacity_offset));
    return;
  }
  auto* ptr = new char[n];
  std::memcpy(ptr, text, n);
  release();
  set_heap(ptr, n, n);
}

caf::error inline_text::save(caf::serializer& f) const {
  // The steps of CAF 0.17's serializer for a std::string.
  auto n = size();
  if (auto err = f.begin_sequence(n))
    return err;
  if (n > 0)
    if (auto err = f.apply_raw(n, const_cast<char*>(data())))
      return err;
  return f.end_sequence();
}

caf::error inline_text::load(caf::deserializer& f) {
  size_t n = 0;
  if (auto err = f.begin_sequence(n))
    return err;
  if (n <= inline_capacity) {
    char buf[inline_capacity];
    if (n > 0)
      if (auto err = f.apply_raw(n, buf))
        return err;
    assign(buf, n);
    return f.end_sequence();
  }
  // Grows by doubling from 4 KiB: a length larger than what follows fails
  // at the end of the input after at most twice the bytes that came.
  constexpr size_t first_step = 4096;
  std::unique_ptr<char[]> buf;
  size_t capacity = 0;
  size_t done = 0;
  while (done < n) {
    if (done == capacity) {
      auto next = std::min(n, std::max(first_step, capacity * 2));
      std::unique_ptr<char[]> bigger{new char[next]};
      if (done > 0)
        std::memcpy(bigger.get(), buf.get(), done);
      buf = std::move(bigger);
      capacity = next;
    }
    auto step = capacity - done;
    if (auto err = f.apply_raw(step, buf.get() + done))
      return err;
    done += step;
  }
  release();
  set_heap(buf.release(), n, capacity);
  return f.end_sequence();
}

std::string to_string(const inline_text& x) {
  return x.str();
}

} // namespace hubwatch
