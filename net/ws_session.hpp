#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/core/hub_url.hpp"
#include "hubwatch/messages/defaults.hpp"
#include "hubwatch/messages/session_result.hpp"
#include "hubwatch/messages/websocket_config.hpp"
#include "hubwatch/net/frame_channel.hpp"

namespace hubwatch {

/// What one WebSocket session needs to know.
struct session_settings {
  hub_url url;
  caf::timespan connect_timeout = defaults::connect_timeout;
  /// 0 = no idle timeout and no keep-alive pings.
  caf::timespan idle_timeout = defaults::idle_timeout;
  size_t max_frame_bytes = defaults::max_frame_bytes;
  std::string ca_file;
  bool tls_verify = defaults::tls_verify;
  /// Offer permessage-deflate, in its plainest form.
  bool deflate = defaults::deflate;
  /// Added to the upgrade request (Authorization among them); checked by
  /// `validate`. Their values are secrets: whatever the hub sends back and
  /// the session reports (reason phrase, body excerpt, close reason) has
  /// them replaced by `***`.
  std::vector<request_header> headers;
  /// The io_context runs on one thread only: handlers need no strand.
  bool single_threaded_io = false;
};

/// The session settings `cfg` asks for, into `out`: its URL, timeouts, frame
/// limit, TLS, deflate offer and upgrade headers (the token file read now: a
/// token that changes needs a restart). Call after `validate` found nothing;
/// returns an error text if the URL or the token file fails since, else
/// empty. `single_threaded_io` is the caller's to set.
std::string make_session_settings(const websocket_config& cfg,
                                  session_settings& out);

/// How a session reports. Each is called on the session's executor and must
/// only hand the news on (the connection actor turns them into messages).
struct session_callbacks {
  /// The handshake is done; the argument says whether the hub agreed to
  /// permessage-deflate.
  std::function<void(bool deflate)> connected;
  /// Frames wait in the channel and the consumer must be told.
  std::function<void()> frames_ready;
  /// Called exactly once, last.
  std::function<void(session_result)> ended;
};

/// One Boost.Beast WebSocket client connection: resolve, connect, TLS,
/// handshake, then read until the end. A strict observer by construction:
/// this type has no way to send a data frame. Only Beast's own control
/// frames (pong, keep-alive ping, close) ever leave.
class ws_session {
public:
  virtual ~ws_session();

  /// Starts the attempt; returns at once.
  virtual void start() = 0;

  /// Closes with 1000 (normal closure); the end is reported as
  /// `closed_by_observer`.
  virtual void close() = 0;

  /// Drops everything at once (the owner is gone); still reports the end.
  virtual void abort() = 0;
};

/// Makes a `ws://` or `wss://` session on `io` that hands frames to `ch`.
std::shared_ptr<ws_session> make_ws_session(boost::asio::io_context& io,
                                            session_settings settings,
                                            frame_channel_ptr ch,
                                            session_callbacks callbacks);

} // namespace hubwatch
