#define CAF_SUITE backoff_policy

#include "hubwatch/core/backoff_policy.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;
using namespace std::chrono;

namespace {

double ms(caf::timespan x) {
  return duration_cast<duration<double, std::milli>>(x).count();
}

} // namespace

CAF_TEST(default schedule) {
  backoff_policy p{websocket_config{}};
  std::vector<double> expected{2000,    3000,     4500,  6750,  10125,
                               15187.5, 22781.25, 30000, 30000, 30000};
  for (uint32_t n = 0; n < expected.size(); ++n)
    CAF_CHECK_EQUAL(ms(p.delay(n, 0.5)), expected[n]);
  CAF_CHECK(!p.exhausted(1000));
}

CAF_TEST(the cap holds for huge attempt numbers) {
  backoff_policy p{milliseconds(100), 10.0, seconds(5)};
  CAF_CHECK_EQUAL(p.base_delay(1), milliseconds(1000));
  CAF_CHECK_EQUAL(p.base_delay(2), seconds(5));
  CAF_CHECK_EQUAL(p.base_delay(4000000000u), seconds(5));
}

CAF_TEST(jitter stays within its bounds) {
  backoff_policy p{milliseconds(1000), 2.0, seconds(30), 0, 0.25};
  CAF_CHECK_EQUAL(p.delay(0, 0.0), milliseconds(750));
  CAF_CHECK_EQUAL(p.delay(0, 0.5), milliseconds(1000));
  CAF_CHECK_EQUAL(p.delay(0, 1.0), milliseconds(1250));
  CAF_CHECK_EQUAL(p.delay(1, 0.0), milliseconds(1500));
  for (double u = 0; u < 1.0; u += 0.01) {
    auto d = p.delay(3, u);
    CAF_CHECK_GREATER_OR_EQUAL(d, milliseconds(6000));
    CAF_CHECK_LESS_OR_EQUAL(d, milliseconds(10000));
  }
}

CAF_TEST(max attempts) {
  backoff_policy p{milliseconds(10), 1.5, seconds(1), 3};
  CAF_CHECK(!p.exhausted(0));
  CAF_CHECK(!p.exhausted(2));
  CAF_CHECK(p.exhausted(3));
  CAF_CHECK(p.exhausted(4));
}

