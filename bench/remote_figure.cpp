#include "bench/remote_figure.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <malloc.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "bench/figures.hpp"
#include "bench/pipeline.hpp"
#include "bench/remote_child.hpp"
#include "hubwatch/api/observer.hpp"
#include "hubwatch/api/remote.hpp"

namespace hubwatch::bench {

namespace {

using namespace std::chrono_literals;

double percentile_us(std::vector<int64_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto k =
    static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1));
  return static_cast<double>(sorted[k]) / 1000.0;
}

// -- the child: N remote subscribers ------------------------------------------

struct child_board {
  std::mutex mtx;
  std::condition_variable cv;
  size_t attached = 0;
  size_t finished = 0;
};

/// What one subscriber saw; written by its callbacks only, read after
/// `close()` (which waits for a callback in progress).
struct tally {
  uint64_t seen = 0;
  uint64_t lost_or_reordered = 0;
  uint64_t duplicated = 0;
  uint64_t missed = 0;
  bool attached = false;
  bool finished = false;
  clock_type::time_point first;
  clock_type::time_point last;
  std::vector<int64_t> latencies_ns;
};

/// One subscriber as if on a machine of its own: an actor system, its
/// middleman and a remote subscription.
struct child_subscriber {
  remote_system_config cfg;
  caf::actor_system sys;
  tally t;
  std::unique_ptr<remote_subscription> sub;

  child_subscriber(const websocket_config& wc, uint16_t port, uint64_t count,
                   bool latency, child_board& board)
    // The subscribers stand in for other machines: CAF's default polling
    // (a wake-up every 50 us for a while after each message) in 64 actor
    // systems on the node's two cores would measure their naps, not the
    // node.
    : cfg(wc, 1, true), sys(cfg) {
    if (latency)
      t.latencies_ns.reserve(count);
    remote_link_callbacks cbs;
    cbs.node.on_snapshot = [this, &board](const observer_snapshot&) {
      if (t.attached)
        return;
      t.attached = true;
      std::lock_guard<std::mutex> guard{board.mtx};
      ++board.attached;
      board.cv.notify_all();
    };
    cbs.node.on_update = [this, &board, count, latency](const hub_update& x) {
      auto ev = caf::get_if<daemon_event>(&x);
      if (ev == nullptr)
        return;
      auto now = clock_type::now();
      if (t.seen == 0)
        t.first = now;
      t.last = now;
      if (ev->seq <= t.seen) {
        ++t.duplicated;
        return;
      }
      if (ev->seq != t.seen + 1)
        ++t.lost_or_reordered;
      t.seen = ev->seq;
      if (latency) {
        // After `now` is read: parsing the payload is not latency.
        auto payload = ev->payload.parse();
        auto* sent = payload.if_contains("sentNs");
        if (sent != nullptr && sent->is_int64())
          t.latencies_ns.push_back(now.time_since_epoch().count() -
                                   sent->get_int64());
      }
      if (t.seen >= count && !t.finished) {
        t.finished = true;
        std::lock_guard<std::mutex> guard{board.mtx};
        ++board.finished;
        board.cv.notify_all();
      }
    };
    cbs.node.on_missed = [this](uint64_t n) {
      t.missed += n;
    };
    sub = std::make_unique<remote_subscription>(sys, "127.0.0.1", port, wc,
                                                std::move(cbs));
  }

  ~child_subscriber() {
    sub.reset();
  }
};

// -- the node
// ------------------------------------------------------------------

/// Bytes the process holds from malloc now (every arena, mmapped chunks
/// included): unlike RSS, it does not depend on what earlier runs left
/// mapped.
long heap_in_use_kib() {
  auto info = mallinfo2();
  return static_cast<long>((info.uordblks + info.hblkhd) / 1024);
}

/// Waits (at most 3 s) until the heap stops shrinking or growing: actors of
/// earlier figures finish in the background and free what they held, which
/// would otherwise show as the node's memory going down.
void wait_for_quiet_heap() {
  auto last = heap_in_use_kib();
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(50ms);
    auto now = heap_in_use_kib();
    if (std::abs(now - last) < 64)
      return;
    last = now;
  }
}

