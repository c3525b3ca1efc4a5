#include "hubwatch/actors/node_gateway.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/actors/subscriber_relay.hpp"
#include "hubwatch/messages/hub_errc.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

namespace {

struct gateway_state {
  static inline const char* name = "hubwatch.node-gateway";

  agent_registry_actor registry;

  std::shared_ptr<gateway_stats> stats;

  /// One relay per remote subscriber.
  std::map<caf::actor_addr, subscriber_actor> relays;
};

using gateway_actor = node_gateway_actor::stateful_pointer<gateway_state>;

void stop_relay(gateway_actor self, const caf::actor_addr& remote) {
  auto i = self->state.relays.find(remote);
  if (i == self->state.relays.end())
    return;
  self->demonitor(i->second.address());
  self->send_exit(i->second, caf::exit_reason::user_shutdown);
  self->state.relays.erase(i);
}

// Answers from the gateway itself, not by delegation: a delegated request
// is answered by the registry, which would hand its handle to the peer.
template <class T, class... Ts>
caf::result<T> ask_registry(gateway_actor self, Ts... xs) {
  auto rp = self->make_response_promise<T>();
  self->request(self->state.registry, caf::infinite, xs...)
    .then([rp](T& x) mutable { rp.deliver(std::move(x)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

std::string refusal(size_t max) {
  return "the node is full: max-remote-subscribers = " + std::to_string(max);
}

node_gateway_actor::behavior_type
gateway_impl(gateway_actor self, agent_registry_actor registry,
             std::shared_ptr<gateway_stats> stats) {
  self->state.registry = std::move(registry);
  self->state.stats = std::move(stats);
  // Published actors hear from anyone; see subscriber_relay.cpp.
  self->set_default_handler(caf::drop);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.registry.address()) {
      self->quit(std::move(dm.reason));
      return;
    }
    for (auto i = st.relays.begin(); i != st.relays.end(); ++i)
      if (i->second.address() == dm.source) {
        st.relays.erase(i);
        return;
      }
  });
  self->monitor(self->state.registry);
  return {
    [self](atom::subscribe, subscriber_actor& sub) -> caf::result<void> {
      if (!sub)
        return caf::unit;
      auto& st = self->state;
      auto max = st.stats->max_remote_subscribers;
      auto known = st.relays.count(sub.address()) > 0;
      if (admit_subscriber(known, st.relays.size(), max) ==
          admission::refused) {
        ++st.stats->refused;
        return make_error(hub_errc::too_many_subscribers, refusal(max));
      }
      // A second subscribe from the same actor comes from a subscriber that
      // lost its link and came back before this node noticed: its old relay
      // goes, and the new one starts with a fresh snapshot.
      stop_relay(self, sub.address());
      auto addr = sub.address();
      // Relays watch the gateway and end with it.
      auto relay = spawn_subscriber_relay(self->system(), std::move(sub),
                                          self->state.registry,
                                          caf::actor_cast<caf::actor>(self));
      self->monitor(relay);
      self->state.relays.emplace(std::move(addr), std::move(relay));
      return caf::unit;
    },
    [self](atom::unsubscribe, subscriber_actor& sub) {
      if (sub)
        stop_relay(self, sub.address());
    },
    [self](atom::snapshot) {
      return ask_registry<observer_snapshot>(self, atom::snapshot::value);
    },
    [self](atom::count) {
      return ask_registry<uint64_t>(self, atom::count::value);
    },
  };
}

} // namespace

admission admit_subscriber(bool sub_known, size_t used, size_t max) {
  if (sub_known)
    return admission::same_slot;
  return used < max ? admission::new_slot : admission::refused;
}

node_gateway_actor spawn_node_gateway(caf::actor_system& sys,
                                      agent_registry_actor registry,
                                      std::shared_ptr<gateway_stats> stats) {
  if (!stats) {
    stats = std::make_shared<gateway_stats>();
    stats->max_remote_subscribers = websocket_config{}.max_remote_subscribers;
  }
  return sys.spawn(gateway_impl, std::move(registry), std::move(stats));
}

} // namespace hubwatch
