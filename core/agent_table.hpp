#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/agent_info.hpp"
#include "hubwatch/messages/daemon_event.hpp"

namespace hubwatch {

/// True for the event types that create or change an agent record.
bool drives_agent_status(event_type x);

/// Applies docs/wire-schema.md's derivation rules for one status-driving
/// event to `rec` (not `last_seen`, which `agent_table` keeps for every
/// event). Plain function: the caller decides which record.
void apply_event(agent_info& rec, const daemon_event& ev);

/// The agent map: derives records from events and tracks staleness.
class agent_table {
public:
  /// Applies `ev` at local time `now`. Returns the record it created or
  /// changed, or nullptr if the event changes no record that subscribers need
  /// to hear about. Other event types about a known agent refresh its
  /// `last_seen_local`, and its `last_seen` when their timestamp is newer
  /// (then the record is returned); they never create an agent.
  const agent_info* apply(const daemon_event& ev, caf::timestamp now);

  /// Stores `rec` as it is, replacing any record of its id: records from an
  /// upstream node are authoritative and are not derived again.
  void put(agent_info rec);

  /// Replaces every record with `recs` (an upstream node's snapshot).
  void reset(std::vector<agent_info> recs);

  /// Marks every agent last heard of (local clock) before `now - stale_after`
  /// stale; appends the records that changed to `changed`.
  void mark_stale(caf::timestamp now, caf::timespan stale_after,
                  std::vector<agent_info>& changed);

  /// Marks every agent stale (the hub connection is down); appends the
  /// records that changed to `changed`.
  void mark_all_stale(std::vector<agent_info>& changed);

  /// The earliest `last_seen_local` among agents that are not stale, if any:
  /// the next agent to go stale.
  caf::optional<caf::timestamp> oldest_fresh() const;

  const agent_info* find(const std::string& id) const;

  /// All records, ordered by id.
  std::vector<agent_info> sorted() const;

  size_t size() const {
    return agents_.size();
  }

private:
  std::unordered_map<std::string, agent_info> agents_;
};

} // namespace hubwatch
