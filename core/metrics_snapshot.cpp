#include "hubwatch/core/metrics_snapshot.hpp"

#include <algorithm>
#include <chrono>

#include <boost/version.hpp>
#include <caf/config.hpp>

#include "hubwatch/core/frame_parser.hpp"

#ifndef HUBWATCH_VERSION
#error "the build defines HUBWATCH_VERSION (CMakeLists.txt)"
#endif

namespace hubwatch {

namespace {

double seconds_between(caf::timestamp from, caf::timestamp to) {
  // Clamped: a record stamped after the snapshot cannot exist on one clock,
  // but a hand-made snapshot may have one, and a negative age means nothing.
  auto d = std::chrono::duration<double>(to - from).count();
  return std::max(d, 0.0);
}

void add_agent(agent_metrics& out, const agent_info& rec, caf::timestamp now) {
  auto i = static_cast<size_t>(rec.status);
  if (i < out.status_counts.size())
    ++out.status_counts[i];
  out.last_seen_seconds =
    std::max(out.last_seen_seconds, seconds_between(rec.last_seen_local, now));
  if (rec.last_seen)
    if (auto t = parse_rfc3339(*rec.last_seen)) {
      auto secs = std::chrono::duration<double>(t->time_since_epoch()).count();
      if (!out.last_seen_timestamp || secs > *out.last_seen_timestamp)
        out.last_seen_timestamp = secs;
    }
  out.errors += rec.error_count;
  if (rec.stale)
    ++out.stale;
}

} // namespace

metrics_snapshot make_metrics_snapshot(const observer_snapshot& snap,
                                       subscriber_counts subscribers,
                                       size_t max_agents) {
  metrics_snapshot result;
  auto& c = snap.counters;
  result.events_by_type = c.events_by_type;
  result.events_by_type.resize(event_type_count);
  result.parse_errors_by_kind = c.parse_errors_by_kind;
  result.parse_errors_by_kind.resize(hub_errc_count);
  result.reconnects = c.reconnects;
  result.history_dropped = c.history_dropped;
  result.subscriber_dropped = c.subscriber_dropped;
  result.state = snap.status.state;
  if (snap.status.state == connection_state::connected && snap.connected_since)
    result.connected_seconds =
      seconds_between(*snap.connected_since, snap.taken_at);
  // The snapshot lists agents by id already; sorting again keeps this
  // function right for any snapshot an application builds by hand.
  // An agent the hub calls `_other` always goes into the fold: a series of
  // its own would repeat the fold's labels, and Prometheus refuses a scrape
  // with a duplicate series.
  std::vector<const agent_info*> agents;
  std::vector<const agent_info*> folded;
  agents.reserve(snap.agents.size());
  for (auto& rec : snap.agents)
    (rec.id == folded_agent_id ? folded : agents).push_back(&rec);
  std::sort(
    agents.begin(), agents.end(),
    [](const agent_info* x, const agent_info* y) { return x->id < y->id; });
  result.agents_known = snap.agents.size();
  auto own = std::min(agents.size(), max_agents);
  folded.insert(folded.end(), agents.begin() + own, agents.end());
  result.agents.reserve(own + 1);
  for (size_t i = 0; i < own; ++i) {
    agent_metrics m;
    m.id = agents[i]->id;
    m.name = agents[i]->name;
    add_agent(m, *agents[i], snap.taken_at);
    m.uptime_seconds = agents[i]->uptime_seconds;
    result.agents.push_back(std::move(m));
  }
  if (!folded.empty()) {
    agent_metrics other;
    other.id = folded_agent_id;
    for (auto* rec : folded)
      add_agent(other, *rec, snap.taken_at);
    result.agents_folded = folded.size();
    result.agents.push_back(std::move(other));
  }
  // The registry counts both at one moment, so remote never exceeds total;
  // counts an application fills in by hand must not make local negative.
  result.remote_subscribers = std::min(subscribers.remote, subscribers.total);
  result.local_subscribers = subscribers.total - result.remote_subscribers;
  result.version = hubwatch_version();
  result.caf_version = caf_version();
  result.boost_version = boost_version();
  return result;
}

std::string hubwatch_version() {
  return HUBWATCH_VERSION;
}

std::string caf_version() {
  return std::to_string(CAF_MAJOR_VERSION) + "." +
         std::to_string(CAF_MINOR_VERSION) + "." +
         std::to_string(CAF_PATCH_VERSION);
}

std::string boost_version() {
  return std::to_string(BOOST_VERSION / 100000) + "." +
         std::to_string(BOOST_VERSION / 100 % 1000) + "." +
         std::to_string(BOOST_VERSION % 100);
}

} // namespace hubwatch
