#pragma once

// The project's one list of atoms and message types: every type that crosses
// an actor boundary is registered in `add_message_types`, so that any of them
// can travel to remote subscribers.

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace hubwatch {

struct agent_info;
struct connection_status;
struct daemon_event;
struct observer_counters;
struct observer_snapshot;
struct parse_error;
struct update_batch;
struct websocket_config;

namespace atom {

using subscribe = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe = caf::atom_constant<caf::atom("unsubscr")>;
using snapshot = caf::atom_constant<caf::atom("snapshot")>;
using connect = caf::atom_constant<caf::atom("connect")>;
using reconnect = caf::atom_constant<caf::atom("reconnect")>;
using disconnect = caf::atom_constant<caf::atom("disconnect")>;
using retry = caf::atom_constant<caf::atom("retry")>;
using close = caf::atom_constant<caf::atom("close")>;
using connected = caf::atom_constant<caf::atom("connected")>;
using frames = caf::atom_constant<caf::atom("frames")>;
using tick = caf::atom_constant<caf::atom("tick")>;
using stall = caf::atom_constant<caf::atom("stall")>;
using count = caf::atom_constant<caf::atom("count")>;
using relays = caf::atom_constant<caf::atom("relays")>;
using summary = caf::atom_constant<caf::atom("summary")>;
using upstream = caf::atom_constant<caf::atom("upstream")>;
using name = caf::atom_constant<caf::atom("name")>;

} // namespace atom

/// Registers every hubwatch message type and the error category with `cfg`.
/// Call once per actor system config, before the system starts.
/// Defined in actors/type_ids.cpp: it registers the actor handles too.
void add_message_types(caf::actor_system_config& cfg);

} // namespace hubwatch
