#define CAF_SUITE subscriber_queue

#include "hubwatch/core/subscriber_queue.hpp"

#include <caf/test/unit_test.hpp>

#include "hubwatch/core/credit_window.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

using items_ptr = subscriber_queue::items_ptr;

/// A batch of `n` updates numbered from `first` (in the reconnect counter of
/// a connection status, the cheapest update to tell apart).
items_ptr batch(uint32_t first, size_t n) {
  subscriber_queue::items_type xs;
  for (size_t i = 0; i < n; ++i) {
    connection_status x;
    x.reconnects = first + static_cast<uint32_t>(i);
    xs.emplace_back(std::move(x));
  }
  return std::make_shared<const subscriber_queue::items_type>(std::move(xs));
}

std::vector<uint32_t> numbers(const update_batch& x) {
  std::vector<uint32_t> result;
  for (auto& item : x.items())
    result.push_back(caf::get<connection_status>(item).reconnects);
  return result;
}

std::vector<uint32_t> range(uint32_t first, uint32_t last) {
  std::vector<uint32_t> result;
  for (auto i = first; i <= last; ++i)
    result.push_back(i);
  return result;
}

/// Takes every delivery the window has room for.
std::vector<update_batch> drain(subscriber_queue& q) {
  std::vector<update_batch> result;
  while (auto x = q.next())
    result.push_back(std::move(*x));
  return result;
}

/// Checks that exactly one delivery goes now: updates `first` to `last`,
/// reporting `missed` lost before them.
void check_next(subscriber_queue& q, uint32_t first, uint32_t last,
                uint64_t missed) {
  auto out = drain(q);
  CAF_REQUIRE_EQUAL(out.size(), 1u);
  CAF_CHECK_EQUAL(numbers(out[0]), range(first, last));
  CAF_CHECK_EQUAL(out[0].missed, missed);
}

/// A queue with a window of one, taken by a delivery of update 0: whatever
/// comes next waits.
subscriber_queue busy(size_t bound) {
  subscriber_queue q{1, bound};
  q.push(batch(0, 1));
  drain(q);
  return q;
}

stall_clock::time_point at(milliseconds x) {
  return stall_clock::time_point{} + x;
}

} // namespace

CAF_TEST(a credit window counts sends against answers) {
  credit_window w{2};
  CAF_CHECK(w.has_room());
  w.take();
  w.take();
  CAF_CHECK(!w.has_room());
  CAF_CHECK_EQUAL(w.in_flight(), 2u);
  w.give_back();
  CAF_CHECK(w.has_room());
  w.give_back();
  // An answer nobody waits for does not widen the window.
  w.give_back();
  CAF_CHECK_EQUAL(w.in_flight(), 0u);
  w.take();
  w.take();
  CAF_CHECK(!w.has_room());
}

CAF_TEST(the window takes batches whole until it is full) {
  subscriber_queue q{2, 10};
  CAF_CHECK_EQUAL(q.push(batch(1, 3)), 0u);
  CAF_CHECK_EQUAL(q.waiting(), 0u); // the window takes it at once
  CAF_CHECK_EQUAL(q.push(batch(4, 3)), 0u);
  CAF_CHECK_EQUAL(q.push(batch(7, 3)), 0u);
  CAF_CHECK_EQUAL(q.waiting(), 3u);
  auto out = drain(q);
  CAF_REQUIRE_EQUAL(out.size(), 2u);
  CAF_CHECK_EQUAL(numbers(out[0]), range(1, 3));
  CAF_CHECK_EQUAL(numbers(out[1]), range(4, 6));
  CAF_CHECK_EQUAL(q.in_flight(), 2u);
  CAF_CHECK(!q.next());
  q.ack();
  CAF_CHECK_EQUAL(q.waiting(), 0u); // the acknowledged slot takes the rest
  check_next(q, 7, 9, 0);
  CAF_CHECK(!q.next());
}

CAF_TEST(the snapshot takes a slot of the window) {
  subscriber_queue q{1, 10};
  q.take_slot();
  q.push(batch(1, 2));
  CAF_CHECK_EQUAL(q.waiting(), 2u);
  CAF_CHECK(!q.next());
  q.ack();
  check_next(q, 1, 2, 0);
}

