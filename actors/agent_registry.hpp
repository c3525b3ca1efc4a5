#pragma once

#include <cstdint>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "hubwatch/actors/subscriber.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

/// Keeps the agent map, the last N events and the subscribers, and fans every
/// update out to them in order.
using agent_registry_actor = caf::typed_actor<
  // Updates from the pipeline, in arrival order: events and parse errors from
  // the parser, connection status changes from the supervisor.
  caf::reacts_to<std::vector<hub_update>>, caf::reacts_to<connection_status>,
  // Subscribers: a new one first gets a snapshot, then the live stream.
  caf::reacts_to<atom::subscribe, subscriber_actor>,
  // The same for a node's relay of a remote subscriber: counted apart, so
  // that local and remote figures come from one place at one moment.
  caf::reacts_to<atom::subscribe, atom::relays, subscriber_actor>,
  caf::reacts_to<atom::unsubscribe, subscriber_actor>,
  // The same snapshot a new subscriber gets, for anyone who asks.
  caf::replies_to<atom::snapshot>::with<observer_snapshot>,
  // The snapshot without its event history, for metrics: a scrape then
  // costs the registry the agent map, not a copy of the last N events.
  caf::replies_to<atom::summary>::with<observer_snapshot>,
  // Number of subscribers.
  caf::replies_to<atom::count>::with<uint64_t>,
  // Number of subscribers and how many of them are relays, in one answer.
  caf::replies_to<atom::count, atom::relays>::with<uint64_t, uint64_t>,
  // A registry fed by another node (`registry_mode::upstream`): the node's
  // snapshot after every (re)connect replaces what the registry holds and
  // starts its subscribers over with a fresh snapshot; its batches follow.
  // The link's own status comes as `connection_status`, like a hub's.
  caf::reacts_to<atom::upstream, observer_snapshot>,
  caf::reacts_to<atom::upstream, update_batch>,
  // This node's name: the last entry of `via` in the snapshots it sends.
  caf::reacts_to<atom::name, std::string>,
  // Staleness check (sent to itself).
  caf::reacts_to<atom::tick>,
  // End of the wait for slow subscribers (sent to itself).
  caf::reacts_to<atom::stall>>;

/// The settings of `cfg` the registry uses: `event_history`,
/// `subscriber_queue`, `subscriber_stall` and `stale_after`.
///
/// A batch of updates sent as a request is answered once every subscriber
/// has room again (at most half its queue waiting), or after
/// `subscriber_stall` at the latest: the parser waits for that answer, so a
/// slow subscriber slows the stream instead of losing updates, for a while.
enum class registry_mode {
  /// Fed by an observer's pipeline: derives agent records from events and
  /// marks them stale on its own clock.
  hub,
  /// Fed by another node's stream (`atom::upstream`): takes its agent
  /// records as they are (that node derived them and marks them stale) and
  /// derives nothing itself.
  upstream,
};

agent_registry_actor
spawn_agent_registry(caf::actor_system& sys, const websocket_config& cfg,
                     registry_mode mode = registry_mode::hub);

/// At most this many deliveries to one subscriber wait for acknowledgement;
/// the rest queue at the registry (bounded by `subscriber_queue`).
constexpr size_t subscriber_window = 4;

} // namespace hubwatch
