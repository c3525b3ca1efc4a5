#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/agent_status.hpp"
#include "hubwatch/messages/exact_double.hpp"
#include "hubwatch/messages/inline_text.hpp"

namespace hubwatch {

/// The derived record of one agent (docs/wire-schema.md), plus what the
/// observer adds. A field the hub never sent is empty or none, never a
/// made-up 0.
struct agent_info {
  std::string id;

  /// The last non-empty `agentName` sent; empty while none was.
  std::string name;

  agent_status status = agent_status::idle;

  /// The status word of the last heartbeat as sent (e.g. `trading`), for
  /// display; empty if no heartbeat carried one.
  std::string status_word;

  /// Timestamp string of the last heartbeat; none before the first one, or
  /// when the last one carried no timestamp.
  caf::optional<inline_text> last_heartbeat;

  caf::optional<std::string> current_task;

  /// The last uptime a heartbeat reported; none while no heartbeat did.
  caf::optional<double> uptime_seconds;

  uint64_t error_count = 0;

  caf::optional<std::string> last_error;

  /// The hub's timestamp string of the newest event about this agent, of any
  /// type (heartbeats, lifecycle events, and other types once the agent is
  /// known); none while no such event carried a timestamp. "Newest" is the
  /// later of the two when both parse as RFC 3339, else the latest arrival
  /// (see agent_table).
  caf::optional<inline_text> last_seen;

  /// When the observer last heard about this agent, on its own clock: what
  /// staleness is measured by.
  caf::timestamp last_seen_local;

  /// True when nothing was heard about the agent for `stale_after`, or while
  /// the hub connection is down. The last status is kept.
  bool stale = false;
};

bool operator==(const agent_info& x, const agent_info& y);

inline bool operator!=(const agent_info& x, const agent_info& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_info& x) {
  // The uptime travels as its bits (messages/exact_double.hpp).
  exact_double_field uptime{x.uptime_seconds, caf::none};
  return f(caf::meta::type_name("agent_info"), x.id, x.name, x.status,
           x.status_word, x.last_heartbeat, x.current_task,
           caf::meta::save_callback([&] { return uptime.save(); }), uptime.bits,
           caf::meta::load_callback([&] { return uptime.load(); }),
           x.error_count, x.last_error, x.last_seen, x.last_seen_local,
           x.stale);
}

/// E.g. `inf-001 (inference) running task=job-5671 errors=0`.
std::string to_string(const agent_info& x);

} // namespace hubwatch
