// hubwatch-subscriber: watches a hub and prints what happens, as JSON lines
// (--json) or as plain lines for people. With --remote HOST:PORT it opens no
// WebSocket itself but attaches to one or more hubwatch-nodes.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "hubwatch/api/json_lines.hpp"
#include "hubwatch/api/observer.hpp"
#include "hubwatch/api/remote.hpp"
#include "hubwatch/api/settings.hpp"
#include "hubwatch/core/metrics_snapshot.hpp"
#include "programs/dashboard/dashboard_view.hpp"
#include "programs/program_log.hpp"
#include "programs/program_support.hpp"
#include "programs/program_tls.hpp"

using namespace hubwatch;

namespace {

using steady = std::chrono::steady_clock;

const std::vector<program_flag> own_flags = {
  {"json", false, false, "one JSON object per line on stdout", "", 'j'},
  {"quiet", false, false, "print only status lines and the summary", "", 'q'},
  {"exit-after-events", true, false, "exit after this many events", "", 'n',
   std::numeric_limits<long long>::max()},
  {"exit-after-ms", true, false, "exit after this many milliseconds", "", 't',
   std::numeric_limits<long long>::max()},
  {"remote", true, true,
   "attach to the hubwatch-node at HOST:PORT instead of watching the hub "
   "(repeatable)",
   "", 'r'},
  {"log-level", true, false, "error, warn, info or debug (on stderr)", "info"},
  {"log-format", true, false, "text or json", "text"},
  // A node's setting: accepted (and ignored) so that a node and a
  // subscriber can share one config file.
  {"allow-plaintext", false, false, "ignored (a hubwatch-node setting)", "", 0,
   -1, true},
};

const std::vector<program_flag> program_flags =
  with_tls_flags(own_flags, "the nodes of --remote");

std::string plain_prefix(double t, const std::string& node) {
  char prefix[32];
  std::snprintf(prefix, sizeof(prefix), "[%9.3fs] ", t);
  return node.empty() ? prefix : prefix + node + " ";
}

std::string plain_line(double t, const hub_update& x,
                       const std::string& node = {}) {
  return plain_prefix(t, node) + describe(x) + "\n";
}

/// What this run reports at the end.
struct run_totals {
  std::atomic<long long> events{0};
  std::atomic<long long> parse_errors{0};
};

/// What one remote node's output needs.
struct node_output {
  std::string name;
  json_lines out;
  dashboard_model model;
  uint64_t missed = 0;
  uint64_t link_reconnects = 0;
  std::unique_ptr<remote_subscription> sub;
  /// The tag of the stream's plain lines: the name, and the nodes the
  /// stream passed through when it passed more than the one it came from.
  std::string tag;

