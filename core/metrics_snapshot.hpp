#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/optional.hpp>

#include "hubwatch/messages/agent_status.hpp"
#include "hubwatch/messages/connection_status.hpp"
#include "hubwatch/messages/defaults.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

/// Number of `agent_status` values.
constexpr size_t agent_status_count =
  static_cast<size_t>(agent_status::stopped) + 1;

/// The figures one agent contributes to the metrics. For the `_other`
/// series (agents beyond the cap) the fields add up over the folded agents,
/// except `last_seen_seconds`, which is the longest silence among them.
struct agent_metrics {
  std::string id;

  std::string name;

  /// How many agents of this series have each status, indexed by
  /// `agent_status`: one 1 for a single agent.
  std::vector<uint64_t> status_counts =
    std::vector<uint64_t>(agent_status_count);

  /// Seconds since the observer last heard of the agent, on its clock.
  double last_seen_seconds = 0;

  /// The hub's time of the newest event about the agent
  /// (`agent_info::last_seen`) in seconds since the epoch; none when the hub
  /// sent no timestamp that parses as RFC 3339. For `_other`, the newest
  /// among the folded agents.
  caf::optional<double> last_seen_timestamp;

  /// The uptime the agent's last heartbeat reported; none when none did, and
  /// always none for `_other` (a sum of uptimes means nothing).
  caf::optional<double> uptime_seconds;

  /// `agent_info::error_count`.
  uint64_t errors = 0;

  /// How many agents of this series are stale (0 or 1 for a single agent).
  uint64_t stale = 0;
};

/// Everything `/metrics` shows, as plain data: an embedding application can
/// publish it its own way. Built from an `observer_snapshot` by
/// `make_metrics_snapshot`; rendered by `render_prometheus_text`.
struct metrics_snapshot {
  /// Valid events by type, indexed by `event_type` (unknown types share the
  /// last slot).
  std::vector<uint64_t> events_by_type;

  /// Refused frames by kind, indexed by `hub_errc` (only parse kinds count).
  std::vector<uint64_t> parse_errors_by_kind;

  /// Successful connections after the first.
  uint64_t reconnects = 0;

  connection_state state = connection_state::disconnected;

  /// Uptime of the current connection; 0 when not connected.
  double connected_seconds = 0;

  /// Events evicted from the history ring.
  uint64_t history_dropped = 0;

  /// Agents known (never forgotten), folded ones included.
  uint64_t agents_known = 0;

  /// One series per agent, ordered by id: at most `max_agents` of them, then
  /// the `_other` series if any agent was folded.
  std::vector<agent_metrics> agents;

  /// Agents folded into the `_other` series (0 when all fit).
  uint64_t agents_folded = 0;

  /// Subscribers in this process (callbacks, actors, the node's own status
  /// printer) and remote ones (one relay per remote subscriber).
  uint64_t local_subscribers = 0;
  uint64_t remote_subscribers = 0;

  /// Updates dropped from subscriber queues that overflowed.
  uint64_t subscriber_dropped = 0;

  /// A node's max-remote-subscribers; none without a node gateway (then
  /// neither this nor the refusals are shown). Not from the registry:
  /// `request_metrics` fills both in from the gateway's figures.
  caf::optional<uint64_t> remote_subscribers_max;

  /// Remote subscribers the node refused because it served its max.
  uint64_t remote_subscribers_refused = 0;

  /// Peers a node with mutual TLS refused in the handshake; none without
  /// TLS (the series is then left out).
  std::optional<uint64_t> node_tls_refused;

  /// For `hubwatch_build_info`.
  std::string version;
  std::string caf_version;
  std::string boost_version;
};

/// The default cap on per-agent series (`--metrics-max-agents`).
constexpr size_t default_metrics_max_agents = defaults::metrics_max_agents;

/// The `agent_id` of the series that agents beyond the cap fold into.
constexpr const char* folded_agent_id = "_other";

/// Subscriber counts as the registry reports them.
struct subscriber_counts {
  /// Every subscriber of the registry (relays of remote ones included).
  uint64_t total = 0;

  /// Remote subscribers: the relays of a node gateway; 0 without one.
  uint64_t remote = 0;
};

/// Turns what the registry knows into the metrics' figures. Pure: time comes
/// from `snap.taken_at`. The first `max_agents` agents by id get their own
/// series; the rest fold into one `_other` series. Ordering by id keeps the
/// choice deterministic, and since agents are never forgotten an agent
/// only ever moves into the fold, never out, so the `_other` counters never
/// go down.
metrics_snapshot make_metrics_snapshot(const observer_snapshot& snap,
                                       subscriber_counts subscribers,
                                       size_t max_agents);

/// "0.1.0", "0.17.6", "1.81.0": what this build was made from.
std::string hubwatch_version();
std::string caf_version();
std::string boost_version();

} // namespace hubwatch
