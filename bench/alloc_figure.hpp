#pragma once

// Allocations per event: heap allocations (bench/alloc_count.hpp) while the
// transport ceiling, the limit loop and the pipeline run.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

struct alloc_row {
  std::string name;
  /// Once warm: the allocations of a run of 2n events minus those of a run
  /// of n, per event (what each run sets up and tears down cancels out).
  double allocs_per_event = 0;
  double bytes_per_event = 0;
  /// Everything of the run of n events, setup included, per event.
  double allocs_per_event_with_setup = 0;
  /// The pipeline only: per update batch a subscriber received (once warm,
  /// as above), and events per such batch; 0 for the other rows.
  double allocs_per_batch = 0;
  double events_per_batch = 0;
};

struct alloc_figures {
  uint64_t n = 0;
  /// The counter saw a test allocation (else every row is meaningless).
  bool counter_works = false;
  std::vector<alloc_row> rows;
  uint64_t lost = 0;
  uint64_t missed = 0;

  void print_rows() const;
  void print_json() const;
};

/// Counts allocations of the source with the transport-ceiling reader (the
/// baseline every other row contains), the limit loop and the pipeline with
/// one subscriber, each over `n` and then `2n` events.
alloc_figures measure_allocations(caf::actor_system& sys, blast_source& src,
                                  const std::vector<std::string>& mix,
                                  uint64_t n);

} // namespace hubwatch::bench
