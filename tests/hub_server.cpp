#define CAF_SUITE hub_server

// simulator/hub_server over HTTP and plain WebSocket: upgrades, connection
// ends, greetings. The frames on the wire are in hub_server_frames.cpp, TLS
// in hub_server_tls.cpp, the demo script in demo_script.cpp.

#include "simulator/hub_server.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "hub_server_support.hpp"

using namespace hubwatch::hub;
using namespace hubwatch::hub::server_test;

namespace json = boost::json;

namespace {

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