CAF_TEST(what follows an ended attempt) {
  backoff_policy p{milliseconds(100), 2.0, seconds(1), 2};
  std::minstd_rand rng{7};
  connection_status st;
  st.error_message = "lost";
  uint32_t attempt = 0;
  // Retries on the schedule, counting attempts.
  auto d = plan_next_attempt(p, true, rng, attempt, st);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(*d, milliseconds(100));
  CAF_CHECK_EQUAL(attempt, 1u);
  CAF_CHECK_EQUAL(st.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(st.attempt, 1u);
  CAF_CHECK_EQUAL(st.next_delay, caf::timespan{milliseconds(100)});
  CAF_CHECK_EQUAL(plan_next_attempt(p, true, rng, attempt, st),
                  caf::timespan{milliseconds(200)});
  // Then the budget is spent.
  CAF_CHECK(!plan_next_attempt(p, true, rng, attempt, st));
  CAF_CHECK_EQUAL(st.state, connection_state::error);
  CAF_CHECK_EQUAL(st.error_code, hub_errc::gave_up);
  CAF_CHECK_EQUAL(st.error_message, "gave up after 2 attempts; last: lost");
  CAF_CHECK(!st.next_delay);
  // Without auto-reconnect: no attempt, no error of its own.
  connection_status off;
  uint32_t none = 0;
  CAF_CHECK(!plan_next_attempt(p, false, rng, none, off));
  CAF_CHECK_EQUAL(off.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(none, 0u);
}

namespace {

session_result refused_with(uint16_t status) {
  session_result res;
  res.code = hub_errc::handshake_rejected;
  res.http_status = status;
  return res;
}

} // namespace

CAF_TEST(deflate is never offered when not asked for) {
  deflate_offer d{false};
  CAF_CHECK(!d.begin_attempt());
  CAF_CHECK(!d.on_ended(refused_with(400)));
  d.on_connected(false);
  CAF_CHECK(!d.status());
  CAF_CHECK(!d.begin_attempt());
}

CAF_TEST(a hub that agrees keeps getting the offer) {
  deflate_offer d{true};
  CAF_CHECK(!d.status());
  CAF_CHECK(d.begin_attempt());
  d.on_connected(true);
  CAF_CHECK_EQUAL(d.status(), caf::optional<bool>{true});
  session_result lost;
  lost.code = hub_errc::connection_lost;
  lost.was_connected = true;
  CAF_CHECK(!d.on_ended(lost));
  CAF_CHECK(d.begin_attempt());
}

CAF_TEST(http 400 to a deflate offer means no offer until restart) {
  deflate_offer d{true};
  CAF_CHECK(d.begin_attempt());
  CAF_CHECK(d.on_ended(refused_with(400)));
  CAF_CHECK_EQUAL(d.status(), caf::optional<bool>{false});
  CAF_CHECK(!d.offer());
  // The retry goes without; should it be refused with 400 too, that is not
  // the offer's fault and asks for no further immediate retry.
  CAF_CHECK(!d.begin_attempt());
  CAF_CHECK(!d.on_ended(refused_with(400)));
  CAF_CHECK(!d.begin_attempt());
  d.on_connected(false);
  CAF_CHECK_EQUAL(d.status(), caf::optional<bool>{false});
  CAF_CHECK(!d.begin_attempt());
}

CAF_TEST(other refusals and failures keep the offer) {
  deflate_offer d{true};
  for (uint16_t status : {401, 403, 404, 500, 503}) {
    CAF_CHECK(d.begin_attempt());
    CAF_CHECK(!d.on_ended(refused_with(status)));
  }
  session_result failed;
  failed.code = hub_errc::connect_failed;
  CAF_CHECK(d.begin_attempt());
  CAF_CHECK(!d.on_ended(failed));
  // A refusal without a recorded HTTP status is no refusal of the offer.
  session_result odd;
  odd.code = hub_errc::handshake_rejected;
  CAF_CHECK(d.begin_attempt());
  CAF_CHECK(!d.on_ended(odd));
  CAF_CHECK(d.offer());
  CAF_CHECK(!d.status());
}

CAF_TEST(a 101 answer without the extension ends the offer) {
  deflate_offer d{true};
  CAF_CHECK(d.begin_attempt());
  d.on_connected(false);
  CAF_CHECK_EQUAL(d.status(), caf::optional<bool>{false});
  CAF_CHECK(!d.begin_attempt());
}

// -- reconnect_tracker --------------------------------------------------------

namespace {

using time_point = reconnect_tracker::time_point;

time_point at(milliseconds x) {
  return time_point{} + x;
}

/// A tracker of 100, 200, 400 ... ms that gives up after `max_attempts`.
reconnect_tracker tracker(milliseconds min_uptime, uint32_t max_attempts = 0,
                          bool auto_reconnect = true) {
  return reconnect_tracker{
    backoff_policy{milliseconds(100), 2.0, seconds(10), max_attempts},
    auto_reconnect, min_uptime};
}

/// What every tracker test needs besides the tracker.
struct retry_fixture {
  std::minstd_rand rng{1};
  connection_status st;

  caf::optional<caf::timespan> plan(reconnect_tracker& t) {
    return t.plan(rng, st);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(reconnect_tracker_tests, retry_fixture)

CAF_TEST(the tracker counts retries and follows the schedule) {
  auto t = tracker(seconds(1));
  CAF_CHECK_EQUAL(t.attempt(), 0u);
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(100)});
  CAF_CHECK_EQUAL(t.attempt(), 1u);
  CAF_CHECK_EQUAL(st.attempt, 1u);
  t.ended(at(milliseconds(50))); // failed without connecting: no reset
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(200)});
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(400)});
  CAF_CHECK_EQUAL(t.attempt(), 3u);
}

