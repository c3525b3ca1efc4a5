#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hubwatch {

/// A fixed-capacity FIFO that evicts its oldest element when full and counts
/// what it evicted. Capacity 0 keeps nothing (and counts every push).
template <class T>
class event_ring {
public:
  event_ring() = default;

  explicit event_ring(size_t capacity) : capacity_(capacity) {
    buf_.reserve(capacity);
  }

  void push(T x) {
    if (capacity_ == 0) {
      ++dropped_;
      return;
    }
    if (buf_.size() < capacity_) {
      buf_.push_back(std::move(x));
      return;
    }
    buf_[head_] = std::move(x);
    head_ = (head_ + 1) % capacity_;
    ++dropped_;
  }

  /// Empties the ring; the count of evicted elements stays (a cleared
  /// element was replaced, not evicted).
  void clear() {
    buf_.clear();
    head_ = 0;
  }

  size_t size() const {
    return buf_.size();
  }

  size_t capacity() const {
    return capacity_;
  }

  /// Elements evicted (or refused, at capacity 0) since construction.
  uint64_t dropped() const {
    return dropped_;
  }

  /// The i-th oldest element.
  const T& operator[](size_t i) const {
    return buf_[(head_ + i) % buf_.size()];
  }

  /// All elements, oldest first.
  std::vector<T> to_vector() const {
    std::vector<T> result;
    result.reserve(buf_.size());
    for (size_t i = 0; i < buf_.size(); ++i)
      result.push_back((*this)[i]);
    return result;
  }

private:
  size_t capacity_ = 0;
  size_t head_ = 0;
  uint64_t dropped_ = 0;
  std::vector<T> buf_;
};

} // namespace hubwatch
