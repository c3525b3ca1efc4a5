#define CAF_SUITE hub_server

#include "simulator/hub_server.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "simulator/demo_script.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch::hub;
using namespace std::chrono_literals;

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace json = boost::json;
using tcp = net::ip::tcp;
using beast::error_code;

namespace {

// Upper bound for anything a test waits for; the happy path takes
// milliseconds.
constexpr auto patience = 5000ms;

// How long a test watches for something that must NOT happen.
constexpr auto quiet_period = 300ms;

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
std::string text_of(error_code ec) {
  return ec ? ec.category().name() + std::string{": "} + ec.message() : "ok";
}

template <class Enum>
std::string text_of(Enum e) {
  return text_of(error_code{e});
}

tcp::endpoint local(uint16_t port) {
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

/// One WebSocket frame as it is on the wire (server frames are unmasked).
struct raw_frame {
  bool fin = false;
  bool rsv1 = false;
  int opcode = -1;
  std::string payload;
};

raw_frame read_raw_frame(tcp::socket& sock) {
  raw_frame result;
  unsigned char head[2];
  net::read(sock, net::buffer(head));
  result.fin = (head[0] & 0x80) != 0;
  result.rsv1 = (head[0] & 0x40) != 0;
  result.opcode = head[0] & 0x0f;
  CAF_REQUIRE((head[1] & 0x80) == 0);
  uint64_t len = head[1] & 0x7f;
  if (len >= 126) {
    unsigned char ext[8];
    size_t n = len == 126 ? 2 : 8;
    net::read(sock, net::buffer(ext, n));
    len = 0;
    for (size_t i = 0; i < n; ++i)
      len = (len << 8) | ext[i];
  }
  result.payload.resize(len);
  net::read(sock, net::buffer(result.payload));
  return result;
}

/// Reads the frames of one message off the wire.
std::vector<raw_frame> read_raw_message(tcp::socket& sock) {
  std::vector<raw_frame> frames;
  do {
    frames.push_back(read_raw_frame(sock));
  } while (!frames.back().fin);
  return frames;
}

std::string payload_of(const std::vector<raw_frame>& frames) {
  std::string result;
  for (auto& frame : frames)
    result += frame.payload;
  return result;
}

/// Inflates a permessage-deflate message (RFC 7692: append 00 00 ff ff).
std::string inflate(std::string data) {
  namespace zlib = beast::zlib;
  data += std::string("\x00\x00\xff\xff", 4);
  zlib::inflate_stream zi;
  zi.reset(15);
  std::string out(64 * 1024, '\0');
  zlib::z_params zs;
  zs.next_in = data.data();
  zs.avail_in = data.size();
  zs.next_out = out.data();
  zs.avail_out = out.size();
  error_code ec;
  zi.write(zs, zlib::Flush::sync, ec);
  CAF_REQUIRE(!ec || ec == zlib::error::end_of_stream);
  out.resize(zs.total_out);
  return out;
}

http::response<http::string_body> http_get(uint16_t port,
                                           const std::string& target) {
  net::io_context ioc;
  tcp::socket sock{ioc};
  sock.connect(local(port));
  watchdog dog{sock};
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(sock, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  return res;
}

/// A JSON-like text of `n` bytes that does not compress to nothing.
std::string sample_text(size_t n) {
  std::string result;
  for (size_t i = 0; result.size() < n; ++i)
    result += "{\"seq\":" + std::to_string(i * 7919 % 10007) + "}";
  result.resize(n);
  return result;
}

server_options defaults() {
  return server_options{};
}

/// A temporary directory holding a certificate for localhost.
struct cert_dir {
  std::filesystem::path dir;
  cert_files files;

  cert_dir() {
    auto tmpl =
      (std::filesystem::temp_directory_path() / "hubwatch-cert-XXXXXX")
        .string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    files = make_test_cert(dir.string());
  }

  ~cert_dir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

} // namespace

// -- HTTP ---------------------------------------------------------------------

CAF_TEST(health answers with JSON and the client count) {
  hub_server server{defaults()};
  server.start();
  CAF_CHECK_NOT_EQUAL(server.port(), 0u);
  CAF_CHECK_EQUAL(server.url(),
                  "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws");
  auto res = http_get(server.port(), "/health");
  CAF_CHECK_EQUAL(res.result_int(), 200u);
  CAF_CHECK_EQUAL(res[http::field::content_type], "application/json");
  CAF_CHECK(json::parse(res.body()) ==
            json::parse(R"({"status":"ok","clients":0})"));
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  res = http_get(server.port(), "/health?verbose=1");
  CAF_CHECK(json::parse(res.body()) ==
            json::parse(R"({"status":"ok","clients":1})"));
}

CAF_TEST(other paths get 404 with or without an upgrade) {
  hub_server server{defaults()};
  server.start();
  CAF_CHECK_EQUAL(http_get(server.port(), "/nope").result_int(), 404u);
  // A plain GET on the WebSocket path is no upgrade either.
  CAF_CHECK_EQUAL(http_get(server.port(), "/ws").result_int(), 404u);
  ws_client client;
  CAF_CHECK_EQUAL(text_of(client.connect(server.port(), "/events")),
                  text_of(websocket::error::upgrade_declined));
  CAF_CHECK_EQUAL(client.res.result_int(), 404u);
  CAF_CHECK_EQUAL(server.connections_accepted(), 0u);
}

CAF_TEST(the query string does not matter for the upgrade) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_CHECK(!client.connect(server.port(), "/ws?token=abc"));
  CAF_CHECK(server.wait_for_clients(1, patience));
}

CAF_TEST(reject_status refuses every upgrade with that status) {
  for (uint16_t status : {401, 403, 404}) {
    auto opts = defaults();
    opts.reject_status = status;
    hub_server server{opts};
    server.start();
    ws_client client;
    CAF_CHECK_EQUAL(text_of(client.connect(server.port())),
                    text_of(websocket::error::upgrade_declined));
    CAF_CHECK_EQUAL(client.res.result_int(), status);
    CAF_CHECK_EQUAL(server.connections_accepted(), 0u);
  }
}

CAF_TEST(max_clients refuses one more with 503) {
  auto opts = defaults();
  opts.max_clients = 1;
  hub_server server{opts};
  server.start();
  auto first = std::make_unique<ws_client>();
  CAF_REQUIRE(!first->connect(server.port()));
  ws_client second;
  CAF_CHECK_EQUAL(text_of(second.connect(server.port())),
                  text_of(websocket::error::upgrade_declined));
  CAF_CHECK_EQUAL(second.res.result_int(), 503u);
  first->ws.close(websocket::close_code::normal);
  first.reset();
  CAF_REQUIRE(server.wait_for_clients_below(1, patience));
  ws_client third;
  CAF_CHECK(!third.connect(server.port()));
}

CAF_TEST(start throws a clear error when the port is taken) {
  hub_server first{defaults()};
  first.start();
  auto opts = defaults();
  opts.port = first.port();
  hub_server second{opts};
  try {
    second.start();
    CAF_FAIL("start() on a taken port did not throw");
  } catch (const std::runtime_error& ex) {
    std::string what = ex.what();
    CAF_MESSAGE(what);
    CAF_CHECK(what.find("cannot bind 127.0.0.1:" + std::to_string(opts.port)) !=
              std::string::npos);
  }
}

// -- messages -----------------------------------------------------------------

CAF_TEST(text and binary messages arrive in order) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("one");
  server.send_binary(std::string("\x00\x01\x02", 3));
  server.send_text("three");
  CAF_CHECK_EQUAL(client.read(), "one");
  CAF_CHECK(client.ws.got_text());
  CAF_CHECK_EQUAL(client.read(), std::string("\x00\x01\x02", 3));
  CAF_CHECK(client.ws.got_binary());
  CAF_CHECK_EQUAL(client.read(), "three");
  CAF_CHECK(client.ws.got_text());
}

CAF_TEST(without fragment or deflate every message is one frame) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  auto big = sample_text(10000);
  server.send_text(big);
  auto frames = read_raw_message(client.ws.next_layer());
  CAF_REQUIRE_EQUAL(frames.size(), 1u);
  CAF_CHECK_EQUAL(frames[0].opcode, 1);
  CAF_CHECK_EQUAL(frames[0].payload, big);
}

