#define CAF_SUITE demo_script

#include "simulator/demo_script.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

using namespace hubwatch::hub;
using namespace std::chrono_literals;

namespace json = boost::json;
using json::error_code;

namespace {

// 2026-11-25T17:30:05Z
const auto fixed_now =
  std::chrono::system_clock::time_point{std::chrono::seconds{1795627805}};

struct event {
  std::string type;
  std::string agent_id;
  json::object payload;
  int64_t at_ms;
};

/// Runs a script for `total` simulated time in 100 ms steps and checks the
/// shape of every frame on the way.
std::vector<event> run_script(demo_script& script,
                              std::chrono::milliseconds total) {
  std::vector<event> result;
  while (script.elapsed() < total) {
    for (auto& frame : script.advance(100ms, fixed_now)) {
      CAF_CHECK_LESS(frame.size(), 1000u);
      error_code ec;
      auto val = json::parse(frame, ec);
      CAF_REQUIRE(!ec);
      CAF_REQUIRE(val.is_object());
      auto& obj = val.as_object();
      for (auto key : {"type", "agentId", "agentName", "timestamp"}) {
        CAF_REQUIRE(obj.contains(key));
        CAF_REQUIRE(obj.at(key).is_string());
      }
      CAF_REQUIRE(obj.contains("payload"));
      CAF_REQUIRE(obj.at("payload").is_object());
      CAF_CHECK_EQUAL(obj.at("timestamp").as_string(), "2026-11-25T17:30:05Z");
      result.push_back(event{std::string{obj.at("type").as_string()},
                             std::string{obj.at("agentId").as_string()},
                             obj.at("payload").as_object(),
                             script.elapsed().count()});
    }
  }
  return result;
}

size_t count(const std::vector<event>& events, const std::string& type,
             const std::string& agent_id) {
  size_t n = 0;
  for (auto& ev : events)
    if (ev.type == type && ev.agent_id == agent_id)
      ++n;
  return n;
}

} // namespace

CAF_TEST(rfc3339 formats UTC with whole seconds) {
  CAF_CHECK_EQUAL(rfc3339(fixed_now), "2026-11-25T17:30:05Z");
  CAF_CHECK_EQUAL(rfc3339(fixed_now + 999ms), "2026-11-25T17:30:05Z");
}

CAF_TEST(every agent heartbeats within the first five seconds) {
  demo_script script{42};
  auto events = run_script(script, 5000ms);
  for (auto id : {"coord-001", "inf-001", "defi-001"})
    CAF_CHECK_GREATER_OR_EQUAL(count(events, "heartbeat", id), 1u);
  auto greeting = script.heartbeats(fixed_now);
  CAF_REQUIRE_EQUAL(greeting.size(), 3u);
  std::vector<std::string> ids;
  for (auto& frame : greeting) {
    auto val = json::parse(frame);
    CAF_CHECK_EQUAL(val.at("type").as_string(), "heartbeat");
    ids.emplace_back(val.at("agentId").as_string());
  }
  CAF_CHECK_EQUAL(
    ids, (std::vector<std::string>{"coord-001", "inf-001", "defi-001"}));
}

