#define CAF_SUITE json_lines

#include "hubwatch/api/json_lines.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/json/parse.hpp>

#include "hubwatch/core/frame_parser.hpp"

using namespace hubwatch;
namespace json = boost::json;

namespace {

json::object parse(const std::string& line) {
  CAF_REQUIRE(!line.empty() && line.back() == '\n');
  return json::parse(line).as_object();
}

} // namespace

CAF_TEST(lines from a node carry its tag) {
  json_lines out{"10.0.0.5:4242"};
  connection_status st;
  st.state = connection_state::connected;
  auto obj = parse(out.status(7, st));
  CAF_CHECK_EQUAL(obj.at("node").as_string(), "10.0.0.5:4242");
  CAF_CHECK(!obj.contains("scope")); // the hub's status
  CAF_CHECK(!parse(json_lines{}.status(7, st)).contains("node"));
}

CAF_TEST(status lines say deflate only when it was asked for) {
  json_lines out;
  connection_status st;
  st.state = connection_state::connected;
  CAF_CHECK(!parse(out.status(1, st)).contains("deflate"));
  st.deflate = true;
  // A local: CAF_CHECK_EQUAL holds its operands by reference.
  auto agreed = parse(out.status(1, st));
  CAF_CHECK_EQUAL(agreed.at("deflate").as_bool(), true);
  st.state = connection_state::connecting;
  st.deflate = false;
  st.error_code = hub_errc::handshake_rejected;
  st.error_message = "the hub refused permessage-deflate";
  st.http_status = uint16_t{400};
  auto obj = parse(out.status(2, st));
  CAF_CHECK_EQUAL(obj.at("deflate").as_bool(), false);
  CAF_CHECK_EQUAL(obj.at("error").as_string(),
                  "the hub refused permessage-deflate");
}

CAF_TEST(link status lines say scope link) {
  json_lines out{"10.0.0.5:4242"};
  connection_status st;
  st.state = connection_state::disconnected;
  st.url = "10.0.0.5:4242";
  st.attempt = 2;
  st.next_delay = caf::timespan{std::chrono::milliseconds(3000)};
  st.error_code = hub_errc::connection_lost;
  st.error_message = "the node went away";
  auto obj = parse(out.link_status(12, st));
  CAF_CHECK_EQUAL(obj.at("kind").as_string(), "status");
  CAF_CHECK_EQUAL(obj.at("scope").as_string(), "link");
  CAF_CHECK_EQUAL(obj.at("node").as_string(), "10.0.0.5:4242");
  CAF_CHECK_EQUAL(obj.at("state").as_string(), "disconnected");
  CAF_CHECK_EQUAL(obj.at("attempt").as_int64(), 2);
  CAF_CHECK_EQUAL(obj.at("next_delay_ms").as_int64(), 3000);
  CAF_CHECK_EQUAL(obj.at("error_code").as_string(), "connection_lost");
  CAF_CHECK_EQUAL(obj.at("error").as_string(), "the node went away");
}

CAF_TEST(a snapshot line counts events and agents) {
  json_lines out{"n:1"};
  observer_snapshot snap;
  snap.events.resize(3);
  snap.agents.resize(2);
  snap.counters.events = 1500;
  snap.counters.parse_errors = 4;
  snap.counters.reconnects = 1;
  auto obj = parse(out.snapshot(5, snap));
  CAF_CHECK_EQUAL(obj.at("kind").as_string(), "snapshot");
  CAF_CHECK_EQUAL(obj.at("t_ms").as_int64(), 5);
  CAF_CHECK_EQUAL(obj.at("node").as_string(), "n:1");
  CAF_CHECK_EQUAL(obj.at("events").as_int64(), 3);
  CAF_CHECK_EQUAL(obj.at("agents").as_int64(), 2);
  CAF_CHECK_EQUAL(obj.at("events_total").as_int64(), 1500);
  CAF_CHECK_EQUAL(obj.at("parse_errors").as_int64(), 4);
  CAF_CHECK_EQUAL(obj.at("reconnects").as_int64(), 1);
}

CAF_TEST(event lines carry the payload byte for byte as sent) {
  frame_parser parser{1 << 20, 64};
  daemon_event ev;
  parse_error err;
  std::string payload = R"({"gpuUtilization":78.5,"price":3222.51,)"
                        R"("a":1844674407370951.7976157e38,"d":4.9e-324})";
  CAF_REQUIRE(parser.parse(R"({"type":"task_result","agentId":"inf-001",)"
                           R"("payload":)" +
                             payload + "}",
                           ev, err));
  ev.seq = 9;
  auto text = json_lines{}.event(3, ev);
  CAF_CHECK_EQUAL(text, R"({"kind":"event","t_ms":3,"seq":9,)"
                        R"("type":"task_result","agentId":"inf-001",)"
                        R"("agentName":"","timestamp":"","payload":)" +
                          payload + "}\n");
  // Still one valid JSON line when the hub's payload spans lines.
  CAF_REQUIRE(
    parser.parse("{\"type\":\"x\",\"payload\":{\n\"p\":\r\n78.5}}", ev, err));
  text = json_lines{}.event(4, ev);
  CAF_CHECK_EQUAL(text.find('\n'), text.size() - 1);
  CAF_CHECK_EQUAL(text.find('\r'), std::string::npos);
  CAF_CHECK(text.find(R"("payload":{ "p":  78.5}})") != std::string::npos);
  auto obj = parse(text);
  CAF_CHECK_EQUAL(obj.at("payload").at("p").as_double(), 78.5);
  // No payload: an empty object, as before.
  CAF_REQUIRE(parser.parse(R"({"type":"x"})", ev, err));
  CAF_CHECK(json_lines{}.event(5, ev).find(R"("payload":{}})") !=
            std::string::npos);
}

CAF_TEST(agent lines say null for what the hub never sent) {
  agent_info x;
  x.id = "exec-001";
  auto obj = parse(json_lines{}.agent(1, x));
  for (auto key : {"name", "lastHeartbeat", "lastSeen", "currentTask",
                   "uptimeSeconds", "lastError"}) {
    CAF_REQUIRE(obj.contains(key));
    if (!obj.at(key).is_null())
      CAF_ERROR("not null: " << key);
  }
  CAF_CHECK_EQUAL(obj.at("errorCount").as_int64(), 0);
  x.name = "executor";
  x.last_heartbeat = std::string{"2026-11-25T18:00:13Z"};
  x.last_seen = std::string{"2026-11-25T18:00:14Z"};
  x.uptime_seconds = 0.0; // a real 0 stays 0
  auto text = json_lines{}.agent(2, x);
  CAF_CHECK(text.find(R"("name":"executor")") != std::string::npos);
  CAF_CHECK(text.find(R"("lastHeartbeat":"2026-11-25T18:00:13Z")") !=
            std::string::npos);
  CAF_CHECK(text.find(R"("lastSeen":"2026-11-25T18:00:14Z")") !=
            std::string::npos);
  CAF_CHECK(text.find(R"("uptimeSeconds":0.0)") != std::string::npos);
}
