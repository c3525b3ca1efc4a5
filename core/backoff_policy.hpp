#pragma once

#include <cstdint>
#include <random>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/connection_status.hpp"
#include "hubwatch/messages/defaults.hpp"
#include "hubwatch/messages/session_result.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

/// The reconnect schedule: retry n (n = 0, 1, ...) waits
/// min(first_delay * multiplier^n, max_delay), optionally spread by a
/// jitter factor. Plain arithmetic; `reconnect_tracker` owns the counter.
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
  caf::timespan first_delay_ = defaults::reconnect_delay;
  double multiplier_ = defaults::reconnect_multiplier;
  caf::timespan max_delay_ = defaults::reconnect_max_delay;
  uint32_t max_attempts_ = defaults::max_reconnect_attempts;
  double jitter_ = defaults::reconnect_jitter;
};

/// What follows an attempt that ended, by the rules the hub connection and
/// remote links share: nothing (auto-reconnect off: `disconnected`), giving
/// up (the budget is spent: `error`, `gave_up`, "gave up after N attempts"),
/// or a retry after the returned delay (`disconnected`, `next_delay`, the
/// retry's number in `attempt`). `status.error_message` must already say why
/// the attempt ended. Draws from `rng` only for a retry.
template <class Rng>
caf::optional<caf::timespan>
plan_next_attempt(const backoff_policy& policy, bool auto_reconnect, Rng& rng,
                  uint32_t& attempt, connection_status& status) {
  status.next_delay = caf::none;
  if (!auto_reconnect) {
    status.state = connection_state::disconnected;
    status.attempt = attempt;
    return caf::none;
  }
  if (policy.exhausted(attempt)) {
    status.state = connection_state::error;
    status.error_code = hub_errc::gave_up;
    status.error_message = "gave up after " + std::to_string(attempt) +
                           " attempts; last: " + status.error_message;
    return caf::none;
  }
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  auto delay = policy.delay(attempt, unit(rng));
  attempt += 1;
  status.state = connection_state::disconnected;
  status.attempt = attempt;
  status.next_delay = delay;
  return delay;
}

/// The retry bookkeeping the hub connection (supervisor) and remote links
/// share: which attempt is under way, when the count starts over, and when
/// to give up. Plain values in, plain values out; time comes from the
/// caller (an actor's clock, or anything in a test).
///
/// The count is 0 for the first attempt and n for the n-th retry since it
/// last started over. It starts over when a connection ends that stayed up
/// at least `min_uptime` (at once on connecting when `min_uptime` is 0),
/// and on `restart()`. Each planned retry counts one up; once the count
/// reaches the policy's `max_attempts`, `plan` gives up.
class reconnect_tracker {
public:
  using time_point = caf::actor_clock::time_point;

  reconnect_tracker() = default;

  /// Takes the schedule, `auto_reconnect` and `reconnect_min_uptime` of
  /// `cfg`.
  explicit reconnect_tracker(const websocket_config& cfg);

  reconnect_tracker(backoff_policy policy, bool auto_reconnect,
                    caf::timespan min_uptime);

  /// The attempt under way or scheduled.
  uint32_t attempt() const {
    return attempt_;
  }

  /// Successful connections after the first one.
  uint64_t reconnects() const {
    return reconnects_;
  }

  /// The current attempt connected at `now`; returns its number (the count
  /// may start over at once, see above).
  uint32_t connected(time_point now);

  /// The connection or attempt ended at `now`: the count starts over if it
  /// was connected for at least `min_uptime`.
  void ended(time_point now);

  /// The user asked to connect afresh: the count starts over.
  void restart() {
    attempt_ = 0;
  }

  /// What follows the ended attempt: `plan_next_attempt` on this count.
  template <class Rng>
  caf::optional<caf::timespan> plan(Rng& rng, connection_status& status) {
    return plan_next_attempt(policy_, auto_reconnect_, rng, attempt_, status);
  }

private:
  backoff_policy policy_;
  bool auto_reconnect_ = defaults::auto_reconnect;
  caf::timespan min_uptime_ = defaults::reconnect_min_uptime;
  uint32_t attempt_ = 0;
  uint64_t reconnects_ = 0;
  bool ever_connected_ = false;
  /// Set while connected.
  caf::optional<time_point> connected_at_;
};

/// Whether the next attempt offers permessage-deflate, and what the status
/// says about it. The user asks for it; a hub that refuses the offer is
/// never offered it again until the program restarts, so a refusal costs
/// one immediate retry instead of a loop of refused upgrades (the real hub,
/// nhooyr.io/websocket 1.8.7, answers an offer it cannot take with HTTP 400,
/// and answering 400 again to the same offer is all it would ever do).
/// Plain bookkeeping; the supervisor owns the instance.
class deflate_offer {
public:
  explicit deflate_offer(bool wanted = false)
    : wanted_(wanted), offer_(wanted) {
    // nop
  }

  /// An attempt starts: returns whether it offers the extension.
  bool begin_attempt() {
    attempt_offered_ = offer_;
    return offer_;
  }

  /// The attempt's handshake completed; `agreed` says whether the hub's 101
  /// answer took the extension. A hub that did not agree reads fine without
  /// it, and is not offered it again either.
  void on_connected(bool agreed) {
    if (!wanted_)
      return;
    if (attempt_offered_ && !agreed)
      offer_ = false;
    in_effect_ = attempt_offered_ && agreed;
  }

  /// The attempt ended with `res`. Returns true when it was the hub refusing
  /// the offer (HTTP 400 to an upgrade that offered the extension): the next
  /// attempt goes without it and should start at once.
  bool on_ended(const session_result& res) {
    if (!attempt_offered_ || res.was_connected ||
        res.code != hub_errc::handshake_rejected || !res.http_status ||
        *res.http_status != 400)
      return false;
    offer_ = false;
    in_effect_ = false;
    return true;
  }

  /// Whether attempts still offer it.
  bool offer() const {
    return offer_;
  }

  /// For `connection_status::deflate`: none while the user did not ask for
  /// it or nothing is known yet, else whether the last connection (or
  /// refusal) left it in effect.
  caf::optional<bool> status() const {
    return in_effect_;
  }

private:
  bool wanted_ = false;
  bool offer_ = false;
  bool attempt_offered_ = false;
  caf::optional<bool> in_effect_;
};

} // namespace hubwatch
