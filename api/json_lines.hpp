#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"

namespace hubwatch {

/// The `--json` output of the command-line programs: one JSON object per
/// line. A public interface (scripts depend on it): fields are only ever
/// added, never renamed or removed. `t_ms` is milliseconds since the program
/// started; `node` tags lines that came from a remote node, `via` (an
/// array, when set) the nodes the stream passed through (see
/// `observer_snapshot::via`).
class json_lines {
public:
  explicit json_lines(std::string node = {}) : node_(std::move(node)) {
    // nop
  }

  /// The hub connection's status (of this program's observer, or of the
  /// node's when tagged).
  std::string status(int64_t t_ms, const connection_status& x) const;

  /// The status of the link to a node: a `status` line with
  /// `"scope":"link"` (status lines without `scope` are the hub's).
  std::string link_status(int64_t t_ms, const connection_status& x) const;

  /// What a node sent on (re)connecting, before its `agent` and `status`
  /// lines: `events` (in its history), `agents`, and its counters
  /// `events_total`, `parse_errors` and `reconnects` (of its hub
  /// connection).
  std::string snapshot(int64_t t_ms, const observer_snapshot& x) const;

  std::string event(int64_t t_ms, const daemon_event& x) const;

  std::string agent(int64_t t_ms, const agent_info& x) const;

  std::string parse_error(int64_t t_ms, const hubwatch::parse_error& x) const;

  std::string missed(int64_t t_ms, uint64_t count) const;

  /// Any update, by kind.
  std::string update(int64_t t_ms, const hub_update& x) const;

  std::string summary(int64_t t_ms, const observer_counters& counters,
                      double seconds) const;

  /// The path of the stream from now on (a node's snapshot carries it);
  /// empty: no `via` member. Not on `link` status lines, which are this
  /// program's own.
  void via(std::vector<std::string> path) {
    via_ = std::move(path);
  }

private:
  std::string node_;
  std::vector<std::string> via_;
};

} // namespace hubwatch
