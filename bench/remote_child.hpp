#pragma once

// What the remote and tree figures share: the links' settings, the actor
// systems of nodes and subscribers, and the subscribers in a child process
// (the bench itself with --remote-child) with their tallies.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "hubwatch/api/observer.hpp"
#include "hubwatch/api/remote.hpp"

namespace hubwatch::bench {

/// Both ends: no BASP heartbeats (the node's hub connection has no idle
/// timeout either), so that nothing but the events crosses the links.
websocket_config link_config();

struct remote_system_config : caf::actor_system_config {
  /// With `event_driven`, an idle worker waits on its condition variable
  /// right after its short spin, instead of first polling 500 more times
  /// 50 us apart (CAF's default).
  remote_system_config(const websocket_config& wc, size_t threads,
                       bool event_driven = false);
};

double median(std::vector<double> xs);

/// One subscriber's line from the child.
struct child_line {
  uint64_t seen = 0;
  /// Events that came with a gap in `seq` before them.
  uint64_t lost_or_reordered = 0;
  /// Events whose `seq` was not above the last one seen: duplicates (or
  /// late arrivals after a gap).
  uint64_t duplicated = 0;
  uint64_t missed = 0;
  double secs = 0;
  double p50_us = 0;
  double p99_us = 0;
};

/// `n` remote subscribers in a child process, spread round robin over
/// `ports` on 127.0.0.1, each waiting for `count` events.
class subscriber_child {
public:
  subscriber_child() = default;
  subscriber_child(const subscriber_child&) = delete;
  subscriber_child& operator=(const subscriber_child&) = delete;
  ~subscriber_child();

  /// Starts the child and waits until all subscribers have their snapshot;
  /// false (after a message on stderr) otherwise.
  bool start(const std::vector<uint16_t>& ports, size_t n, uint64_t count,
             bool latency);

  /// Reads the subscribers' lines until the child is done: false if fewer
  /// than `n` came.
  bool finish();

  /// Waits for the child's end. Idempotent.
  void close();

  std::vector<child_line> subs;
  /// The child's CPU time, all of its subscribers.
  double cpu_s = 0;

private:
  FILE* pipe_ = nullptr;
  size_t n_ = 0;
};

} // namespace hubwatch::bench
