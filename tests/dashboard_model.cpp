#define CAF_SUITE dashboard_model

#include "programs/dashboard/dashboard_model.hpp"

#include <caf/test/unit_test.hpp>

#include "hubwatch/core/frame_parser.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

struct fixture {
  dashboard_model model{3};
  dashboard_model::clock::time_point t0 = dashboard_model::clock::now();

  daemon_event event(uint64_t seq) {
    daemon_event ev;
    ev.seq = seq;
    ev.type_name = "heartbeat";
    ev.type = event_type::heartbeat;
    ev.agent_id = "a";
    return ev;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(dashboard_model_tests, fixture)

CAF_TEST(keeps the newest events only) {
  for (uint64_t i = 1; i <= 5; ++i)
    model.apply(hub_update{event(i)}, t0);
  CAF_REQUIRE_EQUAL(model.events().size(), 3u);
  CAF_CHECK_EQUAL(model.events().front().seq, 3u);
  CAF_CHECK_EQUAL(model.events_seen(), 5u);
}

CAF_TEST(agents are replaced by their latest record) {
  agent_info a;
  a.id = "a";
  a.status = agent_status::running;
  model.apply(hub_update{a}, t0);
  a.status = agent_status::error;
  model.apply(hub_update{a}, t0);
  CAF_REQUIRE_EQUAL(model.agents().size(), 1u);
  CAF_CHECK_EQUAL(model.agents().at("a").status, agent_status::error);
}

CAF_TEST(the retry countdown runs from when the status arrived) {
  connection_status st;
  st.state = connection_state::disconnected;
  st.next_delay = caf::timespan{milliseconds(2000)};
  st.error_code = hub_errc::connection_lost;
  st.error_message = "gone";
  model.apply(hub_update{st}, t0);
  auto left = [&](dashboard_model::clock::time_point t) -> int64_t {
    auto x = model.retry_in_ms(t);
    return x ? *x : -1;
  };
  CAF_CHECK_EQUAL(left(t0), 2000);
  CAF_CHECK_EQUAL(left(t0 + milliseconds(500)), 1500);
  CAF_CHECK_EQUAL(left(t0 + seconds(5)), 0);
  CAF_CHECK_EQUAL(model.last_error(), "connection_lost: gone");
  // Connected again: no countdown, but the last error stays on screen.
  st.state = connection_state::connected;
  st.next_delay = caf::none;
  st.error_code = hub_errc::none;
  model.apply(hub_update{st}, t0);
  CAF_CHECK(!model.retry_in_ms(t0));
  CAF_CHECK_EQUAL(model.last_error(), "connection_lost: gone");
}

CAF_TEST(parse errors and missed updates are counted) {
  model.apply(hub_update{parse_error{hub_errc::missing_type, "no type", "{}"}},
              t0);
  model.add_missed(7);
  CAF_CHECK_EQUAL(model.parse_errors(), 1u);
  CAF_CHECK_EQUAL(model.missed(), 7u);
  CAF_CHECK_EQUAL(model.last_error(), "bad frame: missing_type: no type in {}");
}

CAF_TEST(a fresh snapshot from a node replaces what the model knew) {
  observer_snapshot first;
  first.events = {event(1), event(2)};
  agent_info a;
  a.id = "a";
  first.agents = {a};
  model.apply(first, t0);
  model.add_missed(3);
  observer_snapshot second; // the node restarted: it knows less
  second.events = {event(1)};
  agent_info b;
  b.id = "b";
  second.agents = {b};
  second.counters.events = 1;
  model.apply(second, t0);
  CAF_CHECK_EQUAL(model.events().size(), 1u);
  CAF_REQUIRE_EQUAL(model.agents().size(), 1u);
  CAF_CHECK_EQUAL(model.agents().begin()->first, "b");
  CAF_CHECK_EQUAL(model.events_seen(), 1u);
  CAF_CHECK_EQUAL(model.missed(), 3u); // this subscriber's, kept
}

CAF_TEST(the link to a node has its own status and countdown) {
  CAF_CHECK(!model.link());
  connection_status st;
  st.url = "10.0.0.5:4242";
  st.state = connection_state::disconnected;
  st.next_delay = caf::timespan{seconds(2)};
  st.error_code = hub_errc::connection_lost;
  st.error_message = "the node went away";
  model.apply_link(st, t0);
  CAF_REQUIRE(model.link());
  CAF_CHECK_EQUAL(model.link()->state, connection_state::disconnected);
  auto left = model.link_retry_in_ms(t0 + milliseconds(500));
  CAF_REQUIRE(left);
  CAF_CHECK_EQUAL(*left, 1500);
  CAF_CHECK(!model.retry_in_ms(t0)); // the hub's status is another matter
  CAF_CHECK_EQUAL(model.last_error(),
                  "link: connection_lost: the node went away");
}

CAF_TEST(ages fit a narrow column) {
  CAF_CHECK_EQUAL(dashboard_model::age(milliseconds(850)), "850ms");
  CAF_CHECK_EQUAL(dashboard_model::age(milliseconds(12'400)), "12s");
  CAF_CHECK_EQUAL(dashboard_model::age(milliseconds(184'000)), "3m04s");
  CAF_CHECK_EQUAL(dashboard_model::age(milliseconds(7'500'000)), "2h05m");
  CAF_CHECK_EQUAL(dashboard_model::age(milliseconds(-5)), "0ms");
}

CAF_TEST(the last seen column shows the hub time compactly) {
  CAF_CHECK_EQUAL(
    dashboard_model::hub_time(std::string{"2026-11-25T18:00:16Z"}), "18:00:16");
  CAF_CHECK_EQUAL(
    dashboard_model::hub_time(std::string{"2026-11-25T19:00:16.25+01:00"}),
    "19:00:16");
  CAF_CHECK_EQUAL(dashboard_model::hub_time(std::string{"T9"}), "T9");
  CAF_CHECK_EQUAL(dashboard_model::hub_time(caf::none), "-");
}

CAF_TEST(event lines and plain lines show the payload as sent) {
  frame_parser parser{1 << 20, 64};
  daemon_event ev;
  parse_error err;
  std::string payload = R"({"gpuUtilization":78.5,"price":3222.51,)"
                        R"("a":1844674407370951.7976157e38})";
  CAF_REQUIRE(parser.parse(R"({"type":"task_result","agentId":"inf-001",)"
                           R"("timestamp":"2026-11-25T18:00:16Z","payload":)" +
                             payload + "}",
                           ev, err));
  ev.seq = 7;
  CAF_CHECK_EQUAL(dashboard_model::event_line(ev),
                  "18:00:16 task_result           inf-001    " + payload);
  // The plain lines print updates with describe(), events with to_string.
  CAF_CHECK_EQUAL(to_string(ev),
                  "#7 task_result inf-001 @2026-11-25T18:00:16Z " + payload);
  CAF_CHECK_EQUAL(describe(hub_update{ev}), "event " + to_string(ev));
}

CAF_TEST_FIXTURE_SCOPE_END()
