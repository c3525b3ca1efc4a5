#include "bench/agents_scale.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <string>

#include <caf/binary_serializer.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "bench/pipeline.hpp"
#include "hubwatch/core/agent_table.hpp"
#include "hubwatch/core/frame_parser.hpp"

namespace hubwatch::bench {

namespace {

// -- the frames ---------------------------------------------------------------

/// Hub time moves one second every 1000 events (from 18:00:00), so that
/// timestamps change as a live hub's do without every event carrying a new
/// one.
void hub_time(uint64_t i, char (&out)[32]) {
  auto secs = 18 * 3600 + i / 1000;
  std::snprintf(out, sizeof(out), "2026-11-25T%02u:%02u:%02uZ",
                static_cast<unsigned>(secs / 3600 % 24),
                static_cast<unsigned>(secs / 60 % 60),
                static_cast<unsigned>(secs % 60));
}

void agent_id(uint64_t k, char (&out)[32]) {
  std::snprintf(out, sizeof(out), "agent-%07llu",
                static_cast<unsigned long long>(k));
}

/// Heartbeat `i` of a stream that cycles through `agents` agents (none:
/// the same frame about no agent, for the empty pipeline).
std::string agent_frame(uint64_t i, uint64_t agents) {
  char id[32] = "";
  if (agents > 0)
    agent_id(i % agents, id);
  char ts[32];
  hub_time(i, ts);
  char buf[384];
  auto n = std::snprintf(
    buf, sizeof(buf),
    "{\"type\":\"heartbeat\",\"agentId\":\"%s\",\"agentName\":\"worker\","
    "\"timestamp\":\"%s\",\"payload\":{\"status\":\"running\","
    "\"currentTask\":\"job-%llu\",\"uptimeSeconds\":%llu,"
    "\"gpuUtilization\":71.5}}",
    id, ts, static_cast<unsigned long long>(5000 + i % 1000),
    static_cast<unsigned long long>(3600 + i / 1000));
  return std::string(buf, static_cast<size_t>(n));
}

uint64_t events_for(uint64_t agents, bool quick) {
  return std::max<uint64_t>(quick ? 300'000 : 1'000'000, 2 * agents);
}

// -- memory -------------------------------------------------------------------

/// RSS after handing free heap pages back, so that what a run freed does not
/// count against the next.
long trimmed_rss_kib() {
  malloc_trim(0);
  return rss_kib().first;
}

/// Heap bytes in use, every arena.
size_t heap_in_use() {
  auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// -- the new subscriber -------------------------------------------------------

struct snapshot_box {
  std::promise<void> done;
  clock_type::time_point received;
  uint64_t bytes = 0;
  uint64_t agents = 0;
  double serialize_ms = 0;
};

subscriber_actor::behavior_type snapshot_taker(subscriber_actor::pointer,
                                               snapshot_box* box) {
  return {
    [box](observer_snapshot& snap) {
      box->received = clock_type::now();
      box->agents = snap.agents.size();
      std::vector<char> buf;
      caf::binary_serializer sink{nullptr, buf};
      auto t0 = clock_type::now();
      if (sink(snap))
        std::fprintf(stderr, "agents: the snapshot does not serialize\n");
      box->serialize_ms =
        std::chrono::duration<double, std::milli>(clock_type::now() - t0)
          .count();
      box->bytes = buf.size();
      box->done.set_value();
    },
    [](update_batch&) {},
  };
}

// -- one pipeline run ---------------------------------------------------------

agents_row run_agents(caf::actor_system& sys, blast_source& src,
                      uint64_t agents, uint64_t events) {
  agents_row row;
  row.agents = agents;
  row.events = events;
  blast_source::plan plan;
  plan.count = events;
  plan.make_frame = [agents](uint64_t i) {
    return agent_frame(i, agents);
  };
  // At the end, with the connection still up (closing it marks every agent
  // stale, which is not what this measures).
  auto at_end = [&](observer& obs) {
    row.rss_kib = trimmed_rss_kib();
    // Twice: the first snapshot after new agents also orders their ids, the
    // second shows what one costs once every agent is known.
    for (int round = 0; round < 2; ++round) {
      snapshot_box box;
      auto got = box.done.get_future();
      auto taker = sys.spawn(snapshot_taker, &box);
      auto t0 = clock_type::now();
      obs.subscribe(taker);
      if (got.wait_for(std::chrono::minutes(5)) != std::future_status::ready) {
        std::fprintf(stderr, "agents: no snapshot within 5 minutes\n");
        std::abort(); // the source would wait for ever
      }
      auto ms =
        std::chrono::duration<double, std::milli>(box.received - t0).count();
      (round == 0 ? row.snapshot_ms : row.snapshot_again_ms) = ms;
      row.snapshot_bytes = box.bytes;
      row.serialize_ms = box.serialize_ms;
      row.snapshot_agents = box.agents;
      obs.unsubscribe(taker);
      caf::anon_send_exit(taker, caf::exit_reason::user_shutdown);
    }
  };
  auto res = run_pipeline(sys, src, std::move(plan), 1, false, at_end);
  row.events_per_s = res.events_per_s;
  row.cpu_us_per_event = res.cpu_us_per_event;
  row.lost = res.lost_or_reordered;
  row.missed = res.missed;
  return row;
}

// -- the table alone ----------------------------------------------------------

agent_table_row table_alone(uint64_t agents) {
  agent_table_row row;
  row.agents = agents;
  row.events = 2 * agents;
  daemon_event ev;
  ev.type = event_type::heartbeat;
  ev.type_name = "heartbeat";
  ev.agent_name = "worker";
  ev.fields.status = std::string{"running"};
  auto now = caf::make_timestamp();
  auto heap0 = heap_in_use();
  {
    agent_table table;
    agent_info rec;
    char id[32];
    char ts[32];
    auto t0 = clock_type::now();
    for (uint64_t i = 0; i < row.events; ++i) {
      agent_id(i % agents, id);
      ev.agent_id = id;
      hub_time(i, ts);
      ev.timestamp = ts;
      ev.time = parse_rfc3339(ev.timestamp);
      ev.fields.current_task = "job-" + std::to_string(5000 + i % 1000);
      ev.fields.uptime_seconds = static_cast<double>(3600 + i / 1000);
      table.apply(ev, now, rec);
    }
    auto secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    row.ns_per_apply = secs * 1e9 / static_cast<double>(row.events);
    // The event's own strings are still allocated: fresh ones of the same
    // sizes were in use before the table existed too.
    row.heap_bytes_per_agent =
      static_cast<double>(heap_in_use() - heap0) / static_cast<double>(agents);
    auto t1 = clock_type::now();
    auto all = table.sorted();
    row.sorted_ms =
      std::chrono::duration<double, std::milli>(clock_type::now() - t1).count();
    auto t2 = clock_type::now();
    all = table.sorted();
    row.sorted_again_ms =
      std::chrono::duration<double, std::milli>(clock_type::now() - t2).count();
    if (all.size() != agents)
      std::fprintf(stderr, "agents: the table holds %zu of %llu agents\n",
                   all.size(), static_cast<unsigned long long>(agents));
  }
  malloc_trim(0);
  return row;
}

void json_row(const agents_row& r, double ratio) {
  std::printf("{\"figure\":\"agents_pipeline\",\"agents\":%llu,\"events\":%llu,"
              "\"events_per_s\":%.0f,\"ratio_to_10_agents\":%.3f,"
              "\"cpu_us_per_event\":%.3f,\"rss_mib\":%.1f,"
              "\"rss_bytes_per_agent\":%.1f,\"snapshot_ms\":%.2f,"
              "\"snapshot_bytes\":%llu,\"snapshot_agents\":%llu,"
              "\"serialize_ms\":%.2f,\"snapshot_again_ms\":%.2f}\n",
              static_cast<unsigned long long>(r.agents),
              static_cast<unsigned long long>(r.events), r.events_per_s, ratio,
              r.cpu_us_per_event, r.rss_kib / 1024.0, r.rss_bytes_per_agent,
              r.snapshot_ms, static_cast<unsigned long long>(r.snapshot_bytes),
              static_cast<unsigned long long>(r.snapshot_agents),
              r.serialize_ms, r.snapshot_again_ms);
}

} // namespace

agents_figures measure_agents(caf::actor_system& sys, blast_source& src,
                              bool quick) {
  agents_figures result;
  result.quick = quick;
  std::vector<uint64_t> counts{10, 1'000, 100'000};
  if (!quick)
    counts.push_back(1'000'000);
  // The table alone first, while the process is small.
  for (auto n : counts)
    result.table.push_back(table_alone(n));
  // The empty pipeline, with as many events as the largest run.
  auto baseline = run_agents(sys, src, 0, events_for(counts.back(), quick));
  result.baseline_rss_kib = baseline.rss_kib;
  result.lost += baseline.lost;
  result.missed += baseline.missed;
  for (auto n : counts) {
    auto row = run_agents(sys, src, n, events_for(n, quick));
    row.rss_bytes_per_agent =
      static_cast<double>(row.rss_kib - result.baseline_rss_kib) * 1024.0 /
      static_cast<double>(n);
    result.lost += row.lost;
    result.missed += row.missed;
    result.rows.push_back(row);
  }
  return result;
}

void agents_figures::print_rows() const {
  std::printf("\nagents: full pipeline, 1 subscriber (empty pipeline: "
              "%.1f MiB RSS)%s\n",
              baseline_rss_kib / 1024.0, quick ? ", --quick: no 1M row" : "");
  std::printf("%10s %10s %11s %8s %9s %9s %9s %11s %11s %12s %11s\n", "agents",
              "events", "events/s", "vs 10", "CPU/ev", "RSS MiB", "B/agent",
              "snapshot", "again", "snap bytes", "serialize");
  double base = rows.empty() ? 0 : rows.front().events_per_s;
  for (auto& r : rows)
    std::printf("%10llu %10llu %11.0f %7.2fx %7.2fus %9.1f %9.0f %9.1fms "
                "%9.1fms %12llu %9.1fms\n",
                static_cast<unsigned long long>(r.agents),
                static_cast<unsigned long long>(r.events), r.events_per_s,
                base > 0 ? r.events_per_s / base : 0, r.cpu_us_per_event,
                r.rss_kib / 1024.0, r.rss_bytes_per_agent, r.snapshot_ms,
                r.snapshot_again_ms,
                static_cast<unsigned long long>(r.snapshot_bytes),
                r.serialize_ms);
  std::printf("\nagents: agent_table alone (2 heartbeats per agent)\n");
  std::printf("%10s %12s %12s %12s %12s\n", "agents", "heap B/agent",
              "ns/apply", "sorted()", "again");
  for (auto& r : table)
    std::printf("%10llu %12.0f %12.0f %10.1fms %10.1fms\n",
                static_cast<unsigned long long>(r.agents),
                r.heap_bytes_per_agent, r.ns_per_apply, r.sorted_ms,
                r.sorted_again_ms);
}

void agents_figures::print_json() const {
  double base = rows.empty() ? 0 : rows.front().events_per_s;
  for (auto& r : rows)
    json_row(r, base > 0 ? r.events_per_s / base : 0);
  for (auto& r : table)
    std::printf("{\"figure\":\"agents_table_alone\",\"agents\":%llu,"
                "\"events\":%llu,\"heap_bytes_per_agent\":%.1f,"
                "\"ns_per_apply\":%.1f,\"sorted_ms\":%.2f,"
                "\"sorted_again_ms\":%.2f}\n",
                static_cast<unsigned long long>(r.agents),
                static_cast<unsigned long long>(r.events),
                r.heap_bytes_per_agent, r.ns_per_apply, r.sorted_ms,
                r.sorted_again_ms);
  std::printf("{\"figure\":\"agents_empty_pipeline_rss_mib\",\"value\":%.1f,"
              "\"unit\":\"MiB\"}\n",
              baseline_rss_kib / 1024.0);
}

} // namespace hubwatch::bench
