// hubwatch-bench: how fast, how late and in how much memory hubwatch moves
// hub events to subscribers, against the fastest this stack can go (a plain
// single-thread loop over the same stream) in the same run.
//
// Usage: hubwatch-bench [--quick] [--events N]
//          [--only throughput|latency|memory] [--subscribers N]
//          [--caf-threads N]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "bench/blast_source.hpp"
#include "hubwatch/api/observer.hpp"
#include "hubwatch/core/agent_table.hpp"
#include "hubwatch/core/frame_parser.hpp"

using namespace hubwatch;
using namespace hubwatch::bench;
using clock_type = std::chrono::steady_clock;

namespace {

namespace json = boost::json;

// -- the frame mix ------------------------------------------------------------

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> result;
  std::ifstream in{path};
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      result.push_back(line);
  if (result.empty()) {
    fprintf(stderr, "hubwatch-bench: no frames in %s (missing or empty)\n",
            path.c_str());
    exit(1);
  }
  return result;
}

/// The real hub's shapes: small coordinator heartbeats, large inference
/// heartbeats with nested payloads, heartbeats with status, currentTask and
/// uptimeSeconds, task results (and the odd vault decision).
std::vector<std::string> frame_mix(const std::string& wire_dir) {
  auto captured = read_lines(wire_dir + "/realhub-demo.jsonl");
  std::vector<std::string> coord, inference, results, vault;
  for (auto& f : captured) {
    if (f.find("\"heartbeat\"") != std::string::npos) {
      if (f.find("coord-001") != std::string::npos)
        coord.push_back(f);
      else if (f.find("inf-001") != std::string::npos)
        inference.push_back(f);
    } else if (f.find("\"task_result\"") != std::string::npos) {
      results.push_back(f);
    } else if (f.find("\"vault_decision\"") != std::string::npos) {
      vault.push_back(f);
    }
  }
  std::vector<std::string> mix;
  for (int i = 0; i < 8; ++i) {
    mix.push_back(coord[i % coord.size()]);
    mix.push_back(inference[i % inference.size()]);
    mix.push_back(inference[(i + 1) % inference.size()]);
    json::object hb{{"type", "heartbeat"},
                    {"agentId", "agent-" + std::to_string(i)},
                    {"agentName", "worker"},
                    {"timestamp", "2026-11-25T18:00:16Z"},
                    {"payload",
                     {{"status", i % 3 == 0 ? "trading" : "running"},
                      {"currentTask", "job-" + std::to_string(5000 + i)},
                      {"uptimeSeconds", 3600 + i},
                      {"gpuUtilization", 71.5 + i}}}};
    mix.push_back(json::serialize(hb));
    mix.push_back(results[i % results.size()]);
    if (i % 4 == 0)
      mix.push_back(vault[i % vault.size()]);
  }
  return mix;
}

double mean_size(const std::vector<std::string>& xs) {
  double total = 0;
  for (auto& x : xs)
    total += static_cast<double>(x.size());
  return total / static_cast<double>(xs.size());
}

// -- memory -------------------------------------------------------------------

/// Resident set size now and at its peak, in KiB.
std::pair<long, long> rss_kib() {
  std::ifstream in{"/proc/self/status"};
  long now = 0, peak = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0)
      now = std::stol(line.substr(6));
    else if (line.rfind("VmHWM:", 0) == 0)
      peak = std::stol(line.substr(6));
  }
  return {now, peak};
}

// -- CPU ----------------------------------------------------------------------

/// CPU time of the whole process (every thread, the source included), in
/// seconds. Unlike throughput, CPU per event hardly moves when other work
/// shares the machine, so it tells whether a change made hubwatch cheaper.
double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct throughput {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
};

// -- the limit: one thread, no actors
// ------------------------------------------

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
  frame_parser parser{1 << 20, 64};
  agent_table agents;
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
      agents.apply(ev, now);
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

// -- hubwatch -----------------------------------------------------------------