CAF_TEST(fragment splits every text message into a sequence) {
  auto opts = defaults();
  opts.fragment = true;
  hub_server server{opts};
  server.start();
  ws_client raw;
  CAF_REQUIRE(!raw.connect(server.port()));
  ws_client whole;
  CAF_REQUIRE(!whole.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(2, patience));
  for (auto text : {std::string{"hi"}, std::string{"hello world"},
                    sample_text(700), sample_text(10000)}) {
    server.send_text(text);
    auto frames = read_raw_message(raw.ws.next_layer());
    CAF_CHECK_GREATER_OR_EQUAL(frames.size(), 2u);
    CAF_CHECK_EQUAL(frames.front().opcode, 1);
    CAF_CHECK(!frames.front().fin);
    for (size_t i = 1; i < frames.size(); ++i)
      CAF_CHECK_EQUAL(frames[i].opcode, 0);
    CAF_CHECK_EQUAL(payload_of(frames), text);
    CAF_CHECK_EQUAL(whole.read(), text);
  }
  // A single byte cannot be split.
  server.send_text("x");
  auto frames = read_raw_message(raw.ws.next_layer());
  CAF_CHECK_EQUAL(frames.size(), 1u);
  CAF_CHECK_EQUAL(whole.read(), "x");
}

CAF_TEST(deflate compresses large messages and fragments all of them) {
  auto opts = defaults();
  opts.accept_deflate = true;
  hub_server server{opts};
  server.start();
  ws_client raw;
  CAF_REQUIRE(!raw.connect(server.port(), "/ws", true));
  auto ext = std::string{raw.res[http::field::sec_websocket_extensions]};
  CAF_MESSAGE("negotiated: " << ext);
  CAF_CHECK(ext.find("permessage-deflate") != std::string::npos);
  CAF_CHECK(ext.find("server_no_context_takeover") != std::string::npos);
  CAF_CHECK(ext.find("client_no_context_takeover") != std::string::npos);
  ws_client whole;
  CAF_REQUIRE(!whole.connect(server.port(), "/ws", true));
  ws_client no_offer;
  CAF_REQUIRE(!no_offer.connect(server.port()));
  CAF_CHECK_EQUAL(no_offer.res.count(http::field::sec_websocket_extensions),
                  0u);
  CAF_REQUIRE(server.wait_for_clients(3, patience));
  struct sample {
    std::string text;
    bool compressed;
  };
  std::vector<sample> samples{
    {sample_text(100), false},
    {sample_text(511), false},
    {sample_text(512), true},
    {sample_text(700), true},
    {sample_text(20000), true},
    // Compresses to a few bytes; still fragmented, sent plain.
    {std::string(600, 'a'), false},
  };
  for (auto& [text, compressed] : samples) {
    CAF_MESSAGE("message of " << text.size() << " bytes");
    server.send_text(text);
    auto frames = read_raw_message(raw.ws.next_layer());
    CAF_CHECK_GREATER_OR_EQUAL(frames.size(), 2u);
    CAF_CHECK_EQUAL(frames.front().opcode, 1);
    CAF_CHECK_EQUAL(frames.front().rsv1, compressed);
    for (size_t i = 1; i < frames.size(); ++i) {
      CAF_CHECK_EQUAL(frames[i].opcode, 0);
      CAF_CHECK(!frames[i].rsv1);
    }
    auto payload = payload_of(frames);
    CAF_CHECK_EQUAL(compressed ? inflate(payload) : payload, text);
    CAF_CHECK_EQUAL(whole.read(), text);
    // Without the extension the same message still comes fragmented.
    auto plain = read_raw_message(no_offer.ws.next_layer());
    CAF_CHECK_GREATER_OR_EQUAL(plain.size(), 2u);
    CAF_CHECK(!plain.front().rsv1);
    CAF_CHECK_EQUAL(payload_of(plain), text);
  }
}

