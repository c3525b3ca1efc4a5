#define CAF_SUITE agent_registry

#include "hubwatch/actors/agent_registry.hpp"

#include <caf/test/dsl.hpp>

#include "hubwatch/core/frame_parser.hpp"
#include "recorder.hpp"
#include "test_support.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

using recorder_actor = caf::stateful_actor<test::recorder_state>;

/// Sends batches to the registry as the parser does (requests) and counts
/// the answers, which are the parser's credit for the next batches.
struct credit_state {
  static inline const char* name = "test.credit-counter";
  size_t answered = 0;
};

caf::behavior credit_counter(caf::stateful_actor<credit_state>* self,
                             agent_registry_actor registry) {
  return {
    [self, registry](std::vector<hub_update>& xs) {
      self->request(registry, caf::infinite, std::move(xs)).then([self] {
        ++self->state.answered;
      });
    },
  };
}

struct fixture : test_coordinator_fixture<test::config> {
  websocket_config cfg;
  agent_registry_actor registry;
  frame_parser parser{1 << 20, 64};
  uint64_t next_seq = 1;

  fixture() {
    cfg.stale_after = caf::timespan{0}; // staleness has its own tests
  }

  ~fixture() {
    anon_send_exit(registry, caf::exit_reason::user_shutdown);
    if (batch_sender)
      anon_send_exit(batch_sender, caf::exit_reason::user_shutdown);
  }

  // A stand-in for the parser actor, for the tests of the parser's credit.
  caf::actor batch_sender;
  credit_state* credit = nullptr;

  void start_batch_sender() {
    batch_sender = sys.spawn(credit_counter, registry);
    credit = &deref<caf::stateful_actor<credit_state>>(batch_sender).state;
  }

  // One heartbeat, sent as the parser sends a batch.
  void send_batch() {
    self->send(batch_sender,
               std::vector<hub_update>{heartbeat("a", "running")});
    sched.run();
  }

  void start() {
    registry = spawn_agent_registry(sys, cfg);
    run();
  }

  daemon_event event(std::string_view frame) {
    daemon_event ev;
    parse_error err;
    if (!parser.parse(frame, ev, err))
      CAF_FAIL("bad test frame: " << to_string(err));
    ev.seq = next_seq++;
    return ev;
  }

  daemon_event heartbeat(const std::string& id, const std::string& status) {
    return event(R"({"type":"heartbeat","agentId":")" + id +
                 R"(","payload":{"status":")" + status + "\"}}");
  }

  subscriber_actor subscriber(bool stuck = false) {
    auto hdl = sys.spawn(test::recorder, stuck);
    return caf::actor_cast<subscriber_actor>(hdl);
  }

  test::recorder_state& recorded(const subscriber_actor& sub) {
    return deref<recorder_actor>(sub).state;
  }

  void ingest(std::vector<hub_update> xs) {
    self->send(registry, std::move(xs));
  }

