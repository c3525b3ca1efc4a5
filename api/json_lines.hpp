#pragma once

#include <cstdint>
#include <string>

#include "messages/hub_update.hpp"
#include "messages/observer_snapshot.hpp"

namespace hubwatch {

/// The `--json` output of the command-line programs: one JSON object per
/// line. A public interface (scripts depend on it): fields are only ever
/// added, never renamed or removed. `t_ms` is milliseconds since the program
/// started; `node` tags lines that came from a remote node.
class json_lines {
public:
  explicit json_lines(std::string node = {}) : node_(std::move(node)) {
    // nop
  }

  std::string status(int64_t t_ms, const connection_status& x) const;

  std::string event(int64_t t_ms, const daemon_event& x) const;

  std::string agent(int64_t t_ms, const agent_info& x) const;

  std::string parse_error(int64_t t_ms, const hubwatch::parse_error& x) const;

  std::string missed(int64_t t_ms, uint64_t count) const;

  /// Any update, by kind.
  std::string update(int64_t t_ms, const hub_update& x) const;

  std::string summary(int64_t t_ms, const observer_counters& counters,
                      double seconds) const;

private:
  std::string node_;
};

} // namespace hubwatch
