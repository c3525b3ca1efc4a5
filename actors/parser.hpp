#pragma once

#include <string>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/websocket_config.hpp"
#include "hubwatch/net/frame_channel.hpp"

namespace hubwatch {

/// Turns raw frames into `daemon_event`s (numbered in arrival order) and
/// refused frames into counted `parse_error`s, and hands both to the
/// registry in order. Never throws out of a handler.
using parser_actor = caf::typed_actor<
  // One text frame (tests and simple sources).
  caf::reacts_to<std::string>,
  // Frames wait in a channel filled by a connection.
  caf::reacts_to<atom::frames, frame_channel_ptr>,
  // A connection status change, passed on after the frames before it.
  caf::reacts_to<connection_status>>;

/// Batches handed to the registry and not yet processed, at most.
constexpr size_t parser_window = 2;

/// Frames per batch handed to the registry, at most.
constexpr size_t parser_batch = 256;

/// Uses `max_frame_bytes` and `max_json_depth` of `cfg`.
parser_actor spawn_parser(caf::actor_system& sys, const websocket_config& cfg,
                          agent_registry_actor registry);

} // namespace hubwatch
