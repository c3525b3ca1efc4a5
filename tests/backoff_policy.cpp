#define CAF_SUITE backoff_policy

#include "core/backoff_policy.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;
using namespace std::chrono;

namespace {

double ms(caf::timespan x) {
  return duration_cast<duration<double, std::milli>>(x).count();
}

} // namespace

CAF_TEST(default schedule) {
  backoff_policy p{websocket_config{}};
  std::vector<double> expected{2000,    3000,     4500,  6750,  10125,
                               15187.5, 22781.25, 30000, 30000, 30000};
  for (uint32_t n = 0; n < expected.size(); ++n)
    CAF_CHECK_EQUAL(ms(p.delay(n, 0.5)), expected[n]);
  CAF_CHECK(!p.exhausted(1000));
}

CAF_TEST(the cap holds for huge attempt numbers) {
  backoff_policy p{milliseconds(100), 10.0, seconds(5)};
  CAF_CHECK_EQUAL(p.base_delay(1), milliseconds(1000));
  CAF_CHECK_EQUAL(p.base_delay(2), seconds(5));
  CAF_CHECK_EQUAL(p.base_delay(4000000000u), seconds(5));
}

CAF_TEST(jitter stays within its bounds) {
  backoff_policy p{milliseconds(1000), 2.0, seconds(30), 0, 0.25};
  CAF_CHECK_EQUAL(p.delay(0, 0.0), milliseconds(750));
  CAF_CHECK_EQUAL(p.delay(0, 0.5), milliseconds(1000));
  CAF_CHECK_EQUAL(p.delay(0, 1.0), milliseconds(1250));
  CAF_CHECK_EQUAL(p.delay(1, 0.0), milliseconds(1500));
  for (double u = 0; u < 1.0; u += 0.01) {
    auto d = p.delay(3, u);
    CAF_CHECK_GREATER_OR_EQUAL(d, milliseconds(6000));
    CAF_CHECK_LESS_OR_EQUAL(d, milliseconds(10000));
  }
}

CAF_TEST(max attempts) {
  backoff_policy p{milliseconds(10), 1.5, seconds(1), 3};
  CAF_CHECK(!p.exhausted(0));
  CAF_CHECK(!p.exhausted(2));
  CAF_CHECK(p.exhausted(3));
  CAF_CHECK(p.exhausted(4));
}