struct node_run {
  bool ok = false;
  long heap_before = 0;
  long heap_idle = 0;
  double child_cpu_s = 0;
  std::vector<child_line> subs;
  double node_cpu_s = 0;
  long rss_before = 0;
  long rss_idle = 0;
  long rss_peak = 0;
};

/// A fresh node watching `src`, `n` subscribers in a child process, one run
/// of `plan`.
node_run run_node(blast_source& src, blast_source::plan plan, size_t n,
                  bool latency, size_t caf_threads) {
  node_run result;
  auto count = plan.count;
  auto wc = link_config();
  wc.url = src.url();
  wc.max_remote_subscribers = std::max(n, wc.max_remote_subscribers);
  remote_system_config cfg{wc, caf_threads};
  caf::actor_system sys{cfg};
  observer obs{sys, wc};
  node_publisher pub{sys, obs.registry(), wc.max_remote_subscribers};
  auto port = pub.publish(0, "127.0.0.1");
  if (!port) {
    std::fprintf(stderr, "remote: cannot publish: %s\n",
                 sys.render(port.error()).c_str());
    return result;
  }
  wait_for_quiet_heap();
  result.rss_before = rss_kib().first;
  result.heap_before = heap_in_use_kib();
  subscriber_child child;
  if (!child.start({*port}, n, count, latency))
    return result;
  result.rss_idle = rss_kib().first;
  result.heap_idle = heap_in_use_kib();
  // The node's peak RSS during the run, sampled (VmHWM would remember
  // earlier runs).
  std::atomic<bool> running{true};
  std::atomic<long> peak{result.rss_idle};
  std::thread sampler{[&] {
    while (running) {
      peak = std::max(peak.load(), rss_kib().first);
      std::this_thread::sleep_for(20ms);
    }
  }};
  auto cpu0 = process_cpu_s();
  src.serve(std::move(plan));
  auto errors = obs.start();
  if (!errors.empty()) {
    // The bench's own settings: a refusal is a bug of the bench, and the
    // source would wait for a connection that never comes.
    std::fprintf(stderr, "remote: observer refused: %s\n", errors[0].c_str());
    std::abort();
  }
  child.finish();
  result.subs = child.subs;
  result.child_cpu_s = child.cpu_s;
  auto cpu1 = process_cpu_s();
  running = false;
  sampler.join();
  result.rss_peak = peak;
  child.close();
  src.join();
  result.node_cpu_s = cpu1 - cpu0 - src.last_serve_cpu_s();
  result.ok = result.subs.size() == n;
  return result;
}

} // namespace

int remote_child_main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: hubwatch-bench --remote-child PORT[,PORT...] N "
                 "COUNT 0|1\n");
    return 2;
  }
  std::vector<uint16_t> ports;
  size_t n = 0;
  uint64_t count = 0;
  bool latency = false;
  try {
    std::string list = argv[2];
    for (size_t pos = 0; pos <= list.size();) {
      auto comma = std::min(list.find(',', pos), list.size());
      ports.push_back(
        static_cast<uint16_t>(std::stoul(list.substr(pos, comma - pos))));
      pos = comma + 1;
    }
    n = std::stoul(argv[3]);
    count = std::stoull(argv[4]);
    latency = std::string{argv[5]} == "1";
  } catch (const std::exception&) {
    std::fprintf(stderr, "hubwatch-bench --remote-child: bad number\n");
    return 2;
  }
  auto wc = link_config();
  child_board board;
  std::vector<std::unique_ptr<child_subscriber>> subs;
  for (size_t i = 0; i < n; ++i)
    subs.push_back(std::make_unique<child_subscriber>(
      wc, ports[i % ports.size()], count, latency, board));
  {
    std::unique_lock<std::mutex> guard{board.mtx};
    board.cv.wait_for(guard, 60s, [&] { return board.attached == n; });
    std::printf("attached %zu\n", board.attached);
    std::fflush(stdout);
    if (board.attached == n) {
      // Generous: a node that falls behind still delivers, only slowly.
      auto limit = 60s + std::chrono::milliseconds(count / 10);
      board.cv.wait_for(guard, limit, [&] { return board.finished == n; });
    }
  }
  for (auto& s : subs)
    s->sub->close();
  for (auto& s : subs) {
    auto& t = s->t;
    auto secs = std::chrono::duration<double>(t.last - t.first).count();
    std::sort(t.latencies_ns.begin(), t.latencies_ns.end());
    std::printf("sub %llu %llu %llu %llu %.6f %.1f %.1f\n",
                static_cast<unsigned long long>(t.seen),
                static_cast<unsigned long long>(t.lost_or_reordered),
                static_cast<unsigned long long>(t.duplicated),
                static_cast<unsigned long long>(t.missed), secs,
                percentile_us(t.latencies_ns, 50),
                percentile_us(t.latencies_ns, 99));
  }
  std::printf("cpu %.6f\n", process_cpu_s());
  std::fflush(stdout);
  return board.attached == n ? 0 : 1;
}

