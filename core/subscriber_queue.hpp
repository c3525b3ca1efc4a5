#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "hubwatch/core/credit_window.hpp"
#include "hubwatch/messages/hub_update.hpp"

namespace hubwatch {

/// What the registry keeps for one subscriber between the live stream and its
/// mailbox: deliveries in flight (a credit window), updates waiting (at most
/// `bound`, the oldest dropped beyond that and counted), and whether it was
/// left behind after stalling the stream. No actors and no clock: the caller
/// sends what `next()` hands out and reports acknowledgements.
///
/// Updates count as *waiting* once the window has no room for their batch;
/// a batch the window can take at once never counts against the bound, so a
/// subscriber that keeps up never loses anything, whatever the bound.
class subscriber_queue {
public:
  using items_type = update_batch::items_type;
  using items_ptr = std::shared_ptr<const items_type>;

  /// `window` deliveries unacknowledged at most; `bound` updates waiting at
  /// most (0: none wait, what the window cannot take is dropped).
  subscriber_queue(size_t window, size_t bound);

  /// A delivery that bypasses the queue (a new subscriber's snapshot) takes a
  /// slot of the window like any batch.
  void take_slot() {
    window_.take();
  }

  /// The stream starts over with a snapshot sent next (an upstream node
  /// reconnected): the updates still waiting belong to the old stream and
  /// go, without counting as missed (the snapshot supersedes them), and a
  /// subscriber left behind rejoins. Deliveries in flight stay in the window
  /// until acknowledged. Returns how many updates it dropped.
  size_t restart();

  /// Queues `xs` (empty batches are ignored) and drops the oldest waiting
  /// updates beyond the bound. Returns how many it dropped; they are reported
  /// to the subscriber as `missed` with its next delivery.
  size_t push(const items_ptr& xs);

  /// The next delivery the window has room for, carrying the updates missed
  /// since the last one; none when the window is full or nothing waits. The
  /// caller sends every one it gets after `push` and `ack`.
  std::optional<update_batch> next();

  /// One delivery was acknowledged. A subscriber left behind rejoins once at
  /// most a quarter of its bound waits: it holds the stream back again when
  /// it falls behind again.
  void ack();

  /// True while it holds the stream back: not left behind and more than half
  /// its bound waiting. Half, so that it still has room for the batches in
  /// flight from the parser while the parser waits.
  bool holds_back() const;

  /// The stream waited the stall limit for the subscribers holding it back:
  /// one that still does is left behind. From then on it loses its oldest
  /// updates instead of holding the stream back.
  void stall_expired();

  /// Updates waiting beyond what the window takes at once.
  size_t waiting() const;

  /// Updates dropped since the last delivery.
  uint64_t missed() const {
    return missed_;
  }

  bool left_behind() const {
    return left_behind_;
  }

  size_t in_flight() const {
    return window_.in_flight();
  }

  size_t bound() const {
    return bound_;
  }

private:
  /// A queued batch; `offset` skips the items dropped from its front, so
  /// that the items stay shared by every subscriber of the batch.
  struct pending {
    items_ptr items;
    size_t offset = 0;

    size_t size() const {
      return items->size() - offset;
    }
  };

  /// Number of front batches the window has room for right now.
  size_t going() const;

  credit_window window_;
  size_t bound_;
  std::deque<pending> queue_;
  // Items in `queue_`, including the batches the window takes next.
  size_t queued_ = 0;
  uint64_t missed_ = 0;
  bool left_behind_ = false;
};

/// How long the stream waits for subscribers that hold it back, measured on
/// time points the caller passes in: it starts with the first answer the
/// registry withholds from the parser and stops when the answers go out.
class stall_clock {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::nanoseconds;

  stall_clock() = default;

  explicit stall_clock(duration limit) : limit_(limit) {}

  /// A limit of 0 (or less) disables waiting: the stream never stops for a
  /// slow subscriber, which loses updates instead.
  bool enabled() const {
    return limit_.count() > 0;
  }

  duration limit() const {
    return limit_;
  }

  /// The stream waits from `now`. Returns true if this started the clock
  /// (the caller then wakes up after `limit()`), false if it already ran:
  /// a longer wait does not push the deadline out.
  bool start(time_point now);

  /// The stream flows again; the next wait starts afresh.
  void stop() {
    running_ = false;
  }

  bool running() const {
    return running_;
  }

  /// True if the clock runs and `limit()` has passed by `now`. A wake-up
  /// armed for an earlier wait finds either no clock running or a deadline
  /// still ahead, and does nothing.
  bool expired(time_point now) const {
    return running_ && now >= deadline();
  }

  time_point deadline() const {
    return started_ + limit_;
  }

private:
  duration limit_{0};
  time_point started_;
  bool running_ = false;
};

} // namespace hubwatch
