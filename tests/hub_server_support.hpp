#pragma once

// Helpers for the tests of simulator/hub_server: a synchronous Beast client
// on 127.0.0.1 with a watchdog, so a broken server fails a test instead of
// hanging ctest.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/test/unit_test.hpp>

#include "simulator/hub_server.hpp"

namespace hubwatch::hub::server_test {

using namespace std::chrono_literals;

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using beast::error_code;

// Upper bound for anything a test waits for; the happy path takes
// milliseconds.
inline constexpr auto patience = 5000ms;

// How long a test watches for something that must NOT happen.
inline constexpr auto quiet_period = 300ms;

template <class Predicate>
bool eventually(Predicate pred) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// Shuts a socket down from another thread when a blocking call on it takes
/// too long, so a broken server fails the test instead of hanging ctest.
class watchdog {
public:
  explicit watchdog(tcp::socket& sock) : fd_(sock.native_handle()) {
    thread_ = std::thread{[this] {
      std::unique_lock<std::mutex> guard{mtx_};
      if (!cv_.wait_for(guard, patience, [this] { return done_; }))
        ::shutdown(fd_, SHUT_RDWR);
    }};
  }

  ~watchdog() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  int fd_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Error codes compare in checks by their text, which failures then show.
inline std::string text_of(error_code ec) {
  return ec ? ec.category().name() + std::string{": "} + ec.message() : "ok";
}

template <class Enum>
std::string text_of(Enum e) {
  return text_of(error_code{e});
}

inline tcp::endpoint local(uint16_t port) {
  return {net::ip::make_address("127.0.0.1"), port};
}

/// A synchronous Beast WebSocket client over plain TCP.
struct ws_client {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  std::optional<watchdog> dog;
  websocket::response_type res;

  /// Connects and shakes hands; returns the handshake's error.
  /// `offer`: a Sec-WebSocket-Extensions header instead of Beast's own
  /// offer (which names both window sizes).
  error_code connect(uint16_t port, const std::string& target = "/ws",
                     bool deflate = false, std::string offer = {}) {
    error_code ec;
    ws.next_layer().connect(local(port), ec);
    if (ec)
      return ec;
    dog.emplace(ws.next_layer());
    if (deflate) {
      websocket::permessage_deflate pmd;
      pmd.client_enable = true;
      ws.set_option(pmd);
    }
    if (!offer.empty())
      ws.set_option(websocket::stream_base::decorator(
        [offer](websocket::request_type& req) {
          req.set(http::field::sec_websocket_extensions, offer);
        }));
    ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
    return ec;
  }

  std::string read(error_code& ec) {
    beast::flat_buffer buf;
    ws.read(buf, ec);
    return beast::buffers_to_string(buf.data());
  }

  std::string read() {
    error_code ec;
    auto result = read(ec);
    CAF_REQUIRE_EQUAL(text_of(ec), text_of(error_code{}));
    return result;
  }
};

inline server_options defaults() {
  return server_options{};
}

} // namespace hubwatch::hub::server_test
