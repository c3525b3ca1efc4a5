#include "bench/pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <future>
#include <mutex>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/api/observer.hpp"

namespace hubwatch::bench {

namespace {

/// Shared by the counting subscribers of one run.
struct run_board {
  std::mutex mtx;
  std::condition_variable cv;
  size_t finished = 0;
  std::atomic<uint64_t> lost_or_reordered{0};
  std::atomic<uint64_t> missed{0};
  std::atomic<uint64_t> batches{0};  // received by subscriber 0
  std::vector<int64_t> latencies_ns; // subscriber 0 only
  std::vector<int64_t> sent_ns;      // when each of those was stamped
};

struct counter_state {
  static inline const char* name = "bench.counter";
  uint64_t expected = 0;
  uint64_t seen = 0;
  uint64_t target = 0;
  bool record_latency = false;
  /// Subscriber 0, which counts the batches.
  bool first = false;
  run_board* board = nullptr;
};

subscriber_actor::behavior_type
counter(subscriber_actor::stateful_pointer<counter_state> self, uint64_t target,
        bool record_latency, bool first, run_board* board) {
  self->state.target = target;
  self->state.first = first;
  self->state.record_latency = record_latency;
  self->state.board = board;
  return {
    [](observer_snapshot&) {},
    [self](update_batch& batch) {
      auto& st = self->state;
      st.board->missed += batch.missed;
      if (st.first)
        ++st.board->batches;
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
          if (sent != nullptr && sent->is_int64()) {
            st.board->latencies_ns.push_back(now - sent->get_int64());
            st.board->sent_ns.push_back(sent->get_int64());
          }
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

} // namespace

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

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

pipeline_result run_pipeline(caf::actor_system& sys, blast_source& src,
                             blast_source::plan plan, size_t subscribers,
                             bool record_latency,
                             std::function<void(observer&)> at_end) {
  auto n = plan.count;
  websocket_config cfg;
  cfg.url = src.url();
  cfg.auto_reconnect = false;
  cfg.idle_timeout = caf::timespan{0};
  cfg.stale_after = caf::timespan{0};
  run_board board;
  if (record_latency) {
    board.latencies_ns.reserve(n);
    board.sent_ns.reserve(n);
  }
  pipeline_result result;
  {
    observer obs{sys, cfg};
    std::vector<subscriber_actor> subs;
    for (size_t i = 0; i < subscribers; ++i) {
      subs.push_back(
        sys.spawn(counter, n, record_latency && i == 0, i == 0, &board));
      obs.subscribe(subs.back());
    }
    // The source holds the connection until the end was looked at: a close
    // would mark every agent stale first.
    std::promise<void> looked;
    std::function<void()> hold;
    if (at_end)
      hold = [f = looked.get_future().share()] {
        f.wait();
      };
    src.serve(std::move(plan), std::move(hold));
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
        auto snap = obs.summary();
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
    if (at_end) {
      at_end(obs);
      looked.set_value();
    }
    for (auto& s : subs)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  }
  src.join();
  result.lost_or_reordered = board.lost_or_reordered;
  result.missed = board.missed;
  result.batches = board.batches;
  result.latencies_ns = std::move(board.latencies_ns);
  result.sent_ns = std::move(board.sent_ns);
  return result;
}

} // namespace hubwatch::bench
