#pragma once

#include <caf/fwd.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/actors/subscriber.hpp"

namespace hubwatch {

/// Stands in at the registry for one remote subscriber: subscribes itself,
/// forwards the snapshot and every batch to `remote` as requests, and
/// acknowledges each to the registry only once `remote` has acknowledged it,
/// so the registry's window and queue bound the remote subscriber exactly as
/// they bound a local one.
///
/// It exists so that the registry's handle never crosses the network: remote
/// peers only ever see the relay as the sender, and the relay accepts nothing
/// but what a subscriber accepts. When `remote` goes down (its actor ended or
/// its node's connection was lost), when `owner` ends, or when it is told to
/// exit, it fails the acknowledgements it still owes the registry, which then
/// forgets it at once, and quits.
subscriber_actor spawn_subscriber_relay(caf::actor_system& sys,
                                        subscriber_actor remote,
                                        agent_registry_actor registry,
                                        const caf::actor& owner);

} // namespace hubwatch
