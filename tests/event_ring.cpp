#define CAF_SUITE event_ring

#include "hubwatch/core/event_ring.hpp"

#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

using namespace hubwatch;

CAF_TEST(the ring keeps the newest elements oldest first and counts evictions) {
  event_ring<int> ring{3};
  for (int i = 1; i <= 5; ++i)
    ring.push(i);
  CAF_CHECK_EQUAL(ring.size(), 3u);
  CAF_CHECK_EQUAL(ring.dropped(), 2u);
  CAF_CHECK_EQUAL(ring.to_vector(), std::vector<int>({3, 4, 5}));
  CAF_CHECK_EQUAL(ring[0], 3);
  CAF_CHECK_EQUAL(ring[2], 5);
}

CAF_TEST(a ring of capacity zero keeps nothing and counts every push) {
  event_ring<std::string> ring{0};
  ring.push(std::string{"a"});
  const std::string b{"b"};
  ring.push(b);
  CAF_CHECK_EQUAL(ring.size(), 0u);
  CAF_CHECK_EQUAL(ring.dropped(), 2u);
  CAF_CHECK(ring.to_vector().empty());
}

// The registry copies every event into the ring. Once the ring is full, the
// copy goes into the evicted element's strings, whose buffers are reused:
// no allocation per event. A copy constructed first and then moved in would
// bring a fresh buffer each time.
CAF_TEST(a full ring copies into the evicted slot and reuses its buffers) {
  event_ring<std::string> ring{2};
  const std::string long_a(64, 'a');
  const std::string long_b(64, 'b');
  ring.push(long_a);
  ring.push(long_b);
  auto* oldest_buffer = ring[0].data();
  const std::string long_c(48, 'c');
  ring.push(long_c);
  CAF_CHECK_EQUAL(ring[1], long_c);
  CAF_CHECK_EQUAL(ring[1].data(), oldest_buffer);
  CAF_CHECK_EQUAL(ring.to_vector(), std::vector<std::string>({long_b, long_c}));
}

CAF_TEST(a moved element is taken as it is) {
  event_ring<std::string> ring{1};
  std::string x(64, 'x');
  auto* buffer = x.data();
  ring.push(std::move(x));
  CAF_CHECK_EQUAL(ring[0].data(), buffer);
  CAF_CHECK_EQUAL(ring.dropped(), 0u);
}
