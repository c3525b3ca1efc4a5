#define CAF_SUITE tree_live

#include <caf/test/unit_test.hpp>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "hubwatch/api/remote.hpp"
#include "live_support.hpp"
#include "must.hpp"
#include "remote_support.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

// A fan-out tree over real sockets on 127.0.0.1: the test hub, node A
// observing it, node B fed by A (`hubwatch-node --upstream`), and a remote
// subscriber of B, each in an actor system of its own.

namespace {

/// Node A: an observer of the hub, published on a port.
struct hub_node {
  remote_config sys_cfg;
  caf::actor_system sys;
  std::unique_ptr<observer> obs;
  std::unique_ptr<node_publisher> pub;
  uint16_t port = 0;

  hub_node(const websocket_config& wc, uint16_t want_port)
    : sys_cfg(wc), sys(sys_cfg) {
    obs = std::make_unique<observer>(sys, wc);
    caf::anon_send(obs->registry(), atom::name::value, std::string{"A"});
    pub = std::make_unique<node_publisher>(sys, obs->registry());
    auto res = pub->publish(want_port, "127.0.0.1");
    CAF_REQUIRE(res);
    port = *res;
    CAF_REQUIRE(obs->start().empty());
  }

  ~hub_node() {
    pub.reset();
    obs.reset();
  }

  bool wait_hub_connected() {
    return eventually(
      [&] { return must(obs->status()).state == connection_state::connected; },
      10s);
  }
};

/// Node B: a registry in upstream mode fed by A, published on a port.
struct tree_node {
  remote_config sys_cfg;
  caf::actor_system sys;
  agent_registry_actor registry;
  std::unique_ptr<node_publisher> pub;
  std::unique_ptr<upstream_feed> feed;
  uint16_t port = 0;

  tree_node(const websocket_config& wc, uint16_t upstream_port)
    : sys_cfg(wc), sys(sys_cfg) {
    registry = spawn_agent_registry(sys, wc, registry_mode::upstream);
    pub = std::make_unique<node_publisher>(sys, registry);
    auto res = pub->publish(0, "127.0.0.1");
    CAF_REQUIRE(res);
    port = *res;
    feed = std::make_unique<upstream_feed>(sys, "127.0.0.1", upstream_port, wc,
                                           registry, "B");
  }

  ~tree_node() {
    feed.reset();
    pub.reset();
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }
};

/// What B's subscriber received, in one sequence: where each snapshot came
/// between the updates.
class stream_log {
public:
  subscriber_callbacks callbacks() {
    subscriber_callbacks cbs;
    cbs.on_snapshot = [this](const observer_snapshot& x) {
      std::lock_guard<std::mutex> guard{mtx_};
      snapshots_.push_back(x);
      snapshot_at_.push_back(updates_.size());
      cv_.notify_all();
    };
    cbs.on_update = [this](const hub_update& x) {
      std::lock_guard<std::mutex> guard{mtx_};
      updates_.push_back(x);
      cv_.notify_all();
    };
    cbs.on_missed = [this](uint64_t n) {
      std::lock_guard<std::mutex> guard{mtx_};
      missed_ += n;
    };
    return cbs;
  }

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return pred(); });
  }

  /// Snapshots that came through A and B.
  size_t tree_snapshots_unlocked() const {
    size_t n = 0;
    for (auto& x : snapshots_)
      if (x.via == std::vector<std::string>{"A", "B"})
        ++n;
    return n;
  }

  /// Seq numbers of the events after the last snapshot.
  std::vector<uint64_t> seqs_after_last_snapshot_unlocked() const {
    std::vector<uint64_t> result;
    auto first = snapshot_at_.empty() ? 0 : snapshot_at_.back();
    for (auto i = first; i < updates_.size(); ++i)
      if (auto ev = caf::get_if<daemon_event>(&updates_[i]))
        result.push_back(ev->seq);
    return result;
  }

  std::vector<uint64_t> seqs_after_last_snapshot() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return seqs_after_last_snapshot_unlocked();
  }

  /// A status of B's link to A in the stream with `pred`.
  template <class Pred>
  bool has_status_unlocked(const std::string& url, Pred pred) const {
    for (auto& x : updates_)
      if (auto st = caf::get_if<connection_status>(&x))
        if (st->url == url && pred(*st))
          return true;
    return false;
  }

  std::vector<observer_snapshot> snapshots() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return snapshots_;
  }

  uint64_t missed() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return missed_;
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<observer_snapshot> snapshots_;
  std::vector<size_t> snapshot_at_;
  std::vector<hub_update> updates_;
  uint64_t missed_ = 0;
};

/// B's subscriber, on another machine.
struct leaf {
  remote_config sys_cfg;
  caf::actor_system sys;
  stream_log log;
  std::unique_ptr<remote_subscription> sub;

  leaf(const websocket_config& wc, uint16_t port) : sys_cfg(wc), sys(sys_cfg) {
    remote_link_callbacks cbs;
    cbs.node = log.callbacks();
    sub = std::make_unique<remote_subscription>(sys, "127.0.0.1", port, wc,
                                                std::move(cbs));
  }

  ~leaf() {
    sub.reset();
  }
};

using fixture = remote_hub_fixture;

} // namespace

