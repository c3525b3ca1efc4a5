#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hubwatch::hub {

namespace detail {

class server_state;

} // namespace detail

/// Produces the frames that one client gets on its own. The server pulls the
/// next frame whenever that client's write queue runs low, so a fast producer
/// cannot flood memory; returning false ends the stream and the server then
/// closes that client with 1000 (normal closure).
using frame_source = std::function<bool(std::string& text_frame)>;

struct server_options {
  std::string bind = "127.0.0.1";

  /// 0 picks a free port on the first start(); later starts re-bind it.
  uint16_t port = 0;

  /// The WebSocket upgrade is served on this path only (query ignored).
  std::string ws_path = "/ws";

  /// Both set: serve TLS (wss://) with this PEM certificate chain and key.
  std::string cert_file;
  std::string key_file;

  /// Negotiate permessage-deflate like the real hub (no context takeover
  /// either way, compress messages of 512 bytes and more) and send every
  /// text message as a fragmented sequence, whether or not the client took
  /// the extension.
  bool accept_deflate = false;

  /// With accept_deflate: compress messages of this many bytes and more
  /// (the real hub: 512); 0 compresses every one.
  size_t deflate_threshold = 512;

  /// With accept_deflate: fragment only for clients that took the extension,
  /// like the real hub (its writer sends a message in one frame unless it
  /// deflates the connection).
  bool fragment_only_deflated = false;

  /// Which permessage-deflate offers the upgrade refuses with HTTP 400.
  enum class deflate_refusal : uint8_t {
    none,
    /// Like the real hub (nhooyr.io/websocket 1.8.7): offers with a
    /// parameter other than client_no_context_takeover,
    /// server_no_context_takeover or client_max_window_bits, such as
    /// server_max_window_bits.
    like_real_hub,
    /// Every offer.
    any,
  };

  deflate_refusal refuse_deflate = deflate_refusal::none;

  /// Send every text message of 2 bytes or more as a fragmented sequence
  /// (first frame without FIN, then a continuation), without deflate.
  bool fragment = false;

  /// Nonzero: answer every upgrade on ws_path with this HTTP status, close.
  uint16_t reject_status = 0;

  /// Non-empty: an upgrade without `Authorization: Bearer <this>` gets
  /// HTTP 401 (with `WWW-Authenticate: Bearer`) and is closed.
  std::string require_bearer_token;

  /// With require_bearer_token: the 401's body repeats what the client
  /// presented, as careless hubs do; a client must not print it.
  bool echo_refused_token = false;

  /// Accept TCP (and TLS), read the upgrade request, never answer it.
  bool never_answer_handshake = false;

  /// After the handshake never read from the client (so pings go
  /// unanswered) and send it nothing. The server then cannot notice that
  /// such a client left: it counts until drop_all(), close_all() or stop().
  bool silent = false;

  /// 0 = unlimited; beyond it upgrades are refused with 503.
  size_t max_clients = 0;

  /// I/O threads serving the connections.
  size_t threads = 1;

  /// Called on an I/O thread right after each handshake; the frames it
  /// returns go to that client only, ahead of anything broadcast later.
  /// Must be thread-safe.
  std::function<std::vector<std::string>()> greeting;

  /// Called on an I/O thread right after each handshake; a non-empty
  /// source feeds that client as fast as it reads (benchmarks). Must be
  /// thread-safe; the source itself is only ever used by one connection.
  std::function<frame_source()> make_source;
};

/// A real Boost.Beast WebSocket server for tests, the hub simulator and
/// benchmarks. It runs on its own I/O thread(s) with its own io_context;
/// every public member function is thread-safe.
class hub_server {
public:
  explicit hub_server(server_options opts);

  hub_server(const hub_server&) = delete;

  hub_server& operator=(const hub_server&) = delete;

  /// Calls stop().
  ~hub_server();

  /// Binds, listens and starts serving. Throws std::runtime_error naming the
  /// address when binding (or loading the TLS files) fails. No-op while
  /// running.
  void start();

  /// Closes the listener and drops every connection without a WebSocket
  /// close frame, the way a real hub shuts down (clients see 1006). Blocks
  /// until the I/O threads are gone.
  void stop();

  bool running() const;

  /// The bound port, valid after the first start().
  uint16_t port() const;

  /// "ws://127.0.0.1:PORT/ws", or "wss://localhost:PORT/ws" with TLS.
  std::string url() const;

  /// Queues a text message for every connected client, in call order.
  void send_text(std::string frame);

  /// Queues a binary message for every connected client, in call order.
  void send_binary(std::string frame);

  /// Queues a close handshake with every client, after its pending writes.
  void close_all(uint16_t code, std::string reason = {});

  /// Closes every connection's TCP socket without a close frame; keeps
  /// listening.
  void drop_all();

  /// Currently connected WebSocket clients (handshake done).
  size_t clients() const;

  /// Blocks until clients() >= n or the timeout passes; true on success.
  bool wait_for_clients(size_t n, std::chrono::milliseconds timeout);

  /// Blocks until clients() < n or the timeout passes; true on success.
  bool wait_for_clients_below(size_t n, std::chrono::milliseconds timeout);

  /// Text and binary messages received from clients, ever (across restarts).
  uint64_t data_frames_received() const;

  /// Ping control frames received from clients, ever.
  uint64_t pings_received() const;

  /// Successful WebSocket handshakes, ever.
  uint64_t connections_accepted() const;

  /// Upgrade requests (on ws_path) that offered permessage-deflate, ever,
  /// refused or not.
  uint64_t deflate_offers() const;

  /// The Sec-WebSocket-Extensions header of the latest upgrade request on
  /// ws_path (empty when it had none).
  std::string last_extension_offer() const;

  /// The headers of the latest upgrade request on ws_path, in order, as
  /// (name, value); refused or not.
  std::vector<std::pair<std::string, std::string>> last_upgrade_headers() const;

  /// The value of header `name` (any case) in the latest upgrade request on
  /// ws_path; empty when it had none.
  std::string last_upgrade_header(const std::string& name) const;

  /// Upgrades refused with 401 for a missing or wrong bearer token, ever.
  uint64_t unauthorized() const;

private:
  std::unique_ptr<detail::server_state> state_;
};

} // namespace hubwatch::hub
