#pragma once

// Frame size: MB/s of the transport ceiling, the limit loop and hubwatch
// (1 subscriber) for heartbeats of about 300 B, 4 KiB and 64 KiB.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

/// Valid hub heartbeats of about `bytes` each (a few different agents), the
/// payload carrying an array of nested samples so that a parser has real
/// work at every size.
std::vector<std::string> heartbeats_of_size(size_t bytes);

struct frame_size_row {
  size_t bytes = 0; // mean frame size
  uint64_t events = 0;
  double ceiling_mb_s = 0;
  double limit_mb_s = 0;
  double hubwatch_mb_s = 0;
  double ceiling_events_s = 0;
  double limit_events_s = 0;
  double hubwatch_events_s = 0;
};

struct frame_size_figures {
  std::vector<frame_size_row> rows;
  uint64_t lost = 0;
  uint64_t missed = 0;

  void print_rows() const;
  void print_json() const;
};

/// For each size, reads about `bytes_per_run` bytes three ways.
frame_size_figures measure_frame_sizes(caf::actor_system& sys,
                                       blast_source& src,
                                       const std::vector<size_t>& sizes,
                                       uint64_t bytes_per_run);

} // namespace hubwatch::bench