CAF_TEST(the tracker starts over after a connection that stayed up) {
  auto t = tracker(seconds(1));
  plan(t);
  plan(t);
  // Connected, then lost just before the minimum uptime: no reset.
  CAF_CHECK_EQUAL(t.connected(at(seconds(10))), 2u);
  CAF_CHECK_EQUAL(t.attempt(), 2u);
  t.ended(at(seconds(11) - milliseconds(1)));
  CAF_CHECK_EQUAL(t.attempt(), 2u);
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(400)});
  // Up for exactly the minimum: the count starts over.
  CAF_CHECK_EQUAL(t.connected(at(seconds(20))), 3u);
  t.ended(at(seconds(21)));
  CAF_CHECK_EQUAL(t.attempt(), 0u);
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(100)});
  // The connection counts only once: a later failed attempt is no uptime.
  t.ended(at(seconds(60)));
  CAF_CHECK_EQUAL(t.attempt(), 1u);
}

CAF_TEST(without a minimum uptime the tracker starts over on connecting) {
  auto t = tracker(milliseconds(0));
  plan(t);
  plan(t);
  // The number of the attempt that connected, then the count is 0 at once.
  CAF_CHECK_EQUAL(t.connected(at(seconds(1))), 2u);
  CAF_CHECK_EQUAL(t.attempt(), 0u);
  t.ended(at(seconds(1)));
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(100)});
}

CAF_TEST(the tracker counts reconnects and starts over on restart) {
  auto t = tracker(seconds(1));
  t.connected(at(seconds(0)));
  CAF_CHECK_EQUAL(t.reconnects(), 0u);
  t.ended(at(milliseconds(10)));
  plan(t);
  t.connected(at(seconds(1)));
  CAF_CHECK_EQUAL(t.reconnects(), 1u);
  t.ended(at(seconds(1)));
  plan(t);
  CAF_CHECK_EQUAL(t.attempt(), 2u);
  t.restart();
  CAF_CHECK_EQUAL(t.attempt(), 0u);
}

CAF_TEST(the tracker gives up after max attempts) {
  auto t = tracker(seconds(1), 2);
  st.error_message = "lost";
  CAF_CHECK(plan(t));
  CAF_CHECK(plan(t));
  CAF_CHECK(!plan(t));
  CAF_CHECK_EQUAL(st.state, connection_state::error);
  CAF_CHECK_EQUAL(st.error_code, hub_errc::gave_up);
  CAF_CHECK_EQUAL(st.error_message, "gave up after 2 attempts; last: lost");
  CAF_CHECK_EQUAL(t.attempt(), 2u);
  // A connection that stayed up gives the budget back.
  t.connected(at(seconds(0)));
  t.ended(at(seconds(5)));
  CAF_CHECK(plan(t));
}

CAF_TEST(the tracker plans nothing without auto reconnect) {
  auto t = tracker(seconds(1), 0, false);
  CAF_CHECK(!plan(t));
  CAF_CHECK_EQUAL(st.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(t.attempt(), 0u);
}

CAF_TEST(the tracker takes its rules from the config) {
  websocket_config cfg;
  cfg.reconnect_delay = milliseconds(10);
  cfg.max_reconnect_attempts = 1;
  cfg.reconnect_min_uptime = seconds(3);
  reconnect_tracker t{cfg};
  CAF_CHECK_EQUAL(plan(t), caf::timespan{milliseconds(10)});
  t.connected(at(seconds(0)));
  t.ended(at(seconds(2)));
  CAF_CHECK(!plan(t));
  cfg.auto_reconnect = false;
  reconnect_tracker off{cfg};
  CAF_CHECK(!plan(off));
  CAF_CHECK_EQUAL(off.attempt(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