  uint64_t subscriber_count() {
    auto res = self->request(registry, caf::infinite, atom::count::value);
    run();
    uint64_t n = 0;
    res.receive([&](uint64_t x) { n = x; },
                [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return n;
  }

  // `fire_timers` false runs messages only: no pending timer fires.
  template <class Atom>
  observer_snapshot ask_registry(Atom what, bool fire_timers) {
    auto res = self->request(registry, caf::infinite, what);
    if (fire_timers)
      run();
    else
      sched.run();
    observer_snapshot result;
    res.receive([&](observer_snapshot& x) { result = std::move(x); },
                [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return result;
  }

  observer_snapshot snapshot() {
    return ask_registry(atom::snapshot::value, true);
  }

  observer_snapshot snapshot_now() {
    return ask_registry(atom::snapshot::value, false);
  }

  observer_snapshot summary() {
    return ask_registry(atom::summary::value, true);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(agent_registry_tests, fixture)

CAF_TEST(a new subscriber gets a snapshot then the live stream in order) {
  start();
  ingest({heartbeat("a", "running")});
  run();
  auto sub = subscriber();
  self->send(registry, atom::subscribe::value, sub);
  expect((atom::subscribe, subscriber_actor), from(self).to(registry));
  expect((observer_snapshot), from(registry).to(sub));
  run(); // the acknowledgement
  auto& snap = recorded(sub).snapshots.at(0);
  CAF_CHECK_EQUAL(snap.events.size(), 1u);
  CAF_CHECK_EQUAL(snap.agents.size(), 1u);
  // Now the live stream: event, then the agent it changed, then the rest.
  auto ev1 = heartbeat("b", "idle");
  auto ev2 = event(R"({"type":"task_result","agentId":"b"})");
  parse_error err{hub_errc::missing_type, "x", "{}"};
  ingest({ev1, err, ev2});
  expect((std::vector<hub_update>), from(self).to(registry));
  expect((update_batch), from(registry).to(sub));
  run();
  connection_status st;
  st.state = connection_state::connected;
  self->send(registry, st);
  run();
  auto& got = recorded(sub).updates;
  CAF_REQUIRE_EQUAL(got.size(), 5u);
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[0]), ev1);
  CAF_CHECK_EQUAL(caf::get<agent_info>(got[1]).id, "b");
  CAF_CHECK_EQUAL(caf::get<agent_info>(got[1]).status, agent_status::idle);
  CAF_CHECK_EQUAL(caf::get<parse_error>(got[2]), err);
  // task_result changes no record: no agent update after it.
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[3]), ev2);
  CAF_CHECK_EQUAL(caf::get<connection_status>(got[4]).state,
                  connection_state::connected);
  CAF_CHECK_EQUAL(recorded(sub).snapshots.size(), 1u);
}

CAF_TEST(an event of another type that moves last seen sends the record) {
  start();
  auto sub = subscriber();
  self->send(registry, atom::subscribe::value, sub);
  run();
  auto hb = event(R"({"type":"heartbeat","agentId":"b",)"
                  R"("timestamp":"2026-11-25T18:00:00Z"})");
  auto later = event(R"({"type":"task_result","agentId":"b",)"
                     R"("timestamp":"2026-11-25T18:00:04Z"})");
  auto same = event(R"({"type":"vault_decision","agentId":"b",)"
                    R"("timestamp":"2026-11-25T18:00:04Z"})");
  auto older = event(R"({"type":"task_result","agentId":"b",)"
                     R"("timestamp":"2026-11-25T17:00:00Z"})");
  ingest({hb, later, same, older});
  run();
  auto& got = recorded(sub).updates;
  // heartbeat + record, task_result + record (lastSeen moved), then two
  // events that move nothing and come alone.
  CAF_REQUIRE_EQUAL(got.size(), 6u);
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[0]), hb);
  CAF_CHECK_EQUAL(caf::get<agent_info>(got[1]).last_seen,
                  inline_text{"2026-11-25T18:00:00Z"});
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[2]), later);
  auto& moved = caf::get<agent_info>(got[3]);
  CAF_CHECK_EQUAL(moved.last_seen, inline_text{"2026-11-25T18:00:04Z"});
  CAF_CHECK_EQUAL(moved.last_heartbeat, inline_text{"2026-11-25T18:00:00Z"});
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[4]), same);
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[5]), older);
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.agents.at(0).last_seen,
                  inline_text{"2026-11-25T18:00:04Z"});
}

CAF_TEST(the ring keeps the last N events and counts what it drops) {
  start();
  std::vector<hub_update> xs;
  for (int i = 0; i < 1001; ++i)
    xs.emplace_back(heartbeat("a", "running"));
  ingest(std::move(xs));
  run();
  auto snap = snapshot();
  CAF_REQUIRE_EQUAL(snap.events.size(), 1000u);
  CAF_CHECK_EQUAL(snap.events.front().seq, 2u);
  CAF_CHECK_EQUAL(snap.events.back().seq, 1001u);
  CAF_CHECK_EQUAL(snap.counters.events, 1001u);
  CAF_CHECK_EQUAL(snap.counters.history_dropped, 1u);
  // What metrics ask for: no events, but the count of those dropped.
  auto sum = summary();
  CAF_CHECK(sum.events.empty());
  CAF_CHECK_EQUAL(sum.counters.history_dropped, 1u);
}

