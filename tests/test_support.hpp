#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "messages/fwd.hpp"

namespace hubwatch::test {

/// An actor system config with every hubwatch type registered.
struct config : caf::actor_system_config {
  config() {
    hubwatch::add_message_types(*this);
  }
};

/// The frames captured from a real hub (../shared/wire), one per line.
inline std::vector<std::string> wire_frames(const std::string& file) {
  std::vector<std::string> result;
  std::ifstream in{std::string{HUBWATCH_WIRE_DIR} + "/" + file};
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      result.push_back(line);
  return result;
}

} // namespace hubwatch::test
