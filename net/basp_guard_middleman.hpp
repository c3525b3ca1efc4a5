#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

namespace hubwatch {

/// A middleman actor for publishing plain BASP ports that a stranger cannot
/// crash: every accepted connection reads through a `basp_stream_guard`
/// (core/basp_guard.hpp), which closes it at the first header CAF 0.17.6
/// would mishandle (a handshake without payload: SIGSEGV; a huge
/// payload_len: a read buffer of up to 4 GiB), before CAF's BASP broker
/// reads it. Connects go out unguarded, as with CAF's own middleman actor.
/// It works like `caf::openssl`'s middleman actor: the same broker, its own
/// doorman and scribes. The actor system must have loaded the middleman.
caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys);

/// `caf::io::publish` through `mm` (from `spawn_guarded_middleman`).
caf::expected<uint16_t> publish_guarded(const caf::io::middleman_actor& mm,
                                        caf::strong_actor_ptr whom,
                                        std::set<std::string> sigs,
                                        uint16_t port, const std::string& bind,
                                        bool reuse);

} // namespace hubwatch