CAF_TEST(the history size comes from the config) {
  cfg.event_history = 3;
  start();
  for (int i = 0; i < 5; ++i)
    ingest({heartbeat("a", "running")});
  run();
  auto snap = snapshot();
  CAF_REQUIRE_EQUAL(snap.events.size(), 3u);
  CAF_CHECK_EQUAL(snap.events.front().seq, 3u);
  CAF_CHECK_EQUAL(snap.counters.history_dropped, 2u);
}

CAF_TEST(snapshot contents) {
  start();
  connection_status st;
  st.state = connection_state::connected;
  st.url = "ws://h/ws";
  st.reconnects = 2;
  self->send(registry, st);
  ingest({heartbeat("b", "running"), heartbeat("a", "trading"),
          event(R"({"type":"agent_error","agentId":"a"})"),
          parse_error{hub_errc::too_deep, "deep", ""},
          parse_error{hub_errc::too_deep, "deep", ""},
          event(R"({"type":"vault_decision","agentId":"b"})")});
  run();
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.events.size(), 4u);
  CAF_REQUIRE_EQUAL(snap.agents.size(), 2u);
  CAF_CHECK_EQUAL(snap.agents[0].id, "a"); // ordered by id
  CAF_CHECK_EQUAL(snap.agents[0].status, agent_status::error);
  CAF_CHECK_EQUAL(snap.agents[0].error_count, 1u);
  CAF_CHECK_EQUAL(snap.agents[1].id, "b");
  CAF_CHECK_EQUAL(snap.status, st);
  CAF_CHECK(!snap.is_loading());
  CAF_CHECK_EQUAL(snap.counters.events, 4u);
  CAF_CHECK_EQUAL(snap.counters.events_of(event_type::heartbeat), 2u);
  CAF_CHECK_EQUAL(snap.counters.events_of(event_type::vault_decision), 1u);
  CAF_CHECK_EQUAL(snap.counters.parse_errors, 2u);
  CAF_CHECK_EQUAL(snap.counters.errors_of(hub_errc::too_deep), 2u);
  CAF_CHECK_EQUAL(snap.counters.reconnects, 2u);
  // Anyone who asks gets the same snapshot a subscriber would.
  auto sub = subscriber();
  self->send(registry, atom::subscribe::value, sub);
  run();
  CAF_CHECK_EQUAL(recorded(sub).snapshots.at(0), snap);
  // A summary is the same snapshot without the events.
  auto sum = summary();
  CAF_CHECK(sum.events.empty());
  sum.events = snap.events;
  CAF_CHECK_EQUAL(sum, snap);
}

CAF_TEST(subscribe and unsubscribe) {
  start();
  auto sub = subscriber();
  CAF_CHECK_EQUAL(subscriber_count(), 0u);
  self->send(registry, atom::subscribe::value, sub);
  self->send(registry, atom::subscribe::value, sub); // twice is once
  CAF_CHECK_EQUAL(subscriber_count(), 1u);
  CAF_CHECK_EQUAL(recorded(sub).snapshots.size(), 1u);
  ingest({heartbeat("a", "running")});
  run();
  CAF_CHECK_EQUAL(recorded(sub).updates.size(), 2u);
  self->send(registry, atom::unsubscribe::value, sub);
  CAF_CHECK_EQUAL(subscriber_count(), 0u);
  ingest({heartbeat("a", "running")});
  run();
  CAF_CHECK_EQUAL(recorded(sub).updates.size(), 2u);
}

