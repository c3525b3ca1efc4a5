#define CAF_SUITE hub_server_frames

#include "simulator/hub_server.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/read.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>

#include "hub_server_support.hpp"

using namespace hubwatch::hub;
using namespace hubwatch::hub::server_test;

namespace {

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

/// A JSON-like text of `n` bytes that does not compress to nothing.
std::string sample_text(size_t n) {
  std::string result;
  for (size_t i = 0; result.size() < n; ++i)
    result += "{\"seq\":" + std::to_string(i * 7919 % 10007) + "}";
  result.resize(n);
  return result;
}

} // namespace

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

// -- deflate negotiation ------------------------------------------------------

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