CAF_TEST(text with invalid UTF - 8 goes out and the client fails with 1007) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("{\"type\":\"\xc3\x28\"}");
  error_code ec;
  client.read(ec);
  // Beast fails the connection with close code 1007 on this error.
  CAF_CHECK_EQUAL(text_of(ec), text_of(websocket::error::bad_frame_payload));
  CAF_CHECK(server.wait_for_clients_below(1, patience));
}

CAF_TEST(data frames and pings from clients are counted) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  CAF_CHECK_EQUAL(server.data_frames_received(), 0u);
  // The one place where a client writes: to prove the counter works.
  client.ws.text(true);
  client.ws.write(net::buffer(std::string{"hello"}));
  client.ws.write(net::buffer(std::string{"again"}));
  client.ws.binary(true);
  client.ws.write(net::buffer(std::string{"\x01"}));
  client.ws.ping({});
  client.ws.ping("p");
  CAF_CHECK(eventually([&] { return server.data_frames_received() == 3; }));
  CAF_CHECK(eventually([&] { return server.pings_received() == 2; }));
  // The server answers pings: the client sees the pongs.
  size_t pongs = 0;
  client.ws.control_callback(
    [&](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong)
        ++pongs;
    });
  server.send_text("after the pongs");
  CAF_CHECK_EQUAL(client.read(), "after the pongs");
  CAF_CHECK_EQUAL(pongs, 2u);
  CAF_CHECK_EQUAL(server.data_frames_received(), 3u);
}

