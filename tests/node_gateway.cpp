#define CAF_SUITE node_gateway

#include "hubwatch/actors/node_gateway.hpp"

#include <caf/test/dsl.hpp>

#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/messages/hub_errc.hpp"
#include "recorder.hpp"
#include "test_support.hpp"

using namespace hubwatch;

namespace {

using recorder_actor = caf::stateful_actor<test::recorder_state>;

// The gateway and its relays on the deterministic scheduler; the subscribers
// are local recorders standing in for remote ones (what crosses the network
// is the same messages, tested in remote_live).
struct fixture : test_coordinator_fixture<test::config> {
  websocket_config cfg;
  agent_registry_actor registry;
  node_gateway_actor gateway;
  frame_parser parser{1 << 20, 64};
  uint64_t next_seq = 1;

  fixture() {
    cfg.stale_after = caf::timespan{0};
  }

  ~fixture() {
    anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }

  std::shared_ptr<gateway_stats> stats;

  void start(size_t max_remote_subscribers = 64) {
    registry = spawn_agent_registry(sys, cfg);
    stats = std::make_shared<gateway_stats>();
    stats->max_remote_subscribers = max_remote_subscribers;
    gateway = spawn_node_gateway(sys, registry, stats);
    run();
  }

  /// Subscribes as a remote link does (a request) and returns the answer:
  /// none for a welcome, else the error.
  caf::error subscribe(const subscriber_actor& sub) {
    auto res =
      self->request(gateway, caf::infinite, atom::subscribe::value, sub);
    run();
    caf::error result;
    bool answered = false;
    res.receive([&] { answered = true; },
                [&](caf::error& e) {
                  answered = true;
                  result = std::move(e);
                });
    CAF_CHECK(answered);
    return result;
  }

  static bool is_full(const caf::error& e) {
    return e == make_error(hub_errc::too_many_subscribers);
  }