  explicit node_output(std::string node)
    : name(node), out(node), tag(std::move(node)) {
    // nop
  }
};

/// Waits until the run ends: a signal, `q`, enough events or the deadline.
/// `draw` redraws the dashboard, when there is one.
template <class Draw>
void wait_for_end(run_state& state, long long exit_after_ms,
                  steady::time_point deadline, dashboard_view* view,
                  Draw draw) {
  auto done = [&] {
    return state.done;
  };
  if (view != nullptr) {
    // Redraw a few times a second; the terminal is restored when the view
    // goes out of scope, whatever ends the loop.
    for (;;) {
      draw(*view);
      if (view->quit_requested())
        state.finish();
      std::unique_lock<std::mutex> guard{state.mtx};
      auto until =
        std::min(deadline, steady::now() + std::chrono::milliseconds(250));
      if (state.cv.wait_until(guard, until, done) || steady::now() >= deadline)
        break;
    }
  } else {
    std::unique_lock<std::mutex> guard{state.mtx};
    if (exit_after_ms > 0)
      state.cv.wait_until(guard, deadline, done);
    else
      state.cv.wait(guard, done);
  }
}

/// Says in the log why a run ends with a failure (on stderr, after the
/// dashboard has handed the terminal back).
void log_end(spdlog::logger& log, const run_end& ended, const char* what) {
  auto code = ended.code();
  if (!code || *code == exit_stopped)
    return;
  auto st = ended.status();
  log.error("{} will not recover by itself ({}: {}); exiting with {}", what,
            to_string(st.error_code), st.error_message, *code);
}

struct run_options {
  bool json = false;
  bool quiet = false;
  bool dashboard = false;
  long long exit_after_events = 0;
  long long exit_after_ms = 0;
};

/// --remote: one link per node, each with its own output tag (and its own
/// dashboard panel); a node's snapshot prints as a `snapshot` line, its
/// agents and its hub status, then its live stream follows.
int run_remote(caf::actor_system& sys, const websocket_config& cfg,
               const node_tls& tls, const std::vector<std::string>& nodes,
               const run_options& opt, run_state& state, const run_clock& clock,
               spdlog::logger& log) {
  run_totals totals;
  run_end ended;
  // One lock for all output: lines of different nodes never interleave.
  std::mutex out_mtx;
  std::vector<std::unique_ptr<node_output>> outputs;
  auto emit = [&](const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  };
  for (auto& node : nodes) {
    std::string host;
    uint16_t port = 0;
    parse_node_endpoint(node, host, port); // checked by main
    auto& o = *outputs.emplace_back(std::make_unique<node_output>(node));
    remote_link_callbacks cbs;
    cbs.on_link_status = [&, op = &o](const connection_status& st) {
      {
        std::lock_guard<std::mutex> guard{out_mtx};
        if (st.state == connection_state::connected && st.reconnects > 0)
          op->link_reconnects = st.reconnects;
        if (opt.dashboard)
          op->model.apply_link(st, steady::now());
        else if (opt.json)
          emit(op->out.link_status(clock.ms(), st));
        else
          emit(plain_prefix(clock.ms() / 1000.0, op->name) + "link " +
               to_string(st) + "\n");
      }
      // A link that will not come back by itself (not a hubwatch node, or
      // ended under --no-auto-reconnect) ends a non-interactive run at once;
      // the dashboard keeps showing it until `q`.
      if (ended.observe(st) && !opt.dashboard)
        state.finish();
    };
    cbs.node.on_snapshot = [&, op = &o](const observer_snapshot& x) {
      std::lock_guard<std::mutex> guard{out_mtx};
      // Every snapshot says where the stream comes from: an upstream node
      // may have been replaced since the last one.
      op->out.via(x.via);
      op->tag = op->name;
      if (x.via.size() > 1) {
        op->tag += " via ";
        for (size_t i = 0; i < x.via.size(); ++i)
          op->tag += (i == 0 ? "" : ">") + x.via[i];
      }
      if (opt.dashboard) {
        op->model.apply(x, steady::now());
        return;
      }
      auto t = clock.ms();
      std::string text;
      if (!opt.quiet) {
        if (opt.json) {
          text += op->out.snapshot(t, x);
        } else {
          text += plain_prefix(t / 1000.0, op->tag) + "snapshot " +
                  std::to_string(x.events.size()) + " events, " +
                  std::to_string(x.agents.size()) + " agents\n";
        }
        for (auto& a : x.agents)
          text +=
            opt.json ? op->out.agent(t, a) : plain_line(t / 1000.0, a, op->tag);
      }
      text += opt.json ? op->out.status(t, x.status)
                       : plain_line(t / 1000.0, x.status, op->tag);
      emit(text);
    };
    cbs.node.on_missed = [&, op = &o](uint64_t n) {
      std::lock_guard<std::mutex> guard{out_mtx};
      op->missed += n;
      if (opt.dashboard)
        op->model.add_missed(n);
      else if (opt.json && !opt.quiet)
        emit(op->out.missed(clock.ms(), n));
    };
    cbs.node.on_update = [&, op = &o](const hub_update& x) {
      bool is_event = caf::holds_alternative<daemon_event>(x);
      if (is_event && opt.exit_after_events > 0 &&
          totals.events >= opt.exit_after_events)
        return;
      bool is_status = caf::holds_alternative<connection_status>(x);
      if (caf::holds_alternative<parse_error>(x))
        ++totals.parse_errors;
      {
        std::lock_guard<std::mutex> guard{out_mtx};
        if (opt.dashboard)
          op->model.apply(x, steady::now());
        else if (!opt.quiet || is_status)
          emit(opt.json ? op->out.update(clock.ms(), x)
                        : plain_line(clock.ms() / 1000.0, x, op->tag));
      }
      if (is_event && ++totals.events == opt.exit_after_events &&
          opt.exit_after_events > 0)
        state.finish();
    };
    o.sub = std::make_unique<remote_subscription>(sys, host, port, cfg,
                                                  std::move(cbs), tls);
  }
  auto deadline =
    opt.exit_after_ms > 0
      ? steady::now() + std::chrono::milliseconds(opt.exit_after_ms)
      : steady::time_point::max();
  {
    std::unique_ptr<dashboard_view> view;
    if (opt.dashboard) {
      std::string title;
      for (auto& node : nodes)
        title += (title.empty() ? "" : ", ") + node;
      view = std::make_unique<dashboard_view>(title);
    }
    wait_for_end(state, opt.exit_after_ms, deadline, view.get(),
                 [&](dashboard_view& v) {
                   std::lock_guard<std::mutex> guard{out_mtx};
                   std::vector<dashboard_panel> panels;
                   for (auto& o : outputs)
                     panels.push_back({o->name, &o->model});
                   v.draw(panels);
                 });
  }
  // Unsubscribe everywhere; the final link status of each node follows.
  std::vector<connection_status> finals;
  for (auto& o : outputs)
    finals.push_back(o->sub->close());
  observer_counters counters;
  counters.events = static_cast<uint64_t>(totals.events.load());
  counters.parse_errors = static_cast<uint64_t>(totals.parse_errors.load());
  for (auto& o : outputs) {
    counters.reconnects += o->link_reconnects;
    counters.subscriber_dropped += o->missed;
  }
  auto seconds = clock.seconds();
  std::lock_guard<std::mutex> guard{out_mtx};
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (opt.json)
      std::fputs(outputs[i]->out.link_status(clock.ms(), finals[i]).c_str(),
                 stdout);
    else
      std::printf("%slink %s\n",
                  plain_prefix(clock.ms() / 1000.0, outputs[i]->name).c_str(),
                  to_string(finals[i]).c_str());
  }
  if (opt.json)
    std::fputs(json_lines{}.summary(clock.ms(), counters, seconds).c_str(),
               stdout);
  else
    std::printf("summary: %s in %.1f s\n", to_string(counters).c_str(),
                seconds);
  std::fflush(stdout);
  log_end(log, ended, "a link to a node");
  return ended.code().value_or(exit_stopped);
}

} // namespace

