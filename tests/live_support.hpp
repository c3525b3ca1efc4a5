#pragma once

// Helpers for tests that run a real actor system against a real Beast
// server on 127.0.0.1 (simulator/hub_server.hpp).

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>

#include "hubwatch/api/observer.hpp"
#include "simulator/hub_server.hpp"
#include "test_support.hpp"

namespace hubwatch::test {

using namespace std::chrono_literals;

/// A program's text log (stderr) as `LEVEL PROGRAM: message` lines: each
/// line must start with an ISO-8601 UTC time, which is checked and dropped;
/// a line without one comes back as `NOT A LOG LINE: ...`, so comparing
/// with the expected messages fails on it.
inline std::vector<std::string> log_messages(const std::string& text) {
  static const std::regex stamp{R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )"};
  std::vector<std::string> result;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos)
      nl = text.size();
    auto line = text.substr(pos, nl - pos);
    std::smatch m;
    if (std::regex_search(line, m, stamp))
      result.push_back(line.substr(m.length()));
    else
      result.push_back("NOT A LOG LINE: " + line);
    pos = nl + 1;
  }
  return result;
}

/// Polls `pred` until it holds or `timeout` passes: for conditions on the
/// server side, which the client can see before the server does.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// Collects what a callback subscription receives; thread-safe.
class collector {
public:
  subscriber_callbacks callbacks() {
    subscriber_callbacks cbs;
    cbs.on_snapshot = [this](const observer_snapshot& x) {
      std::lock_guard<std::mutex> guard{mtx_};
      snapshots_.push_back(x);
      cv_.notify_all();
    };
    cbs.on_update = [this](const hub_update& x) {
      std::lock_guard<std::mutex> guard{mtx_};
      if (caf::holds_alternative<daemon_event>(x))
        ++events_;
      // Long runs keep only status changes and parse errors: a soak must
      // not measure the memory of its own bookkeeping.
      if (keep_events || caf::holds_alternative<connection_status>(x) ||
          caf::holds_alternative<parse_error>(x))
        updates_.push_back(x);
      cv_.notify_all();
    };
    cbs.on_missed = [this](uint64_t n) {
      std::lock_guard<std::mutex> guard{mtx_};
      missed_ += n;
    };
    return cbs;
  }

  /// Waits until `pred(*this)` holds (checked under the lock) or `timeout`
  /// passes; returns whether it held.
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return pred(*this); });
  }

  template <class T>
  std::vector<T> all_unlocked() const {
    std::vector<T> result;
    for (auto& x : updates_)
      if (auto ptr = caf::get_if<T>(&x))
        result.push_back(*ptr);
    return result;
  }

  template <class T>
  std::vector<T> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return all_unlocked<T>();
  }

  /// Status changes with the given state (call inside `wait` predicates).
  size_t count_state_unlocked(connection_state x) const {
    size_t n = 0;
    for (auto& st : all_unlocked<connection_status>())
      if (st.state == x)
        ++n;
    return n;
  }

  /// Events received (stored or not).
  size_t events_unlocked() const {
    return events_;
  }

  caf::optional<connection_status> last_status_unlocked() const {
    auto xs = all_unlocked<connection_status>();
    if (xs.empty())
      return caf::none;
    return xs.back();
  }

  /// Store events and agent records (not only status changes).
  bool keep_events = true;

  uint64_t missed() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return missed_;
  }

  size_t snapshots_unlocked() const {
    return snapshots_.size();
  }

  std::vector<observer_snapshot> snapshots() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return snapshots_;
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<observer_snapshot> snapshots_;
  std::vector<hub_update> updates_;
  uint64_t missed_ = 0;
  size_t events_ = 0;
};

/// This process's resident set size, in KiB.
inline long rss_kib() {
  std::ifstream in{"/proc/self/status"};
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

/// True when AddressSanitizer is on: its quarantine keeps freed memory
/// resident, so RSS says nothing about leaks or bounds in such a build.
constexpr bool rss_is_meaningful() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#else
  return true;
#endif
}

/// Timings for tests: quick retries, short connects, no idle timeout and no
/// staleness unless a test asks for them.
inline websocket_config live_test_config() {
  websocket_config cfg;
  cfg.reconnect_delay = 50ms;
  cfg.reconnect_max_delay = 400ms;
  cfg.connect_timeout = 2s;
  cfg.idle_timeout = 0s;
  cfg.stale_after = 0s;
  return cfg;
}

/// A real actor system, a hub server and an observer with fast timings.
struct live_fixture {
  config sys_cfg;
  caf::actor_system sys{sys_cfg};
  std::unique_ptr<hub::hub_server> server;
  websocket_config cfg = live_test_config();
  std::unique_ptr<observer> obs;
  collector col;
  subscription sub;

  ~live_fixture() {
    sub.reset();
    obs.reset();
    // The read-only promise, seen from the server: nothing but control
    // frames ever came from the observer.
    if (server)
      CAF_CHECK_EQUAL(server->data_frames_received(), 0u);
  }

  hub::hub_server& start_server(hub::server_options opts = {}) {
    server = std::make_unique<hub::hub_server>(std::move(opts));
    server->start();
    cfg.url = server->url();
    return *server;
  }

  observer& start_observer() {
    obs = std::make_unique<observer>(sys, cfg);
    sub = obs->subscribe(col.callbacks());
    auto errors = obs->start();
    if (!errors.empty())
      CAF_FAIL("observer refused its config: " << errors.front());
    return *obs;
  }

  bool wait_connected(size_t times = 1) {
    return col.wait([times](const collector& c) {
      return c.count_state_unlocked(connection_state::connected) >= times;
    });
  }

  /// Waits until the hub has accepted `n` connections in all and has one
  /// open, the newest. `clients() == 1` alone can still be the previous
  /// session on its way out, which drops what is sent to it.
  bool wait_hub_session(uint64_t n) {
    return eventually([&] {
      return server->connections_accepted() == n && server->clients() == 1;
    });
  }

  bool wait_events(size_t n) {
    return col.wait(
      [n](const collector& c) { return c.events_unlocked() >= n; });
  }

  /// Waits for a status that satisfies `pred`; returns it.
  template <class Pred>
  caf::optional<connection_status> wait_status(Pred pred) {
    caf::optional<connection_status> found;
    col.wait([&](const collector& c) {
      for (auto& st : c.all_unlocked<connection_status>())
        if (pred(st)) {
          found = st;
          return true;
        }
      return false;
    });
    return found;
  }
};

} // namespace hubwatch::test
