#define CAF_SUITE metrics_request

#include "hubwatch/actors/metrics_request.hpp"

#include <caf/test/dsl.hpp>

#include "hubwatch/actors/node_gateway.hpp"
#include "hubwatch/core/frame_parser.hpp"
#include "recorder.hpp"
#include "test_support.hpp"

using namespace hubwatch;

namespace {

// The registry, a gateway and the short-lived collector on the
// deterministic scheduler.
struct fixture : test_coordinator_fixture<test::config> {
  websocket_config cfg;
  agent_registry_actor registry;
  node_gateway_actor gateway;
  frame_parser parser{1 << 20, 64};
  uint64_t next_seq = 1;

  std::shared_ptr<gateway_stats> stats = std::make_shared<gateway_stats>();

  fixture() {
    cfg.stale_after = caf::timespan{0};
    registry = spawn_agent_registry(sys, cfg);
    stats->max_remote_subscribers = 2;
    gateway = spawn_node_gateway(sys, registry, stats);
    run();
  }

  ~fixture() {
    anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }

  hub_update event(const std::string& frame) {
    daemon_event ev;
    parse_error err;
    if (!parser.parse(frame, ev, err))
      CAF_FAIL(to_string(err));
    ev.seq = next_seq++;
    return ev;
  }

  subscriber_actor subscriber() {
    return caf::actor_cast<subscriber_actor>(sys.spawn(test::recorder, false));
  }

  /// Runs a request to completion; fails the test if `done` is not called
  /// exactly once.
  caf::expected<metrics_snapshot>
  collect(size_t max_agents,
          std::shared_ptr<const gateway_stats> with_gateway = nullptr) {
    size_t calls = 0;
    caf::expected<metrics_snapshot> result{caf::sec::unexpected_message};
    request_metrics(
      sys, registry, max_agents, std::chrono::seconds(1),
      [&](caf::expected<metrics_snapshot> x) {
        ++calls;
        result = std::move(x);
      },
      std::move(with_gateway));
    sched.run();
    CAF_CHECK_EQUAL(calls, 1u);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(metrics_request_tests, fixture)

CAF_TEST(the figures come from the registry) {
  self->send(registry, std::vector<hub_update>{
                         event(R"({"type":"heartbeat","agentId":"b"})"),
                         event(R"({"type":"agent_error","agentId":"a"})"),
                         event(R"({"type":"task_result","agentId":"a"})"),
                         parse_error{hub_errc::invalid_json, "x", "{"},
                       });
  // One local subscriber, two remote ones (relays through the gateway).
  self->send(registry, atom::subscribe::value, subscriber());
  self->send(gateway, atom::subscribe::value, subscriber());
  self->send(gateway, atom::subscribe::value, subscriber());
  run();
  auto m = collect(1);
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->local_subscribers, 1u);
  CAF_CHECK_EQUAL(m->remote_subscribers, 2u);
  CAF_CHECK_EQUAL(m->events_by_type[static_cast<size_t>(event_type::heartbeat)],
                  1u);
  CAF_CHECK_EQUAL(
    m->events_by_type[static_cast<size_t>(event_type::task_result)], 1u);
  CAF_CHECK_EQUAL(
    m->parse_errors_by_kind[static_cast<size_t>(hub_errc::invalid_json)], 1u);
  // The cap of 1: a keeps its series, b folds.
  CAF_REQUIRE_EQUAL(m->agents.size(), 2u);
  CAF_CHECK_EQUAL(m->agents[0].id, "a");
  CAF_CHECK_EQUAL(m->agents[0].errors, 1u);
  CAF_CHECK_EQUAL(m->agents[1].id, "_other");
  CAF_CHECK_EQUAL(m->agents_folded, 1u);
}

CAF_TEST(the registry tells relays from local subscribers) {
  // No gateway is asked: the registry alone knows which subscribers are
  // relays, so both figures come from one answer and always agree.
  auto local = subscriber();
  auto relay = subscriber();
  self->send(registry, atom::subscribe::value, local);
  self->send(registry, atom::subscribe::value, atom::relays::value, relay);
  run();
  auto m = collect(10);
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->local_subscribers, 1u);
  CAF_CHECK_EQUAL(m->remote_subscribers, 1u);
  self->send(registry, atom::unsubscribe::value, relay);
  run();
  m = collect(10);
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->local_subscribers, 1u);
  CAF_CHECK_EQUAL(m->remote_subscribers, 0u);
}

CAF_TEST(a gateway adds its cap and its refusals) {
  for (int i = 0; i < 3; ++i)
    self->send(gateway, atom::subscribe::value, subscriber());
  sched.run();
  CAF_CHECK_EQUAL(stats->refused.load(), 1u);
  auto m = collect(1000, stats);
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->remote_subscribers, 2u);
  CAF_CHECK_EQUAL(m->remote_subscribers_max, uint64_t{2});
  CAF_CHECK_EQUAL(m->remote_subscribers_refused, 1u);
  // Without the gateway's figures there is no cap to show.
  auto plain = collect(1000);
  CAF_REQUIRE(plain);
  CAF_CHECK(!plain->remote_subscribers_max);
}

CAF_TEST(a registry that is gone yields an error not a hang) {
  anon_send_exit(gateway, caf::exit_reason::user_shutdown);
  anon_send_exit(registry, caf::exit_reason::user_shutdown);
  run();
  auto m = collect(10);
  CAF_CHECK(!m);
}

CAF_TEST_FIXTURE_SCOPE_END()