int main(int argc, char** argv) {
  run_clock clock;
  auto signals = block_stop_signals();
  auto loaded = load_settings(argc, argv, program_flags, process_environment());
  if (loaded.help) {
    std::fputs(usage("hubwatch-subscriber",
                     "Watches a daemon hub (or, with --remote, hubwatch-nodes) "
                     "and prints its events, agents and connection status.",
                     program_flags, exit_code_help())
                 .c_str(),
               stdout);
    return exit_stopped;
  }
  if (loaded.version) {
    std::fputs(
      version_text("hubwatch-subscriber", "CAF " + caf_version() + ", ")
        .c_str(),
      stdout);
    return exit_stopped;
  }
  log_options log_opts{loaded.value("log-level", "info"),
                       loaded.value("log-format", "text")};
  auto log_errors = check_log_options(log_opts);
  auto log = make_program_log("hubwatch-subscriber",
                              log_errors.empty() ? log_opts : log_options{});
  for (auto& w : loaded.warnings)
    log->warn(w);
  loaded.errors.insert(loaded.errors.end(), log_errors.begin(),
                       log_errors.end());
  if (!loaded.errors.empty()) {
    for (auto& e : loaded.errors)
      log->error(e);
    return exit_refused;
  }
  auto exit_after_events = loaded.number("exit-after-events", 0);
  auto exit_after_ms = loaded.number("exit-after-ms", 0);
  auto remotes = loaded.has("remote") ? loaded.flags.at("remote")
                                      : std::vector<std::string>{};
  for (auto& r : remotes) {
    std::string host;
    uint16_t port = 0;
    if (!parse_node_endpoint(r, host, port)) {
      log->error("--remote = {}: expected HOST:PORT (a port in [1, 65535]; "
                 "[V6ADDR]:PORT for IPv6)",
                 r);
      return exit_refused;
    }
  }
  std::vector<std::string> tls_errors;
  auto tls = tls_from_settings(loaded, process_environment(), tls_errors);
  if (!tls_errors.empty()) {
    for (auto& e : tls_errors)
      log->error(e);
    return exit_refused;
  }
  if (tls.enabled() && remotes.empty()) {
    log->error("tls-cert, tls-key and tls-ca are for --remote (the hub's "
               "TLS is set by the URL and ca-file)");
    return exit_refused;
  }
  bool json = loaded.has("json");
  bool quiet = loaded.has("quiet");
  auto state = std::make_shared<run_state>();
  finish_on_stop_signal(signals, state);
  caf::actor_system_config sys_cfg;
  add_message_types(sys_cfg);
  use_recommended_scheduler(sys_cfg);
  if (!remotes.empty())
    enable_remote(sys_cfg, loaded.cfg);
  caf::actor_system sys{sys_cfg};
  if (!remotes.empty()) {
    run_options opt;
    opt.json = json;
    opt.quiet = quiet;
    opt.dashboard = !json && dashboard_view::usable();
    opt.exit_after_events = exit_after_events;
    opt.exit_after_ms = exit_after_ms;
    return run_remote(sys, loaded.cfg, tls, remotes, opt, *state, clock, *log);
  }
  json_lines out;
  run_end ended;
  {
    // Names only: header values and the token are secrets.
    log->debug("upgrade request headers: {}", describe_headers(loaded.cfg));
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
        std::fputs(out.missed(clock.ms(), n).c_str(), stdout);
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
        auto text =
          json ? out.update(clock.ms(), x) : plain_line(clock.ms() / 1000.0, x);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
      }
      if (is_event && ++events == exit_after_events && exit_after_events > 0)
        state->finish();
      // A state the observer will not leave by itself ends a non-interactive
      // run at once (a service manager or script sees exit code 3); the
      // dashboard keeps showing it until `q`.
      if (auto st = caf::get_if<connection_status>(&x);
          st != nullptr && ended.observe(*st) && !dashboard)
        state->finish();
    };
    auto sub = obs.subscribe(std::move(cbs));
    obs.start();
    auto deadline = exit_after_ms > 0
                      ? steady::now() + std::chrono::milliseconds(exit_after_ms)
                      : steady::time_point::max();
    {
      std::unique_ptr<dashboard_view> view;
      if (dashboard)
        view = std::make_unique<dashboard_view>(loaded.cfg.url);
      wait_for_end(*state, exit_after_ms, deadline, view.get(),
                   [&](dashboard_view& v) {
                     std::lock_guard<std::mutex> guard{model_mtx};
                     v.draw(model);
                   });
    }
    sub.reset();
    auto closed = obs.disconnect();
    if (!closed)
      log->warn("the observer did not confirm the close: {}",
                sys.render(closed.error()));
    // The state that ended the run is the final word, not the
    // "disconnected" that stopping the observer made of it.
    auto final_status =
      ended.code() || !closed ? ended.status() : std::move(*closed);
    // The summary speaks of what this run reported (--exit-after-events may
    // have ignored events that arrived after the last one it printed).
    auto snap = obs.snapshot();
    if (!snap)
      log->warn("no final snapshot from the observer: {}",
                sys.render(snap.error()));
    auto counters = snap ? snap->counters : observer_counters{};
    counters.events = static_cast<uint64_t>(events.load());
    counters.parse_errors = static_cast<uint64_t>(parse_errors.load());
    auto seconds = clock.seconds();
    if (json) {
      std::fputs(out.status(clock.ms(), final_status).c_str(), stdout);
      std::fputs(out.summary(clock.ms(), counters, seconds).c_str(), stdout);
    } else {
      std::printf("[%9.3fs] status %s\n", clock.ms() / 1000.0,
                  to_string(final_status).c_str());
      std::printf("summary: %s in %.1f s\n", to_string(counters).c_str(),
                  seconds);
    }
    std::fflush(stdout);
  }
  log_end(*log, ended, "the hub connection");
  return ended.code().value_or(exit_stopped);
}
