#include "hubwatch/actors/agent_registry.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/core/agent_table.hpp"
#include "hubwatch/core/event_ring.hpp"
#include "hubwatch/core/subscriber_queue.hpp"
#include "hubwatch/messages/defaults.hpp"
#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

namespace {

using items_type = update_batch::items_type;

using shared_items = std::shared_ptr<const items_type>;

// An event of a published batch, shared with it: the history ring and every
// subscriber's queue hold the same immutable event (aliasing shared_ptr, no
// allocation). The ring therefore keeps whole batches alive, but only those
// its last `event_history` events span: at most two batches beyond its own
// events.
using event_ptr = std::shared_ptr<const daemon_event>;

struct subscriber_slot {
  subscriber_slot(size_t window, size_t bound) : queue(window, bound) {
    // nop
  }

  subscriber_actor handle;
  subscriber_queue queue;
  // A node's relay for a remote subscriber.
  bool relay = false;
};

struct registry_state {
  static inline const char* name = "hubwatch.agent-registry";

  void init(const websocket_config& cfg, registry_mode m) {
    mode = m;
    history = event_ring<event_ptr>{cfg.event_history};
    queue_limit = cfg.subscriber_queue;
    stall = stall_clock{cfg.subscriber_stall};
    stale_after = cfg.stale_after;
    status.url = cfg.url;
  }

