#define CAF_SUITE callbacks_live

// Callback subscriptions run user code. A callback that blocks (a full
// stdout pipe, a slow database write) must delay nobody else: not the other
// subscriptions of the same observer, not another observer in the process,
// not the hub connection.

#include <caf/test/unit_test.hpp>

#include <future>

#include "live_support.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

namespace {

/// One CAF worker, as `use_recommended_scheduler` gives a two-core machine:
/// a callback that held that worker would hold every actor of the process.
struct one_worker_config : config {
  one_worker_config() {
    set("scheduler.max-threads", 1);
  }
};

std::string event_frame(size_t i) {
  return R"({"type":"heartbeat","agentId":"a-)" + std::to_string(i) +
         R"(","agentName":"w","timestamp":"2026-11-25T18:00:16Z",)"
         R"("payload":{"status":"running"}})";
}

} // namespace

CAF_TEST(a blocked callback delays neither other subscriptions nor observers) {
  one_worker_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  hub::hub_server server{hub::server_options{}};
  server.start();
  auto cfg = live_test_config();
  cfg.url = server.url();
  // Keep-alive pings every half second while the connection is idle.
  cfg.idle_timeout = 1s;
  observer first{sys, cfg};
  observer second{sys, cfg};
  // The blocking subscription: its first event parks it until released.
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<size_t> blocked_events{0};
  subscriber_callbacks blocking;
  blocking.on_update = [&, released](const hub_update& x) {
    if (!caf::holds_alternative<daemon_event>(x))
      return;
    if (blocked_events++ == 0) {
      entered.set_value();
      released.wait();
    }
  };
  auto blocked_sub = first.subscribe(std::move(blocking));
  collector same; // another subscription of the same observer
  auto same_sub = first.subscribe(same.callbacks());
  collector other; // a subscription of the second observer
  auto other_sub = second.subscribe(other.callbacks());
  CAF_REQUIRE(first.start().empty());
  CAF_REQUIRE(second.start().empty());
  CAF_REQUIRE(server.wait_for_clients(2, 5s));
  for (auto* col : {&same, &other})
    CAF_REQUIRE(col->wait([](const collector& c) {
      return c.count_state_unlocked(connection_state::connected) >= 1;
    }));
  server.send_text(event_frame(0));
  CAF_REQUIRE(entered.get_future().wait_for(10s) == std::future_status::ready);
  // While the callback is parked: more events, and the others get them all.
  constexpr size_t n = 50;
  for (size_t i = 1; i <= n; ++i)
    server.send_text(event_frame(i));
  for (auto* col : {&same, &other})
    CAF_CHECK(col->wait(
      [](const collector& c) { return c.events_unlocked() == n + 1; }, 10s));
  // And the connections stay alive: both observers keep pinging the idle hub.
  auto pings = server.pings_received();
  CAF_CHECK(
    eventually([&] { return server.pings_received() >= pings + 4; }, 10s));
  CAF_CHECK_EQUAL(blocked_events.load(), 1u);
  CAF_CHECK_EQUAL(same.missed(), 0u);
  CAF_CHECK_EQUAL(other.missed(), 0u);
  // Released, the parked subscription catches up without losing anything.
  release.set_value();
  CAF_CHECK(eventually([&] { return blocked_events.load() == n + 1; }, 10s));
  blocked_sub.reset();
  same_sub.reset();
  other_sub.reset();
  CAF_CHECK_EQUAL(server.data_frames_received(), 0u);
}
