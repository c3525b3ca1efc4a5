#include "hubwatch/messages/event_type.hpp"

namespace hubwatch {

namespace {

constexpr std::string_view names[] = {
  "heartbeat",         "agent_started",        "agent_stopped",
  "agent_error",       "task_assignment",      "status_update",
  "task_result",       "pnl_report",           "quality_gate",
  "payment_settled",   "risk_check_requested", "risk_check_approved",
  "risk_check_denied", "festival_progress",    "vault_decision",
  "unknown",
};

static_assert(sizeof(names) / sizeof(names[0]) == event_type_count,
              "every event_type needs a name");

} // namespace

const char* to_string(event_type x) {
  auto i = static_cast<size_t>(x);
  // Every name is a literal, so its view is null-terminated.
  return i < event_type_count ? names[i].data() : "unknown";
}

event_type event_type_from_wire(std::string_view name) {
  // Linear on purpose: 15 short names, compared by length first, beat a hash.
  for (size_t i = 0; i + 1 < event_type_count; ++i)
    if (name == names[i])
      return static_cast<event_type>(i);
  return event_type::unknown;
}

} // namespace hubwatch
