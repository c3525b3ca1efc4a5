#pragma once

// The facade's answers are `caf::expected`: a test that gets an error
// instead fails there, naming it, rather than reading a default value.

#include <string>
#include <utility>

#include <caf/expected.hpp>
#include <caf/test/unit_test.hpp>

namespace hubwatch {

template <class T>
T must(caf::expected<T> x) {
  if (!x)
    CAF_FAIL("no answer from the observer: " << caf::to_string(x.error()));
  return std::move(*x);
}

} // namespace hubwatch
