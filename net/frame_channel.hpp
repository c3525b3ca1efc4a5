#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

namespace hubwatch {

/// What the socket handed over: a text message, a binary one (refused by
/// the parser), or the note that a message exceeded the size limit.
enum class frame_kind : uint8_t {
  /// A text message whose bytes nobody has checked yet.
  text,
  /// A text message the WebSocket layer has already validated as UTF-8
  /// (Beast checks every text message it returns), so the parser need not
  /// check its bytes again.
  checked_text,
  binary,
  too_large,
};

/// Frames packed into one buffer: no allocation per frame once warm.
class frame_buffer {
public:
  struct entry {
    frame_kind kind;
    uint32_t size;
    size_t offset;
  };

  void append(frame_kind kind, std::string_view bytes) {
    entries_.push_back(
      entry{kind, static_cast<uint32_t>(bytes.size()), bytes_.size()});
    bytes_.append(bytes.data(), bytes.size());
  }

  void clear() {
    entries_.clear();
    bytes_.clear();
  }

  size_t size() const {
    return entries_.size();
  }

  size_t bytes() const {
    return bytes_.size();
  }

  frame_kind kind(size_t i) const {
    return entries_[i].kind;
  }

  std::string_view view(size_t i) const {
    return {bytes_.data() + entries_[i].offset, entries_[i].size};
  }

  void swap(frame_buffer& other) {
    entries_.swap(other.entries_);
    bytes_.swap(other.bytes_);
  }

private:
  std::vector<entry> entries_;
  std::string bytes_;
};

/// Hands frames from the socket thread to the parser actor.
///
/// The producer rings the consumer (one actor message) only when the channel
/// goes from empty to non-empty, so frames that arrive while the parser is
/// busy travel together in one batch: at low rates every frame is delivered
/// at once, at high rates batches grow by themselves. When more than
/// `max_pending_bytes` wait, the producer stops reading (TCP pushes back on
/// the hub) until the consumer has drained the channel.
class frame_channel {
public:
  explicit frame_channel(size_t max_pending_bytes)
    : max_pending_bytes_(max_pending_bytes) {
    // nop
  }

  struct push_result {
    /// The consumer must be told that frames wait.
    bool ring;
    /// The producer must stop reading until `on_drained` fires.
    bool pause;
  };

  /// Producer side (socket thread).
  push_result push(frame_kind kind, std::string_view bytes) {
    std::lock_guard<std::mutex> guard{mtx_};
    pending_.append(kind, bytes);
    push_result result{!rung_, pending_.bytes() >= max_pending_bytes_};
    rung_ = true;
    if (result.pause)
      paused_ = true;
    return result;
  }

  /// Producer side: called on the consumer's thread after a drain that ends a
  /// pause; must only schedule work on the producer's own executor.
  void on_drained(std::function<void()> f) {
    std::lock_guard<std::mutex> guard{mtx_};
    resume_ = std::move(f);
  }

  /// Consumer side: moves every waiting frame into `out` (previous content
  /// discarded; its capacity is recycled for the producer).
  void drain(frame_buffer& out) {
    out.clear();
    std::function<void()> resume;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      pending_.swap(out);
      rung_ = false;
      if (paused_) {
        paused_ = false;
        resume = resume_;
      }
    }
    if (resume)
      resume();
  }

private:
  size_t max_pending_bytes_;
  std::mutex mtx_;
  frame_buffer pending_;
  bool rung_ = false;
  bool paused_ = false;
  std::function<void()> resume_;
};

using frame_channel_ptr = std::shared_ptr<frame_channel>;

} // namespace hubwatch

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hubwatch::frame_channel_ptr)
