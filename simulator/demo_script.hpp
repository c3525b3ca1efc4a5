#pragma once

#include <chrono>
#include <cstdint>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace hubwatch::hub {

/// Formats a time as RFC 3339 in UTC with whole seconds, the way the hub
/// stamps its events ("2026-11-25T18:00:13Z").
std::string rfc3339(std::chrono::system_clock::time_point time);

/// What a real hub in demo mode publishes, on its cadence (see
/// docs/wire-schema.md): heartbeats from coord-001, inf-001 and defi-001
/// every 5 s, task results, risk-check sequences and vault decisions, and an
/// executor exec-001 that cycles started -> error -> stopped about every 20 s.
///
/// That is a superset of a real hub's demo mode. With `like_real_hub` it is
/// what the real hub publishes and nothing more: no exec-001 (so no
/// lifecycle events), no snake_case heartbeat fields, no status word but
/// `running`, and inf-001's heartbeat without status, currentTask and
/// uptimeSeconds (as in tests/data/realhub-demo.jsonl).
///
/// The script runs on simulated time that only advance() moves, so a test
/// can run minutes of it in no time; frames are stamped with the wall-clock
/// time the caller passes. Not thread-safe; all randomness comes from the
/// instance's own seeded generator.
class demo_script {
public:
  using clock = std::chrono::system_clock;

  explicit demo_script(uint64_t seed = 1, bool like_real_hub = false);

  /// Moves simulated time forward by `dt` and returns the frames that fell
  /// due meanwhile, in order, stamped with `now`.
  std::vector<std::string> advance(std::chrono::milliseconds dt,
                                   clock::time_point now = clock::now());

  /// One heartbeat from each heartbeating agent, for a client that just
  /// connected (the hub replays nothing, but a dashboard should not wait
  /// 5 s for its first agents).
  std::vector<std::string> heartbeats(clock::time_point now = clock::now());

  /// Simulated time since the start.
  std::chrono::milliseconds elapsed() const {
    return std::chrono::milliseconds{now_ms_};
  }

private:
  enum class step : uint8_t {
    heartbeats,
    inference_result,
    defi_result,
    risk_check,
    risk_vault_decision,
    risk_verdict,
    vault_decision,
    exec_started,
    exec_error,
    exec_stopped,
  };

  struct due {
    int64_t at_ms;
    uint64_t order;
    step what;

    // For a min-heap: earliest first, then in scheduling order.
    bool operator<(const due& other) const {
      return at_ms != other.at_ms ? at_ms > other.at_ms : order > other.order;
    }
  };

  void schedule(int64_t at_ms, step what);

  void run(const due& item, const std::string& ts,
           std::vector<std::string>& out);

  int64_t uniform_ms(int64_t lo, int64_t hi);

  double uniform(double lo, double hi, int decimals);

  std::string hex(size_t digits);

  std::string coord_heartbeat(const std::string& ts);

  std::string inference_heartbeat(const std::string& ts);

  std::string defi_heartbeat(const std::string& ts);

  std::string inference_result(const std::string& ts);

  std::string defi_result(const std::string& ts);

  std::string vault_decision(const std::string& ts, bool execute);

  std::string risk_event(const char* type, const char* reason,
                         const std::string& ts);

  int64_t uptime_s(int64_t base) const {
    return base + now_ms_ / 1000;
  }

  bool like_real_hub_;
  std::mt19937_64 rng_;
  int64_t now_ms_ = 0;
  uint64_t order_ = 0;
  std::priority_queue<due> queue_;

  // Script state that shows up in the payloads.
  uint64_t monitoring_step_ = 0;
  uint64_t next_job_ = 5671;
  uint64_t total_inferences_ = 5678;
  uint64_t storage_objects_ = 6912;
  uint64_t next_trade_ = 1;
  uint64_t failures_ = 0;
  std::string risk_task_;
};

} // namespace hubwatch::hub