remote_figures measure_remote(blast_source& src,
                              const std::vector<std::string>& mix,
                              const std::vector<size_t>& counts,
                              uint64_t events, uint64_t latency_events,
                              double rate, size_t caf_threads) {
  remote_figures result;
  for (auto n : counts) {
    remote_row row;
    row.subscribers = n;
    row.events = events;
    row.latency_events = latency_events;
    row.rate = rate;
    // Gaps, drops and stragglers of one run, at `k` (0 throughput, 1 latency).
    auto tally_run = [&](const node_run& run, uint64_t expected, int k) {
      for (auto& s : run.subs) {
        row.lost[k] += s.lost_or_reordered + s.duplicated;
        row.missed[k] += s.missed;
        if (s.seen < expected)
          ++row.incomplete[k];
      }
      row.incomplete[k] += n - run.subs.size();
    };
    auto tp = run_node(src, {events, mix, 0, {}}, n, false, caf_threads);
    tally_run(tp, events, 0);
    std::vector<double> rates;
    for (auto& s : tp.subs)
      rates.push_back(s.secs > 0 ? static_cast<double>(s.seen) / s.secs : 0);
    if (!rates.empty())
      row.events_s_min = *std::min_element(rates.begin(), rates.end());
    row.events_s_median = median(rates);
    auto deliveries = static_cast<double>(events * n);
    row.node_cpu_us = tp.node_cpu_s * 1e6 / deliveries;
    row.child_cpu_us = tp.child_cpu_s * 1e6 / deliveries;
    row.kib_per_sub_idle =
      static_cast<double>(tp.rss_idle - tp.rss_before) / static_cast<double>(n);
    row.heap_kib_per_sub_idle =
      static_cast<double>(tp.heap_idle - tp.heap_before) /
      static_cast<double>(n);
    row.kib_per_sub_peak =
      static_cast<double>(tp.rss_peak - tp.rss_before) / static_cast<double>(n);
    blast_source::plan plan;
    plan.count = latency_events;
    plan.rate = rate;
    plan.make_frame = stamped_heartbeat;
    auto lat = run_node(src, std::move(plan), n, true, caf_threads);
    tally_run(lat, latency_events, 1);
    auto latency_deliveries = static_cast<double>(latency_events * n);
    row.latency_node_cpu_us = lat.node_cpu_s * 1e6 / latency_deliveries;
    row.latency_child_cpu_us = lat.child_cpu_s * 1e6 / latency_deliveries;
    std::vector<double> p50s, p99s;
    for (auto& s : lat.subs) {
      p50s.push_back(s.p50_us);
      p99s.push_back(s.p99_us);
    }
    row.p50_us = median(p50s);
    row.p99_us_median = median(p99s);
    if (!p99s.empty())
      row.p99_us_max = *std::max_element(p99s.begin(), p99s.end());
    result.rows.push_back(row);
  }
  return result;
}

