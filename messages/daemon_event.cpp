#include "messages/daemon_event.hpp"

namespace hubwatch {

bool operator==(const daemon_event& x, const daemon_event& y) {
  return x.seq == y.seq && x.type == y.type && x.type_name == y.type_name &&
         x.agent_id == y.agent_id && x.agent_name == y.agent_name &&
         x.timestamp == y.timestamp && x.time == y.time &&
         x.payload == y.payload;
}

std::string to_string(const daemon_event& x) {
  std::string result = "#";
  result += std::to_string(x.seq);
  result += ' ';
  result += x.type_name;
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
    result += x.timestamp;
  }
  result += ' ';
  result += x.payload.to_json();
  return result;
}

} // namespace hubwatch
