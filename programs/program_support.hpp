#pragma once

// What the command-line programs share: stopping on a signal, the time since
// start that stamps their lines, their
// exit codes and their --version text.

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hubwatch/messages/connection_status.hpp"
#include "programs/program_info.hpp"

namespace hubwatch {

/// Time since the program started, for the stamps of its output lines.
class run_clock {
public:
  using steady = std::chrono::steady_clock;

  long long ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() -
                                                                 started_)
      .count();
  }

  double seconds() const {
    return std::chrono::duration<double>(steady::now() - started_).count();
  }

private:
  steady::time_point started_ = steady::now();
};

/// How a run ends when the connection (or a remote link) reached `st`:
/// nothing while the observer will leave `st` by itself (connecting,
/// connected, a retry scheduled, or closed by us); otherwise the exit code.
/// A service manager's `Restart=on-failure` and a script's `|| alert` can
/// only tell a stuck observer from a stopped one by this code.
inline std::optional<int> end_of_run(const connection_status& st) {
  switch (st.state) {
  case connection_state::error:
    // Gave up, or the hub refused the upgrade with 401/403/404.
    return exit_stuck;
  case connection_state::disconnected:
    if (st.next_delay || st.error_code == hub_errc::none ||
        st.error_code == hub_errc::closed_by_observer)
      return std::nullopt;
    // No retry follows (--no-auto-reconnect): the hub ending it politely
    // is a normal end, anything else a failure.
    return st.error_code == hub_errc::closed_by_hub && st.close_code &&
               *st.close_code == 1000
             ? exit_stopped
             : exit_stuck;
  default:
    return std::nullopt;
  }
}

/// The first state of a run that ends it (see `end_of_run`), shared by the
/// subscriber threads that see statuses and the main thread that exits.
class run_end {
public:
  /// Returns true if `st` ends the run (the first such state is kept).
  bool observe(const connection_status& st) {
    auto code = end_of_run(st);
    if (!code)
      return false;
    std::lock_guard<std::mutex> guard{mtx_};
    if (!code_) {
      code_ = code;
      status_ = st;
    }
    return true;
  }

  std::optional<int> code() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return code_;
  }

  /// The state that ended the run; valid only when `code()` is set.
  connection_status status() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return status_;
  }

private:
  mutable std::mutex mtx_;
  std::optional<int> code_;
  connection_status status_;
};

/// What the main thread waits for: a signal, a limit reached, `q`.
struct run_state {
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;

  void finish() {
    std::lock_guard<std::mutex> guard{mtx};
    done = true;
    cv.notify_all();
  }
};

/// Blocks SIGINT and SIGTERM in the calling thread. Call it first thing in
/// main, so that every thread started later inherits the mask and only the
/// waiter of `finish_on_stop_signal` ever sees them.
inline sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

/// Finishes `state` when one of `signals` arrives.
inline void finish_on_stop_signal(sigset_t signals,
                                  std::shared_ptr<run_state> state) {
  std::thread([signals, state]() mutable {
    int sig = 0;
    if (sigwait(&signals, &sig) == 0)
      state->finish();
  }).detach();
}

} // namespace hubwatch
