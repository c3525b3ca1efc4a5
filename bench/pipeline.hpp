#pragma once

// The measured path: a hubwatch observer fanning the blast source's stream
// out to counting subscribers, with the process's CPU time and memory.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>

#include "bench/blast_source.hpp"
#include "hubwatch/api/observer.hpp"

namespace hubwatch::bench {

using clock_type = std::chrono::steady_clock;

/// Resident set size now and at its peak, in KiB.
std::pair<long, long> rss_kib();

/// CPU time of the whole process (every thread, the source included), in
/// seconds. Unlike throughput, CPU per event hardly moves when other work
/// shares the machine, so it tells whether a change made hubwatch cheaper.
double process_cpu_s();

struct pipeline_result {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
  uint64_t lost_or_reordered = 0;
  uint64_t missed = 0;
  long rss_kib_at_100k = 0;
  long peak_rss_kib = 0;
  /// Update batches the first subscriber received.
  uint64_t batches = 0;
  std::vector<int64_t> latencies_ns;
  /// When each event of `latencies_ns` was stamped (steady clock, ns).
  std::vector<int64_t> sent_ns;
};

/// Serves `plan` to an observer with `subscribers` counting subscribers and
/// waits until each has seen every event; with `record_latency`, subscriber 0
/// records how late each event came (the frames carry `sentNs`). With
/// `at_end`, the source keeps the connection up until `at_end` returned; it
/// runs once every subscriber has seen every event.
pipeline_result run_pipeline(caf::actor_system& sys, blast_source& src,
                             blast_source::plan plan, size_t subscribers,
                             bool record_latency,
                             std::function<void(observer&)> at_end = {});

} // namespace hubwatch::bench