void remote_figures::print_rows() const {
  std::printf("\nremote subscribers over BASP on 127.0.0.1 (subscribers in "
              "a child process; node CPU = this process minus the source)\n");
  if (!rows.empty())
    std::printf("latency at %.0f events/s from the hub\n", rows[0].rate);
  std::printf("%5s %12s %12s %11s %11s %9s %9s %9s %9s %9s %9s\n", "subs",
              "ev/s min", "ev/s median", "node/ev/sub", "subs/ev/sub",
              "heap/sub", "RSS/sub", "peak/sub", "p50", "p99 med", "p99 max");
  for (auto& r : rows)
    std::printf("%5zu %10.0f/s %10.0f/s %9.2fus %9.2fus %6.0fKiB %6.0fKiB "
                "%6.0fKiB %7.0fus %7.0fus %7.0fus\n",
                r.subscribers, r.events_s_min, r.events_s_median, r.node_cpu_us,
                r.child_cpu_us, r.heap_kib_per_sub_idle, r.kib_per_sub_idle,
                r.kib_per_sub_peak, r.p50_us, r.p99_us_median, r.p99_us_max);
  std::printf("%5s %-30s %-30s %s\n", "subs", "full speed: lost/dropped/late",
              "latency run: lost/dropped/late",
              "latency run: node / subscribers CPU per event per sub");
  for (auto& r : rows) {
    char a[64], b[64];
    std::snprintf(a, sizeof(a), "%llu/%llu/%llu",
                  static_cast<unsigned long long>(r.lost[0]),
                  static_cast<unsigned long long>(r.missed[0]),
                  static_cast<unsigned long long>(r.incomplete[0]));
    std::snprintf(b, sizeof(b), "%llu/%llu/%llu",
                  static_cast<unsigned long long>(r.lost[1]),
                  static_cast<unsigned long long>(r.missed[1]),
                  static_cast<unsigned long long>(r.incomplete[1]));
    std::printf("%5zu %-30s %-30s %.2fus / %.2fus\n", r.subscribers, a, b,
                r.latency_node_cpu_us, r.latency_child_cpu_us);
  }
}

void remote_figures::print_json() const {
  for (auto& r : rows)
    std::printf(
      "{\"figure\":\"remote_subscribers\",\"subscribers\":%zu,"
      "\"events\":%llu,\"events_per_s_min\":%.0f,"
      "\"events_per_s_median\":%.0f,\"node_cpu_us_per_event_per_subscriber\":"
      "%.3f,\"subscriber_process_cpu_us_per_event_per_subscriber\":%.3f,"
      "\"node_heap_kib_per_subscriber_idle\":%.1f,"
      "\"node_rss_kib_per_subscriber_idle\":%.0f,"
      "\"node_rss_kib_per_subscriber_peak\":%.0f,\"latency_events\":%llu,"
      "\"latency_rate\":%.0f,\"latency_p50_us\":%.0f,"
      "\"latency_p99_us_median\":%.0f,\"latency_p99_us_max\":%.0f,"
      "\"latency_node_cpu_us_per_event_per_subscriber\":%.3f,"
      "\"latency_subscriber_process_cpu_us_per_event_per_subscriber\":%.3f,"
      "\"lost_or_reordered\":[%llu,%llu],\"dropped\":[%llu,%llu],"
      "\"incomplete\":[%llu,%llu]}\n",
      r.subscribers, static_cast<unsigned long long>(r.events), r.events_s_min,
      r.events_s_median, r.node_cpu_us, r.child_cpu_us, r.heap_kib_per_sub_idle,
      r.kib_per_sub_idle, r.kib_per_sub_peak,
      static_cast<unsigned long long>(r.latency_events), r.rate, r.p50_us,
      r.p99_us_median, r.p99_us_max, r.latency_node_cpu_us,
      r.latency_child_cpu_us, static_cast<unsigned long long>(r.lost[0]),
      static_cast<unsigned long long>(r.lost[1]),
      static_cast<unsigned long long>(r.missed[0]),
      static_cast<unsigned long long>(r.missed[1]),
      static_cast<unsigned long long>(r.incomplete[0]),
      static_cast<unsigned long long>(r.incomplete[1]));
}

} // namespace hubwatch::bench
