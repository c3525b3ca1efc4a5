#include "bench/tree_figure.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "bench/figures.hpp"
#include "bench/pipeline.hpp"
#include "bench/remote_child.hpp"
#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/api/observer.hpp"
#include "hubwatch/api/remote.hpp"

namespace hubwatch::bench {

namespace {

using namespace std::chrono_literals;

/// A registry's counters and status, or nothing if it does not answer.
std::optional<observer_snapshot> summary_of(caf::actor_system& sys,
                                            const agent_registry_actor& reg) {
  std::optional<observer_snapshot> result;
  caf::scoped_actor self{sys};
  self->request(reg, 5s, atom::summary::value)
    .receive([&](observer_snapshot& x) { result = std::move(x); },
             [](caf::error&) {});
  return result;
}

/// A relay: a registry in upstream mode fed by the root, published on a
/// port of its own, in an actor system of its own (one worker that sleeps
/// when idle: five systems polling on two cores would measure their naps).
struct relay_node {
  remote_system_config cfg;
  caf::actor_system sys;
  agent_registry_actor registry;
  std::unique_ptr<node_publisher> pub;
  std::unique_ptr<upstream_feed> feed;
  uint16_t port = 0;

  relay_node(const websocket_config& wc, uint16_t root_port, std::string name,
             size_t max_subscribers)
    : cfg(wc, 1, true), sys(cfg) {
    registry = spawn_agent_registry(sys, wc, registry_mode::upstream);
    pub = std::make_unique<node_publisher>(sys, registry, max_subscribers);
    if (auto res = pub->publish(0, "127.0.0.1"))
      port = *res;
    else
      std::fprintf(stderr, "tree: a relay cannot publish: %s\n",
                   sys.render(res.error()).c_str());
    feed = std::make_unique<upstream_feed>(sys, "127.0.0.1", root_port, wc,
                                           registry, std::move(name));
  }

  ~relay_node() {
    feed.reset();
    pub.reset();
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }

  bool linked() {
    auto s = summary_of(sys, registry);
    return s && s->status.state == connection_state::connected;
  }
};

struct tree_run {
  bool ok = false;
  std::vector<child_line> subs;
  double nodes_cpu_s = 0;
  uint64_t dropped_root = 0;
};

/// Fresh nodes watching `src` (a root, and `relays` relays fed by it unless
/// 0), `n` subscribers in a child process spread over the relays (or on the
/// root), one run of `plan`.
tree_run run_tree(blast_source& src, blast_source::plan plan, size_t relays,
                  size_t n, bool latency, size_t caf_threads) {
  tree_run result;
  auto count = plan.count;
  auto wc = link_config();
  wc.url = src.url();
  auto root_subs = relays == 0 ? n : relays;
  auto leaf_subs = relays == 0 ? n : (n + relays - 1) / relays;
  remote_system_config cfg{wc, caf_threads};
  caf::actor_system sys{cfg};
  observer obs{sys, wc};
  // Names distinct within the tree: a relay that finds its own name in the
  // path refuses the stream as a loop.
  caf::anon_send(obs.registry(), atom::name::value, std::string{"root"});
  node_publisher pub{sys, obs.registry(),
                     std::max(root_subs, wc.max_remote_subscribers)};
  auto root_port = pub.publish(0, "127.0.0.1");
  if (!root_port) {
    std::fprintf(stderr, "tree: cannot publish the root: %s\n",
                 sys.render(root_port.error()).c_str());
    return result;
  }
  std::vector<std::unique_ptr<relay_node>> relay_nodes;
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < relays; ++i) {
    relay_nodes.push_back(std::make_unique<relay_node>(
      wc, *root_port, "relay-" + std::to_string(i + 1),
      std::max(leaf_subs, wc.max_remote_subscribers)));
    if (relay_nodes.back()->port == 0)
      return result;
    ports.push_back(relay_nodes.back()->port);
  }
  if (relays == 0)
    ports.push_back(*root_port);
  // Every relay has the root's snapshot before the subscribers come: the
  // stream starts at the hub's first event everywhere.
  for (auto& r : relay_nodes) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!r->linked()) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "tree: a relay did not link to the root\n");
        return result;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  subscriber_child child;
  if (!child.start(ports, n, count, latency))
    return result;
  auto cpu0 = process_cpu_s();
  src.serve(std::move(plan));
  auto errors = obs.start();
  if (!errors.empty()) {
    // The bench's own settings: a refusal is a bug of the bench, and the
    // source would wait for a connection that never comes.
    std::fprintf(stderr, "tree: observer refused: %s\n", errors[0].c_str());
    std::abort();
  }
  result.ok = child.finish();
  auto cpu1 = process_cpu_s();
  child.close();
  src.join();
  result.subs = child.subs;
  result.nodes_cpu_s = cpu1 - cpu0 - src.last_serve_cpu_s();
  if (relays > 0)
    if (auto s = summary_of(sys, obs.registry()))
      result.dropped_root = s->counters.subscriber_dropped;
  return result;
}

