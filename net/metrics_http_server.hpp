#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hubwatch/core/basic_auth.hpp"

namespace hubwatch {

/// Hands the HTTP server the body of one `/metrics` response: call it once,
/// from any thread, with the text, or with nothing when the figures could
/// not be had (the scrape then gets 503).
using metrics_delivery = std::function<void(std::optional<std::string>)>;

/// Produces the body of one response asynchronously. Called on the server's
/// own I/O thread; it must not block (ask, and deliver when the answer
/// comes).
using metrics_body_source = std::function<void(metrics_delivery)>;

struct metrics_http_options {
  /// An address, not a host name; 127.0.0.1 keeps the figures on the host.
  std::string bind = "127.0.0.1";

  /// 0 picks a free port.
  uint16_t port = 0;

  /// The one path served (a query string is ignored); anything else 404.
  std::string path = "/metrics";

  /// Connections served at once; more are closed as soon as accepted.
  size_t max_connections = 8;

  /// Request line plus headers; beyond it the request gets 400.
  size_t max_header_bytes = 8192;

  /// Request bodies (a GET has none) beyond this get 400.
  size_t max_body_bytes = 4096;

  /// Budget for one request to arrive, idle time of a kept-alive connection
  /// included, and for its response to be written.
  std::chrono::milliseconds io_timeout{10000};

  /// Budget for the body source; when it is spent the scrape gets 503.
  std::chrono::milliseconds collect_timeout{5000};

  /// Content-Type of the 200 responses.
  std::string content_type = "text/plain; version=0.0.4; charset=utf-8";

  /// A PEM certificate chain and its private key: with both, the port
  /// speaks HTTPS only (TLS 1.2 or newer); a plain request never gets an
  /// answer.
  std::string tls_cert_file;
  std::string tls_key_file;

  /// With any, every request must carry `Authorization: Basic` for one of
  /// them; without, it gets 401 and `WWW-Authenticate`, whatever its path.
  std::vector<basic_credential> basic_auth;
};

/// A small Boost.Beast HTTP/1.1 server for `GET /metrics`, on an I/O thread
/// of its own, so that a scrape never runs on (or waits in) an actor's
/// thread and never touches the hub connection's io_context. Anything but a
/// GET of `path` gets 404 (other paths) or 405 (other methods); malformed or
/// oversized requests get 400 and the connection closes.
class metrics_http_server {
public:
  metrics_http_server(metrics_http_options opts, metrics_body_source source);

  /// Closes the listener and every connection, then stops the thread. A
  /// body delivered after that is dropped.
  ~metrics_http_server();

  metrics_http_server(const metrics_http_server&) = delete;
  metrics_http_server& operator=(const metrics_http_server&) = delete;

  /// Binds, listens and starts serving; returns the port. Throws
  /// std::runtime_error naming the address, or the certificate or key file,
  /// when that fails.
  uint16_t start();

  /// The bound port, valid after `start()`.
  uint16_t port() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace hubwatch
