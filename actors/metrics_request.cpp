#include "hubwatch/actors/metrics_request.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace hubwatch {

namespace {

struct request_state {
  static inline const char* name = "hubwatch.metrics-request";
  observer_snapshot snap;
};

using request_actor = caf::stateful_actor<request_state>;

// Two requests to the registry: its summary, then its subscribers and how
// many of them are relays, counted in one answer so that the local and the
// remote figure always agree. Each reply arrives on this actor, never on the
// registry, which only answers.
caf::behavior request_impl(request_actor* self, agent_registry_actor registry,
                           size_t max_agents, caf::timespan timeout,
                           metrics_callback done,
                           std::shared_ptr<const gateway_stats> gateway) {
  auto fail = [self, done](caf::error& err) {
    done(caf::expected<metrics_snapshot>{std::move(err)});
    self->quit();
  };
  self->request(registry, timeout, atom::summary::value)
    .then(
      [=](observer_snapshot& snap) {
        self->state.snap = std::move(snap);
        self
          ->request(registry, timeout, atom::count::value, atom::relays::value)
          .then(
            [=](uint64_t total, uint64_t relays) {
              subscriber_counts subscribers;
              subscribers.total = total;
              subscribers.remote = relays;
              auto m = make_metrics_snapshot(self->state.snap, subscribers,
                                             max_agents);
              if (gateway) {
                m.remote_subscribers_max = gateway->max_remote_subscribers;
                m.remote_subscribers_refused = gateway->refused.load();
              }
              done(std::move(m));
              self->quit();
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
                     size_t max_agents, caf::timespan timeout,
                     metrics_callback done,
                     std::shared_ptr<const gateway_stats> gateway) {
  // Spawned with arguments: an argument-less function-based spawn makes
  // CAF 0.17.6 bind a reference to a null pointer.
  sys.spawn(request_impl, std::move(registry), max_agents, timeout,
            std::move(done), std::move(gateway));
}

} // namespace hubwatch
