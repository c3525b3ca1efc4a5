#include "bench/figures.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/timestamp.hpp>

#include "bench/pipeline.hpp"
#include "hubwatch/core/agent_table.hpp"
#include "hubwatch/core/reference_frame_parser.hpp"

namespace hubwatch::bench {

namespace {

struct throughput {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
};

/// The limit: one thread, no actors, the same stream parsed and applied. It
/// parses with the tree-building reference parser (Boost.JSON's DOM), as a
/// plain client would, and stays so: hubwatch's own single-pass parser is
/// part of what is measured against it.
throughput limit_loop(blast_source& src, const std::vector<std::string>& mix,
                      uint64_t n) {
  namespace beast = boost::beast;
  namespace websocket = beast::websocket;
  using tcp = boost::asio::ip::tcp;
  src.serve({n, mix, 0, {}});
  boost::asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  ws.next_layer().connect(
    tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), src.port()});
  ws.handshake("127.0.0.1", "/ws");
  reference_frame_parser parser{1 << 20, 64};
  agent_table agents;
  agent_info rec;
  daemon_event ev;
  parse_error err;
  beast::flat_buffer buf;
  uint64_t events = 0;
  auto now = caf::make_timestamp();
  auto t0 = clock_type::now();
  auto cpu0 = process_cpu_s();
  for (;;) {
    beast::error_code ec;
    ws.read(buf, ec);
    if (ec)
      break;
    auto data = buf.cdata();
    if (parser.parse({static_cast<const char*>(data.data()), data.size()}, ev,
                     err)) {
      ev.seq = ++events;
      agents.apply(ev, now, rec);
    }
    buf.clear();
  }
  auto secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto cpu = process_cpu_s() - cpu0;
  src.join();
  if (events != n)
    std::fprintf(stderr, "limit loop: got %llu of %llu events\n",
                 static_cast<unsigned long long>(events),
                 static_cast<unsigned long long>(n));
  return {static_cast<double>(events) / secs,
          cpu * 1e6 / static_cast<double>(events)};
}

double percentile(std::vector<int64_t>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<size_t>(p / 100.0 * static_cast<double>(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + static_cast<long>(k), xs.end());
  return static_cast<double>(xs[k]) / 1000.0; // us
}

void json_line(const char* figure, double value, const char* unit,
               double ratio = -1) {
  std::printf("{\"figure\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"", figure,
              value, unit);
  if (ratio >= 0)
    std::printf(",\"ratio_to_limit\":%.3f", ratio);
  std::printf("}\n");
}

} // namespace

// -- throughput ---------------------------------------------------------------

throughput_figures measure_throughput(caf::actor_system& sys, blast_source& src,
                                      const std::vector<std::string>& mix,
                                      uint64_t n,
                                      const std::vector<size_t>& fanouts,
                                      int rounds) {
  throughput_figures result;
  result.fanouts = fanouts;
  result.best.resize(fanouts.size(), 0);
  result.best_cpu.resize(fanouts.size(), 0);
  for (int r = 0; r < rounds; ++r) {
    auto lim = limit_loop(src, mix, n);
    if (lim.events_per_s > result.limit) {
      result.limit = lim.events_per_s;
      result.limit_cpu = lim.cpu_us_per_event;
    }
    for (size_t i = 0; i < fanouts.size(); ++i) {
      auto res = run_pipeline(sys, src, {n, mix, 0, {}}, fanouts[i], false);
      if (res.events_per_s > result.best[i]) {
        result.best[i] = res.events_per_s;
        result.best_cpu[i] = res.cpu_us_per_event;
      }
      result.lost += res.lost_or_reordered;
      result.missed += res.missed;
    }
  }
  return result;
}

void throughput_figures::print_rows() const {
  std::printf("%-44s %11.0f/s %9s %11.2fus\n",
              "limit loop (1 thread, no actors)", limit, "1.00x", limit_cpu);
  for (size_t i = 0; i < fanouts.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "hubwatch, %zu subscriber%s", fanouts[i],
                  fanouts[i] == 1 ? "" : "s");
    std::printf("%-44s %11.0f/s %8.2fx %11.2fus\n", name, best[i],
                best[i] / limit, best_cpu[i]);
  }
}

void throughput_figures::print_json() const {
  json_line("limit_loop_events_per_s", limit, "events/s", 1.0);
  json_line("limit_loop_cpu_us_per_event", limit_cpu, "us");
  for (size_t i = 0; i < fanouts.size(); ++i) {
    auto prefix = "hubwatch_" + std::to_string(fanouts[i]) + "_subscribers_";
    json_line((prefix + "events_per_s").c_str(), best[i], "events/s",
              best[i] / limit);
    json_line((prefix + "cpu_us_per_event").c_str(), best_cpu[i], "us");
  }
}