tree_row make_row(const tree_run& run, size_t relays, size_t n, double rate,
                  uint64_t events) {
  tree_row row;
  row.relays = relays;
  row.subscribers = n;
  row.rate = rate;
  row.events = events;
  row.dropped_root = run.dropped_root;
  row.incomplete = n - run.subs.size();
  std::vector<double> rates, p50s, p99s;
  double longest = 0;
  uint64_t delivered = 0;
  for (auto& s : run.subs) {
    row.lost += s.lost_or_reordered;
    row.duplicated += s.duplicated;
    row.dropped_subs += s.missed;
    if (s.seen < events)
      ++row.incomplete;
    delivered += s.seen;
    longest = std::max(longest, s.secs);
    rates.push_back(s.secs > 0 ? static_cast<double>(s.seen) / s.secs : 0);
    p50s.push_back(s.p50_us);
    p99s.push_back(s.p99_us);
  }
  if (!rates.empty())
    row.events_s_min = *std::min_element(rates.begin(), rates.end());
  row.events_s_median = median(rates);
  // The span of the slowest subscriber: all deliveries happened in it (the
  // subscribers start within microseconds of each other).
  row.deliveries_s = longest > 0 ? static_cast<double>(delivered) / longest : 0;
  if (rate > 0) {
    row.p50_us = median(p50s);
    row.p99_us_median = median(p99s);
    if (!p99s.empty())
      row.p99_us_max = *std::max_element(p99s.begin(), p99s.end());
  }
  if (delivered > 0)
    row.nodes_cpu_us = run.nodes_cpu_s * 1e6 / static_cast<double>(delivered);
  return row;
}

} // namespace

tree_figures measure_tree(blast_source& src,
                          const std::vector<std::string>& mix, size_t relays,
                          size_t subscribers, uint64_t events,
                          const std::vector<double>& rates,
                          const std::vector<uint64_t>& latency_events,
                          size_t caf_threads) {
  tree_figures result;
  for (size_t r : {size_t{0}, relays}) {
    auto tp =
      run_tree(src, {events, mix, 0, {}}, r, subscribers, false, caf_threads);
    result.rows.push_back(make_row(tp, r, subscribers, 0, events));
    for (size_t i = 0; i < rates.size(); ++i) {
      blast_source::plan plan;
      plan.count = latency_events[i];
      plan.rate = rates[i];
      plan.make_frame = stamped_heartbeat;
      auto lat =
        run_tree(src, std::move(plan), r, subscribers, true, caf_threads);
      result.rows.push_back(
        make_row(lat, r, subscribers, rates[i], latency_events[i]));
    }
  }
  return result;
}

void tree_figures::print_rows() const {
  std::printf("\nfan-out tree over BASP on 127.0.0.1: hub -> root node -> "
              "relay nodes -> subscribers, against one node with all of them "
              "(nodes in this process, relays in actor systems of their own; "
              "subscribers in a child process; all on this host's cores)\n");
  std::printf("%-14s %5s %8s %8s %11s %11s %12s %8s %8s %8s %9s %s\n", "shape",
              "subs", "rate", "events", "ev/s min", "ev/s median",
              "deliveries/s", "p50", "p99 med", "p99 max", "nodes/dlv",
              "lost/dup/dropped root/dropped subs/late");
  for (auto& r : rows) {
    char shape[48], rate[32];
    if (r.relays == 0)
      std::snprintf(shape, sizeof(shape), "1 node");
    else
      std::snprintf(shape, sizeof(shape), "root+%zu relays", r.relays);
    if (r.rate > 0)
      std::snprintf(rate, sizeof(rate), "%.0f/s", r.rate);
    else
      std::snprintf(rate, sizeof(rate), "full");
    std::printf("%-14s %5zu %8s %8llu %9.0f/s %9.0f/s %10.0f/s ", shape,
                r.subscribers, rate, static_cast<unsigned long long>(r.events),
                r.events_s_min, r.events_s_median, r.deliveries_s);
    if (r.rate > 0)
      std::printf("%6.0fus %6.0fus %6.0fus ", r.p50_us, r.p99_us_median,
                  r.p99_us_max);
    else
      std::printf("%8s %8s %8s ", "-", "-", "-");
    std::printf("%7.2fus %llu/%llu/%llu/%llu/%llu\n", r.nodes_cpu_us,
                static_cast<unsigned long long>(r.lost),
                static_cast<unsigned long long>(r.duplicated),
                static_cast<unsigned long long>(r.dropped_root),
                static_cast<unsigned long long>(r.dropped_subs),
                static_cast<unsigned long long>(r.incomplete));
  }
}

void tree_figures::print_json() const {
  for (auto& r : rows)
    std::printf(
      "{\"figure\":\"fanout_tree\",\"relays\":%zu,\"subscribers\":%zu,"
      "\"rate\":%.0f,\"events\":%llu,\"events_per_s_min\":%.0f,"
      "\"events_per_s_median\":%.0f,\"deliveries_per_s\":%.0f,"
      "\"latency_p50_us\":%.0f,\"latency_p99_us_median\":%.0f,"
      "\"latency_p99_us_max\":%.0f,\"nodes_cpu_us_per_delivery\":%.3f,"
      "\"lost\":%llu,\"duplicated\":%llu,\"dropped_root\":%llu,"
      "\"dropped_subscribers\":%llu,\"incomplete\":%llu}\n",
      r.relays, r.subscribers, r.rate,
      static_cast<unsigned long long>(r.events), r.events_s_min,
      r.events_s_median, r.deliveries_s, r.p50_us, r.p99_us_median,
      r.p99_us_max, r.nodes_cpu_us, static_cast<unsigned long long>(r.lost),
      static_cast<unsigned long long>(r.duplicated),
      static_cast<unsigned long long>(r.dropped_root),
      static_cast<unsigned long long>(r.dropped_subs),
      static_cast<unsigned long long>(r.incomplete));
}

} // namespace hubwatch::bench
