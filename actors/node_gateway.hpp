#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/actors/subscriber.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

/// What a hubwatch node publishes on the network: the registry's subscriber
/// interface and its read-only subscriber count, nothing else (the registry
/// also accepts the pipeline's updates, which must not be open to anyone who
/// can reach the port).
using node_gateway_actor = caf::typed_actor<
  // A remote subscriber: first a snapshot, then the live stream, with the
  // registry's flow control. Subscribing again starts over with a fresh
  // snapshot (a subscriber that reconnects wants one). Beyond
  // `max_remote_subscribers` the answer is the error `too_many_subscribers`
  // (a subscriber that sends instead of requesting never hears of it and
  // waits for a snapshot in vain, as with a node that is gone).
  caf::reacts_to<atom::subscribe, subscriber_actor>,
  caf::reacts_to<atom::unsubscribe, subscriber_actor>,
  // The registry's snapshot.
  caf::replies_to<atom::snapshot>::with<observer_snapshot>,
  // The registry's number of subscribers (local ones included).
  caf::replies_to<atom::count>::with<uint64_t>>;

/// What a gateway counts for the metrics; shared with whoever reads them
/// (never published: the gateway's interface stays what old subscribers
/// check for).
struct gateway_stats {
  /// The cap the gateway was spawned with.
  size_t max_remote_subscribers = 0;

  /// Subscribes refused because the cap was reached.
  std::atomic<uint64_t> refused{0};
};

/// How a gateway answers a subscribe from `sub_known` (already subscribed)
/// when `used` of `max` slots are taken.
enum class admission {
  /// A new subscriber and a free slot: it takes the slot.
  new_slot,
  /// Subscribed already: it keeps its slot and starts over.
  same_slot,
  /// A new subscriber, no free slot.
  refused,
};

admission admit_subscriber(bool sub_known, size_t used, size_t max);

/// Spawns a gateway to `registry`. Each subscriber gets a relay actor in this
/// process (actors/subscriber_relay.hpp), so the registry's own handle never
/// leaves the process: neither as the sender of deliveries nor of responses.
/// The gateway ends when the registry does and takes its relays with it.
/// At most `stats->max_remote_subscribers` remote subscribers at once;
/// without `stats`, the default of `websocket_config`.
node_gateway_actor
spawn_node_gateway(caf::actor_system& sys, agent_registry_actor registry,
                   std::shared_ptr<gateway_stats> stats = nullptr);

} // namespace hubwatch