CAF_TEST(the script keeps the real hub cadence and shapes) {
  demo_script script{7};
  auto events = run_script(script, 600s);
  // A heartbeat round at 0, 5, ..., 600 s.
  for (auto id : {"coord-001", "inf-001", "defi-001"})
    CAF_CHECK_EQUAL(count(events, "heartbeat", id), 121u);
  auto inf_results = count(events, "task_result", "inf-001");
  CAF_CHECK_GREATER_OR_EQUAL(inf_results, 30u);
  CAF_CHECK_LESS_OR_EQUAL(inf_results, 60u);
  auto defi_results = count(events, "task_result", "defi-001");
  CAF_CHECK_GREATER_OR_EQUAL(defi_results, 20u);
  CAF_CHECK_LESS_OR_EQUAL(defi_results, 40u);
  CAF_CHECK_GREATER_OR_EQUAL(count(events, "vault_decision", "defi-001"), 15u);
  // Every status shows up, in lifecycle order.
  std::vector<std::string> lifecycle;
  for (auto& ev : events)
    if (ev.agent_id == "exec-001")
      lifecycle.push_back(ev.type);
  CAF_REQUIRE_GREATER_OR_EQUAL(lifecycle.size(), 3u * 25);
  const char* cycle[] = {"agent_started", "agent_error", "agent_stopped"};
  for (size_t i = 0; i < lifecycle.size(); ++i)
    CAF_CHECK_EQUAL(lifecycle[i], cycle[i % 3]);
  // Risk checks: requested, assigned, then approved or denied, same task.
  std::string task;
  std::string last;
  size_t verdicts = 0;
  for (auto& ev : events) {
    if (ev.type == "risk_check_requested") {
      CAF_CHECK(last.empty() || last == "verdict");
      task = std::string{ev.payload.at("task_id").as_string()};
      last = ev.type;
    } else if (ev.type == "task_assignment") {
      CAF_CHECK_EQUAL(last, "risk_check_requested");
      CAF_CHECK_EQUAL(ev.payload.at("task_id").as_string(), task);
      last = ev.type;
    } else if (ev.type == "risk_check_approved" ||
               ev.type == "risk_check_denied") {
      CAF_CHECK_EQUAL(last, "task_assignment");
      CAF_CHECK_EQUAL(ev.payload.at("task_id").as_string(), task);
      last = "verdict";
      ++verdicts;
    }
  }
  CAF_CHECK_GREATER_OR_EQUAL(verdicts, 12u);
  // Payloads the dashboard relies on, in both spellings.
  bool trading = false;
  bool running = false;
  for (auto& ev : events) {
    if (ev.type != "heartbeat")
      continue;
    auto& status = ev.payload.at("status").as_string();
    if (ev.agent_id == "inf-001") {
      CAF_CHECK_EQUAL(status, "running");
      CAF_CHECK(ev.payload.at("currentTask").is_string());
      CAF_CHECK(ev.payload.at("uptimeSeconds").is_number());
      CAF_CHECK(ev.payload.at("inft").is_object());
      CAF_CHECK(ev.payload.at("storage").is_object());
    } else if (ev.agent_id == "defi-001") {
      if (status == "trading") {
        trading = true;
        CAF_CHECK(ev.payload.at("current_task").is_string());
        CAF_CHECK(ev.payload.at("uptime_seconds").is_number());
      } else {
        running = true;
        CAF_CHECK_EQUAL(status, "running");
      }
    } else {
      CAF_CHECK(ev.payload.at("monitoringSequence").is_string());
    }
  }
  CAF_CHECK(trading);
  CAF_CHECK(running);
  for (auto& ev : events)
    if (ev.type == "agent_error")
      CAF_CHECK(ev.payload.at("error").is_string());
}

CAF_TEST(the same seed gives the same script) {
  demo_script a{3};
  demo_script b{3};
  demo_script c{4};
  std::vector<std::string> xs;
  std::vector<std::string> ys;
  std::vector<std::string> zs;
  for (int i = 0; i < 600; ++i) {
    for (auto& frame : a.advance(100ms, fixed_now))
      xs.push_back(frame);
    for (auto& frame : b.advance(100ms, fixed_now))
      ys.push_back(frame);
    for (auto& frame : c.advance(100ms, fixed_now))
      zs.push_back(frame);
  }
  CAF_CHECK_EQUAL(xs, ys);
  CAF_CHECK_NOT_EQUAL(xs, zs);
  // Big steps see the same events as small ones.
  demo_script d{3};
  auto all = d.advance(60s, fixed_now);
  CAF_CHECK_EQUAL(all, xs);
}

CAF_TEST(like the real hub the script has no extras) {
  demo_script script{7, true};
  auto events = run_script(script, 600s);
  for (auto id : {"coord-001", "inf-001", "defi-001"})
    CAF_CHECK_EQUAL(count(events, "heartbeat", id), 121u);
  CAF_CHECK_GREATER_OR_EQUAL(count(events, "task_result", "inf-001"), 30u);
  CAF_CHECK_GREATER_OR_EQUAL(count(events, "vault_decision", "defi-001"), 15u);
  for (auto& ev : events) {
    CAF_CHECK_NOT_EQUAL(ev.agent_id, "exec-001");
    CAF_CHECK(ev.type != "agent_started" && ev.type != "agent_stopped" &&
              ev.type != "agent_error");
    if (ev.type != "heartbeat")
      continue;
    for (auto key : {"current_task", "uptime_seconds"})
      CAF_CHECK(!ev.payload.contains(key));
    if (ev.agent_id == "inf-001") {
      // As captured from a real hub: no status, task or uptime.
      for (auto key : {"status", "currentTask", "uptimeSeconds"})
        CAF_CHECK(!ev.payload.contains(key));
      CAF_CHECK(ev.payload.at("inft").is_object());
    } else {
      CAF_CHECK_EQUAL(ev.payload.at("status").as_string(), "running");
    }
  }
}
