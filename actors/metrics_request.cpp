#include "actors/metrics_request.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace hubwatch {

namespace {

struct request_state {
  static inline const char* name = "hubwatch.metrics-request";
  observer_snapshot snap;
  subscriber_counts subscribers;
};

using request_actor = caf::stateful_actor<request_state>;

// One request after the other: the registry's snapshot, its subscriber
// count, then the gateway's relay count. Each reply arrives on this actor,
// never on the registry, which only answers.
caf::behavior request_impl(request_actor* self, agent_registry_actor registry,
                           node_gateway_actor gateway, size_t max_agents,
                           caf::timespan timeout, metrics_callback done) {
  auto fail = [self, done](caf::error& err) {
    done(caf::expected<metrics_snapshot>{std::move(err)});
    self->quit();
  };
  auto finish = [self, done, max_agents] {
    done(make_metrics_snapshot(self->state.snap, self->state.subscribers,
                               max_agents));
    self->quit();
  };
  self->request(registry, timeout, atom::summary::value)
    .then(
      [=](observer_snapshot& snap) {
        self->state.snap = std::move(snap);
        self->request(registry, timeout, atom::count::value)
          .then(
            [=](uint64_t total) {
              self->state.subscribers.total = total;
              if (!gateway) {
                finish();
                return;
              }
              self->request(gateway, timeout, atom::relays::value)
                .then(
                  [=](uint64_t remote) {
                    self->state.subscribers.remote = remote;
                    finish();
                  },
                  fail);
            },
            fail);
      },
      fail);
  // Nobody sends it anything but replies; a behavior keeps it alive until
  // the last one has come and it quits.
  return {
    [](atom::tick) {
      // nop
    },
  };
}

} // namespace

void request_metrics(caf::actor_system& sys, agent_registry_actor registry,
                     node_gateway_actor gateway, size_t max_agents,
                     caf::timespan timeout, metrics_callback done) {
  // Spawned with arguments: an argument-less function-based spawn makes
  // CAF 0.17.6 bind a reference to a null pointer.
  sys.spawn(request_impl, std::move(registry), std::move(gateway), max_agents,
            timeout, std::move(done));
}

} // namespace hubwatch
