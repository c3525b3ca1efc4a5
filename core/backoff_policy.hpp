#pragma once

#include <cstdint>

#include <caf/timestamp.hpp>

#include "messages/websocket_config.hpp"

namespace hubwatch {

/// The reconnect schedule: retry n (n = 0, 1, ...) waits
/// min(first_delay * multiplier^n, max_delay), optionally spread by a
/// jitter factor. Plain arithmetic; the supervisor owns the counter.
class backoff_policy {
public:
  backoff_policy() = default;

  explicit backoff_policy(const websocket_config& cfg);

  backoff_policy(caf::timespan first_delay, double multiplier,
                 caf::timespan max_delay, uint32_t max_attempts = 0,
                 double jitter = 0);

  /// The delay before retry `n` without jitter.
  caf::timespan base_delay(uint32_t n) const;

  /// The delay before retry `n` with jitter applied; `unit` is a uniform
  /// random number in [0, 1) (0.5 yields `base_delay(n)`).
  caf::timespan delay(uint32_t n, double unit) const;

  /// True when `retries` failed retries exhaust the budget.
  bool exhausted(uint32_t retries) const {
    return max_attempts_ != 0 && retries >= max_attempts_;
  }

  uint32_t max_attempts() const {
    return max_attempts_;
  }

  double jitter() const {
    return jitter_;
  }

private:
  caf::timespan first_delay_ = std::chrono::milliseconds(2000);
  double multiplier_ = 1.5;
  caf::timespan max_delay_ = std::chrono::seconds(30);
  uint32_t max_attempts_ = 0;
  double jitter_ = 0;
};

} // namespace hubwatch
