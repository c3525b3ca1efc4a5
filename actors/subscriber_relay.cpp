#include "hubwatch/actors/subscriber_relay.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace hubwatch {

namespace {

struct relay_state {
  static inline const char* name = "hubwatch.subscriber-relay";

  subscriber_actor remote;
  agent_registry_actor registry;
  caf::actor_addr owner;

  /// Acknowledgements owed to the registry, by delivery number.
  std::map<uint64_t, caf::response_promise> owed;
  uint64_t next_id = 0;
};

using relay_actor = subscriber_actor::stateful_pointer<relay_state>;

// CAF 0.17 never answers a request whose receiver's node went away, nor one
// whose promise was dropped: without this the registry would keep a response
// handler for every delivery in flight to a lost subscriber, forever.
void fail_owed(relay_actor self, const caf::error& reason) {
  auto owed = std::move(self->state.owed);
  self->state.owed.clear();
  for (auto& kvp : owed)
    kvp.second.deliver(reason);
}

template <class T>
caf::result<void> forward(relay_actor self, T& x) {
  auto& st = self->state;
  auto rp = self->make_response_promise<caf::response_promise>();
  auto id = st.next_id++;
  st.owed.emplace(id, rp);
  // No timeout: a slow subscriber is bounded by the registry's window and
  // queue, and a lost one by the DOWN message below.
  self->request(st.remote, caf::infinite, std::move(x))
    .then(
      [self, id] {
        auto i = self->state.owed.find(id);
        if (i != self->state.owed.end()) {
          i->second.deliver(caf::unit);
          self->state.owed.erase(i);
        }
      },
      [self, id](caf::error& err) {
        auto i = self->state.owed.find(id);
        if (i != self->state.owed.end()) {
          i->second.deliver(err);
          self->state.owed.erase(i);
        }
      });
  return rp;
}

subscriber_actor::behavior_type relay_impl(relay_actor self,
                                           subscriber_actor remote,
                                           agent_registry_actor registry,
                                           caf::actor owner) {
  auto& st = self->state;
  st.remote = std::move(remote);
  st.registry = std::move(registry);
  st.owner = owner.address();
  // Remote peers know this actor (it is the sender of what they receive) and
  // may send it anything. What a subscriber does not accept is dropped: the
  // sender gets `unexpected_message` back, but unlike CAF's default nothing
  // is printed, so that nobody can fill the node's log.
  self->set_default_handler(caf::drop);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source != st.remote.address() && dm.source != st.owner)
      return;
    fail_owed(self, dm.reason);
    self->quit();
  });
  self->set_exit_handler([self](caf::exit_msg& em) {
    fail_owed(self, em.reason);
    self->quit(std::move(em.reason));
  });
  self->monitor(st.remote);
  // Watched rather than killed by the owner: an owner's attach_functor runs
  // after CAF 0.17 destroyed its state, so it could not find its relays.
  self->monitor(owner);
  self->send(st.registry, atom::subscribe::value, atom::relays::value,
             caf::actor_cast<subscriber_actor>(self));
  return {
    [self](observer_snapshot& x) -> caf::result<void> {
      return forward(self, x);
    },
    [self](update_batch& x) -> caf::result<void> { return forward(self, x); },
  };
}

} // namespace

subscriber_actor spawn_subscriber_relay(caf::actor_system& sys,
                                        subscriber_actor remote,
                                        agent_registry_actor registry,
                                        const caf::actor& owner) {
  return sys.spawn(relay_impl, std::move(remote), std::move(registry), owner);
}

} // namespace hubwatch
