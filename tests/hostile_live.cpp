#define CAF_SUITE hostile_live

#include <caf/test/unit_test.hpp>

#include <fstream>

#include "live_support.hpp"
#include "must.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

namespace {

std::string good(int i) {
  return R"({"type":"heartbeat","agentId":"good-)" + std::to_string(i % 3) +
         R"(","agentName":"good","timestamp":"2026-11-25T18:00:00Z",)"
         R"("payload":{"status":"running","currentTask":"t-)" +
         std::to_string(i) + "\"}}";
}

/// A frame of exactly `size` bytes that is a valid event.
std::string padded_event(size_t size) {
  std::string head =
    R"({"type":"heartbeat","agentId":"good-0","payload":{"pad":")";
  std::string tail = "\"}}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

struct fixture : live_fixture {
  static constexpr size_t limit = 64 * 1024;

  fixture() {
    cfg.max_frame_bytes = limit;
    cfg.reconnect_delay = std::chrono::milliseconds(20);
  }

  /// One round of hostile frames between valid events, ending with a frame
  /// over the size limit (which ends the connection). Returns the number of
  /// valid events it sent.
  size_t send_round(int& next) {
    size_t valid = 0;
    auto v = [&] {
      server->send_text(good(next++));
      ++valid;
    };
    v();
    server->send_text("{\"type\":\"heartbeat\","); // invalid JSON
    v();
    server->send_text(R"([{"type":"heartbeat"}])"); // array
    v();
    server->send_text(R"({"agentId":"evil"})"); // no type
    v();
    server->send_text(R"({"type":42,"agentId":"evil"})"); // numeric type
    v();
    server->send_text(R"({"type":"heartbeat","agentId":7})"); // numeric id
    v();
    server->send_text(
      R"({"type":"heartbeat","agentId":"evil","payload":"running"})");
    v();
    // Valid, odd: a null payload and an unknown type.
    server->send_text(
      R"({"type":"agent_started","agentId":"nulled","payload":null})");
    ++valid;
    v();
    server->send_text(R"({"type":"solar_flare","agentId":"good-1"})");
    ++valid;
    v();
    std::string deep = R"({"type":"heartbeat","agentId":"evil","payload":)";
    for (int i = 0; i < 10000; ++i)
      deep += "{\"a\":";
    deep += "1";
    deep += std::string(10000, '}');
    deep += "}";
    server->send_text(deep); // 10,000 deep
    v();
    server->send_text(padded_event(limit)); // just under: valid
    ++valid;
    v();
    server->send_binary("\x00\x01\x02"); // binary
    v();
    server->send_text(""); // empty
    v();
    server->send_text(padded_event(limit + 1)); // just over: ends
    return valid;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(hostile_live_tests, fixture)

CAF_TEST(hostile frames are counted and skipped and the stream goes on) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(5)));
  int next = 0;
  auto valid = send_round(next);
  // The frame over the limit ended the first connection; then the second
  // connection gets one more event and a text frame that is not UTF-8.
  CAF_REQUIRE(wait_connected(2));
  CAF_REQUIRE(wait_hub_session(2));
  server->send_text(good(next++));
  ++valid;
  server->send_text("{\"type\":\"heartbeat\",\"agentId\":\"evil\xff\xfe\"}");
  auto utf8 = wait_status([](const connection_status& st) {
    return st.close_code == uint16_t{1007};
  });
  CAF_REQUIRE(utf8);
  CAF_CHECK_EQUAL(utf8->error_code, hub_errc::read_failed);
  CAF_REQUIRE(wait_connected(3));
  CAF_REQUIRE(wait_hub_session(3));
  server->send_text(good(next++));
  ++valid;
  CAF_REQUIRE(wait_events(valid));
  // Every valid event, in order, nothing missing.
  auto events = col.all<daemon_event>();
  CAF_REQUIRE_EQUAL(events.size(), valid);
  for (size_t i = 0; i < events.size(); ++i)
    CAF_CHECK_EQUAL(events[i].seq, i + 1);
  CAF_CHECK_EQUAL(events[9].type, event_type::unknown);
  CAF_CHECK_EQUAL(events[9].type_name, "solar_flare");
  CAF_CHECK(events[7].payload.empty()); // payload: null
  // Each bad frame, in order, with its own kind.
  std::vector<hub_errc> kinds;
  for (auto& err : col.all<parse_error>())
    kinds.push_back(err.kind);
  std::vector<hub_errc> expected{
    hub_errc::invalid_json,     hub_errc::not_an_object,
    hub_errc::missing_type,     hub_errc::type_not_string,
    hub_errc::field_not_string, hub_errc::payload_not_object,
    hub_errc::too_deep,         hub_errc::binary_frame,
    hub_errc::empty_frame,      hub_errc::too_large};
  CAF_CHECK_EQUAL(kinds, expected);
  auto snap = must(obs->snapshot());
  CAF_CHECK_EQUAL(snap.counters.parse_errors, expected.size());
  for (auto kind : expected)
    CAF_CHECK_EQUAL(snap.counters.errors_of(kind), 1u);
  // No bad frame created or changed an agent.
  std::vector<std::string> ids;
  for (auto& a : snap.agents)
    ids.push_back(a.id);
  CAF_CHECK_EQUAL(
    ids, (std::vector<std::string>{"good-0", "good-1", "good-2", "nulled"}));
  for (auto& a : snap.agents)
    CAF_CHECK_EQUAL(a.error_count, 0u);
  CAF_CHECK_EQUAL(snap.counters.reconnects, 2u);
}

CAF_TEST(hostile rounds do not make the observer grow) {
  start_server();
  col.keep_events = false;
  start_observer();
  CAF_REQUIRE(wait_connected());
  int next = 0;
  size_t valid = 0;
  long warm = 0;
  for (int round = 0; round < 12; ++round) {
    auto connections = static_cast<size_t>(round) + 1;
    CAF_REQUIRE(wait_connected(connections));
    CAF_REQUIRE(wait_hub_session(connections));
    valid += send_round(next);
    CAF_REQUIRE(wait_events(valid));
    if (round == 1)
      warm = rss_kib(); // after the history ring and the buffers filled up
  }
  auto grown = rss_kib() - warm;
  CAF_MESSAGE("RSS growth over 10 hostile rounds: " << grown << " KiB");
  // The ring holds at most event-history events; buffers are reused. A few
  // MiB of allocator slack is all that may appear.
  if (rss_is_meaningful())
    CAF_CHECK_LESS(grown, 16 * 1024);
}

CAF_TEST_FIXTURE_SCOPE_END()
