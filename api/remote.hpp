#pragma once

// Monitoring across machines over CAF's own network layer (the io
// middleman and BASP): a node publishes an observer's registry through a
// gateway, and remote subscribers attach to it.

#include <cstdint>
#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "hubwatch/actors/node_gateway.hpp"
#include "hubwatch/actors/remote_link.hpp"
#include "hubwatch/core/node_tls.hpp"
#include "hubwatch/messages/websocket_config.hpp"
#include "hubwatch/net/basp_tls.hpp"

namespace hubwatch {

/// Loads `caf::io::middleman` into `cfg` (before the actor system exists)
/// and, when `wc.idle_timeout` is set, turns on BASP heartbeats every third
/// of it and drops node connections silent for that long, so that a lost
/// network is noticed like a silent hub. Both ends should use the same
/// `idle_timeout`: an end without heartbeats looks silent to one with a
/// timeout. Mutual TLS needs nothing here: it is per publisher and per
/// subscription (their `node_tls`), each with its own middleman actor
/// (net/basp_tls.hpp), so one actor system can hold several.
void enable_remote(caf::actor_system_config& cfg, const websocket_config& wc);

/// "HOST:PORT" (or "[V6ADDR]:PORT") split; false if it is not one.
bool parse_node_endpoint(const std::string& text, std::string& host,
                         uint16_t& port);

/// Publishes the subscriber interface of `registry` (a gateway, never the
/// registry itself). Unpublishes and stops the gateway when destroyed.
class node_publisher {
public:
  /// Serves at most `max_remote_subscribers` remote subscribers at once.
  /// With `tls` enabled, the port speaks mutual TLS only: its files are
  /// loaded and checked here (std::runtime_error naming the setting and the
  /// file), and every peer whose handshake fails is counted
  /// (`tls_refused`) and handed to `on_refused` (on a network thread, must
  /// not block) before BASP sees a byte of it. Without TLS, the port reads
  /// through the BASP guard (core/basp_guard.hpp).
  node_publisher(
    caf::actor_system& sys, agent_registry_actor registry,
    size_t max_remote_subscribers = websocket_config{}.max_remote_subscribers,
    const node_tls& tls = {}, basp_tls::refusal_handler on_refused = {});

  ~node_publisher();

  node_publisher(const node_publisher&) = delete;
  node_publisher& operator=(const node_publisher&) = delete;

  /// Opens `port` on `bind` (0 = any free port, empty = every address) with
  /// SO_REUSEADDR, so that a restarted node gets its port back at once.
  /// Every connection to it reads through a BASP guard
  /// (net/basp_guard_middleman.hpp) that closes it at the first header that
  /// would crash CAF 0.17.6 or make it allocate gigabytes. Returns the port.
  caf::expected<uint16_t> publish(uint16_t port, const std::string& bind);

  node_gateway_actor gateway() const {
    return gateway_;
  }

  /// The cap and the refusals, for the metrics.
  std::shared_ptr<const gateway_stats> stats() const {
    return stats_;
  }

  /// The port speaks mutual TLS.
  bool tls() const {
    return tls_ != nullptr;
  }

  /// Peers refused in the TLS handshake so far (0 without TLS).
  uint64_t tls_refused() const {
    return tls_ ? tls_->refused() : 0;
  }

private:
  caf::actor_system& sys_;
  std::shared_ptr<gateway_stats> stats_;
  node_gateway_actor gateway_;
  /// Opens the guarded plain port; none until `publish`.
  caf::io::middleman_actor guarded_mm_;
  // Declared after the gateway: destroyed first, ends its middleman actor.
  std::unique_ptr<basp_tls> tls_;
  uint16_t port_ = 0;
};

/// A subscription to a remote node, kept alive by a `remote_link_actor`.
/// Callbacks run on an actor thread, one at a time, in order.
class remote_subscription {
public:
  /// Starts connecting at once. Uses the reconnect settings and
  /// `connect_timeout` of `cfg`. `sys` must have the middleman loaded. With
  /// `tls` enabled the link is mutual TLS (files checked here, as for
  /// `node_publisher`); a node that refuses the handshake is reported as a
  /// failed attempt naming the reason, and tried again on the schedule.
  remote_subscription(caf::actor_system& sys, std::string host, uint16_t port,
                      const websocket_config& cfg,
                      remote_link_callbacks callbacks,
                      const node_tls& tls = {});

  /// Stops the link without a word to the node (which notices the link
  /// actor's end); no callback runs after this returns.
  ~remote_subscription();

  remote_subscription(const remote_subscription&) = delete;
  remote_subscription& operator=(const remote_subscription&) = delete;

  /// Unsubscribes from the node, stops the link and returns its final status
  /// (`disconnected`, `closed_by_observer`). No callback runs after this
  /// returns. Idempotent.
  connection_status close();

  /// "HOST:PORT".
  const std::string& node() const {
    return node_;
  }

  remote_link_actor link() const {
    return link_;
  }

private:
  caf::actor_system& sys_;
  std::string node_;
  std::unique_ptr<basp_tls> tls_;
  std::shared_ptr<remote_link_box> box_;
  remote_link_actor link_;
  connection_status final_;
};

/// A node fed by another node instead of a hub (`hubwatch-node --upstream`):
/// a `remote_subscription` whose snapshots and batches go to a registry
/// spawned with `registry_mode::upstream`, and whose link status becomes
/// that registry's connection status (so its subscribers and metrics see the
/// link like a hub connection). Publish the registry with `node_publisher`
/// as usual.
class upstream_feed {
public:
  /// Names the registry `name` (the last entry of its `via`) and starts
  /// connecting to `host`:`port`; the arguments are those of
  /// `remote_subscription`. `on_link_status`, if set, also sees every link
  /// status (on an actor thread).
  upstream_feed(
    caf::actor_system& sys, std::string host, uint16_t port,
    const websocket_config& cfg, agent_registry_actor registry,
    std::string name, const node_tls& tls = {},
    std::function<void(const connection_status&)> on_link_status = nullptr);

  upstream_feed(const upstream_feed&) = delete;
  upstream_feed& operator=(const upstream_feed&) = delete;

  /// Unsubscribes from the upstream node; the registry hears the final
  /// status. Idempotent.
  connection_status close();

  /// "HOST:PORT" of the upstream node.
  const std::string& node() const {
    return sub_->node();
  }

private:
  agent_registry_actor registry_;
  std::unique_ptr<remote_subscription> sub_;
  bool closed_ = false;
};

} // namespace hubwatch
