#define CAF_SUITE messages

#include <set>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/dsl.hpp>

#include "hubwatch/actors/node_gateway.hpp"
#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"
#include "hubwatch/messages/websocket_config.hpp"
#include "recorder.hpp"
#include "test_support.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

struct fixture : test_coordinator_fixture<test::config> {
  daemon_event sample_event() {
    frame_parser p{1 << 20, 64};
    daemon_event ev;
    parse_error err;
    auto frames = test::wire_frames("realhub-demo.jsonl");
    // The vault decision: the most deeply nested payload of the capture.
    for (auto& f : frames)
      if (f.find("vault_decision") != std::string::npos) {
        if (!p.parse(f, ev, err))
          CAF_FAIL(to_string(err));
        break;
      }
    ev.seq = 42;
    return ev;
  }

  agent_info sample_agent() {
    agent_info x;
    x.id = "exec-001";
    x.name = "executor";
    x.status = agent_status::error;
    x.status_word = "trading";
    x.last_heartbeat = std::string{"2026-11-25T18:00:13Z"};
    x.current_task = std::string{"job-1"};
    x.uptime_seconds = 12.5;
    x.error_count = 3;
    x.last_error = std::string{"rpc timeout"};
    x.last_seen = std::string{"2026-11-25T18:00:14.5Z"};
    x.last_seen_local = caf::timestamp{seconds(1795627805)};
    x.stale = true;
    return x;
  }

