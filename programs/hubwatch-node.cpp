// hubwatch-node: watches a hub like hubwatch-subscriber and publishes what
// it sees on CAF's network layer, so that subscribers on other machines
// (hubwatch-subscriber --remote HOST:PORT) get the same events and agent
// table without a connection of their own to the hub. With --upstream it
// takes the stream from another node instead: a tree of nodes then serves
// many more subscribers from one hub connection.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "hubwatch/actors/metrics_request.hpp"
#include "hubwatch/api/json_lines.hpp"
#include "hubwatch/api/observer.hpp"
#include "hubwatch/api/remote.hpp"
#include "hubwatch/api/settings.hpp"
#include "hubwatch/core/basic_auth.hpp"
#include "hubwatch/core/metrics_snapshot.hpp"
#include "hubwatch/core/prometheus_text.hpp"
#include "hubwatch/messages/defaults.hpp"
#include "hubwatch/net/metrics_http_server.hpp"
#include "programs/program_log.hpp"
#include "programs/program_support.hpp"
#include "programs/program_tls.hpp"

using namespace hubwatch;

namespace {

constexpr const char* prog = "hubwatch-node";

const std::vector<program_flag> own_flags = {
  {"publish-port", true, false,
   "TCP port remote subscribers attach to, 0 = any free one",
   std::to_string(defaults::publish_port), 'p', 65535},
  {"publish-bind", true, false, "address to listen on", defaults::publish_bind,
   'b'},
  {"metrics-port", true, false,
   "serve GET /metrics (Prometheus text format) on this TCP port, 0 = any "
   "free one",
   "off", 'm', 65535},
  {"metrics-bind", true, false, "address the metrics port listens on",
   defaults::metrics_bind},
  {"metrics-tls-cert", true, false,
   "PEM certificate chain: /metrics over HTTPS only (needs "
   "metrics-tls-key)",
   ""},
  {"metrics-tls-key", true, false, "PEM private key of metrics-tls-cert", ""},
  {"metrics-basic-auth-file", true, false,
   "file of user:password lines: /metrics then needs HTTP basic auth", ""},
  {"metrics-max-agents", true, false,
   "agents with series of their own; the rest fold into agent_id=\"_other\"",
   std::to_string(defaults::metrics_max_agents), 0, 1000000},
  {"upstream", true, false,
   "take the stream from another hubwatch-node at HOST:PORT instead of a "
   "hub, and publish it again (not with a hub URL)",
   "", 0, -1, true},
  {"node-name", true, false, "this node's name in the via path subscribers see",
   "PUBLISH-BIND:PORT (the host name for a wildcard bind)", 0, -1, true},
  {"json", false, false, "print the hub's status lines as JSON", "", 'j'},
  {"exit-after-ms", true, false, "exit after this many milliseconds", "", 't',
   std::numeric_limits<long long>::max()},
  {"log-level", true, false, "error, warn, info or debug (on stderr)", "info"},
  {"log-format", true, false, "text or json", "text"},
  {"allow-plaintext", false, false,
   "publish plain BASP on an address other than loopback (no TLS: anyone "
   "who reaches the port reads the events)",
   "", 0, -1, true},
};

const std::vector<program_flag> program_flags =
  with_tls_flags(own_flags, "subscribers");

/// Logs refused TLS handshakes within a budget (core/node_tls.hpp); called
/// on network threads.
class refusal_log {
public:
  explicit refusal_log(std::shared_ptr<spdlog::logger> log)
    : log_(std::move(log)) {
    // nop
  }

  void operator()(const tls_refusal& r) {
    std::lock_guard<std::mutex> guard{mtx_};
    uint64_t held_back = 0;
    if (!budget_.admit(log_budget::clock::now(), held_back))
      return;
    if (held_back > 0)
      log_->warn("refused a subscriber from {}: TLS handshake failed: {} "
                 "({} more refusals not logged before this one)",
                 r.peer, r.reason, held_back);
    else
      log_->warn("refused a subscriber from {}: TLS handshake failed: {}",
                 r.peer, r.reason);
  }

private:
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mtx_;
  log_budget budget_{10, std::chrono::seconds(10)};
};

/// The default `--node-name`: the address and port it publishes on; the
/// host's name instead of a wildcard address, which every machine shares and
/// which would make two nodes of one tree look like a loop.
std::string default_node_name(const std::string& bind, uint16_t port) {
  auto host = bind;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
    char buf[256] = {};
    host = gethostname(buf, sizeof(buf) - 1) == 0 && buf[0] != '\0'
             ? std::string{buf}
             : std::string{"0.0.0.0"};
  } else if (host.find(':') != std::string::npos && host.front() != '[') {
    host = "[" + host + "]";
  }
  return host + ":" + std::to_string(port);
}

} // namespace

