#pragma once

#include <cstdint>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "actors/agent_registry.hpp"
#include "actors/subscriber.hpp"
#include "messages/fwd.hpp"
#include "messages/observer_snapshot.hpp"

namespace hubwatch {

/// What a hubwatch node publishes on the network: the registry's subscriber
/// interface and its read-only subscriber count, nothing else (the registry
/// also accepts the pipeline's updates, which must not be open to anyone who
/// can reach the port).
using node_gateway_actor = caf::typed_actor<
  // A remote subscriber: first a snapshot, then the live stream, with the
  // registry's flow control. Subscribing again starts over with a fresh
  // snapshot (a subscriber that reconnects wants one).
  caf::reacts_to<atom::subscribe, subscriber_actor>,
  caf::reacts_to<atom::unsubscribe, subscriber_actor>,
  // The registry's snapshot.
  caf::replies_to<atom::snapshot>::with<observer_snapshot>,
  // The registry's number of subscribers (local ones included).
  caf::replies_to<atom::count>::with<uint64_t>>;

/// Spawns a gateway to `registry`. Each subscriber gets a relay actor in this
/// process (actors/subscriber_relay.hpp), so the registry's own handle never
/// leaves the process: neither as the sender of deliveries nor of responses.
/// The gateway ends when the registry does and takes its relays with it.
node_gateway_actor spawn_node_gateway(caf::actor_system& sys,
                                      agent_registry_actor registry);

} // namespace hubwatch