CAF_TEST(several IO threads keep the order per client) {
  auto opts = defaults();
  opts.threads = 4;
  opts.fragment = true;
  hub_server server{opts};
  server.start();
  std::vector<std::unique_ptr<ws_client>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<ws_client>());
    CAF_REQUIRE(!clients.back()->connect(server.port()));
  }
  CAF_REQUIRE(server.wait_for_clients(6, patience));
  // Two senders; each one's messages must stay in order at every client.
  auto send = [&](const std::string& prefix) {
    for (int i = 0; i < 100; ++i)
      server.send_text(prefix + std::to_string(i));
  };
  std::thread a{send, "a"};
  std::thread b{send, "b"};
  a.join();
  b.join();
  for (auto& client : clients) {
    std::map<char, int> next;
    for (int i = 0; i < 200; ++i) {
      auto msg = client->read();
      auto n = std::stoi(msg.substr(1));
      CAF_CHECK_EQUAL(n, next[msg[0]]);
      next[msg[0]] = n + 1;
    }
  }
}

// -- connection ends ----------------------------------------------------------

CAF_TEST(close_all performs the close handshake) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("last words");
  server.close_all(4001, "bye");
  CAF_CHECK_EQUAL(client.read(), "last words");
  error_code ec;
  client.read(ec);
  CAF_CHECK_EQUAL(text_of(ec), text_of(websocket::error::closed));
  CAF_CHECK_EQUAL(static_cast<uint16_t>(client.ws.reason().code), 4001u);
  CAF_CHECK_EQUAL(client.ws.reason().reason, "bye");
  CAF_CHECK(server.wait_for_clients_below(1, patience));
}

CAF_TEST(drop_all ends connections without a close frame) {
  hub_server server{defaults()};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.drop_all();
  error_code ec;
  client.read(ec);
  CAF_MESSAGE("client read after drop_all: " << ec.message());
  CAF_CHECK(ec);
  CAF_CHECK_NOT_EQUAL(text_of(ec), text_of(websocket::error::closed));
  CAF_CHECK(server.wait_for_clients_below(1, patience));
  // Still listening.
  ws_client again;
  CAF_REQUIRE(!again.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("still here");
  CAF_CHECK_EQUAL(again.read(), "still here");
}

CAF_TEST(stop drops clients and start listens on the same port again) {
  hub_server server{defaults()};
  server.start();
  auto port = server.port();
  ws_client client;
  CAF_REQUIRE(!client.connect(port));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  client.ws.write(net::buffer(std::string{"counted"}));
  CAF_REQUIRE(eventually([&] { return server.data_frames_received() == 1; }));
  server.stop();
  CAF_CHECK(!server.running());
  CAF_CHECK_EQUAL(server.clients(), 0u);
  error_code ec;
  client.read(ec);
  CAF_MESSAGE("client read after stop: " << ec.message());
  CAF_CHECK(ec);
  CAF_CHECK_NOT_EQUAL(text_of(ec), text_of(websocket::error::closed));
  // Nothing to send to while stopped.
  server.send_text("into the void");
  server.start();
  CAF_CHECK_EQUAL(server.port(), port);
  ws_client again;
  CAF_REQUIRE(!again.connect(port));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("back");
  CAF_CHECK_EQUAL(again.read(), "back");
  CAF_CHECK_EQUAL(server.connections_accepted(), 2u);
  CAF_CHECK_EQUAL(server.data_frames_received(), 1u);
  server.stop();
  server.stop(); // idempotent
}

CAF_TEST(never_answer_handshake leaves the upgrade hanging) {
  auto opts = defaults();
  opts.never_answer_handshake = true;
  hub_server server{opts};
  server.start();
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::get_lowest_layer(ws).connect(local(server.port()));
  std::optional<error_code> result;
  ws.async_handshake("127.0.0.1", "/ws", [&](error_code ec) { result = ec; });
  ioc.run_for(quiet_period);
  CAF_CHECK(!result);
  CAF_CHECK_EQUAL(server.clients(), 0u);
  // Health checks still work meanwhile.
  CAF_CHECK_EQUAL(http_get(server.port(), "/health").result_int(), 200u);
  // stop() also drops connections that never got an answer.
  server.stop();
  ioc.restart();
  ioc.run_for(patience);
  CAF_REQUIRE(result);
  CAF_CHECK(*result);
}

CAF_TEST(silent servers neither read nor write) {
  auto opts = defaults();
  opts.silent = true;
  opts.greeting = [] {
    return std::vector<std::string>{"hello"};
  };
  hub_server server{opts};
  server.start();
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::get_lowest_layer(ws).connect(local(server.port()));
  ws.handshake("127.0.0.1", "/ws");
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("nothing");
  bool pong = false;
  ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong)
      pong = true;
  });
  ws.ping({});
  beast::flat_buffer buf;
  std::optional<error_code> result;
  ws.async_read(buf, [&](error_code ec, size_t) { result = ec; });
  ioc.run_for(quiet_period);
  CAF_CHECK(!result);
  CAF_CHECK(!pong);
  CAF_CHECK_EQUAL(server.pings_received(), 0u);
  server.drop_all();
  CAF_CHECK(server.wait_for_clients_below(1, patience));
  ioc.run_for(patience);
  CAF_REQUIRE(result);
  CAF_CHECK(*result);
}

