#define CAF_SUITE string_pool

#include "hubwatch/core/string_pool.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;

CAF_TEST(holders of the same text share one copy) {
  string_pool pool;
  string_pool::handle a = 0, b = 0, c = 0;
  pool.assign(a, "worker");
  pool.assign(b, "worker");
  pool.assign(c, "inference");
  CAF_CHECK_EQUAL(a, b);
  CAF_CHECK_NOT_EQUAL(a, c);
  CAF_CHECK_EQUAL(pool.get(a), "worker");
  CAF_CHECK_EQUAL(pool.get(c), "inference");
  CAF_CHECK_EQUAL(pool.size(), 2u);
  // The empty string is handle 0 and never stored.
  string_pool::handle e = 0;
  pool.assign(e, "");
  CAF_CHECK_EQUAL(e, 0u);
  CAF_CHECK_EQUAL(pool.get(e), "");
  CAF_CHECK_EQUAL(pool.size(), 2u);
}

CAF_TEST(the last holder to let go frees the text) {
  string_pool pool;
  string_pool::handle a = 0, b = 0;
  pool.assign(a, "worker");
  pool.assign(b, "worker");
  pool.assign(a, "idle");
  CAF_CHECK_EQUAL(pool.get(a), "idle");
  CAF_CHECK_EQUAL(pool.get(b), "worker");
  CAF_CHECK_EQUAL(pool.size(), 2u);
  pool.release(b);
  CAF_CHECK_EQUAL(b, 0u);
  CAF_CHECK_EQUAL(pool.size(), 1u);
  // Assigning the same text again changes nothing.
  auto before = a;
  pool.assign(a, "idle");
  CAF_CHECK_EQUAL(a, before);
  CAF_CHECK_EQUAL(pool.size(), 1u);
  pool.assign(a, "");
  CAF_CHECK_EQUAL(pool.size(), 0u);
  // Many distinct texts, one at a time: the pool holds only the live one.
  string_pool::handle x = 0;
  for (int i = 0; i < 1000; ++i)
    pool.assign(x, "job-" + std::to_string(i));
  CAF_CHECK_EQUAL(pool.size(), 1u);
  CAF_CHECK_EQUAL(pool.get(x), "job-999");
}
