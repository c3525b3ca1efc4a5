#pragma once

#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/agent_info.hpp"
#include "hubwatch/messages/connection_status.hpp"
#include "hubwatch/messages/daemon_event.hpp"
#include "hubwatch/messages/observer_counters.hpp"

namespace hubwatch {

/// Everything an observer knows at one moment: what `useWebSocket()` returns
/// in a React app. A new subscriber receives one before the live stream.
struct observer_snapshot {
  /// The history ring, oldest first (at most `event_history` events).
  std::vector<daemon_event> events;

  /// All known agents, ordered by id.
  std::vector<agent_info> agents;

  connection_status status;

  observer_counters counters;

  /// When the registry took this snapshot, on its own clock: the clock of
  /// `agent_info::last_seen_local`, so that "seconds since last seen" is a
  /// difference of two readings of one clock.
  caf::timestamp taken_at;

  /// When the current connection came up, on the same clock; none while not
  /// connected.
  caf::optional<caf::timestamp> connected_since;

  /// The nodes this stream passed through, nearest the hub first, ending
  /// with the node that sent it (empty from a plain observer). At most
  /// `defaults::max_via` names: a node refuses a longer path, and one that
  /// finds its own name in it (a loop).
  std::vector<std::string> via;

  /// True while a connection attempt is under way.
  bool is_loading() const {
    return status.state == connection_state::connecting;
  }

  /// The last connection error, or `none`.
  hub_errc error() const {
    return status.error_code;
  }
};

bool operator==(const observer_snapshot& x, const observer_snapshot& y);

inline bool operator!=(const observer_snapshot& x, const observer_snapshot& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, observer_snapshot& x) {
  return f(caf::meta::type_name("observer_snapshot"), x.events, x.agents,
           x.status, x.counters, x.taken_at, x.connected_since, x.via);
}

std::string to_string(const observer_snapshot& x);

} // namespace hubwatch