  event_ring<event_ptr> history;
  agent_table agents;
  connection_status status;
  observer_counters counters;
  size_t queue_limit = 0;
  // Answers to the parser's batches, held while a subscriber is behind.
  std::vector<caf::response_promise> withheld;
  stall_clock stall;
  caf::timespan stale_after{0};
  /// When the current connection came up (local clock); none while down.
  caf::optional<caf::timestamp> connected_since;
  bool tick_pending = false;
  std::map<caf::actor_addr, subscriber_slot> subscribers;
  // The local clock as wall time: the actor clock (virtual in tests) anchored
  // to the system clock once at start.
  caf::timestamp wall_origin;
  caf::actor_clock::time_point clock_origin;
  registry_mode mode = registry_mode::hub;
  /// This node's name, appended to the path of the snapshots it sends.
  std::string node_name;
  /// The path up to and including this node (see observer_snapshot::via).
  std::vector<std::string> via;
  /// The upstream node's snapshot was refused (a loop, a path too long):
  /// its batches are ignored until it sends one this node can take.
  bool upstream_refused = false;
  /// The last status of the link to the upstream node, restored when a
  /// refused path is replaced by one this node can take.
  connection_status link;
};

using registry_actor = agent_registry_actor::stateful_pointer<registry_state>;

caf::timestamp local_now(registry_actor self) {
  auto& st = self->state;
  return st.wall_origin + (self->clock().now() - st.clock_origin);
}

observer_snapshot make_snapshot(registry_actor self, bool with_events) {
  auto& st = self->state;
  observer_snapshot result;
  result.taken_at = local_now(self);
  result.connected_since = st.connected_since;
  if (with_events) {
    result.events.reserve(st.history.size());
    for (size_t i = 0; i < st.history.size(); ++i)
      result.events.push_back(*st.history[i]);
  }
  result.agents = st.agents.sorted();
  result.status = st.status;
  result.counters = st.counters;
  result.counters.history_dropped = st.history.dropped();
  result.via = st.via;
  return result;
}

void schedule_tick(registry_actor self);

/// True while some subscriber holds the stream back.
bool holds_back(const registry_state& st) {
  for (auto& kvp : st.subscribers)
    if (kvp.second.queue.holds_back())
      return true;
  return false;
}

void release_credit(registry_actor self) {
  auto& st = self->state;
  if (st.withheld.empty() || holds_back(st))
    return;
  for (auto& rp : st.withheld)
    rp.deliver(caf::unit);
  st.withheld.clear();
  st.stall.stop();
}

/// Holds back the answer to the current message while a subscriber is
/// behind, if it is a request (the parser's); the first held answer starts
/// the stall clock.
void withhold_credit(registry_actor self) {
  auto& st = self->state;
  if (!st.stall.enabled() || !holds_back(st))
    return;
  // A promise for an asynchronous message has nobody waiting for it.
  auto rp = self->make_response_promise();
  if (rp.async())
    return;
  st.withheld.push_back(std::move(rp));
  if (st.stall.start(self->clock().now()))
    self->delayed_send(self, st.stall.limit(), atom::stall::value);
}

void pump(registry_actor self, subscriber_slot& slot);

void on_delivered(registry_actor self, const caf::actor_addr& addr) {
  auto i = self->state.subscribers.find(addr);
  if (i == self->state.subscribers.end())
    return;
  auto& slot = i->second;
  slot.queue.ack();
  pump(self, slot);
  release_credit(self);
}

void on_lost(registry_actor self, const caf::actor_addr& addr) {
  // Unreachable or gone: forget it quietly; the DOWN message may follow.
  self->state.subscribers.erase(addr);
  release_credit(self);
}

/// Sends what the subscriber's window has room for.
void pump(registry_actor self, subscriber_slot& slot) {
  while (auto batch = slot.queue.next()) {
    auto addr = slot.handle.address();
    self->request(slot.handle, caf::infinite, std::move(*batch))
      .then([self, addr] { on_delivered(self, addr); },
            [self, addr](caf::error&) { on_lost(self, addr); });
  }
}

/// Keeps the batch's events in the history ring, shared with the batch.
void remember_events(registry_state& st, const shared_items& xs) {
  for (auto& item : *xs)
    if (auto ev = caf::get_if<daemon_event>(&item))
      st.history.push(event_ptr{xs, ev});
}

void publish(registry_actor self, const shared_items& shared) {
  if (!shared || shared->empty())
    return;
  schedule_tick(self);
  auto& st = self->state;
  for (auto& kvp : st.subscribers) {
    st.counters.subscriber_dropped += kvp.second.queue.push(shared);
    pump(self, kvp.second);
  }
}

void publish(registry_actor self, items_type&& xs) {
  if (!xs.empty())
    publish(self, std::make_shared<const items_type>(std::move(xs)));
}

void apply_status(registry_actor self, connection_status& x, items_type& out) {
  auto& st = self->state;
  // A status repeated while connected (e.g. the retry counter reset) keeps
  // the time the connection came up.
  if (x.state != connection_state::connected)
    st.connected_since = caf::none;
  else if (st.status.state != connection_state::connected ||
           !st.connected_since)
    st.connected_since = local_now(self);
  st.status = x;
  st.counters.reconnects = x.reconnects;
  out.emplace_back(std::move(x));
  if (st.status.state != connection_state::connected) {
    std::vector<agent_info> changed;
    st.agents.mark_all_stale(changed);
    for (auto& rec : changed)
      out.emplace_back(std::move(rec));
  }
}

// Wakes the registry exactly when the next agent goes stale, and only while
// one can: no timer runs while disconnected or when every agent is stale.
void schedule_tick(registry_actor self) {
  auto& st = self->state;
  // Upstream, the node that derives the records marks them stale.
  if (st.tick_pending || st.stale_after.count() <= 0 ||
      st.mode == registry_mode::upstream ||
      st.status.state != connection_state::connected)
    return;
  auto oldest = st.agents.oldest_fresh();
  if (!oldest)
    return;
  auto delay = *oldest + st.stale_after - local_now(self);
  st.tick_pending = true;
  self->delayed_send(self, std::max(delay, caf::timespan{0}),
                     atom::tick::value);
}

void add_subscriber(registry_actor self, subscriber_actor& sub, bool relay) {
  if (!sub)
    return;
  auto addr = sub.address();
  auto& st = self->state;
  auto [i, added] =
    st.subscribers.try_emplace(addr, subscriber_window, st.queue_limit);
  if (!added)
    return; // already subscribed: it has its snapshot
  self->monitor(sub);
  auto& slot = i->second;
  slot.handle = sub;
  slot.relay = relay;
  slot.queue.take_slot();
  self->request(sub, caf::infinite, make_snapshot(self, true))
    .then([self, addr] { on_delivered(self, addr); },
          [self, addr](caf::error&) { on_lost(self, addr); });
}

/// Why an upstream path cannot be extended by this node, or empty.
std::string refuse_path(const registry_state& st,
                        const std::vector<std::string>& path) {
  auto join = [&] {
    std::string result;
    for (auto& x : path)
      result += (result.empty() ? "" : " > ") + x;
    return result;
  };
  if (!st.node_name.empty() &&
      std::find(path.begin(), path.end(), st.node_name) != path.end())
    return "the upstream stream already passed through this node (" +
           st.node_name + "): a loop (via " + join() + ")";
  for (auto& x : path)
    if (x.size() > defaults::max_node_name)
      return "a node name in the upstream path is longer than " +
             std::to_string(defaults::max_node_name) + " bytes";
  if (path.size() + (st.node_name.empty() ? 0 : 1) > defaults::max_via)
    return "the upstream stream passed through " + std::to_string(path.size()) +
           " nodes; at most " + std::to_string(defaults::max_via) +
           " are allowed";
  return {};
}

/// A fresh upstream snapshot: a new stream. It replaces the history, the
/// agents and the path, and every subscriber starts over with a snapshot of
/// its own, so nothing of the old stream is repeated or left behind (the
/// upstream node numbers `seq` afresh after a restart).
void upstream_snapshot(registry_actor self, observer_snapshot& x) {
  auto& st = self->state;
  if (auto why = refuse_path(st, x.via); !why.empty()) {
    st.upstream_refused = true;
    // Nothing of that stream is shown: what the registry held is stale.
    connection_status refused = st.status;
    refused.state = connection_state::error;
    refused.next_delay = caf::none;
    refused.error_code = hub_errc::handshake_rejected;
    refused.error_message = std::move(why);
    items_type out;
    apply_status(self, refused, out);
    publish(self, std::move(out));
    return;
  }
  if (st.upstream_refused) {
    st.upstream_refused = false;
    auto restored = st.link;
    items_type out;
    apply_status(self, restored, out);
    publish(self, std::move(out));
  }
  st.via = std::move(x.via);
  if (!st.node_name.empty())
    st.via.push_back(st.node_name);
  st.history.clear();
  if (!x.events.empty()) {
    auto evs =
      std::make_shared<const std::vector<daemon_event>>(std::move(x.events));
    for (auto& ev : *evs)
      st.history.push(event_ptr{evs, &ev});
  }
  st.agents.reset(std::move(x.agents));
  for (auto& kvp : st.subscribers) {
    auto& slot = kvp.second;
    slot.queue.restart();
    slot.queue.take_slot();
    auto addr = kvp.first;
    self->request(slot.handle, caf::infinite, make_snapshot(self, true))
      .then([self, addr] { on_delivered(self, addr); },
            [self, addr](caf::error&) { on_lost(self, addr); });
  }
  // A queue that held the stream back no longer does.
  release_credit(self);
}

void upstream_batch(registry_actor self, update_batch& x) {
  auto& st = self->state;
  if (st.mode != registry_mode::upstream || st.upstream_refused)
    return;
  // Lost between the upstream node and this one: counted, and the
  // subscribers' next snapshot (on reconnect) makes up for it.
  st.counters.subscriber_dropped += x.missed;
  auto& shared = x.shared_items();
  if (!shared)
    return;
  for (auto& item : *shared) {
    if (auto ev = caf::get_if<daemon_event>(&item)) {
      ++st.counters.events;
      ++st.counters.events_by_type[static_cast<size_t>(ev->type)];
    } else if (auto rec = caf::get_if<agent_info>(&item)) {
      st.agents.put(*rec);
    } else if (auto err = caf::get_if<parse_error>(&item)) {
      ++st.counters.parse_errors;
      ++st.counters.parse_errors_by_kind[static_cast<size_t>(err->kind)];
    }
  }
  // The batch goes on as it came, items and all: the upstream node's hub
  // status passes on as it is (this registry's own status is its link to
  // that node).
  remember_events(st, shared);
  publish(self, shared);
}

agent_registry_actor::behavior_type
registry_impl(registry_actor self, websocket_config cfg, registry_mode mode) {
  self->state.init(cfg, mode);
  self->state.wall_origin = caf::make_timestamp();
  self->state.clock_origin = self->clock().now();
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.subscribers.erase(dm.source);
    release_credit(self);
  });
  return {
    [self](std::vector<hub_update>& xs) {
      auto& st = self->state;
      auto now = local_now(self);
      items_type out;
      out.reserve(xs.size() * 2);
      for (auto& x : xs) {
        if (auto ev = caf::get_if<daemon_event>(&x)) {
          ++st.counters.events;
          ++st.counters.events_by_type[static_cast<size_t>(ev->type)];
          agent_info rec;
          bool changed = st.agents.apply(*ev, now, rec);
          out.emplace_back(std::move(*ev));
          if (changed)
            out.emplace_back(std::move(rec));
        } else if (auto err = caf::get_if<parse_error>(&x)) {
          ++st.counters.parse_errors;
          ++st.counters.parse_errors_by_kind[static_cast<size_t>(err->kind)];
          out.emplace_back(std::move(*err));
        } else if (auto status = caf::get_if<connection_status>(&x)) {
          apply_status(self, *status, out);
        }
        // agent_info items only flow out of the registry, never in.
      }
      if (!out.empty()) {
        auto shared = std::make_shared<const items_type>(std::move(out));
        remember_events(st, shared);
        publish(self, shared);
      }
      withhold_credit(self);
    },
    [self](connection_status& x) {
      if (self->state.mode == registry_mode::upstream)
        self->state.link = x;
      items_type out;
      apply_status(self, x, out);
      publish(self, std::move(out));
    },
    [self](atom::subscribe, subscriber_actor& sub) {
      add_subscriber(self, sub, false);
    },
    [self](atom::subscribe, atom::relays, subscriber_actor& sub) {
      add_subscriber(self, sub, true);
    },
    [self](atom::unsubscribe, subscriber_actor& sub) {
      if (!sub)
        return;
      if (self->state.subscribers.erase(sub.address()) > 0)
        self->demonitor(sub.address());
      release_credit(self);
    },
    [self](atom::upstream, observer_snapshot& x) {
      if (self->state.mode == registry_mode::upstream)
        upstream_snapshot(self, x);
    },
    [self](atom::upstream, update_batch& x) { upstream_batch(self, x); },
    [self](atom::name, std::string& x) {
      auto& st = self->state;
      st.node_name = std::move(x);
      // Fed by a hub, the path starts here; upstream, it is set by the
      // next snapshot of the upstream node.
      if (st.mode == registry_mode::hub) {
        st.via.clear();
        if (!st.node_name.empty())
          st.via.push_back(st.node_name);
      }
    },
    [self](atom::snapshot) { return make_snapshot(self, true); },
    [self](atom::summary) { return make_snapshot(self, false); },
    [self](atom::count) {
      return static_cast<uint64_t>(self->state.subscribers.size());
    },
    [self](atom::count, atom::relays) {
      auto& subs = self->state.subscribers;
      auto relays = std::count_if(subs.begin(), subs.end(),
                                  [](auto& kvp) { return kvp.second.relay; });
      return std::make_tuple(static_cast<uint64_t>(subs.size()),
                             static_cast<uint64_t>(relays));
    },
    [self](atom::tick) {
      auto& st = self->state;
      st.tick_pending = false;
      std::vector<agent_info> changed;
      // While disconnected every agent is stale already.
      if (st.status.state == connection_state::connected)
        st.agents.mark_stale(local_now(self), st.stale_after, changed);
      items_type out;
      for (auto& rec : changed)
        out.emplace_back(std::move(rec));
      publish(self, std::move(out));
      schedule_tick(self);
    },
    [self](atom::stall) {
      auto& st = self->state;
      // A wake-up for a wait that already ended finds no clock expired.
      if (!st.stall.expired(self->clock().now()))
        return;
      // Whoever still holds the stream back after the grace time is left
      // behind: from now on it loses its oldest updates, the others go on.
      for (auto& kvp : st.subscribers)
        kvp.second.queue.stall_expired();
      release_credit(self);
    },
  };
}

} // namespace

agent_registry_actor spawn_agent_registry(caf::actor_system& sys,
                                          const websocket_config& cfg,
                                          registry_mode mode) {
  return sys.spawn(registry_impl, cfg, mode);
}

} // namespace hubwatch