CAF_TEST(a dead subscriber is removed) {
  start();
  auto sub = subscriber();
  auto other = subscriber();
  self->send(registry, atom::subscribe::value, sub);
  self->send(registry, atom::subscribe::value, other);
  CAF_CHECK_EQUAL(subscriber_count(), 2u);
  anon_send_exit(sub, caf::exit_reason::kill);
  run();
  CAF_CHECK_EQUAL(subscriber_count(), 1u);
  ingest({heartbeat("a", "running")});
  run();
  CAF_CHECK_EQUAL(recorded(other).updates.size(), 2u);
}

CAF_TEST(a stuck subscriber loses its oldest updates and is told how many) {
  cfg.subscriber_queue = 10;
  start();
  auto stuck = subscriber(true);
  auto healthy = subscriber();
  self->send(registry, atom::subscribe::value, stuck);
  self->send(registry, atom::subscribe::value, healthy);
  run();
  // The window (subscriber_window unacknowledged batches) fills, then the
  // queue (10 updates), then the oldest queued updates go.
  for (int i = 0; i < 20; ++i) {
    ingest({heartbeat("a", "running")}); // 2 updates each
    run();
  }
  auto& st = recorded(stuck);
  CAF_CHECK_EQUAL(st.batches, subscriber_window);
  CAF_CHECK_EQUAL(recorded(healthy).updates.size(), 40u);
  CAF_CHECK_EQUAL(recorded(healthy).missed, 0u);
  auto delivered = st.updates.size();
  CAF_CHECK_EQUAL(delivered, 2 * subscriber_window);
  self->send(caf::actor_cast<caf::actor>(stuck), test::release_atom::value);
  run();
  // After release: the queued 10 arrive with the count of the dropped.
  auto missed = 40 - delivered - 10;
  CAF_CHECK_EQUAL(st.missed, missed);
  CAF_CHECK_EQUAL(st.updates.size(), delivered + 10);
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.counters.subscriber_dropped, missed);
  // The survivors are the newest updates, in order.
  auto events = st.all<daemon_event>();
  for (size_t i = 1; i < events.size(); ++i)
    CAF_CHECK_LESS(events[i - 1].seq, events[i].seq);
  CAF_CHECK_EQUAL(events.back().seq, 20u);
}

