#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/event_type.hpp"
#include "hubwatch/messages/exact_double.hpp"
#include "hubwatch/messages/inline_text.hpp"
#include "hubwatch/messages/json_payload.hpp"

namespace hubwatch {

/// What a payload says about its agent (docs/wire-schema.md, "Payloads that
/// drive agent status"), read by the frame parser while it parses the frame,
/// so that deriving agent records never parses a payload again. Filled for
/// every event whose payload is an object, whatever its type; a field is
/// none when the payload lacks it or holds another JSON type. Where two
/// spellings exist, the camelCase key decides when present (even with a
/// value of the wrong type), else the snake_case one.
struct agent_fields {
  /// `status`, when a string.
  caf::optional<std::string> status;

  /// `currentTask`, else `current_task`, when a string.
  caf::optional<std::string> current_task;

  /// `uptimeSeconds`, else `uptime_seconds`, when a number.
  caf::optional<double> uptime_seconds;

  /// `error`, when a string.
  caf::optional<std::string> error;
};

bool operator==(const agent_fields& x, const agent_fields& y);

inline bool operator!=(const agent_fields& x, const agent_fields& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_fields& x) {
  // The uptime travels as its bits (messages/exact_double.hpp).
  exact_double_field uptime{x.uptime_seconds, caf::none};
  return f(caf::meta::type_name("agent_fields"), x.status, x.current_task,
           caf::meta::save_callback([&] { return uptime.save(); }), uptime.bits,
           caf::meta::load_callback([&] { return uptime.load(); }), x.error);
}

/// E.g. `status=running task=job-1 uptime=3605 error="boom"`; only the
/// fields that are present.
std::string to_string(const agent_fields& x);

/// One frame from the hub, validated and typed.
struct daemon_event {
  /// Assigned by the observer in arrival order, starting at 1; parse errors
  /// consume no number, so gaps mean lost events, never refused frames.
  uint64_t seq = 0;

  event_type type = event_type::unknown;

  /// The `type` string exactly as sent; the only record of unknown types.
  /// Inline: `risk_check_requested` would not fit a std::string's buffer.
  inline_text type_name;

  /// Empty for hub-wide events.
  std::string agent_id;

  std::string agent_name;

  /// The `timestamp` string exactly as sent (RFC 3339). Inline: a hub
  /// timestamp would not fit a std::string's buffer.
  inline_text timestamp;

  /// `timestamp` as a time point, when it parses.
  caf::optional<caf::timestamp> time;

  /// The payload exactly as sent.
  json_payload payload;

  /// What the payload says about the agent, read from it by the parser.
  agent_fields fields;
};

bool operator==(const daemon_event& x, const daemon_event& y);

inline bool operator!=(const daemon_event& x, const daemon_event& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, daemon_event& x) {
  return f(caf::meta::type_name("daemon_event"), x.seq, x.type, x.type_name,
           x.agent_id, x.agent_name, x.timestamp, x.time, x.payload, x.fields);
}

/// E.g. `#12 heartbeat inf-001 (inference) @2026-11-25T17:30:05Z {...}`.
std::string to_string(const daemon_event& x);

} // namespace hubwatch
