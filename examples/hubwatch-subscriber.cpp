// hubwatch-subscriber: watches a hub and prints what happens, as JSON lines
// (--json) or as plain lines for people.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "api/json_lines.hpp"
#include "api/observer.hpp"
#include "api/settings.hpp"
#include "examples/dashboard/dashboard_view.hpp"

using namespace hubwatch;

namespace {

using steady = std::chrono::steady_clock;

const std::vector<program_flag> program_flags = {
  {"json", false, false, "one JSON object per line on stdout", ""},
  {"quiet", false, false, "print only status lines and the summary", ""},
  {"exit-after-events", true, false, "exit after this many events", ""},
  {"exit-after-ms", true, false, "exit after this many milliseconds", ""},
};

/// What the main thread waits for.
struct run_state {
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  const char* why = "";

  void finish(const char* reason) {
    std::lock_guard<std::mutex> guard{mtx};
    if (!done) {
      done = true;
      why = reason;
    }
    cv.notify_all();
  }
};

std::string plain_line(double t, const hub_update& x) {
  char prefix[32];
  std::snprintf(prefix, sizeof(prefix), "[%9.3fs] ", t);
  return prefix + describe(x) + "\n";
}

bool parse_count(const std::string& text, const char* flag, long long& out) {
  char* end = nullptr;
  out = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || out < 0) {
    std::fprintf(stderr,
                 "hubwatch-subscriber: --%s = %s: not a whole number >= 0\n",
                 flag, text.c_str());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  auto started = steady::now();
  auto t_ms = [started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
             steady::now() - started)
      .count();
  };
  // Signals go to one thread that waits for them; block them everywhere
  // else before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto loaded = load_settings(argc, argv, program_flags,
                              process_environment());
  if (loaded.help) {
    std::fputs(usage("hubwatch-subscriber",
                     "Watches a daemon hub and prints its events, agents and "
                     "connection status.",
                     program_flags)
                 .c_str(),
               stdout);
    return 0;
  }
  long long exit_after_events = 0;
  long long exit_after_ms = 0;
  if (loaded.has("exit-after-events")
      && !parse_count(loaded.value("exit-after-events"), "exit-after-events",
                      exit_after_events))
    return 2;
  if (loaded.has("exit-after-ms")
      && !parse_count(loaded.value("exit-after-ms"), "exit-after-ms",
                      exit_after_ms))
    return 2;
  if (!loaded.errors.empty()) {
    for (auto& e : loaded.errors)
      std::fprintf(stderr, "hubwatch-subscriber: %s\n", e.c_str());
    return 2;
  }
  bool json = loaded.has("json");
  bool quiet = loaded.has("quiet");
  auto state = std::make_shared<run_state>();
  std::thread([signals, state]() mutable {
    int sig = 0;
    if (sigwait(&signals, &sig) == 0)
      state->finish("signal");
  }).detach();
  caf::actor_system_config sys_cfg;
  add_message_types(sys_cfg);
  caf::actor_system sys{sys_cfg};
  json_lines out;
  int exit_code = 0;
  {
    observer obs{sys, loaded.cfg};
    std::atomic<long long> events{0};
    std::atomic<long long> parse_errors{0};
    // The dashboard when a person watches a terminal, lines otherwise.
    bool dashboard = !json && dashboard_view::usable();
    std::mutex model_mtx;
    dashboard_model model;
    subscriber_callbacks cbs;
    cbs.on_missed = [&](uint64_t n) {
      if (dashboard) {
        std::lock_guard<std::mutex> guard{model_mtx};
        model.add_missed(n);
      } else if (json && !quiet) {
        std::fputs(out.missed(t_ms(), n).c_str(), stdout);
      }
    };
    cbs.on_update = [&](const hub_update& x) {
      bool is_event = caf::holds_alternative<daemon_event>(x);
      if (is_event && exit_after_events > 0 && events >= exit_after_events)
        return;
      bool is_status = caf::holds_alternative<connection_status>(x);
      if (caf::holds_alternative<parse_error>(x))
        ++parse_errors;
      if (dashboard) {
        std::lock_guard<std::mutex> guard{model_mtx};
        model.apply(x, steady::now());
      } else if (!quiet || is_status) {
        auto text = json ? out.update(t_ms(), x)
                         : plain_line(t_ms() / 1000.0, x);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
      }
      if (is_event && ++events == exit_after_events && exit_after_events > 0)
        state->finish("exit-after-events");
    };
    auto sub = obs.subscribe(std::move(cbs));
    obs.start();
    auto deadline = exit_after_ms > 0
                      ? steady::now() + std::chrono::milliseconds(exit_after_ms)
                      : steady::time_point::max();
    auto done = [&] { return state->done; };
    if (dashboard) {
      // Redraw a few times a second; the terminal is restored when the view
      // goes out of scope, whatever ends the loop.
      dashboard_view view{loaded.cfg.url};
      for (;;) {
        {
          std::lock_guard<std::mutex> guard{model_mtx};
          view.draw(model);
        }
        if (view.quit_requested())
          state->finish("quit");
        std::unique_lock<std::mutex> guard{state->mtx};
        auto until = std::min(deadline,
                              steady::now() + std::chrono::milliseconds(250));
        if (state->cv.wait_until(guard, until, done) || steady::now() >= deadline)
          break;
      }
    } else {
      std::unique_lock<std::mutex> guard{state->mtx};
      if (exit_after_ms > 0)
        state->cv.wait_until(guard, deadline, done);
      else
        state->cv.wait(guard, done);
    }
    sub.reset();
    auto final_status = obs.disconnect();
    // The summary speaks of what this run reported (--exit-after-events may
    // have ignored events that arrived after the last one it printed).
    auto counters = obs.snapshot().counters;
    counters.events = static_cast<uint64_t>(events.load());
    counters.parse_errors = static_cast<uint64_t>(parse_errors.load());
    auto seconds = std::chrono::duration<double>(steady::now() - started)
                     .count();
    if (json) {
      std::fputs(out.status(t_ms(), final_status).c_str(), stdout);
      std::fputs(out.summary(t_ms(), counters, seconds).c_str(), stdout);
    } else {
      std::printf("[%9.3fs] status %s\n", t_ms() / 1000.0,
                  to_string(final_status).c_str());
      std::printf("summary: %s in %.1f s\n", to_string(counters).c_str(),
                  seconds);
    }
    std::fflush(stdout);
  }
  return exit_code;
}
