#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace hubwatch {

/// Immutable bytes shared by a reference count, the count and the bytes in
/// one allocation. A payload is copied into every history slot, batch and
/// subscriber's view of an event; `std::shared_ptr<const std::string>`
/// would cost two allocations per event (control block + string, then the
/// string's buffer), this costs one, and a copy costs an atomic increment.
///
/// A `shared_text` may also be a slice of a block that holds many texts
/// (`shared_text_arena`): the frame parser packs the payloads of many
/// frames into one block, so a warm parser allocates once per block, not
/// once per event.
class shared_text {
public:
  shared_text() noexcept = default;

  /// Copies `bytes` into a new block of its own; the empty view makes no
  /// block.
  explicit shared_text(std::string_view bytes);

  shared_text(const shared_text& other) noexcept
    : block_(other.block_), offset_(other.offset_), size_(other.size_) {
    if (block_ != nullptr)
      block_->refs.fetch_add(1, std::memory_order_relaxed);
  }

  shared_text(shared_text&& other) noexcept
    : block_(other.block_), offset_(other.offset_), size_(other.size_) {
    other.block_ = nullptr;
    other.offset_ = 0;
    other.size_ = 0;
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
    std::swap(block_, other.block_);
    std::swap(offset_, other.offset_);
    std::swap(size_, other.size_);
  }

  void reset() noexcept {
    release();
    block_ = nullptr;
    offset_ = 0;
    size_ = 0;
  }

  /// The bytes; empty when there is no block.
  std::string_view view() const noexcept {
    if (block_ == nullptr)
      return {};
    return {reinterpret_cast<const char*>(block_ + 1) + offset_, size_};
  }

  /// True when it holds bytes (an empty view makes no block).
  explicit operator bool() const noexcept {
    return block_ != nullptr;
  }

  /// True when both hold the same block (or none).
  bool same_block(const shared_text& other) const noexcept {
    return block_ == other.block_;
  }

  /// True when both view the same bytes of the same block (or hold none):
  /// equal without comparing bytes.
  bool same_bytes(const shared_text& other) const noexcept {
    return block_ == other.block_ && offset_ == other.offset_ &&
           size_ == other.size_;
  }

  /// True when the block holds other texts too (made by a
  /// `shared_text_arena`): whoever keeps this text keeps the whole block.
  bool packed() const noexcept {
    return block_ != nullptr && block_->packed;
  }

  /// A copy that holds no other texts' bytes: this one when its block is its
  /// own, else its bytes in a new block.
  shared_text unpacked() const {
    return packed() ? shared_text{view()} : *this;
  }

  /// How many `shared_text`s hold this block; 0 without one. For tests.
  size_t use_count() const noexcept {
    return block_ == nullptr ? 0 : block_->refs.load(std::memory_order_relaxed);
  }

private:
  friend class shared_text_arena;

  struct block {
    std::atomic<size_t> refs;
    size_t capacity;
    bool packed;
  };

  static block* make_block(size_t capacity, bool packed);

  char* bytes() const noexcept {
    return reinterpret_cast<char*>(block_ + 1);
  }

  void release() noexcept;

  block* block_ = nullptr;
  uint32_t offset_ = 0;
  uint32_t size_ = 0;
};

/// Copies many texts into shared blocks: one allocation per block instead of
/// one per text. The frame parser's, one per parser (not thread-safe).
///
/// Every text it returns keeps its whole block alive. The registry's history
/// and the subscribers' queues hold contiguous runs of the stream, so each
/// pins at most one partly used block beyond its own texts; a text that is
/// copied on its own (`json_payload`'s copy) is first moved into a block of
/// its own, so nobody who keeps one event pins a block of others.
class shared_text_arena {
public:
  /// Texts longer than a quarter of `block_bytes` get a block of their own.
  explicit shared_text_arena(size_t block_bytes = 16 * 1024)
    : block_bytes_(block_bytes) {
    // nop
  }

  /// A copy of `bytes`, in the current block while it has room.
  shared_text copy(std::string_view bytes);

  size_t block_bytes() const {
    return block_bytes_;
  }

private:
  size_t block_bytes_;
  // Holds the current block (a view of its first `used_` bytes).
  shared_text current_;
  size_t used_ = 0;
};

} // namespace hubwatch
