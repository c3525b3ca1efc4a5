#pragma once

// The single-thread readers of the blast source's stream: the transport
// ceiling (Beast's synchronous read and nothing else: how fast this machine
// hands frames over at all) and the limit loop (read, parse, apply: what a
// plain one-thread client does).

#include <cstdint>
#include <string>
#include <vector>

#include "bench/blast_source.hpp"

namespace hubwatch::bench {

enum class read_mode {
  /// Beast's synchronous read, no parse.
  transport_only,
  /// Read, parse with the tree-building reference parser, derive the
  /// agents' status (the limit loop).
  parse_and_apply,
};

struct read_result {
  uint64_t events = 0;
  /// The frames' payload bytes (WebSocket headers not included).
  uint64_t bytes = 0;
  double secs = 0;
  /// CPU time of the whole process (the source included).
  double cpu_s = 0;

  double events_per_s() const;
  double mb_per_s() const;
  double cpu_us_per_event() const;
};

/// Serves `n` frames cycling through `frames` and reads them on this thread.
read_result read_loop(blast_source& src, const std::vector<std::string>& frames,
                      uint64_t n, read_mode mode);

/// Serves `n` frames and reads them with hubwatch's own WebSocket session
/// (Beast's asynchronous read on an io thread, as the connection actor runs
/// it), handing every frame to its channel and dropping it there, on the io
/// thread: no parse, no actor. No pipeline behind that session can go
/// faster. Asynchronous reads cost more per frame than the synchronous read
/// of the transport ceiling (each completes through the io_context), so
/// this is the ceiling that applies to hubwatch.
read_result session_loop(blast_source& src,
                         const std::vector<std::string>& frames, uint64_t n);

/// The mean size of `frames`, in bytes.
double mean_size(const std::vector<std::string>& frames);

} // namespace hubwatch::bench
