#include "bench/frame_size_figure.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

#include "bench/pipeline.hpp"
#include "bench/transport.hpp"

namespace hubwatch::bench {

std::vector<std::string> heartbeats_of_size(size_t bytes) {
  namespace json = boost::json;
  std::vector<std::string> result;
  for (int agent = 0; agent < 4; ++agent) {
    json::array samples;
    json::object payload{{"status", agent % 2 == 0 ? "running" : "trading"},
                         {"currentTask", "job-" + std::to_string(7000 + agent)},
                         {"uptimeSeconds", 3600 + agent}};
    json::object hb{{"type", "heartbeat"},
                    {"agentId", "agent-" + std::to_string(agent)},
                    {"agentName", "worker"},
                    {"timestamp", "2026-11-25T18:00:16Z"}};
    auto serialize = [&] {
      payload["samples"] = samples;
      hb["payload"] = payload;
      return json::serialize(hb);
    };
    // Nested samples while they fit (numbers, strings and a small array, as
    // a metrics payload has), then a note pads the frame to the size.
    for (int i = 0;; ++i) {
      json::object sample{
        {"t", 1764093616 + i},
        {"gpu", 50.25 + (i % 40)},
        {"memMiB", 20480 + 16 * i},
        {"host", "gpu-node-" + std::to_string(i % 8)},
        {"tags", json::array{"inference", i % 2 == 0 ? "warm" : "cold"}}};
      samples.push_back(sample);
      if (serialize().size() > bytes) {
        samples.pop_back();
        break;
      }
    }
    auto text = serialize();
    // `,"note":""` is 10 bytes before the note's own characters.
    if (text.size() + 10 < bytes) {
      payload["note"] = std::string(bytes - text.size() - 10, 'x');
      text = serialize();
    }
    result.push_back(std::move(text));
  }
  return result;
}

frame_size_figures measure_frame_sizes(caf::actor_system& sys,
                                       blast_source& src,
                                       const std::vector<size_t>& sizes,
                                       uint64_t bytes_per_run) {
  frame_size_figures result;
  for (auto size : sizes) {
    auto frames = heartbeats_of_size(size);
    auto mean = mean_size(frames);
    frame_size_row row;
    row.bytes = static_cast<size_t>(mean);
    row.events = std::max<uint64_t>(
      1000, static_cast<uint64_t>(static_cast<double>(bytes_per_run) / mean));
    auto ceil = read_loop(src, frames, row.events, read_mode::transport_only);
    row.ceiling_events_s = ceil.events_per_s();
    row.ceiling_mb_s = ceil.mb_per_s();
    auto lim = read_loop(src, frames, row.events, read_mode::parse_and_apply);
    row.limit_events_s = lim.events_per_s();
    row.limit_mb_s = lim.mb_per_s();
    auto hw = run_pipeline(sys, src, {row.events, frames, 0, {}}, 1, false);
    row.hubwatch_events_s = hw.events_per_s;
    row.hubwatch_mb_s = hw.events_per_s * mean / 1e6;
    result.lost += hw.lost_or_reordered;
    result.missed += hw.missed;
    result.rows.push_back(row);
  }
  return result;
}

void frame_size_figures::print_rows() const {
  std::printf("\n%-16s %9s %14s %14s %14s %8s %8s\n", "frame size", "events",
              "ceiling MB/s", "limit MB/s", "hubwatch MB/s", "lim/ceil",
              "hw/ceil");
  for (auto& row : rows)
    std::printf("%-16zu %9llu %14.1f %14.1f %14.1f %7.2fx %7.2fx\n", row.bytes,
                static_cast<unsigned long long>(row.events), row.ceiling_mb_s,
                row.limit_mb_s, row.hubwatch_mb_s,
                row.limit_mb_s / row.ceiling_mb_s,
                row.hubwatch_mb_s / row.ceiling_mb_s);
}

void frame_size_figures::print_json() const {
  for (auto& row : rows)
    std::printf("{\"figure\":\"frame_size\",\"bytes\":%zu,\"events\":%llu,"
                "\"ceiling_mb_per_s\":%.1f,\"limit_mb_per_s\":%.1f,"
                "\"hubwatch_mb_per_s\":%.1f,\"ceiling_events_per_s\":%.0f,"
                "\"limit_events_per_s\":%.0f,\"hubwatch_events_per_s\":%.0f,"
                "\"limit_to_ceiling\":%.3f,\"hubwatch_to_ceiling\":%.3f}\n",
                row.bytes, static_cast<unsigned long long>(row.events),
                row.ceiling_mb_s, row.limit_mb_s, row.hubwatch_mb_s,
                row.ceiling_events_s, row.limit_events_s, row.hubwatch_events_s,
                row.limit_mb_s / row.ceiling_mb_s,
                row.hubwatch_mb_s / row.ceiling_mb_s);
}

} // namespace hubwatch::bench
