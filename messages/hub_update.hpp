#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/variant.hpp>

#include "hubwatch/messages/agent_info.hpp"
#include "hubwatch/messages/connection_status.hpp"
#include "hubwatch/messages/daemon_event.hpp"
#include "hubwatch/messages/parse_error.hpp"

namespace hubwatch {

/// One item of the live stream, in the order the observer produced them: an
/// event, then the agent record it changed (if any); refused frames and
/// connection status changes in between, where they happened.
using hub_update =
  caf::variant<daemon_event, agent_info, parse_error, connection_status>;

/// Readable form of one update, e.g. `agent inf-001 (inference) running`.
std::string describe(const hub_update& x);

/// A run of updates delivered to a subscriber in one message.
///
/// The items are immutable and shared: every local subscriber of one batch
/// reads the same vector. Across the network they travel by value.
struct update_batch {
  using items_type = std::vector<hub_update>;

  update_batch() = default;

  explicit update_batch(items_type xs, uint64_t missed = 0);

  update_batch(std::shared_ptr<const items_type> xs, uint64_t missed);

  const items_type& items() const;

  /// The shared vector itself (null for a default-constructed batch): lets
  /// a relay publish the batch it received, and the history ring keep the
  /// events of a batch, without copying an item.
  const std::shared_ptr<const items_type>& shared_items() const {
    return items_;
  }

  /// Updates this subscriber lost because its queue overflowed since the
  /// previous batch (oldest first were dropped).
  uint64_t missed = 0;

  friend bool operator==(const update_batch& x, const update_batch& y) {
    return x.missed == y.missed && x.items() == y.items();
  }

  friend bool operator!=(const update_batch& x, const update_batch& y) {
    return !(x == y);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 update_batch& x) {
    if constexpr (Inspector::reads_state) {
      // Saving reads the shared items where they are: copying them would
      // copy every event (and its payload) once per remote subscriber. The
      // inspector only reads; the const_cast only satisfies its signature.
      auto& xs = const_cast<items_type&>(x.items());
      return f(caf::meta::type_name("update_batch"), x.missed, xs);
    } else {
      items_type tmp;
      auto load = [&]() -> caf::error {
        x.items_ = std::make_shared<const items_type>(std::move(tmp));
        return caf::none;
      };
      return f(caf::meta::type_name("update_batch"), x.missed, tmp,
               caf::meta::load_callback(load));
    }
  }

private:
  std::shared_ptr<const items_type> items_;
};

std::string to_string(const update_batch& x);

} // namespace hubwatch
