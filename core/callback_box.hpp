#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

/// Plain callbacks for code that is not an actor. Each subscription runs
/// its callbacks on a thread of its own, one at a time, in order. A callback
/// that blocks holds only its own subscription: its updates queue at the
/// registry, the observer's stream waits for it at most `subscriber_stall`
/// once more than half of its queue is full, and then it is left behind and
/// loses its oldest updates (counted in `on_missed`). Other observers and the
/// hub connection never wait for it.
struct subscriber_callbacks {
  /// Once, first: everything the observer knew at subscription time.
  std::function<void(const observer_snapshot&)> on_snapshot;
  /// Every live update, in order.
  std::function<void(const hub_update&)> on_update;
  /// Updates this subscription lost because it fell too far behind.
  std::function<void(uint64_t)> on_missed;
  /// When set, gets each batch whole instead of `on_missed` and `on_update`
  /// (a node that passes the stream on keeps the batches as they came).
  std::function<void(const update_batch&)> on_batch;
};

/// Hands a snapshot to `cbs`.
inline void deliver(const subscriber_callbacks& cbs,
                    const observer_snapshot& x) {
  if (cbs.on_snapshot)
    cbs.on_snapshot(x);
}

/// Hands a batch to `cbs`: what it missed first, then each update.
inline void deliver(const subscriber_callbacks& cbs, const update_batch& x) {
  if (cbs.on_batch) {
    cbs.on_batch(x);
    return;
  }
  if (x.missed > 0 && cbs.on_missed)
    cbs.on_missed(x.missed);
  if (cbs.on_update)
    for (auto& item : x.items())
      cbs.on_update(item);
}

/// Callbacks shared by the actor that calls them and the owner that set
/// them up. The owner calls `close()` before it goes away; no callback runs
/// after that returns.
template <class Callbacks>
struct callback_box {
  std::mutex mtx;
  bool active = true;
  Callbacks callbacks;

  /// Calls `f(callbacks)` under the lock, unless closed.
  template <class F>
  void run(F&& f) {
    std::lock_guard<std::mutex> guard{mtx};
    if (active)
      f(callbacks);
  }

  /// Waits for a callback in progress; none starts after this.
  void close() {
    std::lock_guard<std::mutex> guard{mtx};
    active = false;
  }
};

} // namespace hubwatch