// -- greeting and per-client sources ------------------------------------------

CAF_TEST(the greeting goes to each new client before broadcasts) {
  auto opts = defaults();
  opts.greeting = [] {
    return std::vector<std::string>{"g1", "g2"};
  };
  hub_server server{opts};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("news");
  CAF_CHECK_EQUAL(client.read(), "g1");
  CAF_CHECK_EQUAL(client.read(), "g2");
  CAF_CHECK_EQUAL(client.read(), "news");
}

CAF_TEST(a frame source feeds its client and then closes with 1000) {
  auto opts = defaults();
  opts.make_source = [] {
    return frame_source{[n = 0](std::string& out) mutable {
      if (n == 5)
        return false;
      out = "event " + std::to_string(n++);
      return true;
    }};
  };
  hub_server server{opts};
  server.start();
  ws_client client;
  CAF_REQUIRE(!client.connect(server.port()));
  for (int i = 0; i < 5; ++i)
    CAF_CHECK_EQUAL(client.read(), "event " + std::to_string(i));
  error_code ec;
  client.read(ec);
  CAF_CHECK_EQUAL(text_of(ec), text_of(websocket::error::closed));
  CAF_CHECK_EQUAL(static_cast<uint16_t>(client.ws.reason().code), 1000u);
}

// -- TLS ----------------------------------------------------------------------

CAF_TEST(the TLS server works with a generated certificate) {
  cert_dir certs;
  auto opts = defaults();
  opts.cert_file = certs.files.cert_file;
  opts.key_file = certs.files.key_file;
  opts.fragment = true;
  hub_server server{opts};
  server.start();
  CAF_CHECK_EQUAL(server.url(),
                  "wss://localhost:" + std::to_string(server.port()) + "/ws");
  ssl::context ctx{ssl::context::tls_client};
  ctx.load_verify_file(certs.files.cert_file);
  ctx.set_verify_mode(ssl::verify_peer);
  net::io_context ioc;
  websocket::stream<ssl::stream<tcp::socket>> ws{ioc, ctx};
  auto& sock = beast::get_lowest_layer(ws);
  sock.connect(local(server.port()));
  watchdog dog{sock};
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
  ws.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost:" + std::to_string(server.port()), "/ws");
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("secret");
  server.send_binary("bytes");
  beast::flat_buffer buf;
  ws.read(buf);
  CAF_CHECK_EQUAL(beast::buffers_to_string(buf.data()), "secret");
  buf.clear();
  ws.read(buf);
  CAF_CHECK_EQUAL(beast::buffers_to_string(buf.data()), "bytes");
  // Dropped without close_notify nor close frame, like a plain hub restart.
  server.drop_all();
  error_code ec;
  ws.read(buf, ec);
  CAF_MESSAGE("TLS client read after drop_all: " << ec.message());
  CAF_CHECK(ec);
  CAF_CHECK_NOT_EQUAL(text_of(ec), text_of(websocket::error::closed));
  CAF_CHECK(server.wait_for_clients_below(1, patience));
}

CAF_TEST(a TLS client that does not trust the certificate is refused) {
  cert_dir certs;
  auto opts = defaults();
  opts.cert_file = certs.files.cert_file;
  opts.key_file = certs.files.key_file;
  hub_server server{opts};
  server.start();
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_verify_mode(ssl::verify_peer);
  net::io_context ioc;
  ssl::stream<tcp::socket> stream{ioc, ctx};
  stream.next_layer().connect(local(server.port()));
  watchdog dog{stream.next_layer()};
  error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  CAF_MESSAGE("untrusted handshake: " << ec.message());
  CAF_CHECK(ec);
  CAF_CHECK_EQUAL(server.connections_accepted(), 0u);
}

