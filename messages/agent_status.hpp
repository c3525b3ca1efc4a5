#pragma once

#include <cstdint>
#include <string>

namespace hubwatch {

/// An agent's status as SCHEMA.md derives it.
enum class agent_status : uint8_t {
  running,
  idle,
  error,
  stopped,
};

const char* to_string(agent_status x);

} // namespace hubwatch
