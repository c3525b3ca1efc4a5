#pragma once

#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "hubwatch/actors/subscriber.hpp"
#include "hubwatch/messages/fwd.hpp"

namespace hubwatch::test {

/// A subscriber that records what it receives (and from whom). A stuck
/// recorder records but withholds its acknowledgements until told `release`.
struct recorder_state {
  static inline const char* name = "test.recorder";
  std::vector<observer_snapshot> snapshots;
  /// For each snapshot, how many updates had arrived before it.
  std::vector<size_t> snapshot_at;
  std::vector<hub_update> updates;
  uint64_t missed = 0;
  size_t batches = 0;
  bool stuck = false;
  std::vector<caf::response_promise> held;
  std::vector<caf::actor_addr> senders;

  template <class T>
  std::vector<T> all() const {
    std::vector<T> result;
    for (auto& x : updates)
      if (auto ptr = caf::get_if<T>(&x))
        result.push_back(*ptr);
    return result;
  }
};

using release_atom = caf::atom_constant<caf::atom("release")>;

/// Asks a recorder for (snapshots, batches, updates, events, missed), for
/// tests where it runs in another thread.
using stats_atom = caf::atom_constant<caf::atom("stats")>;

inline caf::behavior recorder(caf::stateful_actor<recorder_state>* self,
                              bool stuck) {
  self->state.stuck = stuck;
  return {
    [self](observer_snapshot& x) {
      self->state.senders.push_back(
        caf::actor_cast<caf::actor_addr>(self->current_sender()));
      self->state.snapshots.push_back(x);
      self->state.snapshot_at.push_back(self->state.updates.size());
    },
    [self](update_batch& x) -> caf::response_promise {
      auto& st = self->state;
      st.senders.push_back(
        caf::actor_cast<caf::actor_addr>(self->current_sender()));
      ++st.batches;
      st.missed += x.missed;
      st.updates.insert(st.updates.end(), x.items().begin(), x.items().end());
      auto rp = self->make_response_promise();
      if (st.stuck)
        st.held.push_back(rp);
      else
        rp.deliver(caf::unit);
      return rp;
    },
    [self](release_atom) {
      self->state.stuck = false;
      for (auto& rp : self->state.held)
        rp.deliver(caf::unit);
      self->state.held.clear();
    },
    [self](stats_atom) {
      auto& st = self->state;
      return caf::make_message(
        static_cast<uint64_t>(st.snapshots.size()),
        static_cast<uint64_t>(st.batches),
        static_cast<uint64_t>(st.updates.size()),
        static_cast<uint64_t>(st.all<daemon_event>().size()), st.missed);
    },
  };
}

} // namespace hubwatch::test
