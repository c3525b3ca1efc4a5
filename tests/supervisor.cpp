#define CAF_SUITE supervisor

#include "hubwatch/actors/supervisor.hpp"

#include <caf/test/dsl.hpp>

#include "hubwatch/core/backoff_policy.hpp"
#include "test_support.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

// Stands in for the connection actor: the test plays the WebSocket session
// by sending it what a session would (connected, session_result).
connection_actor::behavior_type fake_connection(connection_actor::pointer self,
                                                connection_owner_actor owner,
                                                std::vector<std::string>* log) {
  return {
    [=](atom::close) {
      log->push_back("close");
      session_result res;
      res.code = hub_errc::closed_by_observer;
      res.close_code = uint16_t{1000};
      self->send(owner, res);
      self->quit();
    },
    [=](atom::connected, bool deflate) {
      self->send(owner, atom::connected::value, deflate);
    },
    [=](session_result& res) {
      self->send(owner, res);
      self->quit(make_error(res.code));
    },
  };
}

// Records the status changes the supervisor publishes.
struct status_log_state {
  static inline const char* name = "test.status-log";
  std::vector<connection_status> statuses;
};

// The unused argument works around CAF 0.17.6, which dereferences a null
// pointer (UBSan: reference binding to null) when spawning a function-based
// actor without any argument.
parser_actor::behavior_type
status_log(parser_actor::stateful_pointer<status_log_state> self, int) {
  return {
    [](std::string&) {},
    [](atom::frames, frame_channel_ptr&) {},
    [self](connection_status& x) { self->state.statuses.push_back(x); },
  };
}

struct fixture : test_coordinator_fixture<test::config> {
  websocket_config cfg;
  supervisor_actor sup;
  parser_actor log_actor;
  std::vector<connection_actor> conns;
  std::vector<uint32_t> attempts;
  // Per attempt: 'y' if it offered permessage-deflate, else 'n'.
  std::string offers;
  std::vector<std::string> conn_log;

  void start() {
    log_actor = sys.spawn(status_log, 0);
    auto factory = [this](connection_owner_actor owner, uint32_t attempt,
                          bool deflate) {
      attempts.push_back(attempt);
      offers += deflate ? 'y' : 'n';
      conns.push_back(sys.spawn(fake_connection, owner, &conn_log));
      return conns.back();
    };
    sup = spawn_supervisor(sys, cfg, factory, log_actor, 42);
    sched.run();
  }

  ~fixture() {
    anon_send_exit(sup, caf::exit_reason::user_shutdown);
    anon_send_exit(log_actor, caf::exit_reason::user_shutdown);
    for (auto& c : conns)
      anon_send_exit(c, caf::exit_reason::user_shutdown);
    sched.run();
  }

  const std::vector<connection_status>& statuses() {
    return deref<caf::stateful_actor<status_log_state, parser_actor::base>>(
             log_actor)
      .state.statuses;
  }

  const connection_status& last_status() {
    return statuses().back();
  }

  void connect() {
    self->send(sup, atom::connect::value);
    sched.run();
  }

  // `deflate`: the hub agreed to permessage-deflate.
  void session_up(bool deflate = false) {
    self->send(conns.back(), atom::connected::value, deflate);
    sched.run();
  }

  void session_ends(hub_errc code = hub_errc::connection_lost,
                    caf::optional<uint16_t> http = caf::none) {
    session_result res;
    res.code = code;
    res.message = "test";
    res.close_code = uint16_t{1006};
    res.http_status = http;
    self->send(conns.back(), res);
    sched.run();
  }

  // Fires the pending retry timer; returns how far the clock moved.
  caf::timespan fire_retry() {
    auto before = sched.clock().now();
    if (!sched.trigger_timeout())
      CAF_FAIL("no retry was scheduled");
    sched.run();
    return sched.clock().now() - before;
  }
};

