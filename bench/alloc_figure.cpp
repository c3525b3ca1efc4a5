#include "bench/alloc_figure.hpp"

#include <cstdio>
#include <functional>

#include "bench/alloc_count.hpp"
#include "bench/pipeline.hpp"
#include "bench/transport.hpp"

namespace hubwatch::bench {

namespace {

/// Runs `run(n)` and `run(2n)` with the counter on.
alloc_row count_row(std::string name, uint64_t n,
                    const std::function<void(uint64_t)>& run) {
  alloc_totals once;
  {
    alloc_counting counting;
    run(n);
    once = counting.totals();
  }
  alloc_totals twice;
  {
    alloc_counting counting;
    run(2 * n);
    twice = counting.totals();
  }
  auto per_event = [n](uint64_t x) {
    return static_cast<double>(x) / static_cast<double>(n);
  };
  alloc_row row;
  row.name = std::move(name);
  // As doubles: a longer run that allocated less shows as negative instead
  // of wrapping around.
  row.allocs_per_event =
    (static_cast<double>(twice.count) - static_cast<double>(once.count)) /
    static_cast<double>(n);
  row.bytes_per_event =
    (static_cast<double>(twice.bytes) - static_cast<double>(once.bytes)) /
    static_cast<double>(n);
  row.allocs_per_event_with_setup = per_event(once.count);
  return row;
}

} // namespace

alloc_figures measure_allocations(caf::actor_system& sys, blast_source& src,
                                  const std::vector<std::string>& mix,
                                  uint64_t n) {
  alloc_figures result;
  result.n = n;
  {
    // A build that brings its own operator new (a sanitizer's) would make
    // every row 0: check that the counter sees an allocation at all. A
    // direct call, because a new-expression may be optimized away.
    alloc_counting counting;
    ::operator delete(::operator new(16));
    result.counter_works = counting.totals().count >= 1;
  }
  result.rows.push_back(
    count_row("source + transport ceiling reader", n, [&](uint64_t k) {
      read_loop(src, mix, k, read_mode::transport_only);
    }));
  result.rows.push_back(count_row("limit loop", n, [&](uint64_t k) {
    read_loop(src, mix, k, read_mode::parse_and_apply);
  }));
  // Batches of the run of n, then of 2n events.
  std::vector<uint64_t> batches;
  result.rows.push_back(count_row("hubwatch, 1 subscriber", n, [&](uint64_t k) {
    auto res = run_pipeline(sys, src, {k, mix, 0, {}}, 1, false);
    result.lost += res.lost_or_reordered;
    result.missed += res.missed;
    batches.push_back(res.batches);
  }));
  // Allocations that come with each batch rather than each event (CAF's
  // mailbox elements and queue nodes, the batch's vectors): at full speed a
  // faster parser drains the socket's channel more often, so batches get
  // smaller and these show up per event.
  if (batches.size() == 2 && batches[1] > batches[0]) {
    auto& row = result.rows.back();
    auto extra = static_cast<double>(batches[1] - batches[0]);
    row.allocs_per_batch =
      row.allocs_per_event * static_cast<double>(n) / extra;
    row.events_per_batch = static_cast<double>(n) / extra;
  }
  return result;
}

void alloc_figures::print_rows() const {
  if (!counter_works)
    std::printf("\nallocations: NOT COUNTED (this build's operator new is "
                "not the bench's; the rows below mean nothing)\n");
  auto& base = rows.front();
  std::printf("\n%-44s %14s %9s %12s\n", "allocations (once warm)",
              "allocs/event", "", "bytes/event");
  for (auto& row : rows) {
    char name[64];
    std::snprintf(name, sizeof(name), "%s", row.name.c_str());
    std::printf("%-44s %14.2f %9s %12.0f\n", name, row.allocs_per_event, "",
                row.bytes_per_event);
    if (row.events_per_batch > 0)
      std::printf("%-44s %14.1f %9s %12.1f\n",
                  "  per update batch (allocs, events)", row.allocs_per_batch,
                  "", row.events_per_batch);
  }
  for (size_t i = 1; i < rows.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "  %s minus source + reader",
                  rows[i].name.c_str());
    std::printf("%-44s %14.2f %9s %12.0f\n", name,
                rows[i].allocs_per_event - base.allocs_per_event, "",
                rows[i].bytes_per_event - base.bytes_per_event);
  }
}

void alloc_figures::print_json() const {
  auto& base = rows.front();
  for (auto& row : rows)
    std::printf("{\"figure\":\"allocations\",\"run\":\"%s\",\"events\":%llu,"
                "\"allocs_per_event\":%.3f,\"bytes_per_event\":%.1f,"
                "\"allocs_per_event_minus_source\":%.3f,"
                "\"allocs_per_event_with_setup\":%.3f,"
                "\"allocs_per_batch\":%.2f,\"events_per_batch\":%.2f,"
                "\"counted\":%s}\n",
                row.name.c_str(), static_cast<unsigned long long>(n),
                row.allocs_per_event, row.bytes_per_event,
                row.allocs_per_event - base.allocs_per_event,
                row.allocs_per_event_with_setup, row.allocs_per_batch,
                row.events_per_batch, counter_works ? "true" : "false");
}

} // namespace hubwatch::bench