CAF_TEST_FIXTURE_SCOPE(tree_live_tests, fixture)

CAF_TEST(a tree recovers from a restart of its inner node exactly once) {
  auto a = std::make_unique<hub_node>(cfg, 0);
  auto a_port = a->port;
  auto a_url = "127.0.0.1:" + std::to_string(a_port);
  CAF_REQUIRE(a->wait_hub_connected());
  tree_node b{cfg, a_port};
  leaf sub{cfg, b.port};
  auto& log = sub.log;
  // B passes A's snapshot on: the leaf's stream says where it came from.
  CAF_REQUIRE(log.wait([&] { return log.tree_snapshots_unlocked() >= 1; }));
  CAF_REQUIRE(wait_hub_clients(1));
  for (int i = 1; i <= 3; ++i)
    server->send_text(notice(i));
  CAF_REQUIRE(log.wait(
    [&] { return log.seqs_after_last_snapshot_unlocked().size() >= 3; }));
  CAF_CHECK_EQUAL(log.seqs_after_last_snapshot(),
                  (std::vector<uint64_t>{1, 2, 3}));
  auto first = log.snapshots().back();
  CAF_CHECK_EQUAL(first.status.url, a_url);
  CAF_CHECK_EQUAL(first.status.state, connection_state::connected);
  // A goes away entirely: B's subscriber hears of B's lost link like of a
  // lost hub connection, with a retry scheduled.
  a.reset();
  CAF_REQUIRE(log.wait([&] {
    return log.has_status_unlocked(a_url, [](const connection_status& x) {
      return x.state == connection_state::disconnected &&
             x.error_code == hub_errc::connection_lost && x.next_delay;
    });
  }));
  // A again, on the same port, with a history of its own (numbered from 1).
  a = std::make_unique<hub_node>(cfg, a_port);
  CAF_REQUIRE(a->wait_hub_connected());
  CAF_REQUIRE(log.wait([&] { return log.tree_snapshots_unlocked() >= 2; }));
  CAF_REQUIRE(log.wait([&] {
    return log.has_status_unlocked(a_url, [](const connection_status& x) {
      return x.state == connection_state::connected && x.reconnects == 1;
    });
  }));
  auto fresh = log.snapshots().back();
  CAF_CHECK_EQUAL(fresh.via, (std::vector<std::string>{"A", "B"}));
  CAF_CHECK_EQUAL(fresh.events.size(), 0u); // nothing of the old A
  CAF_CHECK_EQUAL(fresh.status.state, connection_state::connected);
  CAF_CHECK_EQUAL(fresh.counters.reconnects, 1u);
  CAF_REQUIRE(wait_hub_clients(1));
  for (int i = 4; i <= 6; ++i)
    server->send_text(notice(i));
  CAF_REQUIRE(log.wait(
    [&] { return log.seqs_after_last_snapshot_unlocked().size() >= 3; }));
  // One more event proves nothing else was on its way: it arrives after
  // exactly the three before it.
  server->send_text(notice(7));
  CAF_REQUIRE(log.wait(
    [&] { return log.seqs_after_last_snapshot_unlocked().size() >= 4; }));
  CAF_CHECK_EQUAL(log.seqs_after_last_snapshot(),
                  (std::vector<uint64_t>{1, 2, 3, 4}));
  CAF_CHECK_EQUAL(log.missed(), 0u);
}

CAF_TEST(a loop of two nodes is refused) {
  // Two upstream nodes fed by each other: one of them finds its own name in
  // the path of the other's snapshot and refuses it.
  remote_config cfg_x{cfg};
  caf::actor_system sys{cfg_x};
  auto reg_x = spawn_agent_registry(sys, cfg, registry_mode::upstream);
  auto reg_y = spawn_agent_registry(sys, cfg, registry_mode::upstream);
  node_publisher pub_x{sys, reg_x};
  node_publisher pub_y{sys, reg_y};
  auto port_x = must(pub_x.publish(0, "127.0.0.1"));
  auto port_y = must(pub_y.publish(0, "127.0.0.1"));
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<connection_status> seen;
  auto watch = [&](agent_registry_actor reg) {
    subscriber_callbacks cbs;
    cbs.on_update = [&](const hub_update& x) {
      if (auto st = caf::get_if<connection_status>(&x)) {
        std::lock_guard<std::mutex> guard{mtx};
        seen.push_back(*st);
        cv.notify_all();
      }
    };
    return subscribe_callbacks(sys, reg, std::move(cbs));
  };
  auto sub_x = watch(reg_x);
  auto sub_y = watch(reg_y);
  upstream_feed x_from_y{sys, "127.0.0.1", port_y, cfg, reg_x, "X"};
  upstream_feed y_from_x{sys, "127.0.0.1", port_x, cfg, reg_y, "Y"};
  std::unique_lock<std::mutex> guard{mtx};
  CAF_CHECK(cv.wait_for(guard, 10s, [&] {
    for (auto& st : seen)
      if (st.state == connection_state::error &&
          st.error_message.find("loop") != std::string::npos)
        return true;
    return false;
  }));
  guard.unlock();
  sub_x.reset();
  sub_y.reset();
  x_from_y.close();
  y_from_x.close();
  caf::anon_send_exit(reg_x, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(reg_y, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
