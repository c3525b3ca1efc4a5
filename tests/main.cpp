// The caf-test runner's main(); every other file in tests/ is one CAF_SUITE.
#define CAF_TEST_UNIT_TEST_IMPL
#include <caf/test/unit_test_impl.hpp>