double ms(caf::timespan x) {
  return duration_cast<duration<double, std::milli>>(x).count();
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

CAF_TEST(nothing happens before connect) {
  start();
  CAF_CHECK(conns.empty());
  CAF_CHECK(statuses().empty());
  CAF_CHECK(!sched.has_pending_timeout());
}

CAF_TEST(the exact default schedule) {
  start();
  connect();
  CAF_REQUIRE_EQUAL(conns.size(), 1u);
  CAF_CHECK_EQUAL(last_status().state, connection_state::connecting);
  CAF_CHECK_EQUAL(last_status().attempt, 0u);
  std::vector<double> expected{2000,    3000,     4500,  6750,  10125,
                               15187.5, 22781.25, 30000, 30000, 30000};
  for (size_t n = 0; n < expected.size(); ++n) {
    session_ends(hub_errc::connect_failed);
    auto& st = last_status();
    CAF_CHECK_EQUAL(st.state, connection_state::disconnected);
    CAF_CHECK_EQUAL(st.attempt, n + 1);
    CAF_REQUIRE(st.next_delay);
    CAF_CHECK_EQUAL(ms(*st.next_delay), expected[n]);
    CAF_CHECK_EQUAL(st.error_code, hub_errc::connect_failed);
    CAF_CHECK_EQUAL(ms(fire_retry()), expected[n]);
    CAF_REQUIRE_EQUAL(conns.size(), n + 2);
    CAF_CHECK_EQUAL(last_status().state, connection_state::connecting);
    CAF_CHECK_EQUAL(attempts.back(), n + 1);
  }
}

CAF_TEST(jitter spreads delays within its bounds) {
  cfg.reconnect_jitter = 0.5;
  start();
  connect();
  bool any_off_base = false;
  for (uint32_t n = 0; n < 8; ++n) {
    session_ends();
    auto base = backoff_policy{websocket_config{}}.base_delay(n);
    auto d = *last_status().next_delay;
    CAF_CHECK_GREATER_OR_EQUAL(d, base / 2);
    CAF_CHECK_LESS_OR_EQUAL(d, base * 3 / 2);
    if (d != base)
      any_off_base = true;
    CAF_CHECK_EQUAL(fire_retry(), d);
  }
  CAF_CHECK(any_off_base);
}

CAF_TEST(max attempts then a give - up notice) {
  cfg.max_reconnect_attempts = 3;
  start();
  connect();
  for (int i = 0; i < 3; ++i) {
    session_ends(hub_errc::connect_failed);
    fire_retry();
  }
  CAF_CHECK_EQUAL(conns.size(), 4u); // the first attempt and 3 retries
  session_ends(hub_errc::connect_failed);
  auto& st = last_status();
  CAF_CHECK_EQUAL(st.state, connection_state::error);
  CAF_CHECK_EQUAL(st.error_code, hub_errc::gave_up);
  CAF_CHECK_EQUAL(st.error_message.rfind("gave up after 3 attempts", 0), 0u);
  CAF_CHECK(!st.next_delay);
  CAF_CHECK(!sched.has_pending_timeout());
  // connect starts over.
  connect();
  CAF_CHECK_EQUAL(conns.size(), 5u);
}

CAF_TEST(a successful connection resets counter and delay) {
  start();
  connect();
  session_ends();
  fire_retry();
  session_ends();
  CAF_CHECK_EQUAL(ms(*last_status().next_delay), 3000.0);
  fire_retry();
  session_up();
  CAF_CHECK_EQUAL(last_status().state, connection_state::connected);
  CAF_CHECK_EQUAL(last_status().attempt, 2u);
  CAF_CHECK_EQUAL(last_status().error_code, hub_errc::none);
  CAF_CHECK_EQUAL(last_status().reconnects, 0u); // first success
  session_ends();
  CAF_CHECK_EQUAL(last_status().attempt, 1u);
  CAF_CHECK_EQUAL(ms(*last_status().next_delay), 2000.0);
  CAF_CHECK_EQUAL(last_status().close_code, uint16_t{1006});
  fire_retry();
  session_up();
  CAF_CHECK_EQUAL(last_status().reconnects, 1u);
}

CAF_TEST(min uptime : a connection dropped at once does not reset) {
  cfg.reconnect_min_uptime = seconds(10);
  start();
  connect();
  session_up();
  sched.clock().current_time += seconds(5);
  session_ends();
  CAF_CHECK_EQUAL(ms(*last_status().next_delay), 2000.0);
  fire_retry();
  session_up(); // accepted, then dropped after 5 s: no reset
  sched.clock().current_time += seconds(5);
  session_ends();
  CAF_CHECK_EQUAL(ms(*last_status().next_delay), 3000.0);
  fire_retry();
  session_up(); // stays up 10 s: reset
  sched.clock().current_time += seconds(10);
  session_ends();
  CAF_CHECK_EQUAL(ms(*last_status().next_delay), 2000.0);
}

CAF_TEST(manual reconnect closes and connects now with the counter reset) {
  start();
  connect();
  session_ends();
  fire_retry();
  session_up();
  self->send(sup, atom::reconnect::value);
  sched.run();
  CAF_CHECK_EQUAL(conn_log, std::vector<std::string>{"close"});
  CAF_REQUIRE_EQUAL(conns.size(), 3u);
  CAF_CHECK_EQUAL(attempts.back(), 0u);
  CAF_CHECK_EQUAL(last_status().state, connection_state::connecting);
  CAF_CHECK(!sched.has_pending_timeout());
  // While a retry is pending, reconnect skips the wait.
  session_ends();
  CAF_CHECK(sched.has_pending_timeout());
  self->send(sup, atom::reconnect::value);
  sched.run();
  CAF_CHECK_EQUAL(conns.size(), 4u);
  CAF_CHECK_EQUAL(attempts.back(), 0u);
  // The stale timer fires into nothing.
  sched.trigger_timeout();
  sched.run();
  CAF_CHECK_EQUAL(conns.size(), 4u);
}

CAF_TEST(disconnect closes and cancels a pending retry) {
  start();
  connect();
  session_up();
  auto res = self->request(sup, caf::infinite, atom::disconnect::value);
  sched.run();
  connection_status reply;
  res.receive([&](connection_status& x) { reply = x; },
              [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(conn_log, std::vector<std::string>{"close"});
  CAF_CHECK_EQUAL(reply.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(reply.close_code, uint16_t{1000});
  CAF_CHECK(!sched.has_pending_timeout());
  CAF_CHECK_EQUAL(conns.size(), 1u);
  // And a retry that was already scheduled.
  connect();
  session_ends();
  CAF_CHECK(sched.has_pending_timeout());
  self->send(sup, atom::disconnect::value);
  sched.run();
  CAF_CHECK_EQUAL(last_status().state, connection_state::disconnected);
  CAF_CHECK(!last_status().next_delay);
  sched.trigger_timeout();
  sched.run();
  CAF_CHECK_EQUAL(conns.size(), 2u);
}

CAF_TEST(http 401 403 404 stop the retries) {
  for (uint16_t code : {401, 403, 404}) {
    conns.clear();
    start();
    connect();
    session_ends(hub_errc::handshake_rejected, code);
    auto& st = last_status();
    CAF_CHECK_EQUAL(st.state, connection_state::error);
    CAF_CHECK_EQUAL(st.http_status, code);
    CAF_CHECK_EQUAL(st.error_code, hub_errc::handshake_rejected);
    CAF_CHECK(!sched.has_pending_timeout());
    anon_send_exit(sup, caf::exit_reason::user_shutdown);
    sched.run();
  }
  // Other statuses are outages: retry.
  conns.clear();
  start();
  connect();
  session_ends(hub_errc::handshake_rejected, uint16_t{503});
  CAF_CHECK_EQUAL(last_status().state, connection_state::disconnected);
  CAF_CHECK(sched.has_pending_timeout());
}

CAF_TEST(http refusals retry when configured) {
  cfg.retry_on_http_error = true;
  start();
  connect();
  session_ends(hub_errc::handshake_rejected, uint16_t{404});
  CAF_CHECK_EQUAL(last_status().state, connection_state::disconnected);
  CAF_CHECK(sched.has_pending_timeout());
}

CAF_TEST(without auto reconnect a drop is final) {
  cfg.auto_reconnect = false;
  start();
  connect();
  session_up();
  session_ends();
  CAF_CHECK_EQUAL(last_status().state, connection_state::disconnected);
  CAF_CHECK_EQUAL(last_status().error_code, hub_errc::connection_lost);
  CAF_CHECK(!sched.has_pending_timeout());
}

CAF_TEST(a connection actor killed without a word still counts as lost) {
  start();
  connect();
  session_up();
  anon_send_exit(conns.back(), caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(last_status().state, connection_state::disconnected);
  CAF_CHECK_EQUAL(last_status().error_code, hub_errc::connection_lost);
  CAF_CHECK(sched.has_pending_timeout());
}

CAF_TEST(http 400 to a deflate offer means at once without it and never again) {
  cfg.deflate = true;
  start();
  connect();
  CAF_CHECK(!last_status().deflate); // not known yet
  session_ends(hub_errc::handshake_rejected, uint16_t{400});
  // The retry started at once, on no timer, and offered nothing.
  CAF_CHECK(!sched.has_pending_timeout());
  CAF_CHECK_EQUAL(offers, "yn");
  CAF_CHECK_EQUAL(attempts, (std::vector<uint32_t>{0, 0}));
  auto& all = statuses();
  CAF_REQUIRE_GREATER_OR_EQUAL(all.size(), 3u);
  auto& refused = all[all.size() - 2];
  CAF_CHECK_EQUAL(refused.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(refused.next_delay, caf::timespan{0});
  CAF_CHECK_EQUAL(refused.deflate, false);
  CAF_CHECK_EQUAL(refused.http_status, uint16_t{400});
  CAF_CHECK_EQUAL(refused.error_code, hub_errc::handshake_rejected);
  CAF_CHECK_NOT_EQUAL(refused.error_message.find("refused the permessage-"
                                                 "deflate offer"),
                      std::string::npos);
  CAF_CHECK_EQUAL(last_status().state, connection_state::connecting);
  CAF_CHECK_EQUAL(last_status().deflate, false);
  session_up(false);
  CAF_CHECK_EQUAL(last_status().state, connection_state::connected);
  CAF_CHECK_EQUAL(last_status().deflate, false);
  // Later attempts stay without, on the usual schedule, even if the hub
  // answers 400 again.
  session_ends();
  CAF_CHECK_EQUAL(ms(fire_retry()), 2000.0);
  session_ends(hub_errc::handshake_rejected, uint16_t{400}); // retry 1 fails
  CAF_CHECK(sched.has_pending_timeout());
  CAF_CHECK_EQUAL(ms(*last_status().next_delay), 3000.0);
  fire_retry();
  CAF_CHECK_EQUAL(offers, "ynnn");
}

CAF_TEST(the deflate fallback happens even without auto reconnect) {
  cfg.deflate = true;
  cfg.auto_reconnect = false;
  start();
  connect();
  session_ends(hub_errc::handshake_rejected, uint16_t{400});
  CAF_CHECK_EQUAL(offers, "yn");
  CAF_CHECK_EQUAL(last_status().state, connection_state::connecting);
  // That attempt failing is final.
  session_ends(hub_errc::handshake_rejected, uint16_t{400});
  CAF_CHECK_EQUAL(conns.size(), 2u);
  CAF_CHECK_EQUAL(last_status().state, connection_state::disconnected);
  CAF_CHECK(!sched.has_pending_timeout());
}

CAF_TEST(a hub that answers 101 without the extension is not offered it again) {
  cfg.deflate = true;
  start();
  connect();
  session_up(false);
  CAF_CHECK_EQUAL(last_status().deflate, false);
  session_ends();
  fire_retry();
  CAF_CHECK_EQUAL(offers, "yn");
}

CAF_TEST(a hub that agrees to deflate keeps being offered it) {
  cfg.deflate = true;
  start();
  connect();
  session_up(true);
  CAF_CHECK_EQUAL(last_status().deflate, true);
  session_ends();
  CAF_CHECK_EQUAL(last_status().deflate, true); // what the last one had
  fire_retry();
  // A 503 is an outage, not a refusal of the offer.
  session_ends(hub_errc::handshake_rejected, uint16_t{503});
  fire_retry();
  CAF_CHECK_EQUAL(offers, "yyy");
}

CAF_TEST(without deflate asked for a 400 is retried on the schedule) {
  start();
  connect();
  session_ends(hub_errc::handshake_rejected, uint16_t{400});
  CAF_CHECK(sched.has_pending_timeout());
  CAF_CHECK_EQUAL(conns.size(), 1u);
  CAF_CHECK(!last_status().deflate);
  CAF_CHECK_EQUAL(offers, "n");
}

CAF_TEST_FIXTURE_SCOPE_END()
