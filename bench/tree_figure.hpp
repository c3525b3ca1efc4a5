#pragma once

// A fan-out tree against one node, over BASP on 127.0.0.1: the hub -> a root
// node -> R relay nodes (upstream-mode registries, each published on a port
// of its own, each in an actor system of its own in the bench's process) ->
// S remote subscribers each, against a single node with R * S subscribers.
// The subscribers are those of the remote figure (a child process).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

struct tree_row {
  /// 0 relays: the single node with all subscribers.
  size_t relays = 0;
  size_t subscribers = 0;
  /// The source's rate in events/s, 0 for full speed.
  double rate = 0;
  uint64_t events = 0;
  /// Events/s each subscriber received (first to last event): the slowest
  /// and the median subscriber; all deliveries per second of the run.
  double events_s_min = 0;
  double events_s_median = 0;
  double deliveries_s = 0;
  /// Hub -> subscriber (rated runs only): the median subscriber's p50 and
  /// p99, the worst subscriber's p99.
  double p50_us = 0;
  double p99_us_median = 0;
  double p99_us_max = 0;
  /// The nodes' CPU (this process minus the source's thread) per delivery.
  double nodes_cpu_us = 0;
  /// Events that came after a gap in `seq`, events that came again (or out
  /// of order), updates dropped for slow readers by the root (towards the
  /// relays; 0 without relays) and towards the subscribers (by the relays,
  /// or by the single node), subscribers without the last event in time.
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t dropped_root = 0;
  uint64_t dropped_subs = 0;
  uint64_t incomplete = 0;
};

struct tree_figures {
  std::vector<tree_row> rows;

  void print_rows() const;
  void print_json() const;
};

/// For the single node and the tree (`relays` relays, `subscribers` / relays
/// subscribers each): one run of `events` at full speed and one of
/// `latency_events[i]` at `rates[i]` events/s, each with fresh nodes.
tree_figures measure_tree(blast_source& src,
                          const std::vector<std::string>& mix, size_t relays,
                          size_t subscribers, uint64_t events,
                          const std::vector<double>& rates,
                          const std::vector<uint64_t>& latency_events,
                          size_t caf_threads);

} // namespace hubwatch::bench