/// Shared by the counting subscribers of one run.
struct run_board {
  std::mutex mtx;
  std::condition_variable cv;
  size_t finished = 0;
  std::atomic<uint64_t> lost_or_reordered{0};
  std::atomic<uint64_t> missed{0};
  std::vector<int64_t> latencies_ns; // subscriber 0 only
};

struct counter_state {
  static inline const char* name = "bench.counter";
  uint64_t expected = 0;
  uint64_t seen = 0;
  uint64_t target = 0;
  bool record_latency = false;
  run_board* board = nullptr;
};

subscriber_actor::behavior_type
counter(subscriber_actor::stateful_pointer<counter_state> self, uint64_t target,
        bool record_latency, run_board* board) {
  self->state.target = target;
  self->state.record_latency = record_latency;
  self->state.board = board;
  return {
    [](observer_snapshot&) {},
    [self](update_batch& batch) {
      auto& st = self->state;
      st.board->missed += batch.missed;
      for (auto& item : batch.items()) {
        auto ev = caf::get_if<daemon_event>(&item);
        if (ev == nullptr)
          continue;
        if (ev->seq != st.seen + 1)
          ++st.board->lost_or_reordered;
        st.seen = ev->seq;
        if (st.record_latency) {
          auto now = clock_type::now().time_since_epoch().count();
          // After `now` is read: parsing the payload is not latency.
          auto payload = ev->payload.parse();
          auto* sent = payload.if_contains("sentNs");
          if (sent != nullptr && sent->is_int64())
            st.board->latencies_ns.push_back(now - sent->get_int64());
        }
        if (st.seen == st.target) {
          std::lock_guard<std::mutex> guard{st.board->mtx};
          ++st.board->finished;
          st.board->cv.notify_all();
        }
      }
    },
  };
}

struct pipeline_result {
  double events_per_s = 0;
  double cpu_us_per_event = 0;
  uint64_t lost_or_reordered = 0;
  uint64_t missed = 0;
  long rss_kib_at_100k = 0;
  long peak_rss_kib = 0;
  std::vector<int64_t> latencies_ns;
};

