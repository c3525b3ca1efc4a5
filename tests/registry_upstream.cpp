#define CAF_SUITE registry_upstream

#include <caf/test/dsl.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/messages/defaults.hpp"
#include "recorder.hpp"
#include "test_support.hpp"

using namespace hubwatch;

namespace {

using recorder_actor = caf::stateful_actor<test::recorder_state>;

// The registry of node B, fed by node A's stream as an upstream_feed does.
struct fixture : test_coordinator_fixture<test::config> {
  websocket_config cfg;
  agent_registry_actor registry;

  fixture() {
    // Staleness is A's business: B must not derive it, with or without
    // a limit of its own.
    cfg.stale_after = std::chrono::seconds(1);
    registry = spawn_agent_registry(sys, cfg, registry_mode::upstream);
    self->send(registry, atom::name::value, std::string{"B"});
    run();
  }

  ~fixture() {
    anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }

  static daemon_event event(uint64_t seq, const std::string& agent) {
    daemon_event ev;
    ev.seq = seq;
    ev.type = event_type::heartbeat;
    ev.type_name = "heartbeat";
    ev.agent_id = agent;
    return ev;
  }

  static agent_info agent(const std::string& id, const std::string& word,
                          bool stale = false) {
    agent_info rec;
    rec.id = id;
    rec.status = agent_status::running;
    rec.status_word = word;
    rec.stale = stale;
    return rec;
  }

  // A's snapshot after (re)connecting: events seq 1..n about `agents`.
  static observer_snapshot
  upstream_snapshot(uint64_t n, std::vector<agent_info> agents,
                    std::vector<std::string> via = {"A"}) {
    observer_snapshot x;
    for (uint64_t seq = 1; seq <= n; ++seq)
      x.events.push_back(event(seq, agents.front().id));
    x.agents = std::move(agents);
    x.via = std::move(via);
    return x;
  }

  void link_status(connection_state state, uint64_t reconnects = 0) {
    connection_status st;
    st.url = "127.0.0.1:4242";
    st.state = state;
    st.reconnects = reconnects;
    if (state == connection_state::disconnected) {
      st.error_code = hub_errc::connection_lost;
      st.next_delay = caf::timespan{std::chrono::seconds(2)};
    }
    self->send(registry, st);
    run();
  }

  void feed(observer_snapshot x) {
    self->send(registry, atom::upstream::value, std::move(x));
    run();
  }

  void feed(update_batch::items_type xs, uint64_t missed = 0) {
    self->send(registry, atom::upstream::value,
               update_batch{std::move(xs), missed});
    run();
  }

  subscriber_actor subscriber(bool stuck = false) {
    auto hdl = sys.spawn(test::recorder, stuck);
    auto sub = caf::actor_cast<subscriber_actor>(hdl);
    self->send(registry, atom::subscribe::value, sub);
    run();
    return sub;
  }

  test::recorder_state& recorded(const subscriber_actor& sub) {
    return deref<recorder_actor>(sub).state;
  }

