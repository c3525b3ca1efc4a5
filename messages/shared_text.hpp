#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>

namespace hubwatch {

/// Immutable bytes shared by a reference count, the count and the bytes in
/// one allocation. A payload is copied into every history slot, batch and
/// subscriber's view of an event; `std::shared_ptr<const std::string>`
/// would cost two allocations per event (control block + string, then the
/// string's buffer), this costs one, and a copy costs an atomic increment.
class shared_text {
public:
  shared_text() noexcept = default;

  /// Copies `bytes` into a new block; the empty view makes no block.
  explicit shared_text(std::string_view bytes);

  shared_text(const shared_text& other) noexcept : block_(other.block_) {
    if (block_ != nullptr)
      block_->refs.fetch_add(1, std::memory_order_relaxed);
  }

  shared_text(shared_text&& other) noexcept : block_(other.block_) {
    other.block_ = nullptr;
  }

  shared_text& operator=(const shared_text& other) noexcept {
    shared_text tmp{other};
    swap(tmp);
    return *this;
  }

  shared_text& operator=(shared_text&& other) noexcept {
    shared_text tmp{std::move(other)};
    swap(tmp);
    return *this;
  }

  ~shared_text() {
    release();
  }

  void swap(shared_text& other) noexcept {
    auto* tmp = block_;
    block_ = other.block_;
    other.block_ = tmp;
  }

  void reset() noexcept {
    release();
    block_ = nullptr;
  }

  /// The bytes; empty when there is no block.
  std::string_view view() const noexcept {
    if (block_ == nullptr)
      return {};
    return {reinterpret_cast<const char*>(block_ + 1), block_->size};
  }

  /// True when it holds bytes (an empty view makes no block).
  explicit operator bool() const noexcept {
    return block_ != nullptr;
  }

  /// True when both hold the same block (or none): equal without comparing
  /// bytes.
  bool same_block(const shared_text& other) const noexcept {
    return block_ == other.block_;
  }

  /// How many `shared_text`s hold this block; 0 without one. For tests.
  size_t use_count() const noexcept {
    return block_ == nullptr ? 0 : block_->refs.load(std::memory_order_relaxed);
  }

private:
  struct block {
    std::atomic<size_t> refs;
    size_t size;
  };

  void release() noexcept;

  block* block_ = nullptr;
};

} // namespace hubwatch
