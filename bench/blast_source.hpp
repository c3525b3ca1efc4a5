#pragma once

// The benchmark's hub: a Boost.Beast server on 127.0.0.1 that accepts one
// WebSocket client at a time and then writes pre-encoded frames straight to
// the socket in large chunks, so the source is never the bottleneck.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace hubwatch::bench {

/// Encodes `payload` as one unmasked server-to-client text frame.
void append_text_frame(std::string& out, const std::string& payload);

class blast_source {
public:
  /// Per connection: either blast `count` frames cycling through `frames`,
  /// or, with `rate` > 0, send `count` frames at `rate` per second, each made
  /// by `make_frame(i)` (for latency: it stamps the send time). Without a
  /// rate, `make_frame` (if set) replaces `frames`: `count` distinct frames,
  /// still written in large chunks.
  struct plan {
    uint64_t count = 0;
    std::vector<std::string> frames;
    double rate = 0;
    std::function<std::string(uint64_t)> make_frame;
  };

  blast_source();
  ~blast_source();

  uint16_t port() const {
    return port_;
  }

  std::string url() const {
    return "ws://127.0.0.1:" + std::to_string(port_) + "/ws";
  }

  /// Serves the next connection with `p` (on the source's own thread).
  /// `before_close` (if set) runs after the last frame and before the close
  /// frame: the connection stays up until it returns.
  void serve(plan p, std::function<void()> before_close = {});

  /// Waits until the current connection is served and closed.
  void join();

  /// Data frames the client sent (must be 0 for hubwatch).
  uint64_t data_frames_received() const {
    return received_;
  }

  /// CPU time of the source's thread while it served the last connection
  /// (after `join()`), so that a figure can leave the source out.
  double last_serve_cpu_s() const {
    return static_cast<double>(cpu_ns_) / 1e9;
  }

private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<uint64_t> received_{0};
  std::atomic<int64_t> cpu_ns_{0};
  // Set before the source's thread starts, read only by it.
  std::function<void()> before_close_;
};

} // namespace hubwatch::bench