CAF_TEST(an acknowledgement without a delivery is ignored) {
  subscriber_queue q{1, 10};
  q.ack();
  q.ack();
  CAF_CHECK_EQUAL(q.in_flight(), 0u);
  q.push(batch(1, 1));
  q.push(batch(2, 1));
  // Still a window of one, not three.
  CAF_CHECK_EQUAL(drain(q).size(), 1u);
  CAF_CHECK_EQUAL(q.in_flight(), 1u);
}

CAF_TEST(empty batches are not queued) {
  subscriber_queue q{1, 10};
  CAF_CHECK_EQUAL(q.push(batch(1, 0)), 0u);
  CAF_CHECK_EQUAL(q.push(nullptr), 0u);
  CAF_CHECK(!q.next());
  CAF_CHECK_EQUAL(q.in_flight(), 0u);
}

CAF_TEST(beyond the bound the oldest waiting updates are dropped) {
  auto q = busy(5);
  CAF_CHECK_EQUAL(q.push(batch(5, 4)), 0u); // 4 wait
  CAF_CHECK_EQUAL(q.push(batch(9, 4)), 3u); // 8 wait: 5..7 go
  CAF_CHECK_EQUAL(q.waiting(), 5u);
  CAF_CHECK_EQUAL(q.missed(), 3u);
  // A drop that empties a batch removes it and goes on into the next.
  CAF_CHECK_EQUAL(q.push(batch(13, 4)), 4u); // 9 wait: 8..11 go
  CAF_CHECK_EQUAL(q.waiting(), 5u);
  CAF_CHECK_EQUAL(q.missed(), 7u);
  q.ack();
  // What survives comes in order, in the batches it arrived in, with the
  // count of what was lost on the first delivery only.
  check_next(q, 12, 12, 7);
  CAF_CHECK_EQUAL(q.missed(), 0u);
  q.ack();
  check_next(q, 13, 16, 0);
}

CAF_TEST(a batch the window takes at once is never dropped) {
  // Bound 0: nothing may wait, yet a subscriber that keeps up loses nothing.
  subscriber_queue q{2, 0};
  CAF_CHECK_EQUAL(q.push(batch(1, 5)), 0u);
  CAF_CHECK_EQUAL(q.push(batch(6, 5)), 0u);
  CAF_CHECK_EQUAL(drain(q).size(), 2u);
  CAF_CHECK_EQUAL(q.push(batch(11, 5)), 5u); // the window is full
  CAF_CHECK_EQUAL(q.waiting(), 0u);
  CAF_CHECK(!q.next());
  q.ack();
  CAF_CHECK(!q.next()); // nothing left to send
  CAF_CHECK_EQUAL(q.push(batch(16, 1)), 0u);
  check_next(q, 16, 16, 5);
}

CAF_TEST(what the window has room for is not dropped before it is sent) {
  auto q = busy(2);
  CAF_CHECK_EQUAL(q.push(batch(2, 3)), 1u); // 2 goes
  q.ack(); // 3..4 may go now, but the caller has not taken them yet
  CAF_CHECK_EQUAL(q.waiting(), 0u);
  CAF_CHECK_EQUAL(q.push(batch(5, 4)), 2u); // 5..6 go, not 3..4
  check_next(q, 3, 4, 3);
  q.ack();
  check_next(q, 7, 8, 0);
}

CAF_TEST(more than half the bound waiting holds the stream back) {
  auto q = busy(10);
  q.push(batch(2, 5));
  CAF_CHECK(!q.holds_back()); // 5 of 10: exactly half
  q.push(batch(7, 1));
  CAF_CHECK(q.holds_back());
  q.ack(); // the window takes 5, 1 waits
  CAF_CHECK(!q.holds_back());
  // A zero bound never holds the stream back: nothing waits.
  subscriber_queue none{1, 0};
  none.push(batch(1, 1));
  none.push(batch(2, 3));
  CAF_CHECK(!none.holds_back());
}

