#pragma once

#include <functional>
#include <memory>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/actors/node_gateway.hpp"
#include "hubwatch/core/metrics_snapshot.hpp"

namespace hubwatch {

/// Called once with the figures, or with why they could not be had.
using metrics_callback = std::function<void(caf::expected<metrics_snapshot>)>;

/// Collects the metrics without blocking anyone: a short-lived actor asks
/// `registry` for a summary (its snapshot without the event history) and for
/// its subscribers and how many of them are relays of remote subscribers
/// (one answer, so the local and remote figures agree), then calls `done` on
/// an actor thread and quits. Nothing is locked: the registry answers between
/// two batches of the event path, like any subscriber's request. Each request
/// waits at most `timeout`.
/// With `gateway`, the figures include its cap and refusals.
void request_metrics(caf::actor_system& sys, agent_registry_actor registry,
                     size_t max_agents, caf::timespan timeout,
                     metrics_callback done,
                     std::shared_ptr<const gateway_stats> gateway = nullptr);

} // namespace hubwatch