  hub_update heartbeat(const std::string& id) {
    daemon_event ev;
    parse_error err;
    if (!parser.parse(R"({"type":"heartbeat","agentId":")" + id +
                        R"(","payload":{"status":"running"}})",
                      ev, err))
      CAF_FAIL(to_string(err));
    ev.seq = next_seq++;
    return ev;
  }

  subscriber_actor subscriber(bool stuck = false) {
    return caf::actor_cast<subscriber_actor>(sys.spawn(test::recorder, stuck));
  }

  test::recorder_state& recorded(const subscriber_actor& sub) {
    return deref<recorder_actor>(sub).state;
  }

  void ingest(std::vector<hub_update> xs) {
    self->send(registry, std::move(xs));
    run();
  }

  template <class T, class Handle, class Atom>
  T ask(const Handle& hdl, Atom x) {
    auto res = self->request(hdl, caf::infinite, x);
    run();
    T result{};
    res.receive([&](T& y) { result = std::move(y); },
                [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return result;
  }

  uint64_t registry_count() {
    return ask<uint64_t>(registry, atom::count::value);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_gateway_tests, fixture)

CAF_TEST(a subscriber gets snapshot and stream from a relay not the registry) {
  start();
  ingest({heartbeat("a")});
  auto sub = subscriber();
  self->send(gateway, atom::subscribe::value, sub);
  run();
  auto& rec = recorded(sub);
  CAF_REQUIRE_EQUAL(rec.snapshots.size(), 1u);
  CAF_CHECK_EQUAL(rec.snapshots[0].events.size(), 1u);
  ingest({heartbeat("b")});
  CAF_REQUIRE_EQUAL(rec.updates.size(), 2u);
  CAF_CHECK_EQUAL(caf::get<daemon_event>(rec.updates[0]).seq, 2u);
  // Whoever a subscriber hears from is the one a remote peer could write
  // to: never the registry, which accepts the pipeline's updates.
  CAF_REQUIRE_EQUAL(rec.senders.size(), 2u);
  for (auto& sender : rec.senders) {
    CAF_CHECK(sender != nullptr);
    CAF_CHECK(sender != registry.address());
    CAF_CHECK(sender != gateway.address());
  }
  CAF_CHECK_EQUAL(registry_count(), 1u);
}

CAF_TEST(snapshot and count are answered through the gateway) {
  start();
  ingest({heartbeat("a"), heartbeat("b")});
  auto snap = ask<observer_snapshot>(gateway, atom::snapshot::value);
  CAF_CHECK_EQUAL(snap.events.size(), 2u);
  CAF_CHECK_EQUAL(snap.agents.size(), 2u);
  CAF_CHECK_EQUAL(ask<uint64_t>(gateway, atom::count::value), 0u);
  self->send(gateway, atom::subscribe::value, subscriber());
  run();
  CAF_CHECK_EQUAL(ask<uint64_t>(gateway, atom::count::value), 1u);
}

CAF_TEST(subscribing again starts over with a fresh snapshot) {
  start();
  auto sub = subscriber();
  self->send(gateway, atom::subscribe::value, sub);
  run();
  ingest({heartbeat("a")});
  self->send(gateway, atom::subscribe::value, sub);
  run();
  auto& rec = recorded(sub);
  CAF_REQUIRE_EQUAL(rec.snapshots.size(), 2u);
  CAF_CHECK_EQUAL(rec.snapshots[1].events.size(), 1u);
  CAF_CHECK_EQUAL(registry_count(), 1u);
  // One stream, not two.
  ingest({heartbeat("b")});
  CAF_CHECK_EQUAL(rec.all<daemon_event>().size(), 2u);
}

CAF_TEST(unsubscribe ends the stream) {
  start();
  auto sub = subscriber();
  self->send(gateway, atom::subscribe::value, sub);
  run();
  CAF_CHECK_EQUAL(registry_count(), 1u);
  self->send(gateway, atom::unsubscribe::value, sub);
  run();
  CAF_CHECK_EQUAL(registry_count(), 0u);
  ingest({heartbeat("a")});
  CAF_CHECK_EQUAL(recorded(sub).updates.size(), 0u);
}

CAF_TEST(a subscriber that dies owing acknowledgements is forgotten) {
  cfg.subscriber_queue = 10;
  start();
  auto stuck = subscriber(true);
  auto healthy = subscriber();
  self->send(gateway, atom::subscribe::value, stuck);
  self->send(gateway, atom::subscribe::value, healthy);
  run();
  for (int i = 0; i < 20; ++i)
    ingest({heartbeat("a")}); // 2 updates each
  // The relay forwards no more than the registry's window.
  CAF_CHECK_EQUAL(recorded(stuck).batches, subscriber_window);
  CAF_CHECK_EQUAL(recorded(healthy).updates.size(), 40u);
  CAF_CHECK_EQUAL(registry_count(), 2u);
  auto dropped = ask<observer_snapshot>(registry, atom::snapshot::value)
                   .counters.subscriber_dropped;
  CAF_CHECK_EQUAL(dropped, 40 - 2 * subscriber_window - 10);
  // It dies holding four acknowledgements: its relay fails them, so the
  // registry forgets it without waiting for answers that never come.
  anon_send_exit(stuck, caf::exit_reason::kill);
  run();
  CAF_CHECK_EQUAL(registry_count(), 1u);
  ingest({heartbeat("a")});
  CAF_CHECK_EQUAL(recorded(healthy).updates.size(), 42u);
}

CAF_TEST(relays end with their gateway) {
  start();
  self->send(gateway, atom::subscribe::value, subscriber());
  self->send(gateway, atom::subscribe::value, subscriber(true));
  run();
  CAF_CHECK_EQUAL(registry_count(), 2u);
  anon_send_exit(gateway, caf::exit_reason::user_shutdown);
  run();
  CAF_CHECK_EQUAL(registry_count(), 0u);
}

CAF_TEST(the gateway ends with the registry) {
  start();
  self->monitor(gateway);
  anon_send_exit(registry, caf::exit_reason::user_shutdown);
  run();
  bool down = false;
  self->receive([&](caf::down_msg& dm) { down = dm.source == gateway; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST(admission takes a slot only for a new subscriber with room) {
  CAF_CHECK(admit_subscriber(false, 0, 1) == admission::new_slot);
  CAF_CHECK(admit_subscriber(false, 1, 2) == admission::new_slot);
  CAF_CHECK(admit_subscriber(false, 2, 2) == admission::refused);
  CAF_CHECK(admit_subscriber(false, 3, 2) == admission::refused);
  // A known subscriber keeps its slot even when all are taken.
  CAF_CHECK(admit_subscriber(true, 2, 2) == admission::same_slot);
}

CAF_TEST(beyond the cap a subscriber is refused and counted) {
  start(2);
  auto a = subscriber();
  auto b = subscriber();
  auto c = subscriber();
  CAF_CHECK(!subscribe(a));
  CAF_CHECK(!subscribe(b));
  auto err = subscribe(c);
  CAF_CHECK(is_full(err));
  // The message names the cap and the setting that raises it.
  CAF_CHECK_EQUAL(sys.render(err), "hubwatch: too_many_subscribers (the node "
                                   "is full: max-remote-subscribers = 2)");
  CAF_CHECK_EQUAL(stats->refused.load(), 1u);
  CAF_CHECK_EQUAL(registry_count(), 2u);
  // The refused one gets nothing; the others keep streaming.
  ingest({heartbeat("a")});
  CAF_CHECK_EQUAL(recorded(c).snapshots.size(), 0u);
  CAF_CHECK_EQUAL(recorded(c).updates.size(), 0u);
  CAF_CHECK_EQUAL(recorded(a).all<daemon_event>().size(), 1u);
  CAF_CHECK_EQUAL(recorded(b).all<daemon_event>().size(), 1u);
}

CAF_TEST(subscribing again at the cap keeps the one slot) {
  start(1);
  auto a = subscriber();
  CAF_CHECK(!subscribe(a));
  CAF_CHECK(!subscribe(a));
  CAF_CHECK(!subscribe(a));
  CAF_CHECK_EQUAL(stats->refused.load(), 0u);
  CAF_CHECK_EQUAL(recorded(a).snapshots.size(), 3u);
  CAF_CHECK_EQUAL(registry_count(), 1u);
  CAF_CHECK(is_full(subscribe(subscriber())));
}

CAF_TEST(unsubscribe and a dead subscriber free their slots) {
  start(1);
  auto a = subscriber();
  auto b = subscriber();
  CAF_CHECK(!subscribe(a));
  CAF_CHECK(is_full(subscribe(b)));
  self->send(gateway, atom::unsubscribe::value, a);
  run();
  CAF_CHECK(!subscribe(b));
  CAF_CHECK_EQUAL(recorded(b).snapshots.size(), 1u);
  CAF_CHECK(is_full(subscribe(a)));
  // b's end ends its relay, and its slot goes with it.
  anon_send_exit(b, caf::exit_reason::kill);
  run();
  CAF_CHECK(!subscribe(a));
  CAF_CHECK_EQUAL(stats->refused.load(), 2u);
  CAF_CHECK_EQUAL(registry_count(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
