#include "bench/figures.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "bench/pipeline.hpp"
#include "bench/transport.hpp"

namespace hubwatch::bench {

namespace {

struct throughput {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
};

throughput limit_loop(blast_source& src, const std::vector<std::string>& mix,
                      uint64_t n) {
  auto r = read_loop(src, mix, n, read_mode::parse_and_apply);
  return {r.events_per_s(), r.cpu_us_per_event()};
}

double percentile(std::vector<int64_t>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<size_t>(p / 100.0 * static_cast<double>(xs.size() - 1));
  std::nth_element(xs.begin(), xs.begin() + static_cast<long>(k), xs.end());
  return static_cast<double>(xs[k]) / 1000.0; // us
}

void json_line(const char* figure, double value, const char* unit,
               double ratio = -1, double ratio_to_ceiling = -1) {
  std::printf("{\"figure\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"", figure,
              value, unit);
  if (ratio >= 0)
    std::printf(",\"ratio_to_limit\":%.3f", ratio);
  if (ratio_to_ceiling >= 0)
    std::printf(",\"ratio_to_ceiling\":%.3f", ratio_to_ceiling);
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
    auto ceil = read_loop(src, mix, n, read_mode::transport_only);
    if (ceil.events_per_s() > result.ceiling) {
      result.ceiling = ceil.events_per_s();
      result.ceiling_mb_s = ceil.mb_per_s();
      result.ceiling_cpu = ceil.cpu_us_per_event();
    }
    auto sess = session_loop(src, mix, n);
    if (sess.events_per_s() > result.session) {
      result.session = sess.events_per_s();
      result.session_cpu = sess.cpu_us_per_event();
    }
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
  char ceiling_name[64];
  std::snprintf(ceiling_name, sizeof(ceiling_name),
                "transport ceiling (Beast read, %.0f MB/s)", ceiling_mb_s);
  std::printf("%-44s %11.0f/s %8.2fx %11.2fus\n", ceiling_name, ceiling,
              ceiling / limit, ceiling_cpu);
  std::printf("%-44s %11.0f/s %8.2fx %11.2fus\n",
              "session ceiling (hubwatch's async read)", session,
              session / limit, session_cpu);
  std::printf("%-44s %11.0f/s %9s %11.2fus\n",
              "limit loop (1 thread, no actors)", limit, "1.00x", limit_cpu);
  for (size_t i = 0; i < fanouts.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "hubwatch, %zu subscriber%s", fanouts[i],
                  fanouts[i] == 1 ? "" : "s");
    std::printf("%-44s %11.0f/s %8.2fx %11.2fus\n", name, best[i],
                best[i] / limit, best_cpu[i]);
  }
  // A first ratio, then every fan-out against one ceiling.
  auto ratios = [&](const char* first, double first_ratio, const char* to,
                    double base) {
    std::printf("%-44s %12.2fx\n", first, first_ratio);
    for (size_t i = 0; i < fanouts.size(); ++i) {
      char name[64];
      std::snprintf(name, sizeof(name), "hubwatch, %zu subscriber%s vs %s",
                    fanouts[i], fanouts[i] == 1 ? "" : "s", to);
      std::printf("%-44s %12.2fx\n", name, best[i] / base);
    }
  };
  ratios("limit loop vs transport ceiling", limit / ceiling, "ceiling",
         ceiling);
  ratios("session ceiling vs transport ceiling", session / ceiling, "session",
         session);
}

void throughput_figures::print_json() const {
  json_line("transport_ceiling_events_per_s", ceiling, "events/s",
            ceiling / limit, 1.0);
  json_line("transport_ceiling_mb_per_s", ceiling_mb_s, "MB/s");
  json_line("transport_ceiling_cpu_us_per_event", ceiling_cpu, "us");
  json_line("session_ceiling_events_per_s", session, "events/s",
            session / limit, session / ceiling);
  json_line("session_ceiling_cpu_us_per_event", session_cpu, "us");
  json_line("limit_loop_events_per_s", limit, "events/s", 1.0, limit / ceiling);
  json_line("limit_loop_cpu_us_per_event", limit_cpu, "us");
  for (size_t i = 0; i < fanouts.size(); ++i) {
    auto prefix = "hubwatch_" + std::to_string(fanouts[i]) + "_subscribers_";
    json_line((prefix + "events_per_s").c_str(), best[i], "events/s",
              best[i] / limit, best[i] / ceiling);
    json_line((prefix + "cpu_us_per_event").c_str(), best_cpu[i], "us");
    json_line((prefix + "vs_session_ceiling").c_str(), best[i] / session, "x");
  }
}

// -- latency ------------------------------------------------------------------

std::string stamped_heartbeat(uint64_t i) {
  auto now = clock_type::now().time_since_epoch().count();
  return "{\"type\":\"heartbeat\",\"agentId\":\"inf-001\",\"agentName\":"
         "\"inference\",\"timestamp\":\"2026-11-25T18:00:16Z\",\"payload\":"
         "{\"status\":\"running\",\"currentTask\":\"job-" +
         std::to_string(i) + "\",\"sentNs\":" + std::to_string(now) + "}}";
}

latency_figures measure_latency(caf::actor_system& sys, blast_source& src,
                                uint64_t n, const std::string& dump_path) {
  constexpr double rate = 10'000;
  blast_source::plan plan;
  plan.count = n;
  plan.rate = rate;
  plan.make_frame = stamped_heartbeat;
  auto run = run_pipeline(sys, src, std::move(plan), 1, true);
  auto& xs = run.latencies_ns;
  if (!dump_path.empty()) {
    if (auto* f = std::fopen(dump_path.c_str(), "w")) {
      for (size_t i = 0; i < xs.size(); ++i)
        std::fprintf(f, "%lld %lld\n", static_cast<long long>(run.sent_ns[i]),
                     static_cast<long long>(xs[i]));
      std::fclose(f);
    } else {
      std::fprintf(stderr, "hubwatch-bench: cannot write %s\n",
                   dump_path.c_str());
    }
  }
  latency_figures result;
  result.p50 = percentile(xs, 50);
  result.p99 = percentile(xs, 99);
  result.p999 = percentile(xs, 99.9);
  result.max_us =
    xs.empty()
      ? 0
      : static_cast<double>(*std::max_element(xs.begin(), xs.end())) / 1000.0;
  auto cpu_s = run.cpu_us_per_event * static_cast<double>(n) / 1e6 -
               src.last_serve_cpu_s();
  result.cpu_core_share = cpu_s / (static_cast<double>(n) / rate);
  result.lost = run.lost_or_reordered;
  result.missed = run.missed;
  return result;
}

void latency_figures::print_rows() const {
  std::printf("%-44s %12.0fus\n", "latency p50 at 10k events/s", p50);
  std::printf("%-44s %12.0fus\n", "latency p99", p99);
  std::printf("%-44s %12.0fus\n", "latency p99.9", p999);
  std::printf("%-44s %12.0fus\n", "latency max", max_us);
  std::printf("%-44s %12.1f%%\n", "CPU at that rate (source excluded)",
              cpu_core_share * 100);
}

void latency_figures::print_json() const {
  json_line("latency_p50_us", p50, "us");
  json_line("latency_p99_us", p99, "us");
  json_line("latency_p999_us", p999, "us");
  json_line("latency_max_us", max_us, "us");
  json_line("latency_run_cpu_core_share", cpu_core_share, "cores");
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