CAF_TEST(make_test_cert fails clearly without a directory) {
  try {
    make_test_cert("/nonexistent/hubwatch");
    CAF_FAIL("make_test_cert did not throw");
  } catch (const std::runtime_error& ex) {
    CAF_MESSAGE(ex.what());
    CAF_CHECK(std::string{ex.what()}.find("/nonexistent/hubwatch") !=
              std::string::npos);
  }
}

// -- the simulator's script ---------------------------------------------------

namespace {

// 2026-11-25T17:30:05Z
const auto fixed_now =
  std::chrono::system_clock::time_point{std::chrono::seconds{1795627805}};

CAF_TEST(like the real hub : deflate offers naming server window bits get 400) {
  auto opts = defaults();
  opts.accept_deflate = true;
  opts.refuse_deflate = server_options::deflate_refusal::like_real_hub;
  hub_server server{opts};
  server.start();
  {
    // Beast's own offer names server_max_window_bits=15.
    ws_client client;
    CAF_CHECK_EQUAL(text_of(client.connect(server.port(), "/ws", true)),
                    text_of(websocket::error::upgrade_declined));
    CAF_CHECK_EQUAL(client.res.result_int(), 400);
    CAF_CHECK_NOT_EQUAL(
      server.last_extension_offer().find("server_max_window_bits"),
      std::string::npos);
  }
  CAF_CHECK_EQUAL(server.deflate_offers(), 1u);
  CAF_CHECK_EQUAL(server.connections_accepted(), 0u);
  for (auto offer :
       {"permessage-deflate", "permessage-deflate; client_max_window_bits",
        "permessage-deflate; client_no_context_takeover; "
        "server_no_context_takeover"}) {
    CAF_MESSAGE("offer: " << offer);
    ws_client client;
    CAF_CHECK(!client.connect(server.port(), "/ws", true, offer));
    CAF_CHECK_EQUAL(server.last_extension_offer(), offer);
    CAF_CHECK_NOT_EQUAL(
      std::string{client.res[http::field::sec_websocket_extensions]}.find(
        "permessage-deflate"),
      std::string::npos);
  }
  CAF_CHECK_EQUAL(server.deflate_offers(), 4u);
  ws_client none;
  CAF_CHECK(!none.connect(server.port()));
  CAF_CHECK_EQUAL(server.last_extension_offer(), "");
  CAF_CHECK_EQUAL(server.deflate_offers(), 4u);
  CAF_CHECK(eventually([&] { return server.connections_accepted() == 4u; }));
}

CAF_TEST(refusing every deflate offer leaves plain upgrades alone) {
  auto opts = defaults();
  opts.refuse_deflate = server_options::deflate_refusal::any;
  hub_server server{opts};
  server.start();
  ws_client offer;
  CAF_CHECK_EQUAL(
    text_of(offer.connect(server.port(), "/ws", true, "permessage-deflate")),
    text_of(websocket::error::upgrade_declined));
  CAF_CHECK_EQUAL(offer.res.result_int(), 400);
  ws_client plain;
  CAF_CHECK(!plain.connect(server.port()));
  CAF_CHECK_EQUAL(server.deflate_offers(), 1u);
}

CAF_TEST(fragment_only_deflated sends one frame to clients without deflate) {
  auto opts = defaults();
  opts.accept_deflate = true;
  opts.fragment_only_deflated = true;
  hub_server server{opts};
  server.start();
  ws_client deflated;
  CAF_REQUIRE(!deflated.connect(server.port(), "/ws", true));
  ws_client plain;
  CAF_REQUIRE(!plain.connect(server.port()));
  CAF_REQUIRE(server.wait_for_clients(2, patience));
  for (auto text : {sample_text(100), sample_text(700)}) {
    server.send_text(text);
    auto frames = read_raw_message(deflated.ws.next_layer());
    CAF_CHECK_GREATER_OR_EQUAL(frames.size(), 2u);
    CAF_CHECK_EQUAL(frames.front().rsv1, text.size() >= 512);
    auto one = read_raw_message(plain.ws.next_layer());
    CAF_REQUIRE_EQUAL(one.size(), 1u);
    CAF_CHECK(!one.front().rsv1);
    CAF_CHECK_EQUAL(one.front().payload, text);
  }
}

CAF_TEST(deflate_threshold 0 compresses and fragments every message) {
  auto opts = defaults();
  opts.accept_deflate = true;
  opts.deflate_threshold = 0;
  hub_server server{opts};
  server.start();
  ws_client raw;
  CAF_REQUIRE(!raw.connect(server.port(), "/ws", true));
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  for (auto text : {sample_text(100), sample_text(300), sample_text(700)}) {
    CAF_MESSAGE("message of " << text.size() << " bytes");
    server.send_text(text);
    auto frames = read_raw_message(raw.ws.next_layer());
    CAF_CHECK_GREATER_OR_EQUAL(frames.size(), 2u);
    CAF_CHECK(frames.front().rsv1);
    CAF_CHECK(!frames.front().fin);
    CAF_CHECK_EQUAL(inflate(payload_of(frames)), text);
  }
}

struct event {
  std::string type;
  std::string agent_id;
  json::object payload;
  int64_t at_ms;
};

/// Runs a script for `total` simulated time in 100 ms steps and checks the
/// shape of every frame on the way.
std::vector<event> run_script(demo_script& script,
                              std::chrono::milliseconds total) {
  std::vector<event> result;
  while (script.elapsed() < total) {
    for (auto& frame : script.advance(100ms, fixed_now)) {
      CAF_CHECK_LESS(frame.size(), 1000u);
      error_code ec;
      auto val = json::parse(frame, ec);
      CAF_REQUIRE(!ec);
      CAF_REQUIRE(val.is_object());
      auto& obj = val.as_object();
      for (auto key : {"type", "agentId", "agentName", "timestamp"}) {
        CAF_REQUIRE(obj.contains(key));
        CAF_REQUIRE(obj.at(key).is_string());
      }
      CAF_REQUIRE(obj.contains("payload"));
      CAF_REQUIRE(obj.at("payload").is_object());
      CAF_CHECK_EQUAL(obj.at("timestamp").as_string(), "2026-11-25T17:30:05Z");
      result.push_back(event{std::string{obj.at("type").as_string()},
                             std::string{obj.at("agentId").as_string()},
                             obj.at("payload").as_object(),
                             script.elapsed().count()});
    }
  }
  return result;
}

size_t count(const std::vector<event>& events, const std::string& type,
             const std::string& agent_id) {
  size_t n = 0;
  for (auto& ev : events)
    if (ev.type == type && ev.agent_id == agent_id)
      ++n;
  return n;
}

} // namespace

