#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace hubwatch {

/// Why a frame was refused or a connection ended. One enum for both so that
/// one error category renders every failure hubwatch reports.
enum class hub_errc : uint8_t {
  none = 0,
  // -- frame → event
  // -----------------------------------------------------------
  empty_frame,        ///< A text frame with no bytes.
  invalid_json,       ///< Not parseable as JSON.
  not_an_object,      ///< JSON, but not an object (array, string, ...).
  missing_type,       ///< No `type` field.
  type_not_string,    ///< `type` present but not a string.
  field_not_string,   ///< `agentId`, `agentName` or `timestamp` not a string.
  payload_not_object, ///< `payload` neither an object nor null.
  too_deep,           ///< Nesting deeper than the parser's depth limit.
  too_large,          ///< More bytes than the frame size limit.
  binary_frame,       ///< A binary frame; the hub only sends text.
  // -- configuration
  // -----------------------------------------------------------
  bad_config, ///< A configuration value was refused.
  bad_url,    ///< The hub URL could not be used.
  // -- connection
  // --------------------------------------------------------------
  resolve_failed,
  connect_failed,
  tls_failed,
  handshake_failed,   ///< The WebSocket upgrade failed (not an HTTP refusal).
  handshake_rejected, ///< The hub answered the upgrade with an HTTP status.
  connect_timeout,    ///< Connect + handshake did not finish in time.
  idle_timeout,       ///< Nothing received within the idle timeout.
  closed_by_hub,      ///< The hub sent a close frame.
  connection_lost,    ///< The TCP connection ended without a close frame.
  read_failed,        ///< Any other read error (e.g. invalid UTF-8, 1007).
  closed_by_observer, ///< We closed it (disconnect, reconnect, shutdown).
  gave_up,            ///< The retry budget is spent.
  // -- node
  // --------------------------------------------------------------------
  /// A node refused a remote subscriber: it serves max-remote-subscribers
  /// already. Appended last so that the values before it keep their
  /// numbers on the wire.
  too_many_subscribers,
};

/// Number of enumerators, for per-kind counter arrays.
constexpr size_t hub_errc_count =
  static_cast<size_t>(hub_errc::too_many_subscribers) + 1;

/// Returns the snake_case name of `x`, e.g. `"missing_type"`.
const char* to_string(hub_errc x);

/// Parses a name produced by `to_string`; returns false if unknown.
bool from_string(const std::string& str, hub_errc& x);

/// True for the kinds that describe a refused frame, not a connection failure.
constexpr bool is_parse_error(hub_errc x) {
  return x >= hub_errc::empty_frame && x <= hub_errc::binary_frame;
}

/// The atom under which hubwatch registers its error category.
using hubwatch_category = caf::atom_constant<caf::atom("hubwatch")>;

caf::error make_error(hub_errc x);

caf::error make_error(hub_errc x, std::string context);

} // namespace hubwatch
