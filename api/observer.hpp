#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/actors/parser.hpp"
#include "hubwatch/actors/subscriber.hpp"
#include "hubwatch/actors/supervisor.hpp"
#include "hubwatch/core/callback_box.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

class io_runner;

/// A callback subscription. Unsubscribes when destroyed or reset; after
/// that returns, no callback runs (do not reset it from inside a callback).
class subscription {
public:
  subscription() = default;
  subscription(subscription&&) noexcept = default;
  subscription& operator=(subscription&& other) noexcept;
  ~subscription();

  void reset();

  explicit operator bool() const {
    return box_ != nullptr;
  }

  using box = callback_box<subscriber_callbacks>;

private:
  friend subscription subscribe_callbacks(caf::actor_system& sys,
                                          const agent_registry_actor& registry,
                                          subscriber_callbacks callbacks);
  subscription(std::shared_ptr<box> b, subscriber_actor actor,
               agent_registry_actor registry);

  std::shared_ptr<box> box_;
  subscriber_actor actor_;
  agent_registry_actor registry_;
};

/// CAF workers to run next to hubwatch's own io thread on a machine with
/// `cores` cores: one core fewer, at least one. CAF's default, max(4, cores),
/// makes the io thread, which reads the socket, compete with workers that
/// parse, and on two cores costs about a quarter of the throughput
/// (README, Performance).
size_t recommended_caf_workers(size_t cores);

/// Sets `scheduler.max-threads` of `cfg` to
/// `recommended_caf_workers(std::thread::hardware_concurrency())`, and
/// `work-stealing.moderate-poll-attempts` to 0, so that an idle worker waits
/// for work on its condition variable instead of waking every 50 us (at 10k
/// events/s: half the latency and far less CPU, at full speed the same
/// throughput; docs/performance.md). For applications whose actor system
/// exists mainly to run observers; others size their scheduler for their
/// own work.
void use_recommended_scheduler(caf::actor_system_config& cfg);

/// Subscribes `callbacks` to any registry (an observer's, or one fed by an
/// upstream node); what `observer::subscribe` does.
[[nodiscard]] subscription
subscribe_callbacks(caf::actor_system& sys,
                    const agent_registry_actor& registry,
                    subscriber_callbacks callbacks);

/// The `useWebSocket()` of hubwatch: one observed hub, its agents, events
/// and connection state. Construct as many as you like in one process.
///
/// The constructor only prepares (subscribers can attach before anything
/// arrives); `start()` checks the configuration and connects. The destructor
/// closes the connection with 1000 and stops every actor it started.
class observer {
public:
  /// Runs WebSocket I/O on a thread of its own.
  observer(caf::actor_system& sys, websocket_config cfg);

  /// Runs WebSocket I/O on `io`, which the caller keeps running and alive
  /// for longer than this observer.
  observer(caf::actor_system& sys, websocket_config cfg,
           boost::asio::io_context& io);

  ~observer();

  observer(const observer&) = delete;
  observer& operator=(const observer&) = delete;

  /// Checks the configuration and connects. Returns one message per refused
  /// setting (naming key and value) and connects only if there is none.
  std::vector<std::string> start();

  /// How long `snapshot()` and `status()` wait for an answer unless told.
  static constexpr caf::timespan default_reply_timeout =
    defaults::reply_timeout;

  /// Everything known now: last events, agents, status, counters. An error
  /// instead when the registry does not answer within `timeout`
  /// (`caf::sec::request_timeout`) or is gone (its exit reason): a busy or
  /// broken pipeline is never mistaken for an empty one.
  caf::expected<observer_snapshot>
  snapshot(caf::timespan timeout = default_reply_timeout) const;

  /// As `snapshot()` without the event history (`events` empty): the
  /// counters, agents and status, as the metrics endpoint reads them. Copying
  /// the history holds up the pipeline for a moment; this is what to poll.
  caf::expected<observer_snapshot>
  summary(caf::timespan timeout = default_reply_timeout) const;

  /// The connection status alone (cheaper than `snapshot()`); errors as
  /// there.
  caf::expected<connection_status>
  status(caf::timespan timeout = default_reply_timeout) const;

  /// Closes the current connection, if any, and connects now.
  void reconnect();

  /// Connects if not connected (after `disconnect()`).
  void connect();

  /// Closes with 1000 and makes no further attempt until `connect()` or
  /// `reconnect()`. Returns the final status once the connection is gone,
  /// or an error if that takes longer than `timeout` (default: the connect
  /// timeout, which bounds the close handshake, plus 2 s).
  caf::expected<connection_status> disconnect();
  caf::expected<connection_status> disconnect(caf::timespan timeout);

  void subscribe(const subscriber_actor& sub);

  void unsubscribe(const subscriber_actor& sub);

  /// Subscribes plain callbacks.
  [[nodiscard]] subscription subscribe(subscriber_callbacks callbacks);

  agent_registry_actor registry() const {
    return registry_;
  }

  supervisor_actor supervisor() const {
    return supervisor_;
  }

  const websocket_config& config() const {
    return cfg_;
  }

private:
  caf::actor_system& sys_;
  websocket_config cfg_;
  std::unique_ptr<io_runner> own_io_;
  boost::asio::io_context* io_;
  agent_registry_actor registry_;
  parser_actor parser_;
  supervisor_actor supervisor_;
};

} // namespace hubwatch