CAF_TEST(rfc3339 formats UTC with whole seconds) {
  CAF_CHECK_EQUAL(rfc3339(fixed_now), "2026-11-25T17:30:05Z");
  CAF_CHECK_EQUAL(rfc3339(fixed_now + 999ms), "2026-11-25T17:30:05Z");
}

CAF_TEST(every agent heartbeats within the first five seconds) {
  demo_script script{42};
  auto events = run_script(script, 5000ms);
  for (auto id : {"coord-001", "inf-001", "defi-001"})
    CAF_CHECK_GREATER_OR_EQUAL(count(events, "heartbeat", id), 1u);
  auto greeting = script.heartbeats(fixed_now);
  CAF_REQUIRE_EQUAL(greeting.size(), 3u);
  std::vector<std::string> ids;
  for (auto& frame : greeting) {
    auto val = json::parse(frame);
    CAF_CHECK_EQUAL(val.at("type").as_string(), "heartbeat");
    ids.emplace_back(val.at("agentId").as_string());
  }
  CAF_CHECK_EQUAL(
    ids, (std::vector<std::string>{"coord-001", "inf-001", "defi-001"}));
}

CAF_TEST(the script keeps the real hub cadence and shapes) {
  demo_script script{7};
  auto events = run_script(script, 600s);
  // A heartbeat round at 0, 5, ..., 600 s.
  for (auto id : {"coord-001", "inf-001", "defi-001"})
    CAF_CHECK_EQUAL(count(events, "heartbeat", id), 121u);
  auto inf_results = count(events, "task_result", "inf-001");
  CAF_CHECK_GREATER_OR_EQUAL(inf_results, 30u);
  CAF_CHECK_LESS_OR_EQUAL(inf_results, 60u);
  auto defi_results = count(events, "task_result", "defi-001");
  CAF_CHECK_GREATER_OR_EQUAL(defi_results, 20u);
  CAF_CHECK_LESS_OR_EQUAL(defi_results, 40u);
  CAF_CHECK_GREATER_OR_EQUAL(count(events, "vault_decision", "defi-001"), 15u);
  // Every status shows up, in lifecycle order.
  std::vector<std::string> lifecycle;
  for (auto& ev : events)
    if (ev.agent_id == "exec-001")
      lifecycle.push_back(ev.type);
  CAF_REQUIRE_GREATER_OR_EQUAL(lifecycle.size(), 3u * 25);
  const char* cycle[] = {"agent_started", "agent_error", "agent_stopped"};
  for (size_t i = 0; i < lifecycle.size(); ++i)
    CAF_CHECK_EQUAL(lifecycle[i], cycle[i % 3]);
  // Risk checks: requested, assigned, then approved or denied, same task.
  std::string task;
  std::string last;
  size_t verdicts = 0;
  for (auto& ev : events) {
    if (ev.type == "risk_check_requested") {
      CAF_CHECK(last.empty() || last == "verdict");
      task = std::string{ev.payload.at("task_id").as_string()};
      last = ev.type;
    } else if (ev.type == "task_assignment") {
      CAF_CHECK_EQUAL(last, "risk_check_requested");
      CAF_CHECK_EQUAL(ev.payload.at("task_id").as_string(), task);
      last = ev.type;
    } else if (ev.type == "risk_check_approved" ||
               ev.type == "risk_check_denied") {
      CAF_CHECK_EQUAL(last, "task_assignment");
      CAF_CHECK_EQUAL(ev.payload.at("task_id").as_string(), task);
      last = "verdict";
      ++verdicts;
    }
  }
  CAF_CHECK_GREATER_OR_EQUAL(verdicts, 12u);
  // Payloads the dashboard relies on, in both spellings.
  bool trading = false;
  bool running = false;
  for (auto& ev : events) {
    if (ev.type != "heartbeat")
      continue;
    auto& status = ev.payload.at("status").as_string();
    if (ev.agent_id == "inf-001") {
      CAF_CHECK_EQUAL(status, "running");
      CAF_CHECK(ev.payload.at("currentTask").is_string());
      CAF_CHECK(ev.payload.at("uptimeSeconds").is_number());
      CAF_CHECK(ev.payload.at("inft").is_object());
      CAF_CHECK(ev.payload.at("storage").is_object());
    } else if (ev.agent_id == "defi-001") {
      if (status == "trading") {
        trading = true;
        CAF_CHECK(ev.payload.at("current_task").is_string());
        CAF_CHECK(ev.payload.at("uptime_seconds").is_number());
      } else {
        running = true;
        CAF_CHECK_EQUAL(status, "running");
      }
    } else {
      CAF_CHECK(ev.payload.at("monitoringSequence").is_string());
    }
  }
  CAF_CHECK(trading);
  CAF_CHECK(running);
  for (auto& ev : events)
    if (ev.type == "agent_error")
      CAF_CHECK(ev.payload.at("error").is_string());
}

