#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>

#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

/// How one connection attempt ended, as the WebSocket session saw it.
struct session_result {
  /// `closed_by_hub`, `connection_lost`, `connect_failed`, ...
  hub_errc code = hub_errc::none;

  /// For people: what happened, with the library's own words where useful.
  std::string message;

  /// The handshake completed before the end.
  bool was_connected = false;

  /// 1006 when the TCP connection ended without a close frame.
  caf::optional<uint16_t> close_code;

  std::string close_reason;

  /// Set when the hub answered the upgrade with an HTTP status.
  caf::optional<uint16_t> http_status;
};

bool operator==(const session_result& x, const session_result& y);

inline bool operator!=(const session_result& x, const session_result& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_result& x) {
  return f(caf::meta::type_name("session_result"), x.code, x.message,
           x.was_connected, x.close_code, x.close_reason, x.http_status);
}

/// E.g. `connection_lost: end of stream (close 1006)`.
std::string to_string(const session_result& x);

/// The close code of a connection that ended without a close frame.
constexpr uint16_t abnormal_closure = 1006;

} // namespace hubwatch
