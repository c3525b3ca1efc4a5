#include "hubwatch/messages/agent_info.hpp"

namespace hubwatch {

const char* to_string(agent_status x) {
  switch (x) {
  case agent_status::running:
    return "running";
  case agent_status::idle:
    return "idle";
  case agent_status::error:
    return "error";
  case agent_status::stopped:
    return "stopped";
  }
  return "invalid";
}

bool operator==(const agent_info& x, const agent_info& y) {
  return x.id == y.id && x.name == y.name && x.status == y.status &&
         x.status_word == y.status_word &&
         x.last_heartbeat == y.last_heartbeat &&
         x.current_task == y.current_task &&
         x.uptime_seconds == y.uptime_seconds &&
         x.error_count == y.error_count && x.last_error == y.last_error &&
         x.last_seen == y.last_seen && x.last_seen_local == y.last_seen_local &&
         x.stale == y.stale;
}

std::string to_string(const agent_info& x) {
  std::string result = x.id;
  result += " (";
  result += x.name;
  result += ") ";
  result += to_string(x.status);
  if (!x.status_word.empty() && x.status_word != to_string(x.status)) {
    result += '/';
    result += x.status_word;
  }
  if (x.current_task) {
    result += " task=";
    result += *x.current_task;
  }
  result += " errors=";
  result += std::to_string(x.error_count);
  if (x.last_error) {
    result += " last_error=\"";
    result += *x.last_error;
    result += '"';
  }
  if (x.stale)
    result += " stale";
  return result;
}

} // namespace hubwatch
