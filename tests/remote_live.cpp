#define CAF_SUITE remote_live

#include <caf/test/unit_test.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "hubwatch/api/remote.hpp"
#include "live_support.hpp"
#include "must.hpp"
#include "recorder.hpp"
#include "remote_support.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

// Several actor systems in this one process, each with its own middleman,
// talking BASP over real sockets on 127.0.0.1: a node (observer + gateway)
// watching a test hub, and remote subscribers attached to it.

namespace {

/// A hubwatch node: an observer of the test hub, published on a port.
struct node_side {
  remote_config sys_cfg;
  caf::actor_system sys;
  std::unique_ptr<observer> obs;
  std::unique_ptr<node_publisher> pub;
  uint16_t port = 0;

  node_side(const websocket_config& wc, uint16_t want_port)
    : sys_cfg(wc), sys(sys_cfg) {
    obs = std::make_unique<observer>(sys, wc);
    pub = std::make_unique<node_publisher>(sys, obs->registry(),
                                           wc.max_remote_subscribers);
    auto res = pub->publish(want_port, "127.0.0.1");
    CAF_REQUIRE(res);
    port = *res;
    CAF_REQUIRE(obs->start().empty());
  }

  ~node_side() {
    pub.reset();
    obs.reset();
  }

  uint64_t count() {
    caf::scoped_actor self{sys};
    uint64_t n = 0;
    self->request(pub->gateway(), 5s, atom::count::value)
      .receive([&](uint64_t x) { n = x; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return n;
  }

  bool wait_hub_connected() {
    return eventually(
      [&] { return must(obs->status()).state == connection_state::connected; });
  }
};

/// What a remote subscription reports about its link.
class link_log {
public:
  void add(const connection_status& x) {
    std::lock_guard<std::mutex> guard{mtx_};
    xs_.push_back(x);
    cv_.notify_all();
  }

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return pred(xs_); });
  }

  bool wait_count(connection_state st, size_t n,
                  std::chrono::milliseconds timeout = 10s) {
    return wait(
      [&](const std::vector<connection_status>& xs) {
        return count(xs, st) >= n;
      },
      timeout);
  }

  std::vector<connection_status> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return xs_;
  }

  static size_t count(const std::vector<connection_status>& xs,
                      connection_state st) {
    size_t n = 0;
    for (auto& x : xs)
      if (x.state == st)
        ++n;
    return n;
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<connection_status> xs_;
};

/// Another machine: an actor system with a remote subscription to a node.
struct subscriber_side {
  remote_config sys_cfg;
  caf::actor_system sys;
  collector col;
  link_log links;
  std::unique_ptr<remote_subscription> sub;

  subscriber_side(const websocket_config& wc, uint16_t port)
    : sys_cfg(wc), sys(sys_cfg) {
    remote_link_callbacks cbs;
    cbs.node = col.callbacks();
    cbs.on_link_status = [this](const connection_status& x) {
      links.add(x);
    };
    sub = std::make_unique<remote_subscription>(sys, "127.0.0.1", port, wc,
                                                std::move(cbs));
  }

  ~subscriber_side() {
    sub.reset();
  }

  bool wait_snapshots(size_t n) {
    return col.wait(
      [n](const collector& c) { return c.snapshots_unlocked() >= n; }, 10s);
  }

  bool wait_events(size_t n) {
    return col.wait(
      [n](const collector& c) { return c.events_unlocked() >= n; }, 10s);
  }
};

/// Another machine with a bare recorder subscribed to the node's gateway,
/// for checks the link does not allow (withheld acknowledgements).
struct recorder_side {
  remote_config sys_cfg;
  caf::actor_system sys;
  caf::actor rec;
  node_gateway_actor gateway;

  recorder_side(const websocket_config& wc, uint16_t port, bool stuck)
    : sys_cfg(wc), sys(sys_cfg) {
    rec = sys.spawn(test::recorder, stuck);
    auto gw =
      sys.middleman().remote_actor<node_gateway_actor>("127.0.0.1", port);
    CAF_REQUIRE(gw);
    gateway = *gw;
    caf::anon_send(gateway, atom::subscribe::value,
                   caf::actor_cast<subscriber_actor>(rec));
  }

  ~recorder_side() {
    caf::anon_send_exit(rec, caf::exit_reason::user_shutdown);
  }

