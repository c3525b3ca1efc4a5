#pragma once

// The benchmark's figures: each measured by one function, then printed as
// rows of the table and as JSON lines (one per figure, for scripts).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

/// Throughput: the transport ceiling (Beast read only), the session ceiling
/// (hubwatch's asynchronous read only), the limit loop (one thread, no
/// actors) and the pipeline with each fan-out, alternating, best
/// of `rounds`.
struct throughput_figures {
  std::vector<size_t> fanouts;
  double ceiling = 0;
  double ceiling_mb_s = 0;
  double ceiling_cpu = 0;
  /// hubwatch's own session, frames dropped on the io thread.
  double session = 0;
  double session_cpu = 0;
  double limit = 0;
  double limit_cpu = 0;
  std::vector<double> best;
  std::vector<double> best_cpu;
  uint64_t lost = 0;
  uint64_t missed = 0;

  void print_rows() const;
  void print_json() const;
};

throughput_figures measure_throughput(caf::actor_system& sys, blast_source& src,
                                      const std::vector<std::string>& mix,
                                      uint64_t n,
                                      const std::vector<size_t>& fanouts,
                                      int rounds);

/// Heartbeat number `i`, stamped with the time it is made (`sentNs`, the
/// steady clock's nanoseconds, which every process on the host shares).
std::string stamped_heartbeat(uint64_t i);

/// Latency of `n` events at a fixed rate, stamped by the source.
struct latency_figures {
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double max_us = 0;
  /// Share of a core the process used during the run, without the
  /// source's thread (its pacing loop naps every 50 us).
  double cpu_core_share = 0;
  uint64_t lost = 0;
  uint64_t missed = 0;

  void print_rows() const;
  void print_json() const;
};

/// With `dump_path` set, also writes one line per event to that file:
/// when it was stamped and its latency, in steady-clock nanoseconds (for
/// scripts/latency-tail, which lines the late ones up with what else ran).
latency_figures measure_latency(caf::actor_system& sys, blast_source& src,
                                uint64_t n, const std::string& dump_path = {});

/// Memory: the pipeline over `n` events; RSS must not follow them.
struct memory_figures {
  uint64_t events = 0;
  long rss_kib_at_100k = 0;
  long peak_rss_kib = 0;
  uint64_t lost = 0;
  uint64_t missed = 0;

  void print_rows() const;
  void print_json() const;
};

memory_figures measure_memory(caf::actor_system& sys, blast_source& src,
                              const std::vector<std::string>& mix, uint64_t n);

/// Over all runs: events lost or reordered, dropped for slow subscribers,
/// and data frames hubwatch sent (all must be 0).
struct total_figures {
  uint64_t lost = 0;
  uint64_t missed = 0;
  uint64_t data_frames = 0;

  void print_rows() const;
  void print_json() const;
};

/// The table's head line, before the rows of every figure.
void print_table_head();

} // namespace hubwatch::bench
