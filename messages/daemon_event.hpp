#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "messages/event_type.hpp"
#include "messages/json_payload.hpp"

namespace hubwatch {

/// One frame from the hub, validated and typed.
struct daemon_event {
  /// Assigned by the observer in arrival order, starting at 1; parse errors
  /// consume no number, so gaps mean lost events, never refused frames.
  uint64_t seq = 0;

  event_type type = event_type::unknown;

  /// The `type` string exactly as sent; the only record of unknown types.
  std::string type_name;

  /// Empty for hub-wide events.
  std::string agent_id;

  std::string agent_name;

  /// The `timestamp` string exactly as sent (RFC 3339).
  std::string timestamp;

  /// `timestamp` as a time point, when it parses.
  caf::optional<caf::timestamp> time;

  json_payload payload;
};

bool operator==(const daemon_event& x, const daemon_event& y);

inline bool operator!=(const daemon_event& x, const daemon_event& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, daemon_event& x) {
  return f(caf::meta::type_name("daemon_event"), x.seq, x.type, x.type_name,
           x.agent_id, x.agent_name, x.timestamp, x.time, x.payload);
}

/// E.g. `#12 heartbeat inf-001 (inference) @2026-11-25T17:30:05Z {...}`.
std::string to_string(const daemon_event& x);

} // namespace hubwatch
