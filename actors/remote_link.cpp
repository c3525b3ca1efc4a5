#include "hubwatch/actors/remote_link.hpp"

#include <random>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/actors/node_gateway.hpp"
#include "hubwatch/core/backoff_policy.hpp"
#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

namespace {

enum class phase {
  /// A retry is scheduled, or none will come (gave up, no auto-reconnect).
  waiting,
  /// The middleman is connecting and doing the BASP handshake.
  connecting,
  /// Subscribed at the gateway; the snapshot has not arrived yet.
  subscribing,
  /// The snapshot arrived; batches flow.
  live,
  /// `disconnect` was asked.
  stopped,
};

struct link_state {
  static inline const char* name = "hubwatch.remote-link";

  std::string host;
  uint16_t port = 0;
  websocket_config cfg;
  std::minstd_rand rng;
  std::shared_ptr<remote_link_box> box;
  remote_link_transport transport;

  /// Refused TLS handshakes already explained.
  uint64_t tls_seen = 0;

  phase now = phase::waiting;

  /// Invalidates scheduled retries, snapshot deadlines and late answers
  /// from the middleman when bumped.
  uint64_t generation = 0;

  /// The attempt under way or scheduled, and when to give up.
  reconnect_tracker retries;

  node_gateway_actor gateway;

  /// The relay that sent the current snapshot: batches from anyone else
  /// belong to a subscription that was replaced and are ignored.
  caf::actor_addr source;

  connection_status status;
};

using link_actor = remote_link_actor::stateful_pointer<link_state>;

void report(link_actor self) {
  self->state.box->run([self](remote_link_callbacks& cbs) {
    if (cbs.on_link_status)
      cbs.on_link_status(self->state.status);
  });
}

void start_attempt(link_actor self);

/// The link is down: say why and decide what comes next (the supervisor's
/// rules for the hub connection, minus HTTP).
void lost(link_actor self, hub_errc code, std::string message) {
  auto& st = self->state;
  if (st.gateway) {
    self->demonitor(st.gateway.address());
    st.gateway = nullptr;
  }
  st.source = nullptr;
  st.retries.ended(self->clock().now());
  ++st.generation;
  st.now = phase::waiting;
  st.status.error_code = code;
  st.status.error_message = std::move(message);
  st.status.next_delay = caf::none;
  if (auto delay = st.retries.plan(st.rng, st.status))
    self->delayed_send(self, *delay, atom::retry::value, st.generation);
  report(self);
}

/// Not a hubwatch node: retrying will not change that.
void refuse(link_actor self, std::string message) {
  auto& st = self->state;
  ++st.generation;
  st.now = phase::waiting;
  st.status.state = connection_state::error;
  st.status.next_delay = caf::none;
  st.status.error_code = hub_errc::handshake_rejected;
  st.status.error_message = std::move(message);
  report(self);
}

std::string endpoint(const link_state& st) {
  auto port = ":" + std::to_string(st.port);
  if (st.host.find(':') != std::string::npos)
    return "[" + st.host + "]" + port;
  return st.host + port;
}

void on_handshake(link_actor self, uint64_t generation,
                  caf::strong_actor_ptr& ptr, std::set<std::string>& ifs) {
  auto& st = self->state;
  if (generation != st.generation || st.now != phase::connecting)
    return;
  if (!ptr) {
    refuse(self, "no actor is published at " + endpoint(st));
    return;
  }
  if (!self->system().assignable<node_gateway_actor>(ifs)) {
    refuse(self, "the actor published at " + endpoint(st) +
                   " is not a hubwatch node (its interface differs)");
    return;
  }
  st.gateway = caf::actor_cast<node_gateway_actor>(std::move(ptr));
  self->monitor(st.gateway);
  st.now = phase::subscribing;
  // A request, so that a node at its max-remote-subscribers can say so. The
  // snapshot comes from the relay, not as this answer; the tick below and
  // the monitor cover an answer that never comes.
  auto gen = st.generation;
  self
    ->request(st.gateway, st.cfg.connect_timeout, atom::subscribe::value,
              caf::actor_cast<subscriber_actor>(self))
    .then([] {},
          [self, gen](caf::error& err) {
            auto& st = self->state;
            if (gen != st.generation || st.now != phase::subscribing ||
                err.category() != hubwatch_category::value ||
                err.code() !=
                  static_cast<uint8_t>(hub_errc::too_many_subscribers))
              return;
            // Full now, but a slot frees up when another subscriber leaves:
            // retry on the reconnect schedule, like a node that is away.
            auto what = err.context().match_elements<std::string>()
                          ? err.context().get_as<std::string>(0)
                          : std::string{"the node is full"};
            lost(self, hub_errc::too_many_subscribers,
                 "refused by " + endpoint(st) + ": " + what);
          });
  self->delayed_send(self, st.cfg.connect_timeout, atom::tick::value,
                     st.generation);
}

void start_attempt(link_actor self) {
  auto& st = self->state;
  ++st.generation;
  st.now = phase::connecting;
  st.status.state = connection_state::connecting;
  st.status.attempt = st.retries.attempt();
  st.status.next_delay = caf::none;
  report(self);
  auto generation = st.generation;
  // The middleman actor connects (a blocking connect, but on its own
  // thread) and does the BASP handshake; the answer comes as a message.
  auto mm = st.transport.middleman ? st.transport.middleman
                                   : self->system().middleman().actor_handle();
  self
    ->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, st.host,
              st.port)
    .then(
      [self, generation](caf::node_id&, caf::strong_actor_ptr& ptr,
                         std::set<std::string>& ifs) {
        on_handshake(self, generation, ptr, ifs);
      },
      [self, generation](caf::error& err) {
        auto& st = self->state;
        if (generation != st.generation || st.now != phase::connecting)
          return;
        // A refused TLS handshake is a failed attempt like any other (the
        // node's CA may be fixed meanwhile), but it says what to check.
        std::string tls_why;
        if (st.transport.tls_failure)
          tls_why = st.transport.tls_failure(st.tls_seen);
        if (!tls_why.empty())
          lost(self, hub_errc::connect_failed,
               "the TLS handshake with " + endpoint(st) + " failed (" +
                 tls_why +
                 "): check --tls-cert, --tls-key and --tls-ca here and on "
                 "the node (each side needs a certificate signed by the CA "
                 "the other trusts), and that the node uses TLS at all");
        else if (err == caf::sec::request_timeout)
          lost(self, hub_errc::connect_timeout,
               "no answer from " + endpoint(st) + " within " +
                 std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                     st.cfg.connect_timeout)
                     .count()) +
                 " ms" +
                 (st.transport.tls_failure
                    ? std::string{}
                    : std::string{" (a node that uses TLS says nothing to a "
                                  "plain subscriber: give --tls-cert, "
                                  "--tls-key and --tls-ca)"}));
        else if (err == caf::sec::disconnect_during_handshake)
          lost(self, hub_errc::connect_failed,
               "the node at " + endpoint(st) +
                 " closed the connection during the handshake (" +
                 self->system().render(err) + "): " +
                 (st.transport.tls_failure
                    ? "it may not trust this side's certificate; check "
                      "--tls-cert, --tls-key and --tls-ca here and on the "
                      "node"
                    : "if it uses TLS, give --tls-cert, --tls-key and "
                      "--tls-ca"));
        else
          lost(self, hub_errc::connect_failed, self->system().render(err));
      });
}