  observer_snapshot snapshot() {
    auto res = self->request(registry, caf::infinite, atom::snapshot::value);
    run();
    observer_snapshot result;
    res.receive([&](observer_snapshot& x) { result = std::move(x); },
                [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return result;
  }

  // The seq numbers of the events `sub` received after its last snapshot.
  std::vector<uint64_t> seqs_after_last_snapshot(const subscriber_actor& sub) {
    auto& st = recorded(sub);
    std::vector<uint64_t> result;
    if (st.snapshot_at.empty())
      return result;
    for (auto i = st.snapshot_at.back(); i < st.updates.size(); ++i)
      if (auto ev = caf::get_if<daemon_event>(&st.updates[i]))
        result.push_back(ev->seq);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(registry_upstream_tests, fixture)

CAF_TEST(an upstream snapshot replaces what the registry holds) {
  link_status(connection_state::connected);
  feed(upstream_snapshot(3, {agent("a", "trading"), agent("b", "idle")}));
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.events.size(), 3u);
  CAF_REQUIRE_EQUAL(snap.agents.size(), 2u);
  CAF_CHECK_EQUAL(snap.agents[0].status_word, "trading");
  CAF_CHECK_EQUAL(snap.via, (std::vector<std::string>{"A", "B"}));
  CAF_CHECK_EQUAL(snap.status.state, connection_state::connected);
  // A second session: fewer events and other agents, nothing of the first.
  feed(upstream_snapshot(1, {agent("c", "booting")}));
  snap = snapshot();
  CAF_CHECK_EQUAL(snap.events.size(), 1u);
  CAF_REQUIRE_EQUAL(snap.agents.size(), 1u);
  CAF_CHECK_EQUAL(snap.agents[0].id, "c");
}

CAF_TEST(upstream agent records are taken as they are) {
  link_status(connection_state::connected);
  feed(upstream_snapshot(1, {agent("a", "trading")}));
  auto sub = subscriber();
  // A marked it stale and says so; B passes that on and derives nothing
  // from the event (a heartbeat that would make it fresh again).
  feed({event(2, "a"), agent("a", "trading", true)});
  auto snap = snapshot();
  CAF_REQUIRE_EQUAL(snap.agents.size(), 1u);
  CAF_CHECK(snap.agents[0].stale);
  auto& st = recorded(sub);
  CAF_REQUIRE_EQUAL(st.updates.size(), 2u);
  CAF_CHECK(caf::holds_alternative<daemon_event>(st.updates[0]));
  CAF_CHECK(caf::holds_alternative<agent_info>(st.updates[1]));
  // No staleness timer of B's own: its records stay what A said.
  feed({agent("a", "trading", false)});
  sched.trigger_timeouts();
  run();
  snap = snapshot();
  CAF_CHECK(!snap.agents[0].stale);
  CAF_CHECK_EQUAL(recorded(sub).updates.size(), 3u);
}

CAF_TEST(subscribers start over on a fresh upstream snapshot) {
  link_status(connection_state::connected);
  feed(upstream_snapshot(2, {agent("a", "trading")}));
  auto sub = subscriber();
  CAF_CHECK_EQUAL(recorded(sub).snapshots.size(), 1u);
  feed({event(3, "a")});
  feed({event(4, "a")});
  // A goes away: the link says so, the agents turn stale.
  link_status(connection_state::disconnected);
  auto snap = snapshot();
  CAF_CHECK(snap.agents[0].stale);
  CAF_CHECK_EQUAL(snap.status.state, connection_state::disconnected);
  // A restarted numbers from 1 again: the subscriber gets a fresh snapshot
  // and then seq 3 (of the new session) exactly once.
  link_status(connection_state::connected, 1);
  feed(upstream_snapshot(2, {agent("a", "trading")}));
  feed({event(3, "a")});
  auto& st = recorded(sub);
  CAF_REQUIRE_EQUAL(st.snapshots.size(), 2u);
  CAF_CHECK_EQUAL(st.snapshots[1].events.size(), 2u);
  CAF_CHECK_EQUAL(st.snapshots[1].events.back().seq, 2u);
  CAF_CHECK(!st.snapshots[1].agents[0].stale);
  CAF_CHECK_EQUAL(st.snapshots[1].counters.reconnects, 1u);
  CAF_CHECK_EQUAL(seqs_after_last_snapshot(sub), std::vector<uint64_t>{3});
  // The old session's events stay before the fresh snapshot.
  // 2 events, status, stale agent, status.
  CAF_CHECK_EQUAL(st.snapshot_at[1], 5u);
}

CAF_TEST(waiting updates of the old session are dropped at a fresh snapshot) {
  link_status(connection_state::connected);
  feed(upstream_snapshot(1, {agent("a", "trading")}));
  auto sub = subscriber(true);
  // A stuck subscriber: its window fills, the rest waits at the registry.
  for (uint64_t seq = 2; seq < 2 + 2 * subscriber_window; ++seq)
    feed({event(seq, "a")});
  auto& st = recorded(sub);
  CAF_CHECK_EQUAL(st.updates.size(), subscriber_window);
  feed(upstream_snapshot(1, {agent("a", "trading")}));
  feed({event(2, "a")});
  self->send(caf::actor_cast<caf::actor>(sub), test::release_atom::value);
  run();
  CAF_REQUIRE_EQUAL(st.snapshots.size(), 2u);
  // What was in flight arrived before the snapshot; after it, only the new
  // session, and nothing counts as missed (the snapshot replaces it).
  CAF_CHECK_EQUAL(st.snapshot_at[1], subscriber_window);
  CAF_CHECK_EQUAL(seqs_after_last_snapshot(sub), std::vector<uint64_t>{2});
  CAF_CHECK_EQUAL(st.missed, 0u);
}

CAF_TEST(a loop is refused) {
  link_status(connection_state::connected);
  auto sub = subscriber();
  feed(upstream_snapshot(1, {agent("a", "trading")}, {"A", "B", "C"}));
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.status.state, connection_state::error);
  CAF_CHECK_EQUAL(snap.status.error_code, hub_errc::handshake_rejected);
  CAF_CHECK(snap.status.error_message.find("loop") != std::string::npos);
  CAF_CHECK(snap.agents.empty());
  CAF_CHECK(snap.via.empty());
  // Its batches are ignored; the subscriber heard of the refusal.
  feed({event(2, "a")});
  auto statuses = recorded(sub).all<connection_status>();
  CAF_REQUIRE_EQUAL(statuses.size(), 1u);
  CAF_CHECK_EQUAL(statuses[0].state, connection_state::error);
  CAF_CHECK(recorded(sub).all<daemon_event>().empty());
}

CAF_TEST(a path longer than max_via is refused) {
  link_status(connection_state::connected);
  std::vector<std::string> path;
  for (size_t i = 0; i < defaults::max_via; ++i)
    path.push_back("n" + std::to_string(i));
  feed(upstream_snapshot(1, {agent("a", "trading")}, path));
  CAF_CHECK_EQUAL(snapshot().status.state, connection_state::error);
  path.pop_back();
  feed(upstream_snapshot(1, {agent("a", "trading")}, path));
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.via.size(), defaults::max_via);
  CAF_CHECK_EQUAL(snap.via.back(), "B");
  CAF_CHECK_EQUAL(snap.agents.size(), 1u);
}

CAF_TEST(upstream losses are counted) {
  link_status(connection_state::connected);
  feed(upstream_snapshot(1, {agent("a", "trading")}));
  feed({event(9, "a")}, 7);
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.counters.subscriber_dropped, 7u);
  CAF_CHECK_EQUAL(snap.counters.events, 1u);
}

CAF_TEST(a registry fed by a hub ignores upstream messages) {
  auto hub_fed = spawn_agent_registry(sys, cfg);
  self->send(hub_fed, atom::name::value, std::string{"A"});
  self->send(hub_fed, atom::upstream::value,
             upstream_snapshot(1, {agent("a", "trading")}));
  self->send(hub_fed, atom::upstream::value,
             update_batch{update_batch::items_type{event(2, "a")}});
  auto res = self->request(hub_fed, caf::infinite, atom::snapshot::value);
  run();
  res.receive(
    [&](observer_snapshot& x) {
      CAF_CHECK(x.agents.empty());
      CAF_CHECK(x.events.empty());
      CAF_CHECK_EQUAL(x.via, std::vector<std::string>{"A"});
    },
    [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  anon_send_exit(hub_fed, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
