#include "hubwatch/messages/observer_counters.hpp"

namespace hubwatch {

bool operator==(const observer_counters& x, const observer_counters& y) {
  return x.events == y.events && x.parse_errors == y.parse_errors &&
         x.reconnects == y.reconnects &&
         x.history_dropped == y.history_dropped &&
         x.subscriber_dropped == y.subscriber_dropped &&
         x.events_by_type == y.events_by_type &&
         x.parse_errors_by_kind == y.parse_errors_by_kind;
}

std::string to_string(const observer_counters& x) {
  std::string result = "events=" + std::to_string(x.events);
  result += " parse_errors=" + std::to_string(x.parse_errors);
  result += " reconnects=" + std::to_string(x.reconnects);
  result += " history_dropped=" + std::to_string(x.history_dropped);
  result += " subscriber_dropped=" + std::to_string(x.subscriber_dropped);
  return result;
}

} // namespace hubwatch