remote_link_actor::behavior_type link_impl(link_actor self, std::string host,
                                           uint16_t port, websocket_config cfg,
                                           std::shared_ptr<remote_link_box> box,
                                           uint64_t seed,
                                           remote_link_transport transport) {
  auto& st = self->state;
  st.transport = std::move(transport);
  st.host = std::move(host);
  st.port = port;
  st.retries = reconnect_tracker{cfg};
  st.cfg = std::move(cfg);
  st.box = std::move(box);
  st.rng.seed(static_cast<std::minstd_rand::result_type>(seed));
  st.status.url = endpoint(st);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.gateway || dm.source != st.gateway.address())
      return;
    lost(self, hub_errc::connection_lost,
         "the node went away: " + self->system().render(dm.reason));
  });
  start_attempt(self);
  return {
    [self](observer_snapshot& x) {
      auto& st = self->state;
      if (st.now != phase::subscribing && st.now != phase::live)
        return;
      st.source = self->current_sender()
                    ? caf::actor_cast<caf::actor_addr>(self->current_sender())
                    : caf::actor_addr{};
      if (st.now == phase::subscribing) {
        st.now = phase::live;
        st.retries.connected(self->clock().now());
        st.status.reconnects = st.retries.reconnects();
        st.status.state = connection_state::connected;
        st.status.attempt = st.retries.attempt();
        st.status.next_delay = caf::none;
        st.status.error_code = hub_errc::none;
        st.status.error_message.clear();
        report(self);
      }
      st.box->run([&x](remote_link_callbacks& cbs) { deliver(cbs.node, x); });
    },
    [self](update_batch& x) {
      auto& st = self->state;
      if (st.now != phase::live ||
          caf::actor_cast<caf::actor_addr>(self->current_sender()) != st.source)
        return;
      st.box->run([&x](remote_link_callbacks& cbs) { deliver(cbs.node, x); });
    },
    [self](atom::retry, uint64_t generation) {
      auto& st = self->state;
      if (generation == st.generation && st.now == phase::waiting)
        start_attempt(self);
    },
    [self](atom::tick, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation || st.now != phase::subscribing)
        return;
      lost(
        self, hub_errc::connect_timeout,
        "subscribed at " + endpoint(st) + ", but no snapshot came within " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                           st.cfg.connect_timeout)
                           .count()) +
          " ms");
    },
    [self](atom::disconnect) {
      auto& st = self->state;
      if (st.gateway) {
        self->send(st.gateway, atom::unsubscribe::value,
                   caf::actor_cast<subscriber_actor>(self));
        self->demonitor(st.gateway.address());
        st.gateway = nullptr;
      }
      st.source = nullptr;
      ++st.generation;
      st.now = phase::stopped;
      st.status.state = connection_state::disconnected;
      st.status.next_delay = caf::none;
      st.status.error_code = hub_errc::closed_by_observer;
      st.status.error_message = "unsubscribed from " + endpoint(st);
      return st.status;
    },
  };
}

} // namespace

remote_link_actor spawn_remote_link(caf::actor_system& sys, std::string host,
                                    uint16_t port, const websocket_config& cfg,
                                    std::shared_ptr<remote_link_box> box,
                                    uint64_t seed,
                                    remote_link_transport transport) {
  return sys.spawn(link_impl, std::move(host), port, cfg, std::move(box), seed,
                   std::move(transport));
}

} // namespace hubwatch
