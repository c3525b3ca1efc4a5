#pragma once

#include <caf/typed_actor.hpp>

#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

/// What a subscriber implements: first one snapshot, then batches of live
/// updates, in order. Each message arrives as a request; returning from the
/// handler is the acknowledgement that lets the next batch go (so a slow
/// subscriber gets a bounded queue at the registry instead of an unbounded
/// mailbox). Works the same for local and remote subscribers.
using subscriber_actor = caf::typed_actor<caf::reacts_to<observer_snapshot>,
                                          caf::reacts_to<update_batch>>;

} // namespace hubwatch
