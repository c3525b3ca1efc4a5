#include "hubwatch/core/backoff_policy.hpp"

#include <algorithm>
#include <cmath>

namespace hubwatch {

backoff_policy::backoff_policy(const websocket_config& cfg)
  : backoff_policy(cfg.reconnect_delay, cfg.reconnect_multiplier,
                   cfg.reconnect_max_delay, cfg.max_reconnect_attempts,
                   cfg.reconnect_jitter) {
  // nop
}

backoff_policy::backoff_policy(caf::timespan first_delay, double multiplier,
                               caf::timespan max_delay, uint32_t max_attempts,
                               double jitter)
  : first_delay_(first_delay), multiplier_(multiplier), max_delay_(max_delay),
    max_attempts_(max_attempts), jitter_(jitter) {
  // nop
}

caf::timespan backoff_policy::base_delay(uint32_t n) const {
  // In double nanoseconds, so large n saturates at the cap instead of
  // overflowing an integer.
  auto first = static_cast<double>(first_delay_.count());
  auto cap = static_cast<double>(max_delay_.count());
  auto ns = first * std::pow(multiplier_, static_cast<double>(n));
  if (!(ns < cap)) // also catches inf and NaN
    ns = cap;
  return caf::timespan{static_cast<int64_t>(std::llround(ns))};
}

caf::timespan backoff_policy::delay(uint32_t n, double unit) const {
  auto base = base_delay(n);
  if (jitter_ <= 0)
    return base;
  auto factor = 1.0 + jitter_ * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  auto ns = static_cast<double>(base.count()) * factor;
  return caf::timespan{static_cast<int64_t>(std::llround(ns))};
}

reconnect_tracker::reconnect_tracker(const websocket_config& cfg)
  : reconnect_tracker(backoff_policy{cfg}, cfg.auto_reconnect,
                      cfg.reconnect_min_uptime) {
  // nop
}

reconnect_tracker::reconnect_tracker(backoff_policy policy, bool auto_reconnect,
                                     caf::timespan min_uptime)
  : policy_(policy), auto_reconnect_(auto_reconnect), min_uptime_(min_uptime) {
  // nop
}

uint32_t reconnect_tracker::connected(time_point now) {
  auto result = attempt_;
  connected_at_ = now;
  if (ever_connected_)
    reconnects_ += 1;
  ever_connected_ = true;
  if (min_uptime_.count() == 0)
    attempt_ = 0;
  return result;
}

void reconnect_tracker::ended(time_point now) {
  if (connected_at_ && now - *connected_at_ >= min_uptime_)
    attempt_ = 0;
  connected_at_ = caf::none;
}

} // namespace hubwatch
