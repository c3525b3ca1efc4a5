#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

/// What the terminal dashboard shows, built from a subscriber's stream.
/// Plain state, no terminal and no actor: the view draws it, tests check it.
class dashboard_model {
public:
  using clock = std::chrono::steady_clock;

  explicit dashboard_model(size_t max_events = 200) : max_events_(max_events) {
    // nop
  }

  /// Replaces what the model knew with the snapshot (a remote node sends a
  /// fresh one after every reconnect); `missed` stays.
  void apply(const observer_snapshot& x, clock::time_point now);

  void apply(const hub_update& x, clock::time_point now);

  /// The status of the link to a remote node (not the hub's).
  void apply_link(const connection_status& x, clock::time_point now);

  void add_missed(uint64_t n) {
    missed_ += n;
  }

  /// One line per agent, ordered by id.
  const std::map<std::string, agent_info>& agents() const {
    return agents_;
  }

  /// The newest events, oldest first.
  const std::deque<daemon_event>& events() const {
    return events_;
  }

  const connection_status& status() const {
    return status_;
  }

  /// Milliseconds until the next attempt, counting down from when the status
  /// arrived; none when no attempt is scheduled.
  caf::optional<int64_t> retry_in_ms(clock::time_point now) const;

  /// The link to a remote node, once one reported.
  const caf::optional<connection_status>& link() const {
    return link_;
  }

  /// Like `retry_in_ms`, for the link.
  caf::optional<int64_t> link_retry_in_ms(clock::time_point now) const;

  /// The last error worth showing (kept while connected, unlike the status).
  const std::string& last_error() const {
    return last_error_;
  }

  uint64_t events_seen() const {
    return events_seen_;
  }

  uint64_t parse_errors() const {
    return parse_errors_;
  }

  uint64_t missed() const {
    return missed_;
  }

  /// One line of the event panel: the hub's time of day, type, agent, then
  /// the payload as sent (on one line); the view cuts it to the width.
  static std::string event_line(const daemon_event& ev);

  /// A hub timestamp for the LAST SEEN column: the time of day as sent
  /// (`18:00:16` of `2026-11-25T18:00:16Z`, fractions and zone dropped), the
  /// whole string if it is not RFC 3339, `-` when there is none.
  static std::string hub_time(const caf::optional<inline_text>& x);

  /// Formats a duration for a narrow column: `850ms`, `12s`, `3m04s`, `2h05m`.
  static std::string age(std::chrono::milliseconds x);

private:
  size_t max_events_;
  std::map<std::string, agent_info> agents_;
  std::deque<daemon_event> events_;
  connection_status status_;
  clock::time_point status_at_;
  caf::optional<connection_status> link_;
  clock::time_point link_at_;
  std::string last_error_;
  uint64_t events_seen_ = 0;
  uint64_t parse_errors_ = 0;
  uint64_t missed_ = 0;
};

} // namespace hubwatch
