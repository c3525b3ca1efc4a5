#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/defaults.hpp"
#include "hubwatch/messages/secret_string.hpp"

namespace hubwatch {

/// One extra header of the WebSocket upgrade request. Its value is a
/// secret (an API key, a token): it renders as `***`.
struct request_header {
  std::string name;
  secret_string value;
};

inline bool operator==(const request_header& x, const request_header& y) {
  return x.name == y.name && x.value == y.value;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_header& x) {
  return f(caf::meta::type_name("request_header"), x.name, x.value);
}

/// Every setting of an observer. Its defaults come from
/// messages/defaults.hpp, the only place that states them; the config file,
/// environment and flags override them.
struct websocket_config {
  /// `ws://` or `wss://` URL of the hub's event endpoint.
  std::string url = defaults::url;

  /// Reconnect after a connection ends (manual `disconnect` aside).
  bool auto_reconnect = defaults::auto_reconnect;

  /// Delay before the first retry; retry n waits
  /// min(reconnect_delay * reconnect_multiplier^n, reconnect_max_delay).
  caf::timespan reconnect_delay = defaults::reconnect_delay;

  double reconnect_multiplier = defaults::reconnect_multiplier;

  caf::timespan reconnect_max_delay = defaults::reconnect_max_delay;

  /// Retries after which the observer gives up; 0 = never.
  uint32_t max_reconnect_attempts = defaults::max_reconnect_attempts;

  /// Randomisation factor in [0, 1): each delay is spread uniformly over
  /// delay * (1 ± jitter), so many observers do not reconnect in lockstep.
  double reconnect_jitter = defaults::reconnect_jitter;

  /// A connection must stay up this long before the retry counter resets;
  /// 0 resets on every successful handshake.
  caf::timespan reconnect_min_uptime = defaults::reconnect_min_uptime;

  /// Retry after the hub answered the upgrade with 401, 403 or 404.
  bool retry_on_http_error = defaults::retry_on_http_error;

  /// Budget for resolve + TCP connect + TLS + WebSocket handshake.
  caf::timespan connect_timeout = defaults::connect_timeout;

  /// Drop a connection that receives nothing for this long (keep-alive pings
  /// are sent halfway through); 0 = off.
  caf::timespan idle_timeout = defaults::idle_timeout;

  /// Largest message accepted; a larger one ends the connection.
  size_t max_frame_bytes = defaults::max_frame_bytes;

  /// Deepest JSON nesting accepted in a frame (2 to
  /// `json_payload::max_depth + 1`).
  size_t max_json_depth = defaults::max_json_depth;

  /// Events kept in the history ring.
  size_t event_history = defaults::event_history;

  /// Updates queued per subscriber before the oldest are dropped.
  size_t subscriber_queue = defaults::subscriber_queue;

  /// While a subscriber has more than half its queue waiting, the observer
  /// stops reading from the hub (TCP pushes back) so nothing is lost; after
  /// this long, that subscriber is left behind and loses its oldest updates
  /// instead, so one stuck subscriber cannot stall the others. 0 = never
  /// wait: a subscriber that falls behind loses updates at once.
  caf::timespan subscriber_stall = defaults::subscriber_stall;

  /// An agent not heard of for this long is marked stale; 0 = never.
  caf::timespan stale_after = defaults::stale_after;

  /// PEM file with the CA(s) that sign the hub's certificate; empty = the
  /// system's CA store.
  std::string ca_file;

  /// Verify the hub's TLS certificate and host name. Turning this off is
  /// logged as a warning at every connection.
  bool tls_verify = defaults::tls_verify;

  /// Offer permessage-deflate (the hub then fragments every message).
  bool deflate = defaults::deflate;

  /// Remote subscribers a node serves at once (hubwatch-node); one more is
  /// refused with `too_many_subscribers` and retries later. Bounds what
  /// peers can cost the node: each one holds a relay and a queue.
  size_t max_remote_subscribers = defaults::max_remote_subscribers;

  /// Extra headers of the upgrade request, in order (`--header`). The
  /// upgrade's own headers (`Host`, `Upgrade`, `Connection`,
  /// `Sec-WebSocket-*`) are refused by `validate`.
  std::vector<request_header> headers;

  /// Sent as `Authorization: Bearer <token>`; empty = none.
  secret_string bearer_token;

  /// A file holding the bearer token (one line), read when the observer
  /// starts; empty = none. Not together with `bearer_token`.
  std::string bearer_token_file;
};

bool operator==(const websocket_config& x, const websocket_config& y);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, websocket_config& x) {
  return f(caf::meta::type_name("websocket_config"), x.url, x.auto_reconnect,
           x.reconnect_delay, x.reconnect_multiplier, x.reconnect_max_delay,
           x.max_reconnect_attempts, x.reconnect_jitter, x.reconnect_min_uptime,
           x.retry_on_http_error, x.connect_timeout, x.idle_timeout,
           x.max_frame_bytes, x.max_json_depth, x.event_history,
           x.subscriber_queue, x.subscriber_stall, x.stale_after, x.ca_file,
           x.tls_verify, x.deflate, x.max_remote_subscribers, x.headers,
           x.bearer_token, x.bearer_token_file);
}

/// Checks every value; returns one message per refused key, each naming the
/// key and the value (empty when all is well) — but never a secret: of a
/// header only its name, of a token neither.
std::vector<std::string> validate(const websocket_config& x);

/// The headers the upgrade request gets on top of Beast's own: `headers`,
/// then `Authorization: Bearer …` from `bearer_token` or the file. Call
/// after `validate` found nothing; returns an error text naming the token
/// file if reading it failed since.
std::string upgrade_headers(const websocket_config& x,
                            std::vector<request_header>& out);

/// The configured headers for people: `Authorization: ***, X-Team: ***`,
/// or `none`.
std::string describe_headers(const websocket_config& x);

} // namespace hubwatch