// -- latency ------------------------------------------------------------------

latency_figures measure_latency(caf::actor_system& sys, blast_source& src,
                                uint64_t n) {
  blast_source::plan plan;
  plan.count = n;
  plan.rate = 10'000;
  plan.make_frame = [](uint64_t i) {
    auto now = clock_type::now().time_since_epoch().count();
    return "{\"type\":\"heartbeat\",\"agentId\":\"inf-001\",\"agentName\":"
           "\"inference\",\"timestamp\":\"2026-11-25T18:00:16Z\",\"payload\":"
           "{\"status\":\"running\",\"currentTask\":\"job-" +
           std::to_string(i) + "\",\"sentNs\":" + std::to_string(now) + "}}";
  };
  auto run = run_pipeline(sys, src, std::move(plan), 1, true);
  auto& xs = run.latencies_ns;
  latency_figures result;
  result.p50 = percentile(xs, 50);
  result.p99 = percentile(xs, 99);
  result.p999 = percentile(xs, 99.9);
  result.max_us =
    xs.empty()
      ? 0
      : static_cast<double>(*std::max_element(xs.begin(), xs.end())) / 1000.0;
  result.lost = run.lost_or_reordered;
  result.missed = run.missed;
  return result;
}

void latency_figures::print_rows() const {
  std::printf("%-44s %12.0fus\n", "latency p50 at 10k events/s", p50);
  std::printf("%-44s %12.0fus\n", "latency p99", p99);
  std::printf("%-44s %12.0fus\n", "latency p99.9", p999);
  std::printf("%-44s %12.0fus\n", "latency max", max_us);
}

void latency_figures::print_json() const {
  json_line("latency_p50_us", p50, "us");
  json_line("latency_p99_us", p99, "us");
  json_line("latency_p999_us", p999, "us");
  json_line("latency_max_us", max_us, "us");
}

// -- memory -------------------------------------------------------------------

memory_figures measure_memory(caf::actor_system& sys, blast_source& src,
                              const std::vector<std::string>& mix, uint64_t n) {
  auto run = run_pipeline(sys, src, {n, mix, 0, {}}, 1, false);
  memory_figures result;
  result.events = n;
  result.rss_kib_at_100k = run.rss_kib_at_100k;
  result.peak_rss_kib = run.peak_rss_kib;
  result.lost = run.lost_or_reordered;
  result.missed = run.missed;
  return result;
}

void memory_figures::print_rows() const {
  char rss_name[64];
  std::snprintf(rss_name, sizeof(rss_name), "peak RSS until 100k events");
  std::printf("%-44s %10.1fMiB\n", rss_name, rss_kib_at_100k / 1024.0);
  std::snprintf(rss_name, sizeof(rss_name), "peak RSS until %lluM events",
                static_cast<unsigned long long>(events / 1'000'000));
  std::printf("%-44s %10.1fMiB\n", rss_name, peak_rss_kib / 1024.0);
  std::printf("%-44s %10.1fMiB\n", "growth",
              (peak_rss_kib - rss_kib_at_100k) / 1024.0);
}

void memory_figures::print_json() const {
  json_line("rss_after_100k_mib", rss_kib_at_100k / 1024.0, "MiB");
  json_line("peak_rss_mib", peak_rss_kib / 1024.0, "MiB");
  json_line("rss_growth_mib", (peak_rss_kib - rss_kib_at_100k) / 1024.0, "MiB");
}

// -- totals -------------------------------------------------------------------

void total_figures::print_rows() const {
  std::printf("%-44s %14llu\n", "events lost or reordered (all runs)",
              static_cast<unsigned long long>(lost));
  std::printf("%-44s %14llu\n", "events dropped for slow subscribers",
              static_cast<unsigned long long>(missed));
  std::printf("%-44s %14llu\n\n", "data frames sent by hubwatch",
              static_cast<unsigned long long>(data_frames));
}

void total_figures::print_json() const {
  json_line("lost_or_reordered", static_cast<double>(lost), "events");
  json_line("dropped_for_slow_subscribers", static_cast<double>(missed),
            "events");
  json_line("data_frames_sent", static_cast<double>(data_frames), "frames");
}

void print_table_head() {
  std::printf("\n%-44s %14s %9s %13s\n", "figure", "value", "vs limit",
              "CPU/event");
}

} // namespace hubwatch::bench
