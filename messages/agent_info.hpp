#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "messages/agent_status.hpp"

namespace hubwatch {

/// The derived record of one agent (SCHEMA.md), plus what the observer adds.
struct agent_info {
  std::string id;

  std::string name;

  agent_status status = agent_status::idle;

  /// The status word of the last heartbeat as sent (e.g. `trading`), for
  /// display; empty if no heartbeat carried one.
  std::string status_word;

  /// Timestamp string of the last heartbeat; empty before the first one.
  std::string last_heartbeat;

  caf::optional<std::string> current_task;

  double uptime_seconds = 0;

  uint64_t error_count = 0;

  caf::optional<std::string> last_error;

  /// When the observer last heard about this agent, on its own clock.
  caf::timestamp last_seen;

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
  return f(caf::meta::type_name("agent_info"), x.id, x.name, x.status,
           x.status_word, x.last_heartbeat, x.current_task, x.uptime_seconds,
           x.error_count, x.last_error, x.last_seen, x.stale);
}

/// E.g. `inf-001 (inference) running task=job-5671 errors=0`.
std::string to_string(const agent_info& x);

} // namespace hubwatch
