#define CAF_SUITE inline_text

#include "hubwatch/messages/inline_text.hpp"

#include <string>
#include <utility>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/optional.hpp>
#include <caf/test/unit_test.hpp>

#include "alloc_probe.hpp"
#include "hubwatch/messages/agent_info.hpp"
#include "hubwatch/messages/daemon_event.hpp"

using namespace hubwatch;

namespace {

constexpr auto cap = inline_text::inline_capacity;

// The longest RFC 3339 form: 35 bytes.
constexpr const char* long_time = "2026-11-25T17:30:05.123456789+05:30";

std::vector<char> serialized(const std::string& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto copy = x;
  CAF_REQUIRE(!sink(copy));
  return buf;
}

std::vector<char> serialized(inline_text& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  CAF_REQUIRE(!sink(x));
  return buf;
}

} // namespace

CAF_TEST(text up to the inline capacity stays inside the object) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{20},
                   size_t{35}, cap}) {
    CAF_MESSAGE("length " << n);
    std::string src(n, 'x');
    inline_text x{src};
    CAF_CHECK(x.is_inline());
    CAF_CHECK_EQUAL(x.size(), n);
    CAF_CHECK_EQUAL(x.empty(), n == 0);
    CAF_CHECK_EQUAL(x.str(), src);
    auto* self = reinterpret_cast<const char*>(&x);
    CAF_CHECK(x.data() >= self && x.data() + n <= self + sizeof(x));
  }
  CAF_CHECK(inline_text{long_time}.is_inline());
  CAF_CHECK(inline_text{"risk_check_requested"}.is_inline());
}

CAF_TEST(longer text goes to the heap and is kept exactly) {
  for (size_t n : {cap + 1, size_t{100}, size_t{70000}}) {
    CAF_MESSAGE("length " << n);
    std::string src;
    for (size_t i = 0; i < n; ++i)
      src += static_cast<char>('a' + i % 26);
    inline_text x{src};
    CAF_CHECK(!x.is_inline());
    CAF_CHECK_EQUAL(x.size(), n);
    CAF_CHECK_EQUAL(x.str(), src);
  }
}

CAF_TEST(any bytes are kept including zeros) {
  std::string src{"a\0b\xff", 4};
  inline_text x{src};
  CAF_CHECK_EQUAL(x.size(), 4u);
  CAF_CHECK(x == src);
  std::string big(cap + 5, '\0');
  big[3] = '\xfe';
  x = big;
  CAF_CHECK(!x.is_inline());
  CAF_CHECK(x == big);
}

CAF_TEST(copies and moves between inline and heap states) {
  std::string heap_text(cap + 10, 'h');
  std::string other_heap(cap + 1, 'o');
  inline_text small{"2026-11-25T18:00:13Z"};
  inline_text big{heap_text};
  // Copies.
  inline_text small_copy{small};
  inline_text big_copy{big};
  CAF_CHECK(small_copy.is_inline());
  CAF_CHECK(!big_copy.is_inline());
  CAF_CHECK(big_copy.data() != big.data());
  CAF_CHECK_EQUAL(big_copy, big);
  CAF_CHECK_EQUAL(small_copy, small);
  // Heap to inline and back.
  big_copy = small;
  CAF_CHECK(big_copy.is_inline());
  CAF_CHECK_EQUAL(big_copy, small);
  small_copy = big;
  CAF_CHECK(!small_copy.is_inline());
  CAF_CHECK_EQUAL(small_copy, big);
  // A heap buffer large enough is reused.
  auto* buffer = small_copy.data();
  small_copy = other_heap;
  CAF_CHECK_EQUAL(small_copy.data(), buffer);
  CAF_CHECK_EQUAL(small_copy, other_heap);
  // Moves take the heap buffer and leave the source empty.
  auto* bytes = big.data();
  inline_text moved{std::move(big)};
  CAF_CHECK_EQUAL(moved.data(), bytes);
  CAF_CHECK(big.empty());
  CAF_CHECK(big.is_inline());
  inline_text target{"something"};
  target = std::move(moved);
  CAF_CHECK_EQUAL(target.data(), bytes);
  CAF_CHECK_EQUAL(target, heap_text);
  CAF_CHECK(moved.empty());
  inline_text small_target{heap_text};
  small_target = std::move(small);
  CAF_CHECK(small_target.is_inline());
  CAF_CHECK_EQUAL(small_target, "2026-11-25T18:00:13Z");
  // The moved-from objects are usable.
  big = "again";
  CAF_CHECK_EQUAL(big, "again");
}

