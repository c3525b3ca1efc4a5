#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/typed_actor.hpp>

#include "hubwatch/actors/subscriber.hpp"
#include "hubwatch/core/callback_box.hpp"
#include "hubwatch/messages/connection_status.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

/// Keeps one subscription to a remote hubwatch node (its `node_gateway_actor`)
/// alive: connects through CAF's middleman without blocking an actor thread,
/// subscribes itself, and when the node goes away reports it and tries again
/// on the reconnect schedule of `websocket_config`, starting over with a
/// fresh snapshot each time.
using remote_link_actor = subscriber_actor::extend<
  // A scheduled attempt; stale generations are ignored.
  caf::reacts_to<atom::retry, uint64_t>,
  // The node answered the connect but sent no snapshot in time.
  caf::reacts_to<atom::tick, uint64_t>,
  // Unsubscribe, stop trying; answers the final link status.
  caf::replies_to<atom::disconnect>::with<connection_status>>;

/// Where a link's output goes. Callbacks run on an actor thread, one at a
/// time and in order.
struct remote_link_callbacks {
  /// What the node sends: a snapshot after every (re)connect, then the live
  /// stream.
  subscriber_callbacks node;

  /// The link's own state: `url` is "HOST:PORT"; `connecting`, `connected`
  /// (the node's snapshot arrived), `disconnected` (with `error_code`
  /// `connect_failed`, `connect_timeout`, `connection_lost` or
  /// `too_many_subscribers` — the node serves its max-remote-subscribers
  /// already — and the next delay) or `error` (not a hubwatch node, or
  /// `gave_up`).
  std::function<void(const connection_status&)> on_link_status;
};

/// Shared by a link and its owner, who calls `close()` before it goes away.
using remote_link_box = callback_box<remote_link_callbacks>;

/// How a link reaches its node.
struct remote_link_transport {
  /// The middleman actor that connects: null for the system's own (plain
  /// BASP), or a TLS one (`basp_tls::actor()`).
  caf::io::middleman_actor middleman;

  /// With TLS: the reason of a handshake refused since `seen` (a count the
  /// link keeps), else empty (`basp_tls::refusal_reader()`).
  std::function<std::string(uint64_t& seen)> tls_failure;
};

/// Spawns a link to the node at `host`:`port`; it connects at once. Uses the
/// reconnect settings, `connect_timeout` (for the connect and again for the
/// snapshot) of `cfg`. The actor system must have loaded `caf::io::middleman`.
/// `seed` feeds the jitter's random numbers.
remote_link_actor spawn_remote_link(caf::actor_system& sys, std::string host,
                                    uint16_t port, const websocket_config& cfg,
                                    std::shared_ptr<remote_link_box> box,
                                    uint64_t seed,
                                    remote_link_transport transport = {});

} // namespace hubwatch
