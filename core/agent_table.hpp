#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/core/hub_time_text.hpp"
#include "hubwatch/core/string_pool.hpp"
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
///
/// Records are kept compact (docs/performance.md, "How cost grows with
/// agents"): the id once, timestamps as times, names, status words and
/// errors interned, no hash-node per agent. An `agent_info` is built only
/// when one is asked for.
class agent_table {
public:
  agent_table();
  ~agent_table();
  agent_table(agent_table&&);
  agent_table& operator=(agent_table&&);

  /// Applies `ev` at local time `now`. Returns true and sets `changed` to
  /// the record it created or changed, or returns false (`changed`
  /// untouched) if the event changes no record that subscribers need to
  /// hear about. Other event types about a known agent refresh its
  /// `last_seen_local`, and its `last_seen` when their timestamp is newer
  /// (then the record is returned); they never create an agent.
  bool apply(const daemon_event& ev, caf::timestamp now, agent_info& changed);

  /// Stores `rec` as it is, replacing any record of its id: records from an
  /// upstream node are authoritative and are not derived again.
  void put(const agent_info& rec);

  /// Replaces every record with `recs` (an upstream node's snapshot).
  void reset(const std::vector<agent_info>& recs);

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

  caf::optional<agent_info> find(const std::string& id) const;

  /// All records, ordered by id. Not const: it merges the ids added since
  /// the last call into the order it keeps, so that it is linear in the
  /// number of agents plus k log k for k new ones, and apply() never orders.
  std::vector<agent_info> sorted();

  size_t size() const {
    return size_;
  }

private:
  struct record;

  record& at(uint32_t i) const;
  uint32_t lookup(std::string_view id) const;
  uint32_t insert(const std::string& id);
  void grow_index();
  void fill(const record& rec, agent_info& out) const;
  void fill_except_times(const record& rec, agent_info& out) const;
  void store_fields(record& rec, const agent_info& info);
  void store(record& rec, const agent_info& info, const daemon_event& ev,
             const hub_time_form& ts);
  bool update_last_seen(record& rec, const daemon_event& ev,
                        const hub_time_form& ts);
  void order_new_ids();

  // Records in fixed-size blocks: no copy of every record when the table
  // grows, and at most one block of slack.
  std::vector<std::unique_ptr<record[]>> blocks_;
  size_t size_ = 0;
  // Open addressing over record numbers + 1 (0: free slot); a power of two.
  std::vector<uint32_t> index_;
  // Record numbers ordered by id up to `ordered_`, then the agents added
  // since the last sorted(), in arrival order.
  std::vector<uint32_t> order_;
  size_t ordered_ = 0;
  string_pool strings_;
};

} // namespace hubwatch
