#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "hubwatch/messages/event_type.hpp"
#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

/// What the observer has counted since it started.
struct observer_counters {
  /// Valid events received.
  uint64_t events = 0;

  /// Frames refused (sum of `parse_errors_by_kind`).
  uint64_t parse_errors = 0;

  /// Successful connections after the first.
  uint64_t reconnects = 0;

  /// Events evicted from the history ring to keep it bounded.
  uint64_t history_dropped = 0;

  /// Events dropped from subscriber queues that overflowed (all subscribers).
  uint64_t subscriber_dropped = 0;

  /// Indexed by `event_type`; unknown types share the last slot.
  std::vector<uint64_t> events_by_type =
    std::vector<uint64_t>(event_type_count);

  /// Indexed by `hub_errc`.
  std::vector<uint64_t> parse_errors_by_kind =
    std::vector<uint64_t>(hub_errc_count);

  uint64_t events_of(event_type x) const {
    auto i = static_cast<size_t>(x);
    return i < events_by_type.size() ? events_by_type[i] : 0;
  }

  uint64_t errors_of(hub_errc x) const {
    auto i = static_cast<size_t>(x);
    return i < parse_errors_by_kind.size() ? parse_errors_by_kind[i] : 0;
  }
};

bool operator==(const observer_counters& x, const observer_counters& y);

inline bool operator!=(const observer_counters& x, const observer_counters& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, observer_counters& x) {
  return f(caf::meta::type_name("observer_counters"), x.events, x.parse_errors,
           x.reconnects, x.history_dropped, x.subscriber_dropped,
           x.events_by_type, x.parse_errors_by_kind);
}

/// E.g. `events=120 parse_errors=2 reconnects=1 history_dropped=0 ...`.
std::string to_string(const observer_counters& x);

} // namespace hubwatch
