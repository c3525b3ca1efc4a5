#include "hubwatch/core/session_outcome.hpp"

#include <chrono>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace hubwatch {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

std::string ms_text(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count()) +
         " ms";
}

session_result make(hub_errc code, std::string message,
                    caf::optional<uint16_t> close_code = caf::none,
                    std::string close_reason = {},
                    caf::optional<uint16_t> http_status = caf::none) {
  session_result res;
  res.code = code;
  res.message = std::move(message);
  res.close_code = close_code;
  res.close_reason = std::move(close_reason);
  res.http_status = http_status;
  return res;
}

session_result classify_read(const boost::system::error_code& ec,
                             const session_facts& f) {
  if (ec == websocket::error::closed)
    return make(hub_errc::closed_by_hub, "the hub closed the connection",
                f.close_code, f.close_reason);
  if (ec == beast::error::timeout)
    return make(hub_errc::idle_timeout,
                "nothing received for idle-timeout-ms (" +
                  ms_text(f.idle_timeout) + "), not even a pong");
  if (ec == websocket::error::message_too_big)
    return make(hub_errc::too_large,
                "a message exceeded max-frame-bytes (" +
                  std::to_string(f.max_frame_bytes) + ")",
                uint16_t{1009});
  if (ec == websocket::error::bad_frame_payload)
    return make(hub_errc::read_failed,
                "the hub sent a text frame that is not valid UTF-8",
                uint16_t{1007});
  if (ec == net::error::eof || ec == net::error::connection_reset ||
      ec == net::error::broken_pipe ||
      ec == net::ssl::error::stream_truncated ||
      ec == net::error::connection_aborted)
    return make(hub_errc::connection_lost,
                "the TCP connection ended without a close frame (" +
                  ec.message() + ")",
                abnormal_closure);
  return make(hub_errc::read_failed, ec.message(), abnormal_closure);
}

} // namespace

const char* to_string(session_phase x) {
  switch (x) {
  case session_phase::resolving:
    return "resolving";
  case session_phase::connecting:
    return "connecting";
  case session_phase::tls_handshake:
    return "tls_handshake";
  case session_phase::ws_handshake:
    return "ws_handshake";
  case session_phase::reading:
    return "reading";
  case session_phase::paused:
    return "paused";
  case session_phase::closing:
    return "closing";
  case session_phase::ended:
    return "ended";
  }
  return "?";
}

session_result classify(const boost::system::error_code& ec,
                        const session_facts& f) {
  auto res = [&]() -> session_result {
    // Our own stop first: the errors it causes (operation_aborted, a closed
    // socket, a truncated TLS stream) say nothing about the hub.
    switch (f.stop) {
    case session_stop::close:
    case session_stop::abort:
      if (!is_connected(f.phase))
        return make(hub_errc::closed_by_observer,
                    "connection attempt cancelled");
      return make(hub_errc::closed_by_observer,
                  f.stop == session_stop::abort
                    ? "connection dropped by the observer"
                    : "closed by the observer",
                  uint16_t{1000});
    case session_stop::deadline:
      if (!is_connected(f.phase))
        return make(hub_errc::connect_timeout,
                    "no connection within connect-timeout-ms (" +
                      ms_text(f.connect_timeout) + ")");
      break;
    case session_stop::none:
      break;
    }
    switch (f.phase) {
    case session_phase::resolving:
      return make(hub_errc::resolve_failed,
                  "cannot resolve " + f.host + ": " + ec.message());
    case session_phase::connecting:
      return make(hub_errc::connect_failed, "cannot connect: " + ec.message());
    case session_phase::tls_handshake:
      return make(hub_errc::tls_failed,
                  "TLS handshake failed: " + ec.message());
    case session_phase::ws_handshake:
      if (ec == websocket::error::upgrade_declined && f.http_status != 0) {
        auto msg = "the hub refused the WebSocket upgrade with HTTP " +
                   std::to_string(f.http_status);
        if (!f.http_reason.empty())
          msg += ' ' + f.http_reason;
        auto body = f.http_body_excerpt;
        while (!body.empty() && body.back() == ' ')
          body.pop_back();
        if (body.find_first_not_of(' ') != std::string::npos)
          msg += ": " + body;
        return make(hub_errc::handshake_rejected, std::move(msg), caf::none, {},
                    f.http_status);
      }
      return make(hub_errc::handshake_failed,
                  "WebSocket handshake failed: " + ec.message());
    case session_phase::reading:
    case session_phase::paused:
    case session_phase::closing:
    case session_phase::ended:
      return classify_read(ec, f);
    }
    return make(hub_errc::read_failed, ec.message(), abnormal_closure);
  }();
  res.was_connected = is_connected(f.phase);
  return res;
}

} // namespace hubwatch
