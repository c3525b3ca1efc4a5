#pragma once

#include <functional>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "hubwatch/actors/connection.hpp"
#include "hubwatch/actors/parser.hpp"
#include "hubwatch/messages/connection_status.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

/// Starts connection actors, one at a time, on the backoff schedule, and owns
/// the retry counter and the memory of a hub that refused permessage-deflate
/// (the next attempt then starts at once without it, and so do all later
/// ones). Every status change goes to the parser, which passes it
/// on to the registry after the frames that came before it.
using supervisor_actor = connection_owner_actor::extend<
  // Connect now if not connected (start, or after `disconnect`).
  caf::reacts_to<atom::connect>,
  // Close the current connection, if any, and connect now; counter reset.
  caf::reacts_to<atom::reconnect>,
  // Close with 1000, cancel any pending retry, stay disconnected until
  // `connect` or `reconnect`. Answers once no connection is left.
  caf::replies_to<atom::disconnect>::with<connection_status>,
  // The current status.
  caf::replies_to<atom::snapshot>::with<connection_status>,
  // A scheduled retry; stale generations are ignored.
  caf::reacts_to<atom::retry, uint64_t>>;

/// Starts connection attempt number `attempt`, reporting to `owner`;
/// `deflate`: the attempt offers permessage-deflate.
using connection_factory = std::function<connection_actor(
  connection_owner_actor owner, uint32_t attempt, bool deflate)>;

/// Spawns a supervisor that makes connections with `factory` and reports
/// status to `parser`. It does not connect before it receives `connect`.
/// `seed` feeds the jitter's random numbers.
supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  const websocket_config& cfg,
                                  connection_factory factory,
                                  parser_actor parser, uint64_t seed);

/// True for HTTP statuses that mean the configuration is wrong (401, 403,
/// 404): retrying will not help.
constexpr bool is_config_refusal(uint16_t http_status) {
  return http_status == 401 || http_status == 403 || http_status == 404;
}

} // namespace hubwatch
