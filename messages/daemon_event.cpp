#include "hubwatch/messages/daemon_event.hpp"

#include <charconv>

namespace hubwatch {

bool operator==(const agent_fields& x, const agent_fields& y) {
  return x.status == y.status && x.current_task == y.current_task &&
         x.uptime_seconds == y.uptime_seconds && x.error == y.error;
}

std::string to_string(const agent_fields& x) {
  std::string result;
  auto add = [&](const char* key, const caf::optional<std::string>& value,
                 bool quoted) {
    if (!value)
      return;
    if (!result.empty())
      result += ' ';
    result += key;
    result += '=';
    if (quoted)
      result += '"';
    result += *value;
    if (quoted)
      result += '"';
  };
  add("status", x.status, false);
  add("task", x.current_task, false);
  if (x.uptime_seconds) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof(buf), *x.uptime_seconds);
    add("uptime", std::string{buf, res.ptr}, false);
  }
  add("error", x.error, true);
  return result;
}

bool operator==(const daemon_event& x, const daemon_event& y) {
  return x.seq == y.seq && x.type == y.type && x.type_name == y.type_name &&
         x.agent_id == y.agent_id && x.agent_name == y.agent_name &&
         x.timestamp == y.timestamp && x.time == y.time &&
         x.payload == y.payload && x.fields == y.fields;
}

std::string to_string(const daemon_event& x) {
  std::string result = "#";
  result += std::to_string(x.seq);
  result += ' ';
  result += x.type_name.view();
  if (!x.agent_id.empty()) {
    result += ' ';
    result += x.agent_id;
  }
  if (!x.agent_name.empty()) {
    result += " (";
    result += x.agent_name;
    result += ')';
  }
  if (!x.timestamp.empty()) {
    result += " @";
    result += x.timestamp.view();
  }
  result += ' ';
  result += x.payload.to_line();
  return result;
}

} // namespace hubwatch
