#pragma once

// How cost grows with the number of distinct agents (issue #16, "Agents"):
// the full pipeline and the agent table alone, for 10 to 1M agents.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <caf/actor_system.hpp>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

/// One run of the full pipeline (1 subscriber) over `events` heartbeats that
/// cycle through `agents` distinct agents.
struct agents_row {
  uint64_t agents = 0;
  uint64_t events = 0;
  double events_per_s = 0;
  double cpu_us_per_event = 0;
  /// RSS at the end of the run (all agents known, connection still up),
  /// after returning free heap to the system.
  long rss_kib = 0;
  /// (rss_kib - the empty pipeline's) / agents.
  double rss_bytes_per_agent = 0;
  /// From subscribing a new subscriber until its snapshot arrived.
  double snapshot_ms = 0;
  /// The same again at once: every id is ordered by then.
  double snapshot_again_ms = 0;
  /// The snapshot through CAF's binary_serializer (what a remote subscriber
  /// receives), and how long that took.
  uint64_t snapshot_bytes = 0;
  double serialize_ms = 0;
  uint64_t snapshot_agents = 0;
  uint64_t lost = 0;
  uint64_t missed = 0;
};

/// `agent_table` alone, fed the same heartbeats as ready-made events.
struct agent_table_row {
  uint64_t agents = 0;
  uint64_t events = 0;
  /// Heap bytes in use (glibc's mallinfo2) per agent while the table holds
  /// them.
  double heap_bytes_per_agent = 0;
  double ns_per_apply = 0;
  /// One call of sorted(): every record, ordered by id.
  double sorted_ms = 0;
  /// The same again at once: every id is ordered by then.
  double sorted_again_ms = 0;
};

struct agents_figures {
  bool quick = false;
  /// The empty pipeline: the same number of events about no agent.
  long baseline_rss_kib = 0;
  std::vector<agents_row> rows;
  std::vector<agent_table_row> table;
  uint64_t lost = 0;
  uint64_t missed = 0;

  void print_rows() const;
  void print_json() const;
};

/// 10, 1 000, 100 000 and 1 000 000 agents (`quick`: not 1 000 000, and at
/// least 300k events per run instead of 1M).
agents_figures measure_agents(caf::actor_system& sys, blast_source& src,
                              bool quick);

} // namespace hubwatch::bench