pipeline_result run_pipeline(caf::actor_system& sys, blast_source& src,
                             blast_source::plan plan, size_t subscribers,
                             bool record_latency) {
  auto n = plan.count;
  websocket_config cfg;
  cfg.url = src.url();
  cfg.auto_reconnect = false;
  cfg.idle_timeout = caf::timespan{0};
  cfg.stale_after = caf::timespan{0};
  run_board board;
  if (record_latency)
    board.latencies_ns.reserve(n);
  pipeline_result result;
  {
    observer obs{sys, cfg};
    std::vector<subscriber_actor> subs;
    for (size_t i = 0; i < subscribers; ++i) {
      subs.push_back(sys.spawn(counter, n, record_latency && i == 0, &board));
      obs.subscribe(subs.back());
    }
    src.serve(std::move(plan));
    auto t0 = clock_type::now();
    auto cpu0 = process_cpu_s();
    if (!obs.start().empty())
      std::abort();
    std::unique_lock<std::mutex> guard{board.mtx};
    bool sampled = false;
    long max_rss = 0;
    while (board.finished < subscribers) {
      board.cv.wait_for(guard, std::chrono::milliseconds(20));
      // The peak of this run, sampled: VmHWM would remember earlier runs.
      max_rss = std::max(max_rss, rss_kib().first);
      if (!sampled) {
        auto snap = obs.snapshot();
        if (snap && snap->counters.events >= std::min<uint64_t>(n, 100000)) {
          result.rss_kib_at_100k = max_rss;
          sampled = true;
        }
      }
      if (clock_type::now() - t0 > std::chrono::minutes(5)) {
        std::fprintf(stderr, "pipeline: timed out\n");
        break;
      }
    }
    auto secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    result.events_per_s = static_cast<double>(n) / secs;
    result.cpu_us_per_event =
      (process_cpu_s() - cpu0) * 1e6 / static_cast<double>(n);
    result.peak_rss_kib = max_rss;
    guard.unlock();
    for (auto& s : subs)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  }
  src.join();
  result.lost_or_reordered = board.lost_or_reordered;
  result.missed = board.missed;
  result.latencies_ns = std::move(board.latencies_ns);
  return result;
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

int main(int argc, char** argv) {
  bool quick = false;
  std::string only; // throughput, latency or memory (for profiling)
  uint64_t n = 1'000'000;
  uint64_t big = 10'000'000;
  std::vector<size_t> fanouts{1, 4, 16};
  // What hubwatch recommends (use_recommended_scheduler): one core for the
  // io thread, the others for CAF. CAF's own default, max(4, cores), is
  // `--caf-threads 4` here.
  size_t caf_threads =
    recommended_caf_workers(std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (arg == "--events" && i + 1 < argc) {
      n = std::stoull(argv[++i]);
    } else if (arg == "--subscribers" && i + 1 < argc) {
      fanouts = {std::stoul(argv[++i])};
    } else if (arg == "--caf-threads" && i + 1 < argc) {
      caf_threads = std::stoul(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: hubwatch-bench [--quick] [--events N] "
                           "[--only throughput|latency|memory] "
                           "[--subscribers N] [--caf-threads N]\n");
      return 2;
    }
  }
  if (quick) {
    n = std::min<uint64_t>(n, 300'000);
    big = 1'000'000;
  }
  auto mix = frame_mix(HUBWATCH_DATA_DIR);
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", caf_threads);
  caf::actor_system sys{cfg};
  blast_source src;
  std::printf("# hubwatch-bench%s: %llu events per run, frame mix of %zu "
              "frames, mean %.0f bytes, %u cores, %zu CAF workers\n",
              quick ? " --quick" : "", static_cast<unsigned long long>(n),
              mix.size(), mean_size(mix), std::thread::hardware_concurrency(),
              caf_threads);
  // Throughput: the limit loop and the pipeline, alternating, best of runs.
  int rounds = only.empty() || only == "throughput" ? (quick ? 1 : 3) : 0;
  double limit = 0;
  double limit_cpu = 0;
  std::vector<double> best(fanouts.size(), 0);
  std::vector<double> best_cpu(fanouts.size(), 0);
  uint64_t lost = 0, missed = 0;
  for (int r = 0; r < rounds; ++r) {
    auto lim = limit_loop(src, mix, n);
    if (lim.events_per_s > limit) {
      limit = lim.events_per_s;
      limit_cpu = lim.cpu_us_per_event;
    }
    for (size_t i = 0; i < fanouts.size(); ++i) {
      auto res = run_pipeline(sys, src, {n, mix, 0, {}}, fanouts[i], false);
      if (res.events_per_s > best[i]) {
        best[i] = res.events_per_s;
        best_cpu[i] = res.cpu_us_per_event;
      }
      lost += res.lost_or_reordered;
      missed += res.missed;
    }
  }
  // Latency at a fixed rate, stamped by the source.
  uint64_t lat_n = quick ? 50'000 : 200'000;
  blast_source::plan lat_plan;
  lat_plan.count = lat_n;
  lat_plan.rate = 10'000;
  lat_plan.make_frame = [](uint64_t i) {
    auto now = clock_type::now().time_since_epoch().count();
    return "{\"type\":\"heartbeat\",\"agentId\":\"inf-001\",\"agentName\":"
           "\"inference\",\"timestamp\":\"2026-11-25T18:00:16Z\",\"payload\":"
           "{\"status\":\"running\",\"currentTask\":\"job-" +
           std::to_string(i) + "\",\"sentNs\":" + std::to_string(now) + "}}";
  };
  pipeline_result lat;
  if (only.empty() || only == "latency")
    lat = run_pipeline(sys, src, lat_plan, 1, true);
  // Memory: the same pipeline over many events; RSS must not follow them.
  pipeline_result mem;
  if (only.empty() || only == "memory")
    mem = run_pipeline(sys, src, {big, mix, 0, {}}, 1, false);
  auto p50 = percentile(lat.latencies_ns, 50);
  auto p99 = percentile(lat.latencies_ns, 99);
  auto p999 = percentile(lat.latencies_ns, 99.9);
  double max_us = lat.latencies_ns.empty()
                    ? 0
                    : static_cast<double>(*std::max_element(
                        lat.latencies_ns.begin(), lat.latencies_ns.end())) /
                        1000.0;
  bool did_throughput = rounds > 0;
  bool did_latency = only.empty() || only == "latency";
  bool did_memory = only.empty() || only == "memory";
  // The table: only what this run measured.
  std::printf("\n%-44s %14s %9s %13s\n", "figure", "value", "vs limit",
              "CPU/event");
  if (did_throughput) {
    std::printf("%-44s %11.0f/s %9s %11.2fus\n",
                "limit loop (1 thread, no actors)", limit, "1.00x", limit_cpu);
    for (size_t i = 0; i < fanouts.size(); ++i) {
      char name[64];
      std::snprintf(name, sizeof(name), "hubwatch, %zu subscriber%s",
                    fanouts[i], fanouts[i] == 1 ? "" : "s");
      std::printf("%-44s %11.0f/s %8.2fx %11.2fus\n", name, best[i],
                  best[i] / limit, best_cpu[i]);
    }
  }
  if (did_latency) {
    std::printf("%-44s %12.0fus\n", "latency p50 at 10k events/s", p50);
    std::printf("%-44s %12.0fus\n", "latency p99", p99);
    std::printf("%-44s %12.0fus\n", "latency p99.9", p999);
    std::printf("%-44s %12.0fus\n", "latency max", max_us);
  }
  if (did_memory) {
    char rss_name[64];
    std::snprintf(rss_name, sizeof(rss_name), "peak RSS until 100k events");
    std::printf("%-44s %10.1fMiB\n", rss_name, mem.rss_kib_at_100k / 1024.0);
    std::snprintf(rss_name, sizeof(rss_name), "peak RSS until %lluM events",
                  static_cast<unsigned long long>(big / 1'000'000));
    std::printf("%-44s %10.1fMiB\n", rss_name, mem.peak_rss_kib / 1024.0);
    std::printf("%-44s %10.1fMiB\n", "growth",
                (mem.peak_rss_kib - mem.rss_kib_at_100k) / 1024.0);
  }
  auto all_lost = lost + lat.lost_or_reordered + mem.lost_or_reordered;
  auto all_missed = missed + lat.missed + mem.missed;
  std::printf("%-44s %14llu\n", "events lost or reordered (all runs)",
              static_cast<unsigned long long>(all_lost));
  std::printf("%-44s %14llu\n", "events dropped for slow subscribers",
              static_cast<unsigned long long>(all_missed));
  std::printf("%-44s %14llu\n\n", "data frames sent by hubwatch",
              static_cast<unsigned long long>(src.data_frames_received()));
  // One JSON line per figure, for scripts.
  if (did_throughput) {
    json_line("limit_loop_events_per_s", limit, "events/s", 1.0);
    json_line("limit_loop_cpu_us_per_event", limit_cpu, "us");
    for (size_t i = 0; i < fanouts.size(); ++i) {
      auto prefix = "hubwatch_" + std::to_string(fanouts[i]) + "_subscribers_";
      json_line((prefix + "events_per_s").c_str(), best[i], "events/s",
                best[i] / limit);
      json_line((prefix + "cpu_us_per_event").c_str(), best_cpu[i], "us");
    }
  }
  if (did_latency) {
    json_line("latency_p50_us", p50, "us");
    json_line("latency_p99_us", p99, "us");
    json_line("latency_p999_us", p999, "us");
    json_line("latency_max_us", max_us, "us");
  }
  if (did_memory) {
    json_line("rss_after_100k_mib", mem.rss_kib_at_100k / 1024.0, "MiB");
    json_line("peak_rss_mib", mem.peak_rss_kib / 1024.0, "MiB");
    json_line("rss_growth_mib",
              (mem.peak_rss_kib - mem.rss_kib_at_100k) / 1024.0, "MiB");
  }
  json_line("lost_or_reordered", static_cast<double>(all_lost), "events");
  json_line("dropped_for_slow_subscribers", static_cast<double>(all_missed),
            "events");
  json_line("data_frames_sent", static_cast<double>(src.data_frames_received()),
            "frames");
  return 0;
}
