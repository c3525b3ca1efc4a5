#pragma once

// What one queued update costs (issue #16, "Queued updates"): the heap a
// subscriber's queue holds per update it waits for, and what each further
// subscriber adds when they all wait for the same batches.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

/// One run: `events` from the blast source with `subscribers` subscribers
/// that acknowledge nothing until every event reached the registry.
struct queue_row {
  size_t subscribers = 0;
  uint64_t events = 0;
  /// Updates subscriber 0 received once let go: what waited for it (the
  /// few batches in its mailbox included).
  uint64_t updates = 0;
  /// The batches those updates came in: each further subscriber's queue
  /// holds one entry per batch, pointing into the shared one.
  uint64_t batches = 0;
  /// With every update waiting: the net bytes the run allocated through
  /// operator new (bench/alloc_count.hpp, usable sizes), the heap in use
  /// (glibc's mallinfo2, every arena, C allocations and chunk headers
  /// included) and RSS (after handing free pages back).
  double live_bytes = 0;
  double heap_bytes = 0;
  long rss_kib = 0;
  /// Updates lost to a full queue: must be 0, or the figure is wrong.
  uint64_t dropped = 0;
  uint64_t missed = 0;
};

struct queue_figures {
  uint64_t events = 0;
  size_t queue_bound = 0;
  /// 0 (the baseline: nothing waits), 1 and 4 subscribers.
  std::vector<queue_row> rows;
  uint64_t lost = 0;
  uint64_t missed = 0;

  /// Heap bytes per queued update with one subscriber, by `bytes`
  /// (`&queue_row::live_bytes` or `&queue_row::heap_bytes`).
  double heap_per_update(double queue_row::*bytes) const;
  /// Heap bytes per queued update that each subscriber after the first adds.
  double extra_heap_per_update_per_subscriber(double queue_row::*bytes) const;
  /// RSS growth per queued update with one subscriber.
  double rss_per_update() const;

  void print_rows() const;
  void print_json() const;
};

/// Runs the frame mix `mix` for `events` events with 0, 1 and 4 waiting
/// subscribers whose queues take `queue_bound` updates each.
queue_figures measure_queue(caf::actor_system& sys, blast_source& src,
                            const std::vector<std::string>& mix,
                            uint64_t events, size_t queue_bound);

} // namespace hubwatch::bench
