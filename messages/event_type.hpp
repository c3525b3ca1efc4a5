#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hubwatch {

/// The event types SCHEMA.md knows today. The hub adds types over time, so
/// `unknown` is a valid value: such events keep their original type string.
enum class event_type : uint8_t {
  heartbeat,
  agent_started,
  agent_stopped,
  agent_error,
  task_assignment,
  status_update,
  task_result,
  pnl_report,
  quality_gate,
  payment_settled,
  risk_check_requested,
  risk_check_approved,
  risk_check_denied,
  festival_progress,
  vault_decision,
  unknown,
};

constexpr size_t event_type_count =
  static_cast<size_t>(event_type::unknown) + 1;

/// Returns the wire name, or `"unknown"` for `event_type::unknown`.
const char* to_string(event_type x);

/// Maps a wire name to its enumerator; unrecognised names map to `unknown`.
event_type event_type_from_wire(std::string_view name);

} // namespace hubwatch
