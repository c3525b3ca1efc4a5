#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/test/unit_test.hpp>

#include "hubwatch/messages/fwd.hpp"

namespace hubwatch::test {

/// An actor system config with every hubwatch type registered.
struct config : caf::actor_system_config {
  config() {
    hubwatch::add_message_types(*this);
  }
};

/// The frames captured from a real hub (tests/data), one per line. A missing
/// or empty fixture fails the test here, naming the file, instead of leaving
/// the caller to index an empty vector.
inline std::vector<std::string> wire_frames(const std::string& file) {
  auto path = std::string{HUBWATCH_DATA_DIR} + "/" + file;
  std::ifstream in{path};
  if (!in)
    CAF_FAIL("test fixture missing: cannot open " << path);
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      result.push_back(line);
  if (result.empty())
    CAF_FAIL("test fixture empty: no frames in " << path);
  return result;
}

} // namespace hubwatch::test
