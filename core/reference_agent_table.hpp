#pragma once

#include <string>
#include <unordered_map>

#include <caf/timestamp.hpp>

#include "hubwatch/messages/agent_info.hpp"
#include "hubwatch/messages/daemon_event.hpp"

namespace hubwatch {

/// The agent map as it was before `agent_table` kept compact records: an
/// `unordered_map` of full `agent_info` records, with the same derivation
/// (`apply_event`) and the same `last_seen` rule.
///
/// Not used on the event path. It stays as the reference the compact table
/// is checked against (the unit tests compare both event by event) and as
/// the agent map of the benchmark's limit loop, which measures what a plain
/// client does per event and must not change when hubwatch's table does.
class reference_agent_table {
public:
  using map_type = std::unordered_map<std::string, agent_info>;

  /// What `agent_table::apply` does, returning the record it created or
  /// changed, or nullptr.
  const agent_info* apply(const daemon_event& ev, caf::timestamp now);

  map_type& records() {
    return agents_;
  }

private:
  map_type agents_;
};

} // namespace hubwatch