  connection_status sample_status() {
    connection_status x;
    x.state = connection_state::disconnected;
    x.url = "ws://localhost:8080/ws";
    x.attempt = 2;
    x.next_delay = caf::timespan{milliseconds(3000)};
    x.error_code = hub_errc::connection_lost;
    x.error_message = "end of stream";
    x.close_code = uint16_t{1006};
    x.close_reason = "abnormal";
    x.http_status = uint16_t{404};
    x.reconnects = 7;
    x.deflate = false;
    return x;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(message_tests, fixture)

CAF_TEST(every message type survives the binary serializer) {
  auto ev = sample_event();
  CAF_REQUIRE(!ev.payload.empty());
  CAF_CHECK_EQUAL(roundtrip(ev), ev);
  auto agent = sample_agent();
  CAF_CHECK_EQUAL(roundtrip(agent), agent);
  auto status = sample_status();
  CAF_CHECK_EQUAL(roundtrip(status), status);
  parse_error err{hub_errc::missing_type, "no type", "{\"a\":1}"};
  CAF_CHECK_EQUAL(roundtrip(err), err);
  observer_counters counters;
  counters.events = 10;
  counters.events_by_type[3] = 4;
  counters.parse_errors_by_kind[static_cast<size_t>(hub_errc::too_deep)] = 1;
  CAF_CHECK_EQUAL(roundtrip(counters), counters);
  observer_snapshot snap;
  snap.events = {ev, ev};
  snap.agents = {agent};
  snap.status = status;
  snap.counters = counters;
  CAF_CHECK_EQUAL(roundtrip(snap), snap);
  update_batch batch{update_batch::items_type{ev, agent, err, status}, 5};
  auto copy = roundtrip(batch);
  CAF_CHECK_EQUAL(copy, batch);
  CAF_REQUIRE_EQUAL(copy.items().size(), 4u);
  CAF_CHECK(caf::holds_alternative<agent_info>(copy.items()[1]));
  CAF_CHECK_EQUAL(copy.missed, 5u);
  websocket_config cfg;
  cfg.url = "wss://hub.example/v1/events";
  cfg.reconnect_jitter = 0.2;
  // Secrets render as *** but the serializers carry them.
  cfg.headers.push_back({"X-Api-Key", secret_string{"k-1"}});
  cfg.bearer_token = secret_string{"t-1"};
  cfg.bearer_token_file = "/run/secrets/t";
  auto cfg_copy = roundtrip(cfg);
  CAF_CHECK(cfg_copy == cfg);
  CAF_CHECK_EQUAL(cfg_copy.bearer_token.reveal(), "t-1");
}

CAF_TEST(round trips through a type - erased message) {
  // What the middleman does with a message for a remote subscriber.
  auto msg = caf::make_message(sample_event(), sample_status());
  auto copy = roundtrip(msg);
  CAF_REQUIRE(copy.match_elements<daemon_event, connection_status>());
  CAF_CHECK_EQUAL(copy.get_as<daemon_event>(0), sample_event());
  CAF_CHECK_EQUAL(copy.get_as<connection_status>(1), sample_status());
}

CAF_TEST(what crosses the network to and from a node round trips) {
  // The gateway's requests and the subscriber handle in them, and the
  // gateway's own handle: registered under portable names, so that BASP
  // can carry them and both ends agree on the gateway's interface.
  // Any actors will do: only their handles travel. (Spawned with an
  // argument: for an argument-less spawn CAF 0.17 binds a reference to a
  // null pointer, which UBSan reports.)
  auto sub =
    caf::actor_cast<subscriber_actor>(sys.spawn(test::recorder, false));
  auto gw =
    caf::actor_cast<node_gateway_actor>(sys.spawn(test::recorder, false));
  auto msg = caf::make_message(atom::subscribe::value, sub);
  auto copy = roundtrip(msg);
  CAF_REQUIRE((copy.match_elements<atom::subscribe, subscriber_actor>()));
  CAF_CHECK(copy.get_as<subscriber_actor>(1) == sub);
  copy = roundtrip(caf::make_message(atom::unsubscribe::value, sub));
  CAF_CHECK((copy.match_elements<atom::unsubscribe, subscriber_actor>()));
  copy = roundtrip(caf::make_message(gw));
  CAF_REQUIRE(copy.match_elements<node_gateway_actor>());
  CAF_CHECK(copy.get_as<node_gateway_actor>(0) == gw);
  update_batch batch{update_batch::items_type{sample_event()}, 3};
  copy = roundtrip(caf::make_message(batch));
  CAF_REQUIRE(copy.match_elements<update_batch>());
  CAF_CHECK_EQUAL(copy.get_as<update_batch>(0), batch);
  observer_snapshot snap;
  snap.status = sample_status();
  copy = roundtrip(caf::make_message(snap));
  CAF_REQUIRE(copy.match_elements<observer_snapshot>());
  CAF_CHECK_EQUAL(copy.get_as<observer_snapshot>(0), snap);
  // The gateway's interface in portable names, as the middleman compares
  // it when a subscriber connects: no compiler's type name in it, so both
  // ends agree whatever built them.
  std::set<std::string> expected{
    "caf::replies_to<count>::with<@u64>",
    "caf::replies_to<snapshot>::with<hubwatch::observer_snapshot>",
    "caf::replies_to<subscribe,hubwatch::subscriber_actor>::with<void>",
    "caf::replies_to<unsubscr,hubwatch::subscriber_actor>::with<void>",
  };
  CAF_CHECK_EQUAL(sys.message_types<node_gateway_actor>(), expected);
  anon_send_exit(sub, caf::exit_reason::user_shutdown);
  anon_send_exit(gw, caf::exit_reason::user_shutdown);
}

CAF_TEST(a payload travels as its text and is checked on arrival) {
  auto ev = sample_event();
  auto copy = roundtrip(ev);
  CAF_CHECK_EQUAL(copy.payload.text(), ev.payload.text());
  // What a peer sends is checked like any text from the network.
  json_payload x;
  CAF_CHECK(!x.from_json(R"({"a" : 7.85E1})"));
  CAF_CHECK_EQUAL(x.text(), R"({"a" : 7.85E1})");
  CAF_CHECK(!x.from_json("null"));
  CAF_CHECK(x.empty());
  CAF_CHECK(x.from_json("[1]"));
  CAF_CHECK(x.from_json(R"({"a":)"));
  CAF_CHECK(x.from_json(R"({"a":1e400})"));
  std::string deep = "1";
  for (size_t i = 0; i <= json_payload::max_depth; ++i)
    deep = "{\"a\":" + deep + "}";
  CAF_CHECK(x.from_json(deep));
  // A malformed payload fails the whole message rather than arriving.
  daemon_event bad;
  bad.type_name = "x";
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  std::string fake = "not json";
  CAF_REQUIRE(!sink(caf::meta::type_name("daemon_event"), bad.seq, bad.type,
                    bad.type_name, bad.agent_id, bad.agent_name, bad.timestamp,
                    bad.time, fake, bad.fields));
  daemon_event back;
  caf::binary_deserializer source{sys, buf};
  CAF_CHECK(source(back));
}

CAF_TEST(doubles cross the network bit for bit) {
  // CAF's own packing of doubles sends -0.0 as 0 and a subnormal as another
  // number; the fuzzer found the second (fuzz/corpus/crash-network-*).
  for (double x : {-0.0, 4.9e-324, 2.2250738585072009e-308,
                   1.8446744073709519e+53, 0.1, -3605.25}) {
    auto agent = sample_agent();
    agent.uptime_seconds = x;
    auto agent_back = roundtrip(agent);
    CAF_REQUIRE(agent_back.uptime_seconds);
    CAF_CHECK_EQUAL(double_bits(*agent_back.uptime_seconds), double_bits(x));
    auto ev = sample_event();
    ev.fields.uptime_seconds = x;
    auto ev_back = roundtrip(ev);
    CAF_REQUIRE(ev_back.fields.uptime_seconds);
    CAF_CHECK_EQUAL(double_bits(*ev_back.fields.uptime_seconds),
                    double_bits(x));
  }
  // Never sent stays never sent.
  auto agent = sample_agent();
  agent.uptime_seconds = caf::none;
  CAF_CHECK(!roundtrip(agent).uptime_seconds);
}

CAF_TEST(copies of an event share one payload) {
  // The parser packs payloads into shared blocks. A copy takes its payload
  // into a block of its own (so that keeping one event keeps no others),
  // and copies of that copy share it.
  auto ev = sample_event();
  CAF_CHECK(ev.payload.packed());
  auto own = ev;
  CAF_CHECK(!own.payload.packed());
  CAF_CHECK_EQUAL(own, ev);
  CAF_CHECK(own.payload.text().data() != ev.payload.text().data());
  auto copy = own;
  CAF_CHECK(own.payload.text().data() == copy.payload.text().data());
  // Moving keeps the packed bytes where they are.
  auto data = ev.payload.text().data();
  auto moved = std::move(ev);
  CAF_CHECK(moved.payload.packed());
  CAF_CHECK(moved.payload.text().data() == data);
}

CAF_TEST(payloads packed into one block compare by their own bytes) {
  shared_text_arena arena;
  auto a = json_payload::from_validated("{\"a\":1}", arena);
  auto b = json_payload::from_validated("{\"b\":1}", arena);
  auto c = json_payload::from_validated("{\"a\":1}", arena);
  CAF_CHECK(a != b);
  CAF_CHECK(a == c);
  CAF_CHECK(b == b);
}

CAF_TEST(readable to_string) {
  CAF_CHECK_EQUAL(to_string(sample_agent()),
                  "exec-001 (executor) error/trading task=job-1 errors=3 "
                  "last_error=\"rpc timeout\" stale");
  CAF_CHECK_EQUAL(to_string(sample_status()),
                  "disconnected ws://localhost:8080/ws attempt=2 next=3000ms "
                  "close=1006 (abnormal) http=404 deflate=off "
                  "error=connection_lost: end of stream");
  parse_error err{hub_errc::missing_type, "no type", "{}"};
  CAF_CHECK_EQUAL(to_string(err), "missing_type: no type in {}");
  daemon_event ev;
  ev.seq = 3;
  ev.type_name = "heartbeat";
  ev.agent_id = "a";
  CAF_CHECK_EQUAL(to_string(ev), "#3 heartbeat a {}");
  CAF_CHECK_EQUAL(describe(hub_update{err}), "parse_error " + to_string(err));
}

CAF_TEST(error codes render with their names) {
  CAF_CHECK_EQUAL(sys.render(make_error(hub_errc::idle_timeout)),
                  "hubwatch: idle_timeout");
  hub_errc x;
  CAF_CHECK(from_string("payload_not_object", x));
  CAF_CHECK_EQUAL(x, hub_errc::payload_not_object);
  CAF_CHECK(!from_string("nonsense", x));
  for (size_t i = 0; i < hub_errc_count; ++i) {
    auto code = static_cast<hub_errc>(i);
    CAF_CHECK(from_string(to_string(code), x) && x == code);
  }
}

CAF_TEST(default config is the original design) {
  websocket_config cfg;
  CAF_CHECK_EQUAL(cfg.url, "ws://localhost:8080/ws");
  CAF_CHECK(cfg.auto_reconnect);
  CAF_CHECK_EQUAL(cfg.reconnect_delay, milliseconds(2000));
  CAF_CHECK_EQUAL(cfg.reconnect_multiplier, 1.5);
  CAF_CHECK_EQUAL(cfg.reconnect_max_delay, seconds(30));
  CAF_CHECK_EQUAL(cfg.max_reconnect_attempts, 0u);
  CAF_CHECK_EQUAL(cfg.event_history, 1000u);
  CAF_CHECK(validate(cfg).empty());
}

CAF_TEST(max json depth stays where every payload parses again) {
  websocket_config cfg;
  cfg.max_json_depth = json_payload::max_depth + 1;
  CAF_CHECK(validate(cfg).empty());
  cfg.max_json_depth = json_payload::max_depth + 2;
  auto errors = validate(cfg);
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0],
                  "max-json-depth = 1002: must be between 2 and 1001");
}

CAF_TEST(bad config values are refused by name) {
  websocket_config cfg;
  cfg.url = "http://localhost:8080/ws";
  cfg.reconnect_delay = milliseconds(-5);
  cfg.reconnect_multiplier = 0.5;
  cfg.reconnect_jitter = 1.5;
  cfg.ca_file = "/nonexistent/ca.pem";
  auto errors = validate(cfg);
  CAF_REQUIRE_EQUAL(errors.size(), 5u);
  CAF_CHECK_EQUAL(errors[0], "url = \"http://localhost:8080/ws\": the "
                             "scheme must be ws:// or wss://");
  CAF_CHECK_EQUAL(errors[1],
                  "reconnect-delay-ms = -5 ms: must not be negative");
  CAF_CHECK_EQUAL(errors[2],
                  "reconnect-multiplier = 0.500000: must be a number >= 1");
  CAF_CHECK_EQUAL(errors[3], "reconnect-jitter = 1.500000: must be in [0, 1)");
  CAF_CHECK_EQUAL(errors[4],
                  "ca-file = \"/nonexistent/ca.pem\": cannot be read");
}

CAF_TEST_FIXTURE_SCOPE_END()
