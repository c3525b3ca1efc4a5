#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "hubwatch/actors/parser.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/session_result.hpp"
#include "hubwatch/net/ws_session.hpp"

namespace hubwatch {

/// Whoever starts connection actors hears from them through this interface:
/// `connected` once the handshake is done (with whether the hub agreed to
/// permessage-deflate), then one `session_result`, and then the actor is
/// gone.
using connection_owner_actor =
  caf::typed_actor<caf::reacts_to<atom::connected, bool>,
                   caf::reacts_to<session_result>>;

/// One connection attempt: owns one WebSocket session, hands its frames to
/// the parser, and quits with a reason when the connection ends. It never
/// writes a data frame (the session cannot).
using connection_actor = caf::typed_actor<
  // Close with 1000 (the end is reported as `closed_by_observer`).
  caf::reacts_to<atom::close>,
  // Reports from the session (sent by its io thread).
  caf::reacts_to<atom::connected, bool>, caf::reacts_to<session_result>>;

/// Starts one attempt. `io` must outlive the actor.
connection_actor spawn_connection(caf::actor_system& sys,
                                  boost::asio::io_context& io,
                                  session_settings settings,
                                  size_t max_pending_bytes, parser_actor parser,
                                  connection_owner_actor owner);

} // namespace hubwatch
