#pragma once

// How a WebSocket session's end is named: the phase it was in and the
// error the library reported, turned into a `session_result`. Kept apart
// from the Beast session so that every row of the "What happens
// when" table (docs/pipeline.md) is a unit test, not only a live one.

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/system/error_code.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/session_result.hpp"

namespace hubwatch {

/// Where one connection attempt is. Phases only move forward.
enum class session_phase : uint8_t {
  resolving,
  connecting,
  tls_handshake,
  ws_handshake,
  /// Connected, a read is pending.
  reading,
  /// Connected, no read pending: the parser is behind and TCP pushes back.
  paused,
  /// Connected, our side is closing (close frame sent or socket dropped).
  closing,
  ended,
};

/// E.g. `"tls_handshake"`.
const char* to_string(session_phase x);

/// The handshake finished before this phase.
constexpr bool is_connected(session_phase x) {
  return x == session_phase::reading || x == session_phase::paused ||
         x == session_phase::closing;
}

/// Why our own side ends the attempt, if it does.
enum class session_stop : uint8_t {
  none,
  /// The connect deadline (connect-timeout-ms) fired.
  deadline,
  /// `close()`: a close frame with 1000.
  close,
  /// `abort()`: the owner is gone, the socket is dropped.
  abort,
};

/// What the classification needs besides the error: the phase, our own
/// stop, the settings quoted in messages and what the hub said.
struct session_facts {
  session_phase phase = session_phase::resolving;
  session_stop stop = session_stop::none;
  /// Quoted in "cannot resolve HOST".
  std::string host;
  caf::timespan connect_timeout{0};
  caf::timespan idle_timeout{0};
  size_t max_frame_bytes = 0;
  /// The hub's HTTP answer to the upgrade (0 = none).
  uint16_t http_status = 0;
  std::string http_reason;
  /// The start of the answer's body, which often says why ("invalid
  /// token"); blank = none.
  std::string http_body_excerpt;
  /// The hub's close frame, when it sent one.
  uint16_t close_code = 0;
  std::string close_reason;
};

/// Names the end of an attempt that saw `ec` in `facts.phase`. A stop of
/// our own wins over whatever error it caused (cancelled operations, a
/// closed socket).
session_result classify(const boost::system::error_code& ec,
                        const session_facts& facts);

} // namespace hubwatch