CAF_TEST(assigning itself or a part of itself) {
  std::string heap_text(cap + 10, 'h');
  heap_text[cap + 9] = 't';
  inline_text x{heap_text};
  auto& same = x;
  x = same;
  CAF_CHECK_EQUAL(x, heap_text);
  x = std::move(same);
  CAF_CHECK_EQUAL(x, heap_text);
  // The tail of its own heap bytes, short enough to go inline.
  x = x.view().substr(cap);
  CAF_CHECK(x.is_inline());
  CAF_CHECK_EQUAL(x, std::string(9, 'h') + "t");
  inline_text y{"2026-11-25T18:00:13Z"};
  y = y.view().substr(11);
  CAF_CHECK_EQUAL(y, "18:00:13Z");
  inline_text z{heap_text + heap_text};
  z = z.view().substr(1);
  CAF_CHECK_EQUAL(z, (heap_text + heap_text).substr(1));
  z.clear();
  CAF_CHECK(z.empty());
  CAF_CHECK(z.is_inline());
}

CAF_TEST(comparisons) {
  inline_text a{"heartbeat"};
  inline_text b{"task_assignment"};
  inline_text long_a{std::string(cap + 2, 'a')};
  CAF_CHECK(a == inline_text{"heartbeat"});
  CAF_CHECK(a != b);
  CAF_CHECK(a < b);
  CAF_CHECK(!(b < a));
  CAF_CHECK(long_a < a);
  CAF_CHECK(a == "heartbeat");
  CAF_CHECK("heartbeat" == a);
  CAF_CHECK(a != "heartbeats");
  CAF_CHECK("heart" != a);
  CAF_CHECK(a == std::string{"heartbeat"});
  CAF_CHECK(std::string{"heartbeat"} == a);
  CAF_CHECK(a == std::string_view{"heartbeat"});
  CAF_CHECK(std::string_view{"heartbeat"} == a);
  CAF_CHECK(a < "zzz");
  CAF_CHECK("aaa" < a);
  CAF_CHECK(a < std::string{"i"});
  CAF_CHECK(std::string_view{"h"} < a);
  CAF_CHECK(!(a < std::string_view{"heartbeat"}));
  CAF_CHECK(inline_text{} == "");
  CAF_CHECK(inline_text{} < "a");
  // A zero byte is a byte like any other.
  CAF_CHECK(inline_text{std::string{"a\0b", 3}} != "a");
  CAF_CHECK_EQUAL(to_string(a), "heartbeat");
  CAF_CHECK_EQUAL(to_string(long_a), std::string(cap + 2, 'a'));
}

CAF_TEST(on the wire it is exactly a std::string) {
  for (size_t n : {size_t{0}, size_t{5}, size_t{20}, cap, cap + 1, size_t{127},
                   size_t{128}, size_t{70000}}) {
    CAF_MESSAGE("length " << n);
    std::string src;
    for (size_t i = 0; i < n; ++i)
      src += static_cast<char>(i % 251);
    inline_text x{src};
    auto bytes = serialized(x);
    CAF_CHECK(bytes == serialized(src));
    // Loading replaces whatever was there, inline or on the heap.
    for (auto before : {std::string{"old"}, std::string(cap + 30, 'q')}) {
      inline_text back{before};
      caf::binary_deserializer source{nullptr, bytes};
      CAF_CHECK(!source(back));
      CAF_CHECK_EQUAL(source.remaining(), 0u);
      CAF_CHECK_EQUAL(back, src);
      CAF_CHECK_EQUAL(back.is_inline(), n <= cap);
    }
    // A std::string reads what it wrote, and it what a std::string wrote.
    std::string as_string;
    caf::binary_deserializer source{nullptr, bytes};
    CAF_CHECK(!source(as_string));
    CAF_CHECK_EQUAL(as_string, src);
  }
}

