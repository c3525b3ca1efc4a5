#include "bench/queue_figure.hpp"

#include <malloc.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <initializer_list>
#include <mutex>
#include <thread>

#include <caf/typed_event_based_actor.hpp>

#include "bench/alloc_count.hpp"
#include "bench/pipeline.hpp"
#include "hubwatch/api/observer.hpp"

namespace hubwatch::bench {

namespace {

/// Shared by the waiting subscribers of one run.
struct park_board {
  std::shared_future<void> release;
  std::mutex mtx;
  std::condition_variable cv;
  size_t finished = 0;
  // One entry per subscriber, written by that subscriber only and read once
  // `finished` says it is done (under `mtx`).
  std::vector<uint64_t> updates;
  std::vector<uint64_t> batches;
  std::vector<uint64_t> missed;
};

/// A subscriber that acknowledges nothing until let go: the registry's
/// first delivery to it (the snapshot) blocks until `board->release`, so its
/// credit window stays taken and every later update waits in its queue at
/// the registry. Detached: blocking holds only its own thread, not a CAF
/// worker the pipeline needs. Once let go it counts what it receives.
subscriber_actor::behavior_type parked(subscriber_actor::pointer,
                                       park_board* board, size_t index,
                                       uint64_t last_seq) {
  return {
    [board](observer_snapshot&) { board->release.wait(); },
    [board, index, last_seq](update_batch& batch) {
      board->missed[index] += batch.missed;
      board->updates[index] += batch.items().size();
      board->batches[index] += 1;
      for (auto& item : batch.items()) {
        auto ev = caf::get_if<daemon_event>(&item);
        if (ev != nullptr && ev->seq == last_seq) {
          std::lock_guard<std::mutex> guard{board->mtx};
          ++board->finished;
          board->cv.notify_all();
        }
      }
    },
  };
}

/// Heap bytes in use, every arena (glibc): what the process allocated and
/// has not freed, the allocator's per-chunk overhead included.
double heap_in_use() {
  auto mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd);
}

queue_row run_queue(caf::actor_system& sys, blast_source& src,
                    const std::vector<std::string>& mix, uint64_t events,
                    size_t queue_bound, size_t subscribers) {
  queue_row row;
  row.subscribers = subscribers;
  row.events = events;
  websocket_config cfg;
  cfg.url = src.url();
  cfg.auto_reconnect = false;
  cfg.idle_timeout = caf::timespan{0};
  cfg.stale_after = caf::timespan{0};
  cfg.subscriber_queue = queue_bound;
  // No waiting for slow subscribers: the parser runs at full speed and the
  // queues fill (a stall would stop reading, then leave them behind and
  // drop). The bound is above the updates of the run, so nothing is lost.
  cfg.subscriber_stall = caf::timespan{0};
  std::promise<void> release;
  park_board board;
  board.release = release.get_future().share();
  board.updates.assign(subscribers, 0);
  board.batches.assign(subscribers, 0);
  board.missed.assign(subscribers, 0);
  {
    // What the run holds, counted from before its observer exists.
    live_heap_counting live;
    observer obs{sys, cfg};
    std::vector<subscriber_actor> subs;
    for (size_t i = 0; i < subscribers; ++i) {
      subs.push_back(sys.spawn<caf::detached>(parked, &board, i, events));
      obs.subscribe(subs.back());
    }
    // The connection stays up while the queues are looked at: a close would
    // add a status update and stale records.
    std::promise<void> looked;
    src.serve({events, mix, 0, {}},
              [f = looked.get_future().share()] { f.wait(); });
    if (!obs.start().empty())
      std::abort();
    auto t0 = clock_type::now();
    for (;;) {
      if (auto snap = obs.summary()) {
        if (snap->counters.events >= events) {
          row.dropped = snap->counters.subscriber_dropped;
          break;
        }
      }
      if (clock_type::now() - t0 > std::chrono::minutes(5)) {
        std::fprintf(stderr, "queue: the registry did not see every event "
                             "within 5 minutes\n");
        std::abort(); // the source would wait for ever
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Free pages go back first, so that RSS shows what is in use.
    malloc_trim(0);
    row.live_bytes = static_cast<double>(live.bytes());
    row.heap_bytes = heap_in_use();
    row.rss_kib = rss_kib().first;
    release.set_value();
    {
      std::unique_lock<std::mutex> guard{board.mtx};
      if (!board.cv.wait_for(guard, std::chrono::minutes(5),
                             [&] { return board.finished == subscribers; }))
        std::fprintf(stderr, "queue: the subscribers did not receive every "
                             "event within 5 minutes\n");
    }
    looked.set_value();
    for (auto& s : subs)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  }
  src.join();
  std::lock_guard<std::mutex> guard{board.mtx};
  if (subscribers > 0) {
    row.updates = board.updates[0];
    row.batches = board.batches[0];
  }
  for (auto x : board.missed)
    row.missed += x;
  return row;
}

const queue_row* find_row(const std::vector<queue_row>& rows, size_t subs) {
  for (auto& r : rows)
    if (r.subscribers == subs)
      return &r;
  return nullptr;
}

} // namespace

queue_figures measure_queue(caf::actor_system& sys, blast_source& src,
                            const std::vector<std::string>& mix,
                            uint64_t events, size_t queue_bound) {
  queue_figures result;
  result.events = events;
  result.queue_bound = queue_bound;
  // A warm-up run first: the first run of a process also allocates what
  // stays (CAF's type tables, thread caches), which is no queue's.
  run_queue(sys, src, mix, events / 10, queue_bound, 1);
  for (size_t subs : std::initializer_list<size_t>{0, 1, 4}) {
    auto row = run_queue(sys, src, mix, events, queue_bound, subs);
    result.lost += row.dropped;
    result.missed += row.missed;
    result.rows.push_back(row);
  }
  return result;
}

double queue_figures::heap_per_update(double queue_row::*bytes) const {
  auto base = find_row(rows, 0);
  auto one = find_row(rows, 1);
  if (!base || !one || one->updates == 0)
    return 0;
  return (one->*bytes - base->*bytes) / static_cast<double>(one->updates);
}

double queue_figures::extra_heap_per_update_per_subscriber(
  double queue_row::*bytes) const {
  auto one = find_row(rows, 1);
  auto four = find_row(rows, 4);
  if (!one || !four || four->updates == 0)
    return 0;
  return (four->*bytes - one->*bytes) / 3.0 /
         static_cast<double>(four->updates);
}

double queue_figures::rss_per_update() const {
  auto base = find_row(rows, 0);
  auto one = find_row(rows, 1);
  if (!base || !one || one->updates == 0)
    return 0;
  return static_cast<double>(one->rss_kib - base->rss_kib) * 1024.0 /
         static_cast<double>(one->updates);
}

void queue_figures::print_rows() const {
  std::printf("\nqueued updates: %llu events, subscribers that acknowledge "
              "nothing (queue bound %zu, no stall)\n",
              static_cast<unsigned long long>(events), queue_bound);
  std::printf("%12s %14s %10s %14s %14s %12s %10s\n", "subscribers",
              "updates queued", "batches", "new/del MiB", "malloc MiB",
              "RSS MiB", "dropped");
  for (auto& r : rows)
    std::printf("%12zu %14llu %10llu %14.1f %14.1f %12.1f %10llu\n",
                r.subscribers, static_cast<unsigned long long>(r.updates),
                static_cast<unsigned long long>(r.batches),
                r.live_bytes / 1048576.0, r.heap_bytes / 1048576.0,
                r.rss_kib / 1024.0,
                static_cast<unsigned long long>(r.dropped + r.missed));
  std::printf("%-52s %14s %14s\n", "per queued update", "new/del bytes",
              "malloc bytes");
  std::printf("%-52s %14.1f %14.1f\n", "heap, 1 subscriber",
              heap_per_update(&queue_row::live_bytes),
              heap_per_update(&queue_row::heap_bytes));
  std::printf("%-52s %14.1f %14.1f\n", "extra heap per additional subscriber",
              extra_heap_per_update_per_subscriber(&queue_row::live_bytes),
              extra_heap_per_update_per_subscriber(&queue_row::heap_bytes));
  std::printf("%-52s %14.1f\n", "RSS growth, 1 subscriber", rss_per_update());
}

void queue_figures::print_json() const {
  for (auto& r : rows)
    std::printf("{\"figure\":\"queue_run\",\"subscribers\":%zu,"
                "\"events\":%llu,\"updates_queued\":%llu,"
                "\"batches_queued\":%llu,\"live_heap_mib\":%.1f,"
                "\"malloc_heap_mib\":%.1f,\"rss_mib\":%.1f,"
                "\"dropped\":%llu}\n",
                r.subscribers, static_cast<unsigned long long>(r.events),
                static_cast<unsigned long long>(r.updates),
                static_cast<unsigned long long>(r.batches),
                r.live_bytes / 1048576.0, r.heap_bytes / 1048576.0,
                r.rss_kib / 1024.0,
                static_cast<unsigned long long>(r.dropped + r.missed));
  auto one = find_row(rows, 1);
  std::printf("{\"figure\":\"queued_update_cost\",\"events\":%llu,"
              "\"updates_queued\":%llu,\"heap_bytes_per_update\":%.1f,"
              "\"extra_heap_bytes_per_update_per_subscriber\":%.1f,"
              "\"malloc_heap_bytes_per_update\":%.1f,"
              "\"malloc_extra_heap_bytes_per_update_per_subscriber\":%.1f,"
              "\"rss_bytes_per_update\":%.1f,\"queue_bound\":%zu}\n",
              static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(one ? one->updates : 0),
              heap_per_update(&queue_row::live_bytes),
              extra_heap_per_update_per_subscriber(&queue_row::live_bytes),
              heap_per_update(&queue_row::heap_bytes),
              extra_heap_per_update_per_subscriber(&queue_row::heap_bytes),
              rss_per_update(), queue_bound);
}

} // namespace hubwatch::bench
