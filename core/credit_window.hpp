#pragma once

#include <cstddef>

namespace hubwatch {

/// At most `size` messages sent and not yet acknowledged. The parser uses one
/// towards the registry and every subscriber queue one towards its
/// subscriber: counting sends against answers keeps the receiver's mailbox
/// short, so what cannot go yet waits where it can be bounded or dropped.
class credit_window {
public:
  credit_window() = default;

  explicit credit_window(size_t size) : size_(size) {}

  bool has_room() const {
    return in_flight_ < size_;
  }

  size_t in_flight() const {
    return in_flight_;
  }

  size_t size() const {
    return size_;
  }

  /// One more message sent. Callers check `has_room()` first, except for a
  /// message that must go regardless (a new subscriber's snapshot).
  void take() {
    ++in_flight_;
  }

  /// One message acknowledged. An answer without a send (a duplicate or one
  /// from before a reset) is ignored rather than opening the window wider.
  void give_back() {
    if (in_flight_ > 0)
      --in_flight_;
  }

private:
  size_t size_ = 0;
  size_t in_flight_ = 0;
};

} // namespace hubwatch