  struct stats {
    uint64_t snapshots = 0;
    uint64_t batches = 0;
    uint64_t updates = 0;
    uint64_t events = 0;
    uint64_t missed = 0;
  };

  stats get() {
    caf::scoped_actor self{sys};
    stats result;
    self->request(rec, 5s, test::stats_atom::value)
      .receive(
        [&](uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
          result = stats{a, b, c, d, e};
        },
        [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return result;
  }
};

struct intruder_state {
  static inline const char* name = "test.intruder";
  uint64_t injected = 0;
};

/// Subscribes like a remote subscriber, then sends forged updates (what the
/// registry accepts from the pipeline) to whoever writes to it. `tick` asks
/// how many it sent; `count` asks the gateway, through the same connection.
caf::behavior test_intruder(caf::stateful_actor<intruder_state>* self,
                            node_gateway_actor gateway) {
  auto inject = [self] {
    auto to = caf::actor_cast<caf::actor>(self->current_sender());
    if (!to)
      return;
    daemon_event forged;
    forged.seq = 999999;
    forged.type_name = "forged";
    self->send(to, std::vector<hub_update>{forged});
    ++self->state.injected;
  };
  // What it sends is refused with `unexpected_message`; it carries on.
  self->set_error_handler([](caf::error&) {});
  self->send(gateway, atom::subscribe::value,
             caf::actor_cast<subscriber_actor>(self));
  self->request(gateway, caf::infinite, atom::snapshot::value)
    .then([inject](observer_snapshot&) { inject(); });
  self->request(gateway, caf::infinite, atom::count::value)
    .then([inject](uint64_t) { inject(); });
  return {
    [inject](observer_snapshot&) { inject(); },
    [inject](update_batch&) { inject(); },
    [self](atom::tick) { return self->state.injected; },
    [self, gateway](atom::count) {
      return self->delegate(gateway, atom::count::value);
    },
  };
}

using fixture = remote_hub_fixture;

} // namespace

CAF_TEST_FIXTURE_SCOPE(remote_live_tests, fixture)

CAF_TEST(events reach a remote subscriber in order with nothing missing) {
  node_side node{cfg, 0};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side sub{cfg, node.port};
  CAF_REQUIRE(sub.wait_snapshots(1));
  CAF_REQUIRE(sub.links.wait_count(connection_state::connected, 1));
  // The snapshot came first and shows the node's hub connection.
  auto snap = sub.col.snapshots().at(0);
  CAF_CHECK_EQUAL(snap.status.state, connection_state::connected);
  CAF_CHECK_EQUAL(snap.status.url, cfg.url);
  CAF_CHECK_EQUAL(node.count(), 1u);
  CAF_REQUIRE(wait_hub_clients(1));
  auto frames = wire_frames("realhub-demo.jsonl");
  frames.resize(60);
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(sub.wait_events(frames.size()));
  auto events = sub.col.all<daemon_event>();
  CAF_REQUIRE_EQUAL(events.size(), frames.size());
  for (size_t i = 0; i < events.size(); ++i)
    CAF_CHECK_EQUAL(events[i].seq, i + 1);
  auto node_snap = must(node.obs->snapshot());
  CAF_CHECK_EQUAL(events[0], node_snap.events.at(0));
  CAF_CHECK(!sub.col.all<agent_info>().empty());
  CAF_CHECK_EQUAL(sub.col.missed(), 0u);
  // The link reported connecting, then connected, attempt 0.
  auto links = sub.links.all();
  CAF_REQUIRE_GREATER_OR_EQUAL(links.size(), 2u);
  CAF_CHECK_EQUAL(links[0].state, connection_state::connecting);
  CAF_CHECK_EQUAL(links[0].url, "127.0.0.1:" + std::to_string(node.port));
  CAF_CHECK_EQUAL(links[1].state, connection_state::connected);
  CAF_CHECK_EQUAL(links[1].attempt, 0u);
  // Closing unsubscribes: the node forgets it without waiting for a DOWN.
  auto final_status = sub.sub->close();
  CAF_CHECK_EQUAL(final_status.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(final_status.error_code, hub_errc::closed_by_observer);
  CAF_CHECK(eventually([&] { return node.count() == 0; }));
}

CAF_TEST(a node at its cap refuses the next subscriber until a slot frees) {
  cfg.max_remote_subscribers = 1;
  node_side node{cfg, 0};
  CAF_REQUIRE(node.wait_hub_connected());
  CAF_REQUIRE(wait_hub_clients(1));
  auto first = std::make_unique<subscriber_side>(cfg, node.port);
  CAF_REQUIRE(first->wait_snapshots(1));
  subscriber_side second{cfg, node.port};
  // Refused with a status that says why, and a retry scheduled: a slot may
  // free up.
  auto why = "refused by 127.0.0.1:" + std::to_string(node.port) +
             ": the node is full: max-remote-subscribers = 1";
  auto refused = [&why](const std::vector<connection_status>& xs) {
    for (auto& x : xs)
      if (x.state == connection_state::disconnected &&
          x.error_code == hub_errc::too_many_subscribers && x.next_delay &&
          x.error_message == why)
        return true;
    return false;
  };
  CAF_REQUIRE(second.links.wait(refused));
  CAF_CHECK(eventually([&] { return node.pub->stats()->refused.load() >= 2; }));
  CAF_CHECK_EQUAL(second.col.snapshots().size(), 0u);
  CAF_CHECK_EQUAL(node.count(), 1u);
  // The first keeps streaming while the second knocks.
  for (int i = 0; i < 5; ++i)
    server->send_text(notice(i));
  CAF_REQUIRE(first->wait_events(5));
  CAF_CHECK_EQUAL(second.col.snapshots().size(), 0u);
  // The first leaves; the second's next retry gets its slot.
  first->sub->close();
  first.reset();
  CAF_REQUIRE(second.wait_snapshots(1));
  CAF_REQUIRE(second.links.wait_count(connection_state::connected, 1));
  CAF_CHECK_EQUAL(node.count(), 1u);
  server->send_text(notice(5));
  CAF_CHECK(second.wait_events(1));
}

CAF_TEST(
  a remote subscriber recovers with a fresh snapshot after a node restart) {
  auto node = std::make_unique<node_side>(cfg, 0);
  auto port = node->port;
  CAF_REQUIRE(node->wait_hub_connected());
  subscriber_side sub{cfg, port};
  CAF_REQUIRE(sub.wait_snapshots(1));
  CAF_REQUIRE(wait_hub_clients(1));
  for (int i = 1; i <= 3; ++i)
    server->send_text(notice(i));
  CAF_REQUIRE(sub.wait_events(3));
  // The node goes away entirely: its observer and its actor system.
  node.reset();
  CAF_REQUIRE(sub.links.wait([](const std::vector<connection_status>& xs) {
    for (auto& x : xs)
      if (x.state == connection_state::disconnected &&
          x.error_code == hub_errc::connection_lost)
        return true;
    return false;
  }));
  // A new node on the same port (SO_REUSEADDR), with a fresh history.
  node = std::make_unique<node_side>(cfg, port);
  CAF_CHECK_EQUAL(node->port, port);
  CAF_REQUIRE(node->wait_hub_connected());
  CAF_REQUIRE(sub.links.wait_count(connection_state::connected, 2));
  CAF_REQUIRE(sub.wait_snapshots(2));
  auto snaps = sub.col.snapshots();
  CAF_CHECK_EQUAL(snaps[0].events.size(), 0u);
  CAF_CHECK_EQUAL(snaps[1].counters.events, 0u); // the new node's
  // Link: connected, then disconnected (lost, retry scheduled), then
  // connected again counting one reconnect.
  auto links = sub.links.all();
  auto lost = std::find_if(links.begin(), links.end(), [](auto& x) {
    return x.state == connection_state::disconnected;
  });
  CAF_REQUIRE(lost != links.end());
  CAF_CHECK_EQUAL(lost->error_code, hub_errc::connection_lost);
  CAF_CHECK(lost->next_delay);
  CAF_CHECK_EQUAL(lost->attempt, 1u);
  CAF_CHECK_EQUAL(links.back().state, connection_state::connected);
  CAF_CHECK_EQUAL(links.back().reconnects, 1u);
  CAF_CHECK_EQUAL(links.back().attempt, 0u);
  // And the stream flows again, numbered by the new node.
  CAF_REQUIRE(wait_hub_clients(1));
  server->send_text(notice(4));
  CAF_REQUIRE(sub.wait_events(4));
  auto events = sub.col.all<daemon_event>();
  CAF_CHECK_EQUAL(events.back().seq, 1u);
  CAF_CHECK_EQUAL(node->count(), 1u);
}

CAF_TEST(a node that is not there is retried on the backoff schedule) {
  // A port that was free a moment ago: nothing listens on it. A plain
  // socket finds it: a node published only to be shut down at once makes
  // CAF 0.17.6's middleman leak its acceptor now and then (LeakSanitizer
  // saw it on a loaded machine).
  uint16_t port;
  {
    namespace ip = boost::asio::ip;
    boost::asio::io_context io;
    ip::tcp::acceptor probe{io, {ip::make_address("127.0.0.1"), 0}};
    port = probe.local_endpoint().port();
  }
  subscriber_side sub{cfg, port};
  CAF_REQUIRE(sub.links.wait_count(connection_state::disconnected, 3));
  auto links = sub.links.all();
  std::vector<connection_status> downs;
  for (auto& x : links)
    if (x.state == connection_state::disconnected)
      downs.push_back(x);
  CAF_CHECK_EQUAL(downs[0].error_code, hub_errc::connect_failed);
  CAF_CHECK_EQUAL(downs[0].attempt, 1u);
  CAF_CHECK_EQUAL(downs[1].attempt, 2u);
  // The schedule of the hub connection: 50 ms, 75 ms, 112.5 ms, ...
  CAF_CHECK_EQUAL(*downs[0].next_delay, caf::timespan{50ms});
  CAF_CHECK_EQUAL(*downs[1].next_delay, caf::timespan{75ms});
  CAF_CHECK_EQUAL(sub.col.snapshots().size(), 0u);
}

CAF_TEST(an actor that is not a hubwatch node is refused without retry) {
  remote_config other_cfg{cfg};
  caf::actor_system other{other_cfg};
  // Any actor but a gateway (with an argument: see messages.cpp).
  auto stranger = other.spawn(test::recorder, false);
  auto port = other.middleman().publish(stranger, 0, "127.0.0.1", true);
  CAF_REQUIRE(port);
  {
    subscriber_side sub{cfg, *port};
    CAF_REQUIRE(sub.links.wait_count(connection_state::error, 1));
    auto st = sub.links.all().back();
    CAF_CHECK_EQUAL(st.error_code, hub_errc::handshake_rejected);
    CAF_CHECK(!st.next_delay);
    CAF_CHECK(!sub.links.wait_count(connection_state::connecting, 2, 300ms));
  }
  caf::anon_send_exit(stranger, caf::exit_reason::user_shutdown);
}

CAF_TEST(a subscriber that is killed is forgotten by the node) {
  node_side node{cfg, 0};
  CAF_REQUIRE(node.wait_hub_connected());
  collector local_col;
  auto local = node.obs->subscribe(local_col.callbacks());
  auto before = node.count();
  CAF_CHECK_EQUAL(before, 1u);
  auto sub = std::make_unique<subscriber_side>(cfg, node.port);
  CAF_REQUIRE(sub->wait_snapshots(1));
  CAF_CHECK_EQUAL(node.count(), before + 1);
  // Gone without a word: its actor system is destroyed.
  sub.reset();
  CAF_CHECK(eventually([&] { return node.count() == before; }, 10s));
  // The node goes on serving the others.
  auto sub2 = std::make_unique<subscriber_side>(cfg, node.port);
  CAF_REQUIRE(sub2->wait_snapshots(1));
  CAF_CHECK_EQUAL(node.count(), before + 1);
  local.reset();
}

CAF_TEST(a subscriber that stops reading costs the node a bounded queue) {
  cfg.subscriber_queue = 100;
  node_side node{cfg, 0};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side healthy{cfg, node.port};
  CAF_REQUIRE(healthy.wait_snapshots(1));
  recorder_side stuck{cfg, node.port, true};
  CAF_REQUIRE(eventually([&] { return stuck.get().snapshots == 1; }, 10s));
  CAF_REQUIRE(eventually([&] { return node.count() == 2; }));
  CAF_REQUIRE(wait_hub_clients(1));
  // In rounds the healthy one keeps up with (a round is less than its
  // queue); the stuck one falls further behind every round. Its window
  // holds at most four batches of at most one round each, so 400 updates
  // overflow its queue of 100 whatever the batching.
  constexpr int rounds = 8;
  constexpr int per_round = 50;
  constexpr uint64_t total = rounds * per_round;
  uint64_t last_dropped = 0;
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < per_round; ++i)
      server->send_text(notice(r * per_round + i));
    CAF_REQUIRE(healthy.wait_events(static_cast<size_t>((r + 1) * per_round)));
    auto dropped = must(node.obs->snapshot()).counters.subscriber_dropped;
    // Once its queue is full, every round pushes out as many old updates.
    if (last_dropped > 0)
      CAF_CHECK_EQUAL(dropped, last_dropped + per_round);
    else
      CAF_CHECK_GREATER_OR_EQUAL(dropped, last_dropped);
    last_dropped = dropped;
  }
  CAF_CHECK_GREATER(last_dropped, 0u);
  CAF_CHECK_EQUAL(healthy.col.missed(), 0u);
  auto events = healthy.col.all<daemon_event>();
  CAF_REQUIRE_EQUAL(events.size(), total);
  for (size_t i = 0; i < events.size(); ++i)
    CAF_CHECK_EQUAL(events[i].seq, i + 1);
  // What the stuck one holds: at most the window, unacknowledged.
  auto held = stuck.get();
  CAF_CHECK_LESS_OR_EQUAL(held.batches, subscriber_window);
  CAF_CHECK_EQUAL(held.missed, 0u);
  // Everything else waits in the node's queue for it (at most
  // subscriber_queue updates) or was dropped from that queue, oldest first.
  auto dropped = must(node.obs->snapshot()).counters.subscriber_dropped;
  CAF_CHECK_GREATER_OR_EQUAL(dropped,
                             total - held.updates - cfg.subscriber_queue);
  CAF_CHECK_EQUAL(node.count(), 2u); // slow, not forgotten
  // Released, it gets the queue and learns how many it missed.
  caf::anon_send(stuck.rec, test::release_atom::value);
  CAF_REQUIRE(eventually(
    [&] {
      auto s = stuck.get();
      return s.events + s.missed == total;
    },
    10s));
  auto after = stuck.get();
  CAF_CHECK_GREATER(after.missed, 0u);
  CAF_CHECK_EQUAL(after.missed, dropped);
  CAF_CHECK_EQUAL(after.events + after.missed, total);
  // The queue it drained was bounded by subscriber_queue.
  CAF_CHECK_LESS_OR_EQUAL(after.updates - held.updates, cfg.subscriber_queue);
  CAF_CHECK_EQUAL(must(node.obs->snapshot()).counters.subscriber_dropped,
                  dropped);
}