CAF_TEST(a message field serializes as its std::string did) {
  // The layout of daemon_event before: the two texts were std::strings.
  daemon_event ev;
  ev.seq = 7;
  ev.type = event_type::heartbeat;
  ev.type_name = "risk_check_requested";
  ev.agent_id = "inf-001";
  ev.timestamp = long_time;
  std::vector<char> now;
  {
    caf::binary_serializer sink{nullptr, now};
    CAF_REQUIRE(!sink(ev));
  }
  std::vector<char> before;
  {
    caf::binary_serializer sink{nullptr, before};
    std::string type_name = ev.type_name.str();
    std::string timestamp = ev.timestamp.str();
    CAF_REQUIRE(!sink(caf::meta::type_name("daemon_event"), ev.seq, ev.type,
                      type_name, ev.agent_id, ev.agent_name, timestamp, ev.time,
                      ev.payload, ev.fields));
  }
  CAF_CHECK(now == before);
  daemon_event back;
  caf::binary_deserializer source{nullptr, now};
  CAF_CHECK(!source(back));
  CAF_CHECK_EQUAL(back, ev);
  // And an optional one, as agent_info carries.
  caf::optional<inline_text> seen = inline_text{long_time};
  caf::optional<std::string> seen_before = std::string{long_time};
  std::vector<char> a;
  std::vector<char> b;
  caf::binary_serializer sink_a{nullptr, a};
  caf::binary_serializer sink_b{nullptr, b};
  CAF_CHECK(!sink_a(seen));
  CAF_CHECK(!sink_b(seen_before));
  CAF_CHECK(a == b);
  caf::optional<inline_text> seen_back;
  caf::binary_deserializer source_a{nullptr, a};
  CAF_CHECK(!source_a(seen_back));
  CAF_CHECK_EQUAL(seen_back, seen);
}

CAF_TEST(a length larger than the input fails without reserving it) {
  // Varbyte 0xFFFFFFFF (about 4 GiB), then three bytes.
  std::vector<char> bytes{'\xff', '\xff', '\xff', '\xff',
                          '\x0f', 'a',    'b',    'c'};
  inline_text x{"kept"};
  caf::binary_deserializer source{nullptr, bytes};
  CAF_CHECK(source(x));
  CAF_CHECK_EQUAL(x, "kept");
  // A short one that ends early fails as well.
  std::vector<char> short_bytes{'\x05', 'a', 'b'};
  caf::binary_deserializer short_source{nullptr, short_bytes};
  CAF_CHECK(short_source(x));
  CAF_CHECK_EQUAL(x, "kept");
}

CAF_TEST(assigning text of inline length allocates nothing) {
  if (!test::alloc_probe::counts()) {
    CAF_MESSAGE("skipped: a sanitizer build counts no allocations");
    return;
  }
  std::string heap_text(cap + 20, 'h');
  inline_text source{long_time};
  inline_text from_heap{heap_text};
  inline_text slot{"2026-11-25T18:00:13Z"};
  std::string as_string{"2026-11-25T18:00:14.5Z"};
  caf::optional<inline_text> seen = inline_text{"T0"};
  {
    test::alloc_probe probe;
    slot = source;
    slot = "task_assignment_long_name";
    slot = as_string;
    slot = std::string_view{long_time};
    inline_text copy{source};
    inline_text moved{std::move(copy)};
    slot = std::move(moved);
    // The heap buffer goes; freeing allocates nothing.
    from_heap = source;
    seen = slot;
    CAF_CHECK_EQUAL(probe.count(), 0u);
  }
  CAF_CHECK_EQUAL(slot, long_time);
  CAF_CHECK(from_heap.is_inline());
  CAF_CHECK_EQUAL(seen, inline_text{long_time});
  // Loading text of inline length allocates nothing either.
  auto bytes = serialized(source);
  {
    test::alloc_probe probe;
    caf::binary_deserializer in{nullptr, bytes};
    CAF_CHECK(!in(slot));
    CAF_CHECK_EQUAL(probe.count(), 0u);
  }
  // The probe counts: text beyond the inline capacity takes one allocation,
  // a std::string of the same length takes one as well.
  {
    test::alloc_probe probe;
    slot = heap_text;
    CAF_CHECK_EQUAL(probe.count(), 1u);
    std::string copy{long_time};
    CAF_CHECK_EQUAL(probe.count(), 2u);
  }
}
