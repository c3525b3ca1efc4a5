#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <caf/timestamp.hpp>

/// Every default of hubwatch, in one place: `websocket_config`, the session
/// settings, the backoff policy, the observer and the programs take theirs
/// from here, and nothing else restates them (config/hubwatch.conf shows
/// them as comments and must agree).
namespace hubwatch::defaults {

using namespace std::chrono_literals;

// -- the hub connection -------------------------------------------------------

inline constexpr const char* url = "ws://localhost:8080/ws";

inline constexpr bool auto_reconnect = true;

/// The first retry comes soon enough for a hub that restarts quickly.
inline constexpr caf::timespan reconnect_delay = 2000ms;

/// Retries wait 2, 3, 4.5, 6.75 ... s, capped from the eighth on.
inline constexpr double reconnect_multiplier = 1.5;

/// A hub that is away for long is still found within half a minute.
inline constexpr caf::timespan reconnect_max_delay = 30s;

/// 0 = never give up: an observer is meant to outlive hub restarts.
inline constexpr uint32_t max_reconnect_attempts = 0;

/// 0 keeps the schedule exact (and the tests' virtual clocks predictable).
inline constexpr double reconnect_jitter = 0;

/// 0 resets the retry counter on every successful handshake.
inline constexpr caf::timespan reconnect_min_uptime = caf::timespan{0};

/// 401, 403 and 404 mean a wrong URL or credentials: retrying will not help.
inline constexpr bool retry_on_http_error = false;

/// Resolve + TCP + TLS + upgrade; also bounds the close handshake.
inline constexpr caf::timespan connect_timeout = 10s;

/// A keep-alive ping goes out at half of this; its pong keeps the link up.
inline constexpr caf::timespan idle_timeout = 30s;

inline constexpr size_t max_frame_bytes = 1024 * 1024;

inline constexpr size_t max_json_depth = 64;

inline constexpr bool tls_verify = true;

/// Off: the real hub refuses the offer with HTTP 400 (core/backoff_policy).
inline constexpr bool deflate = false;

// -- the pipeline -------------------------------------------------------------

inline constexpr size_t event_history = 1000;

inline constexpr size_t subscriber_queue = 10000;

/// Long enough for a consumer's hiccup, short enough that one stuck
/// subscriber does not hold the hub connection for long.
inline constexpr caf::timespan subscriber_stall = 1s;

inline constexpr caf::timespan stale_after = 15s;

/// Frames the session may hold for the parser: at least this much, else two
/// frames of `max_frame_bytes`, before it stops reading.
inline constexpr size_t min_pending_bytes = 1 << 20;

// -- the observer facade ------------------------------------------------------

/// How long `observer::snapshot()` and `status()` wait for an answer.
inline constexpr caf::timespan reply_timeout = 5s;

/// On top of the connect timeout (which bounds Beast's close handshake) for
/// the messages around a polite close.
inline constexpr caf::timespan close_slack = 2s;

// -- hubwatch-node ------------------------------------------------------------

/// Each remote subscriber holds a relay and a queue at the node.
inline constexpr size_t max_remote_subscribers = 64;

inline constexpr uint16_t publish_port = 4242;

/// Nodes a stream may pass through (`observer_snapshot::via`): a tree that
/// deep serves more subscribers than anyone runs, and the bound keeps a
/// misconfigured chain from growing every snapshot without end.
inline constexpr size_t max_via = 16;

/// Loopback: plain BASP elsewhere needs TLS or --allow-plaintext.
inline constexpr const char* publish_bind = "127.0.0.1";

/// Agents with /metrics series of their own; the rest fold into one, so a
/// hub with many agents cannot blow up the scraper's storage.
inline constexpr size_t metrics_max_agents = 1000;

/// Loopback too: /metrics is for a scraper on the same host unless told.
inline constexpr const char* metrics_bind = "127.0.0.1";

} // namespace hubwatch::defaults
