#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

bool operator==(const observer_snapshot& x, const observer_snapshot& y) {
  return x.events == y.events && x.agents == y.agents && x.status == y.status &&
         x.counters == y.counters && x.taken_at == y.taken_at &&
         x.connected_since == y.connected_since && x.via == y.via;
}

std::string to_string(const observer_snapshot& x) {
  std::string result = "snapshot(";
  result += std::to_string(x.events.size());
  result += " events, ";
  result += std::to_string(x.agents.size());
  result += " agents, ";
  result += to_string(x.status);
  result += ", ";
  result += to_string(x.counters);
  result += ')';
  return result;
}

} // namespace hubwatch