CAF_TEST(left behind after a stall until a quarter of the bound waits) {
  auto q = busy(12);
  q.stall_expired(); // nothing waits: not left behind
  CAF_CHECK(!q.left_behind());
  q.push(batch(2, 4));
  q.push(batch(6, 4));
  q.push(batch(10, 4));
  CAF_CHECK(q.holds_back()); // 12 wait
  q.stall_expired();
  CAF_CHECK(q.left_behind());
  CAF_CHECK(!q.holds_back());
  // Still loses its oldest updates beyond the bound.
  CAF_CHECK_EQUAL(q.push(batch(14, 4)), 4u);
  q.ack(); // 8 wait: more than 12 / 2 / 2
  drain(q);
  CAF_CHECK(q.left_behind());
  CAF_CHECK(!q.holds_back());
  q.ack(); // 4 wait
  drain(q);
  CAF_CHECK(q.left_behind());
  q.ack(); // the last 4 go, none wait: caught up
  CAF_CHECK(!q.left_behind());
  drain(q);
  // Behind again, it holds the stream back again.
  for (uint32_t i = 0; i < 7; ++i)
    q.push(batch(100 + i, 1));
  CAF_CHECK(q.holds_back());
}

CAF_TEST(a left behind subscriber rejoins at exactly a quarter of its bound) {
  auto q = busy(8);
  q.push(batch(2, 3));
  q.push(batch(5, 2));
  q.stall_expired();
  CAF_REQUIRE(q.left_behind());
  q.ack(); // 3 go, 2 wait: 8 / 2 / 2
  CAF_CHECK(!q.left_behind());
  auto r = busy(8);
  r.push(batch(2, 2));
  r.push(batch(4, 3));
  r.stall_expired();
  CAF_REQUIRE(r.left_behind());
  r.ack(); // 2 go, 3 wait
  CAF_CHECK(r.left_behind());
}

CAF_TEST(the stall clock expires exactly at its limit) {
  stall_clock c{milliseconds(1000)};
  CAF_CHECK(c.enabled());
  CAF_CHECK(!c.running());
  CAF_CHECK(!c.expired(at(milliseconds(5000))));
  CAF_CHECK(c.start(at(milliseconds(100))));
  CAF_CHECK(c.running());
  CAF_CHECK(c.deadline() == at(milliseconds(1100)));
  CAF_CHECK(!c.expired(at(milliseconds(1099))));
  CAF_CHECK(!c.expired(at(milliseconds(1100)) - nanoseconds(1)));
  CAF_CHECK(c.expired(at(milliseconds(1100))));
  CAF_CHECK(c.expired(at(milliseconds(2000))));
}

CAF_TEST(a longer wait does not move the stall deadline) {
  stall_clock c{milliseconds(1000)};
  CAF_CHECK(c.start(at(milliseconds(0))));
  CAF_CHECK(!c.start(at(milliseconds(500))));
  CAF_CHECK(c.deadline() == at(milliseconds(1000)));
  CAF_CHECK(c.expired(at(milliseconds(1000))));
}

CAF_TEST(a stopped stall clock starts afresh) {
  stall_clock c{milliseconds(1000)};
  c.start(at(milliseconds(0)));
  c.stop();
  CAF_CHECK(!c.running());
  // The wake-up armed for the first wait finds nothing expired.
  CAF_CHECK(!c.expired(at(milliseconds(1000))));
  CAF_CHECK(c.start(at(milliseconds(400))));
  CAF_CHECK(!c.expired(at(milliseconds(1000))));
  CAF_CHECK(!c.expired(at(milliseconds(1399))));
  CAF_CHECK(c.expired(at(milliseconds(1400))));
}

CAF_TEST(a stall limit of zero disables waiting) {
  CAF_CHECK(!stall_clock{}.enabled());
  CAF_CHECK(!stall_clock{milliseconds(0)}.enabled());
  CAF_CHECK(!stall_clock{milliseconds(-1)}.enabled());
  CAF_CHECK(stall_clock{nanoseconds(1)}.enabled());
}