CAF_TEST(a remote peer cannot write to the registry of a node) {
  node_side node{cfg, 0};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side healthy{cfg, node.port};
  CAF_REQUIRE(healthy.wait_snapshots(1));
  // An intruder subscribes and sends forged updates to whoever writes to it:
  // the senders of its snapshot and batches and of the gateway's answers.
  remote_config intruder_cfg{cfg};
  caf::actor_system other{intruder_cfg};
  auto gw =
    other.middleman().remote_actor<node_gateway_actor>("127.0.0.1", node.port);
  CAF_REQUIRE(gw);
  auto intruder = other.spawn(test_intruder, *gw);
  CAF_REQUIRE(eventually([&] { return node.count() == 2; }));
  CAF_REQUIRE(wait_hub_clients(1));
  server->send_text(notice(1));
  server->send_text(notice(2));
  CAF_REQUIRE(healthy.wait_events(2));
  // The intruder wrote to everyone it heard from: the senders of its
  // snapshot, its batches and the gateway's two answers.
  caf::scoped_actor self{other};
  auto injected = [&] {
    uint64_t n = 0;
    self->request(intruder, 5s, atom::tick::value)
      .receive([&](uint64_t x) { n = x; }, [](caf::error&) {});
    return n;
  };
  CAF_REQUIRE(eventually([&] { return injected() >= 4; }, 10s));
  // A request through the intruder's connection and on to the registry
  // arrives after everything it sent before.
  self->request(intruder, 5s, atom::count::value)
    .receive([](uint64_t) {},
             [&](caf::error& e) { CAF_FAIL(other.render(e)); });
  for (auto& ev : healthy.col.all<daemon_event>())
    CAF_CHECK_NOT_EQUAL(ev.type_name, "forged");
  auto snap = must(node.obs->snapshot());
  CAF_CHECK_EQUAL(snap.counters.events, 2u);
  for (auto& ev : snap.events)
    CAF_CHECK_NOT_EQUAL(ev.type_name, "forged");
  caf::anon_send_exit(intruder, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
