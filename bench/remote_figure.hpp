#pragma once

// Remote subscribers over BASP on 127.0.0.1: a node (observer + published
// gateway) in the bench's process, its subscribers in a child process (the
// bench itself with --remote-child), each subscriber in an actor system of
// its own there, so that the node's CPU time and memory are the bench
// process's alone.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

struct remote_row {
  size_t subscribers = 0;
  /// Throughput run: events the source sent at full speed.
  uint64_t events = 0;
  /// Events/s each subscriber received (first to last event), the slowest
  /// and the median subscriber.
  double events_s_min = 0;
  double events_s_median = 0;
  /// The node's CPU time (bench process minus the source's thread) per
  /// event per subscriber, in the throughput run.
  double node_cpu_us = 0;
  /// The node's heap in use (malloc's own count) per subscriber once all are
  /// attached and idle.
  double heap_kib_per_sub_idle = 0;
  /// The node's RSS growth per subscriber: once all are attached (idle), and
  /// at the peak of the throughput run.
  double kib_per_sub_idle = 0;
  double kib_per_sub_peak = 0;
  /// Latency run at `rate` events/s (10k unless told): hub -> remote
  /// subscriber, the median
  /// subscriber's p50 and p99, the worst subscriber's p99.
  uint64_t latency_events = 0;
  double rate = 0;
  double p50_us = 0;
  double p99_us_median = 0;
  double p99_us_max = 0;
  /// The subscribers' process (all of them) per event per subscriber, in
  /// the throughput run: what the other side of the links costs.
  double child_cpu_us = 0;
  /// The same two in the latency run.
  double latency_node_cpu_us = 0;
  double latency_child_cpu_us = 0;
  /// Per run (throughput, latency): gaps in `seq` and duplicates seen by
  /// the subscribers, updates the node dropped for slow subscribers (events
  /// and agent records), subscribers that did not get the last event in
  /// time.
  uint64_t lost[2] = {0, 0};
  uint64_t missed[2] = {0, 0};
  uint64_t incomplete[2] = {0, 0};
};

struct remote_figures {
  std::vector<remote_row> rows;

  void print_rows() const;
  void print_json() const;
};

/// For each count of subscribers: a throughput run of `events` and a latency
/// run of `latency_events` at `rate` events/s, each with a fresh node.
remote_figures measure_remote(blast_source& src,
                              const std::vector<std::string>& mix,
                              const std::vector<size_t>& counts,
                              uint64_t events, uint64_t latency_events,
                              double rate, size_t caf_threads);

/// The child's side: `--remote-child PORT[,PORT...] N COUNT LATENCY`
/// subscribes N times to 127.0.0.1 (the ports in turn), waits for COUNT
/// events each and prints one line per subscriber. Returns the exit code.
int remote_child_main(int argc, char** argv);

} // namespace hubwatch::bench