CAF_TEST(the same seed gives the same script) {
  demo_script a{3};
  demo_script b{3};
  demo_script c{4};
  std::vector<std::string> xs;
  std::vector<std::string> ys;
  std::vector<std::string> zs;
  for (int i = 0; i < 600; ++i) {
    for (auto& frame : a.advance(100ms, fixed_now))
      xs.push_back(frame);
    for (auto& frame : b.advance(100ms, fixed_now))
      ys.push_back(frame);
    for (auto& frame : c.advance(100ms, fixed_now))
      zs.push_back(frame);
  }
  CAF_CHECK_EQUAL(xs, ys);
  CAF_CHECK_NOT_EQUAL(xs, zs);
  // Big steps see the same events as small ones.
  demo_script d{3};
  auto all = d.advance(60s, fixed_now);
  CAF_CHECK_EQUAL(all, xs);
}

CAF_TEST(like the real hub the script has no extras) {
  demo_script script{7, true};
  auto events = run_script(script, 600s);
  for (auto id : {"coord-001", "inf-001", "defi-001"})
    CAF_CHECK_EQUAL(count(events, "heartbeat", id), 121u);
  CAF_CHECK_GREATER_OR_EQUAL(count(events, "task_result", "inf-001"), 30u);
  CAF_CHECK_GREATER_OR_EQUAL(count(events, "vault_decision", "defi-001"), 15u);
  for (auto& ev : events) {
    CAF_CHECK_NOT_EQUAL(ev.agent_id, "exec-001");
    CAF_CHECK(ev.type != "agent_started" && ev.type != "agent_stopped" &&
              ev.type != "agent_error");
    if (ev.type != "heartbeat")
      continue;
    for (auto key : {"current_task", "uptime_seconds"})
      CAF_CHECK(!ev.payload.contains(key));
    if (ev.agent_id == "inf-001") {
      // As captured from a real hub: no status, task or uptime.
      for (auto key : {"status", "currentTask", "uptimeSeconds"})
        CAF_CHECK(!ev.payload.contains(key));
      CAF_CHECK(ev.payload.at("inft").is_object());
    } else {
      CAF_CHECK_EQUAL(ev.payload.at("status").as_string(), "running");
    }
  }
}