int main(int argc, char** argv) {
  run_clock clock;
  auto signals = block_stop_signals();
  auto loaded = load_settings(argc, argv, program_flags, process_environment());
  if (loaded.help) {
    std::fputs(usage(prog,
                     "Watches a daemon hub (or, with --upstream, another "
                     "node) and publishes its events, agents and connection "
                     "status to remote subscribers (hubwatch-subscriber "
                     "--remote HOST:PORT).",
                     program_flags, exit_code_help())
                 .c_str(),
               stdout);
    return exit_stopped;
  }
  if (loaded.version) {
    std::fputs(version_text(prog, "CAF " + caf_version() + ", ").c_str(),
               stdout);
    return exit_stopped;
  }
  log_options log_opts{loaded.value("log-level", "info"),
                       loaded.value("log-format", "text")};
  auto log_errors = check_log_options(log_opts);
  auto log =
    make_program_log(prog, log_errors.empty() ? log_opts : log_options{});
  for (auto& w : loaded.warnings)
    log->warn(w);
  loaded.errors.insert(loaded.errors.end(), log_errors.begin(),
                       log_errors.end());
  if (!loaded.errors.empty()) {
    for (auto& e : loaded.errors)
      log->error(e);
    return exit_refused;
  }
  auto port = loaded.number("publish-port", defaults::publish_port);
  auto exit_after_ms = loaded.number("exit-after-ms", 0);
  auto metrics_port = loaded.number("metrics-port", -1); // off
  auto metrics_max_agents = loaded.number(
    "metrics-max-agents", static_cast<long long>(default_metrics_max_agents));
  auto bind = loaded.value("publish-bind", defaults::publish_bind);
  // Read before anything starts: a bad file is a refused setting. The
  // message names the file and the line, never what the line holds.
  std::vector<basic_credential> metrics_users;
  if (loaded.has("metrics-basic-auth-file")) {
    auto path = loaded.value("metrics-basic-auth-file");
    std::ifstream in{path};
    std::string text{std::istreambuf_iterator<char>{in},
                     std::istreambuf_iterator<char>{}};
    std::string error;
    if (!in) {
      log->error("--metrics-basic-auth-file = {}: cannot read it", path);
      return exit_refused;
    }
    if (!parse_basic_auth_file(text, metrics_users, error)) {
      log->error("--metrics-basic-auth-file = {}: {}", path, error);
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
  if (auto why = plaintext_refusal(bind, tls, loaded.has("allow-plaintext"));
      !why.empty()) {
    log->error(why);
    return exit_refused;
  }
  // A node watches a hub or another node, never both: a URL other than the
  // default (from any layer) next to --upstream is a contradiction.
  std::string upstream_host;
  uint16_t upstream_port = 0;
  bool upstream = loaded.has("upstream");
  if (upstream) {
    auto text = loaded.value("upstream");
    if (loaded.cfg.url != defaults::url) {
      log->error("--upstream = {} and url = {} exclude each other: a node "
                 "takes its stream from a hub or from another node, not both",
                 text, loaded.cfg.url);
      return exit_refused;
    }
    if (!parse_node_endpoint(text, upstream_host, upstream_port)) {
      log->error("--upstream = {}: expected HOST:PORT (a port in [1, 65535]; "
                 "an IPv6 address in brackets)",
                 text);
      return exit_refused;
    }
  }
  bool json = loaded.has("json");
  auto state = std::make_shared<run_state>();
  finish_on_stop_signal(signals, state);
  caf::actor_system_config sys_cfg;
  add_message_types(sys_cfg);
  use_recommended_scheduler(sys_cfg);
  enable_remote(sys_cfg, loaded.cfg);
  caf::actor_system sys{sys_cfg};
  json_lines out;
  auto print_status = [&](const connection_status& st) {
    if (json)
      std::fputs(out.status(clock.ms(), st).c_str(), stdout);
    else
      std::printf("[%9.3fs] status %s\n", clock.ms() / 1000.0,
                  to_string(st).c_str());
    std::fflush(stdout);
  };
  run_end ended;
  {
    // Names only: header values and the token are secrets.
    log->debug("upgrade request headers: {}", describe_headers(loaded.cfg));
    // Fed by a hub (an observer) or by another node (a registry in upstream
    // mode and a feed, started once the name is known).
    std::unique_ptr<observer> obs;
    agent_registry_actor registry;
    if (upstream) {
      registry = spawn_agent_registry(sys, loaded.cfg, registry_mode::upstream);
    } else {
      obs = std::make_unique<observer>(sys, loaded.cfg);
      registry = obs->registry();
    }
    auto upstream_url = upstream ? (upstream_host.find(':') != std::string::npos
                                      ? "[" + upstream_host + "]"
                                      : upstream_host) +
                                     ":" + std::to_string(upstream_port)
                                 : std::string{};
    subscriber_callbacks cbs;
    cbs.on_update = [&](const hub_update& x) {
      if (auto st = caf::get_if<connection_status>(&x)) {
        print_status(*st);
        // A node that will not reconnect by itself is of no use to its
        // subscribers: it ends with 3, and Restart=on-failure starts it
        // again. Upstream, the statuses of the upstream node's hub pass
        // through too; only this node's link to it (or a refused path)
        // ends the run.
        if ((!upstream || st->url == upstream_url) && ended.observe(*st))
          state->finish();
      }
    };
    auto sub = subscribe_callbacks(sys, registry, std::move(cbs));
    // The files were checked above; a failure here (a file replaced since)
    // is a refused setting all the same.
    std::unique_ptr<node_publisher> node_ptr;
    try {
      auto refusals = std::make_shared<refusal_log>(log);
      node_ptr = std::make_unique<node_publisher>(
        sys, registry, loaded.cfg.max_remote_subscribers, tls,
        [refusals](const tls_refusal& r) { (*refusals)(r); });
    } catch (const std::exception& e) {
      log->error(e.what());
      return exit_refused;
    }
    auto& node = *node_ptr;
    auto published = node.publish(static_cast<uint16_t>(port), bind);
    if (!published) {
      log->error("cannot publish on {}:{}: {}", bind, port,
                 sys.render(published.error()));
      return exit_cannot_start;
    }
    // Plain BASP on loopback is the default and says nothing more.
    log->info("publishing on {}:{}{}", bind.empty() ? "0.0.0.0" : bind,
              static_cast<unsigned>(*published),
              node.tls()               ? " (mutual TLS)"
              : is_loopback_bind(bind) ? ""
                                       : " (plain BASP, not encrypted: "
                                         "--allow-plaintext)");
    // /metrics on a thread of its own: each scrape asks the registry by
    // message (request_metrics) and the answer comes back to that thread;
    // nothing waits on an actor's thread, nothing is locked.
    std::unique_ptr<metrics_http_server> metrics;
    if (metrics_port >= 0) {
      metrics_http_options mo;
      mo.bind = loaded.value("metrics-bind", defaults::metrics_bind);
      mo.port = static_cast<uint16_t>(metrics_port);
      mo.tls_cert_file = loaded.value("metrics-tls-cert");
      mo.tls_key_file = loaded.value("metrics-tls-key");
      mo.basic_auth = std::move(metrics_users);
      mo.content_type = prometheus_content_type;
      auto max_agents = static_cast<size_t>(metrics_max_agents);
      auto budget = mo.collect_timeout;
      auto gateway_stats = node.stats();
      // The node outlives the metrics server (reset below, before it).
      auto* publisher = &node;
      metrics = std::make_unique<metrics_http_server>(
        mo, [&sys, registry, max_agents, budget, gateway_stats,
             publisher](metrics_delivery deliver) {
          request_metrics(
            sys, registry, max_agents, budget,
            [deliver, publisher](caf::expected<metrics_snapshot> m) {
              if (m && publisher->tls())
                m->node_tls_refused = publisher->tls_refused();
              if (m)
                deliver(render_prometheus_text(*m));
              else
                deliver(std::nullopt);
            },
            gateway_stats);
        });
      try {
        auto p = metrics->start();
        log->info("metrics on {}://{}:{}/metrics{}",
                  mo.tls_cert_file.empty() ? "http" : "https", mo.bind,
                  static_cast<unsigned>(p),
                  mo.basic_auth.empty() ? "" : " (basic auth)");
      } catch (const std::exception& e) {
        log->error(e.what());
        return exit_cannot_start;
      }
    }
    auto name = loaded.value("node-name");
    if (name.empty())
      name = default_node_name(bind, *published);
    std::unique_ptr<upstream_feed> feed;
    if (upstream) {
      log->info("taking the stream from the node at {} (as {})", upstream_url,
                name);
      feed = std::make_unique<upstream_feed>(sys, upstream_host, upstream_port,
                                             loaded.cfg, registry, name, tls);
    } else {
      caf::anon_send(registry, atom::name::value, name);
      obs->start();
    }
    {
      std::unique_lock<std::mutex> guard{state->mtx};
      auto done = [&] {
        return state->done;
      };
      if (exit_after_ms > 0)
        state->cv.wait_for(guard, std::chrono::milliseconds(exit_after_ms),
                           done);
      else
        state->cv.wait(guard, done);
    }
    // No scrape starts after this; one under way gets its answer dropped.
    metrics.reset();
    sub.reset();
    // The hub connection closes with 1000 while remote subscribers still
    // hear about it; then the gateway goes and their links report that.
    caf::expected<connection_status> closed{caf::sec::runtime_error};
    if (feed) {
      closed = feed->close();
    } else {
      closed = obs->disconnect();
      if (!closed)
        log->warn("the observer did not confirm the close: {}",
                  sys.render(closed.error()));
    }
    // The state that ended the run is the final word, not the
    // "disconnected" that stopping the observer made of it.
    print_status(ended.code() || !closed ? ended.status() : *closed);
    // An observer stops its registry; a registry of our own we stop.
    if (!obs)
      caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }
  if (auto code = ended.code(); code && *code != exit_stopped) {
    auto st = ended.status();
    log->error("the {} will not recover by itself ({}: {}); exiting with {}",
               upstream ? "link to the upstream node" : "hub connection",
               to_string(st.error_code), st.error_message, *code);
  }
  return ended.code().value_or(exit_stopped);
}
