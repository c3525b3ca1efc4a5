#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

enum class connection_state : uint8_t {
  connecting,
  connected,
  disconnected,
  error,
};

const char* to_string(connection_state x);

/// The connection's state plus what a user needs to understand it.
struct connection_status {
  connection_state state = connection_state::disconnected;

  std::string url;

  /// 0 for the first connection; n for the n-th retry since the last
  /// successful connection.
  uint32_t attempt = 0;

  /// Delay before the next attempt, when one is scheduled.
  caf::optional<caf::timespan> next_delay;

  /// Why the last connection ended or failed; `none` if it did not.
  hub_errc error_code = hub_errc::none;

  std::string error_message;

  /// Close code of the last connection (1006 when the TCP connection ended
  /// without a close frame).
  caf::optional<uint16_t> close_code;

  std::string close_reason;

  /// HTTP status of a failed WebSocket upgrade.
  caf::optional<uint16_t> http_status;

  /// Successful connections after the first.
  uint64_t reconnects = 0;

  /// permessage-deflate: none when not asked for (or not known yet), true
  /// while the hub agreed to it, false once the hub refused it (the
  /// observer then reads uncompressed until it restarts).
  caf::optional<bool> deflate;
};

bool operator==(const connection_status& x, const connection_status& y);

inline bool operator!=(const connection_status& x, const connection_status& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_status& x) {
  return f(caf::meta::type_name("connection_status"), x.state, x.url, x.attempt,
           x.next_delay, x.error_code, x.error_message, x.close_code,
           x.close_reason, x.http_status, x.reconnects, x.deflate);
}

/// E.g. `disconnected ws://localhost:8080/ws attempt=1 next=2000ms
/// close=1006 deflate=off error=connection_lost: ...`.
std::string to_string(const connection_status& x);

} // namespace hubwatch