CAF_TEST(a slow subscriber holds the stream back instead of losing updates) {
  cfg.subscriber_queue = 10; // more than 5 waiting holds the stream back
  cfg.subscriber_stall = seconds(1);
  start();
  auto slow = subscriber(true);
  self->send(registry, atom::subscribe::value, slow);
  sched.run();
  start_batch_sender();
  // 4 batches fill the window, then 3 batches queue: 6 updates wait, more
  // than half of 10.
  for (int i = 0; i < 6; ++i)
    send_batch();
  CAF_CHECK_EQUAL(credit->answered, 6u);
  send_batch();
  CAF_CHECK_EQUAL(credit->answered, 6u); // withheld
  send_batch();
  CAF_CHECK_EQUAL(credit->answered, 6u);
  CAF_CHECK(sched.has_pending_timeout()); // the stall clock runs
  // The subscriber catches up: the stream goes on, nothing was lost.
  self->send(caf::actor_cast<caf::actor>(slow), test::release_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(credit->answered, 8u);
  auto& st = recorded(slow);
  CAF_CHECK_EQUAL(st.missed, 0u);
  CAF_CHECK_EQUAL(st.all<daemon_event>().size(), 8u);
  CAF_CHECK_EQUAL(snapshot_now().counters.subscriber_dropped, 0u);
  // The stall timer of the finished wait fires into nothing.
  sched.trigger_timeout();
  sched.run();
  CAF_CHECK_EQUAL(credit->answered, 8u);
}

CAF_TEST(after subscriber_stall a stuck subscriber is left behind) {
  cfg.subscriber_queue = 10;
  cfg.subscriber_stall = seconds(1);
  start();
  auto stuck = subscriber(true);
  auto healthy = subscriber();
  self->send(registry, atom::subscribe::value, stuck);
  self->send(registry, atom::subscribe::value, healthy);
  sched.run();
  start_batch_sender();
  for (int i = 0; i < 7; ++i)
    send_batch();
  CAF_CHECK_EQUAL(credit->answered, 6u);
  // Not a moment before the grace time ends.
  sched.clock().advance_time(milliseconds(999));
  sched.run();
  CAF_CHECK_EQUAL(credit->answered, 6u);
  sched.clock().advance_time(milliseconds(1));
  sched.run();
  CAF_CHECK_EQUAL(credit->answered, 7u);
  // Left behind: the stream flows, the stuck one loses its oldest updates.
  for (int i = 0; i < 13; ++i)
    send_batch();
  CAF_CHECK_EQUAL(credit->answered, 20u);
  CAF_CHECK_EQUAL(recorded(healthy).all<daemon_event>().size(), 20u);
  CAF_CHECK_EQUAL(recorded(healthy).missed, 0u);
  auto dropped = snapshot_now().counters.subscriber_dropped;
  // 40 updates: 8 in the window, 10 queued, the rest dropped.
  CAF_CHECK_EQUAL(dropped, 22u);
  // Released, it catches up and holds the stream back again when behind.
  self->send(caf::actor_cast<caf::actor>(stuck), test::release_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(recorded(stuck).missed, 22u);
  CAF_CHECK_EQUAL(recorded(stuck).all<daemon_event>().size(), 9u);
  recorded(stuck).stuck = true;
  for (int i = 0; i < 7; ++i)
    send_batch();
  CAF_CHECK_EQUAL(credit->answered, 26u); // the 7th waits again
  CAF_CHECK_EQUAL(snapshot_now().counters.subscriber_dropped, 22u);
  anon_send_exit(stuck, caf::exit_reason::user_shutdown);
}

CAF_TEST(batches sent without a request are never held back) {
  cfg.subscriber_queue = 10;
  cfg.subscriber_stall = seconds(1);
  start();
  auto stuck = subscriber(true);
  self->send(registry, atom::subscribe::value, stuck);
  sched.run();
  // Nobody waits for an answer: the stall clock never starts, and what does
  // not fit is dropped at once.
  for (int i = 0; i < 20; ++i) {
    ingest({heartbeat("a", "running")});
    sched.run();
  }
  CAF_CHECK(!sched.has_pending_timeout());
  CAF_CHECK_GREATER(snapshot_now().counters.subscriber_dropped, 0u);
  anon_send_exit(stuck, caf::exit_reason::user_shutdown);
}

CAF_TEST(with subscriber_stall 0 the stream never waits) {
  cfg.subscriber_queue = 10;
  cfg.subscriber_stall = caf::timespan{0};
  start();
  auto stuck = subscriber(true);
  self->send(registry, atom::subscribe::value, stuck);
  sched.run();
  start_batch_sender();
  for (int i = 0; i < 20; ++i)
    send_batch();
  CAF_CHECK_EQUAL(credit->answered, 20u);
  CAF_CHECK(!sched.has_pending_timeout());
  CAF_CHECK_GREATER(snapshot_now().counters.subscriber_dropped, 0u);
  anon_send_exit(stuck, caf::exit_reason::user_shutdown);
}

CAF_TEST(while disconnected every agent is stale and none is forgotten) {
  start();
  auto sub = subscriber();
  self->send(registry, atom::subscribe::value, sub);
  ingest({heartbeat("a", "running"), heartbeat("b", "idle")});
  run();
  connection_status down;
  down.state = connection_state::disconnected;
  self->send(registry, down);
  run();
  auto stale = recorded(sub).all<agent_info>();
  CAF_REQUIRE_EQUAL(stale.size(), 4u);
  CAF_CHECK(stale[2].stale && stale[3].stale);
  auto snap = snapshot();
  CAF_CHECK_EQUAL(snap.agents.size(), 2u);
  CAF_CHECK(snap.agents[0].stale && snap.agents[1].stale);
  CAF_CHECK_EQUAL(snap.agents[1].status, agent_status::idle);
  ingest({heartbeat("a", "running")});
  run();
  snap = snapshot();
  CAF_CHECK(!snap.agents[0].stale);
  CAF_CHECK(snap.agents[1].stale);
}

CAF_TEST(agents go stale after stale_after on the virtual clock) {
  cfg.stale_after = seconds(15);
  start();
  auto sub = subscriber();
  self->send(registry, atom::subscribe::value, sub);
  connection_status up;
  up.state = connection_state::connected;
  self->send(registry, up);
  // sched.run() runs messages only; timeouts fire when the test says so.
  sched.run();
  CAF_CHECK(!sched.has_pending_timeout()); // no agents, no timer
  self->send(registry, std::vector<hub_update>{heartbeat("a", "running")});
  sched.run();
  sched.clock().advance_time(seconds(10));
  self->send(registry, std::vector<hub_update>{heartbeat("b", "running")});
  sched.run();
  // a goes stale at t0 + 15 s, not a moment earlier.
  sched.clock().advance_time(milliseconds(4999));
  sched.run();
  CAF_CHECK(!snapshot_now().agents[0].stale);
  sched.clock().advance_time(milliseconds(1));
  sched.run();
  auto snap = snapshot_now();
  CAF_CHECK(snap.agents[0].stale);
  CAF_CHECK(!snap.agents[1].stale);
  CAF_CHECK_EQUAL(snap.agents[0].status, agent_status::running);
  // b at t0 + 25 s.
  sched.clock().advance_time(seconds(10));
  sched.run();
  CAF_CHECK(snapshot_now().agents[1].stale);
  CAF_CHECK(!sched.has_pending_timeout()); // all stale: the timer stops
  auto updates = recorded(sub).all<agent_info>();
  CAF_REQUIRE_EQUAL(updates.size(), 4u);
  CAF_CHECK_EQUAL(updates[2].id, "a");
  CAF_CHECK(updates[2].stale);
  CAF_CHECK_EQUAL(updates[3].id, "b");
  CAF_CHECK(updates[3].stale);
  // The next event makes an agent fresh again.
  self->send(registry, std::vector<hub_update>{heartbeat("a", "idle")});
  sched.run();
  CAF_CHECK(!snapshot_now().agents[0].stale);
  CAF_CHECK(sched.has_pending_timeout());
}

CAF_TEST(snapshots say when they were taken and since when the hub is up) {
  start();
  auto s0 = snapshot_now();
  CAF_CHECK(!s0.connected_since);
  connection_status up;
  up.state = connection_state::connected;
  self->send(registry, up);
  sched.run();
  self->send(registry, std::vector<hub_update>{heartbeat("a", "running")});
  sched.run();
  sched.clock().advance_time(seconds(30));
  auto s1 = snapshot_now();
  CAF_REQUIRE(s1.connected_since);
  CAF_CHECK_EQUAL(s1.taken_at - s0.taken_at, seconds(30));
  CAF_CHECK_EQUAL(s1.taken_at - *s1.connected_since, seconds(30));
  // Agent times are on the same clock.
  CAF_CHECK_EQUAL(s1.taken_at - s1.agents.at(0).last_seen_local, seconds(30));
  // A status repeated while connected keeps the time it came up.
  up.attempt = 0;
  self->send(registry, up);
  sched.run();
  sched.clock().advance_time(seconds(5));
  auto s2 = snapshot_now();
  CAF_REQUIRE(s2.connected_since);
  CAF_CHECK_EQUAL(*s2.connected_since, *s1.connected_since);
  // Down: no time; up again: a new one.
  connection_status down;
  down.state = connection_state::disconnected;
  self->send(registry, down);
  sched.run();
  CAF_CHECK(!snapshot_now().connected_since);
  sched.clock().advance_time(seconds(1));
  self->send(registry, up);
  sched.run();
  auto s3 = snapshot_now();
  CAF_REQUIRE(s3.connected_since);
  CAF_CHECK_EQUAL(*s3.connected_since, s3.taken_at);
  CAF_CHECK_EQUAL(*s3.connected_since - *s1.connected_since, seconds(36));
}

CAF_TEST_FIXTURE_SCOPE_END()
