#include "hubwatch/core/subscriber_queue.hpp"

#include <algorithm>

namespace hubwatch {

subscriber_queue::subscriber_queue(size_t window, size_t bound)
  : window_(window), bound_(bound) {
  // nop
}

size_t subscriber_queue::going() const {
  auto free = window_.size() - std::min(window_.size(), window_.in_flight());
  return std::min(free, queue_.size());
}

size_t subscriber_queue::waiting() const {
  auto result = queued_;
  for (size_t i = 0, n = going(); i < n; ++i)
    result -= queue_[i].size();
  return result;
}

size_t subscriber_queue::push(const items_ptr& xs) {
  if (xs == nullptr || xs->empty())
    return 0;
  queue_.push_back(pending{xs, 0});
  queued_ += xs->size();
  // Drop the oldest waiting updates of this subscriber only, never from a
  // batch the window takes at once.
  auto first = going();
  auto excess = waiting();
  excess = excess > bound_ ? excess - bound_ : 0;
  auto dropped = excess;
  while (excess > 0) {
    auto& victim = queue_[first];
    auto n = std::min(victim.size(), excess);
    victim.offset += n;
    queued_ -= n;
    excess -= n;
    if (victim.size() == 0)
      queue_.erase(queue_.begin() + static_cast<ptrdiff_t>(first));
  }
  missed_ += dropped;
  return dropped;
}

size_t subscriber_queue::restart() {
  auto result = queued_;
  queue_.clear();
  queued_ = 0;
  missed_ = 0;
  left_behind_ = false;
  return result;
}

std::optional<update_batch> subscriber_queue::next() {
  if (!window_.has_room() || queue_.empty())
    return std::nullopt;
  auto& front = queue_.front();
  std::optional<update_batch> result;
  if (front.offset == 0) {
    result.emplace(std::move(front.items), missed_);
  } else {
    items_type rest(front.items->begin() + front.offset, front.items->end());
    result.emplace(std::move(rest), missed_);
  }
  queued_ -= result->items().size();
  queue_.pop_front();
  missed_ = 0;
  window_.take();
  return result;
}

void subscriber_queue::ack() {
  window_.give_back();
  // Rejoin only well below the mark that holds the stream back, so that a
  // subscriber hovering around it does not stall the stream on every batch.
  if (left_behind_ && waiting() <= bound_ / 2 / 2)
    left_behind_ = false;
}

bool subscriber_queue::holds_back() const {
  return !left_behind_ && waiting() > bound_ / 2;
}

void subscriber_queue::stall_expired() {
  if (waiting() > bound_ / 2)
    left_behind_ = true;
}

bool stall_clock::start(time_point now) {
  if (running_)
    return false;
  started_ = now;
  running_ = true;
  return true;
}

} // namespace hubwatch
