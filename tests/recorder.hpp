#pragma once

#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/subscriber.hpp"
#include "messages/fwd.hpp"

namespace hubwatch::test {

/// A subscriber that records what it receives. A stuck recorder records but
/// withholds its acknowledgements until told `release`.
struct recorder_state {
  static inline const char* name = "test.recorder";
  std::vector<observer_snapshot> snapshots;
  std::vector<hub_update> updates;
  uint64_t missed = 0;
  size_t batches = 0;
  bool stuck = false;
  std::vector<caf::response_promise> held;

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

inline caf::behavior recorder(caf::stateful_actor<recorder_state>* self,
                              bool stuck) {
  self->state.stuck = stuck;
  return {
    [self](observer_snapshot& x) { self->state.snapshots.push_back(x); },
    [self](update_batch& x) -> caf::response_promise {
      auto& st = self->state;
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
  };
}

} // namespace hubwatch::test
