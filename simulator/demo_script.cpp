#include "simulator/demo_script.hpp"

#include <cmath>
#include <ctime>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace hubwatch::hub {

namespace json = boost::json;

namespace {

struct agent {
  const char* id;
  const char* name;
};

constexpr agent coordinator{"coord-001", "coordinator"};
constexpr agent inference{"inf-001", "inference"};
constexpr agent defi{"defi-001", "defi"};
constexpr agent executor{"exec-001", "executor"};

constexpr int64_t heartbeat_ms = 5000;

// Uptimes at the script's start: the agents have been up for a while.
constexpr int64_t inference_base_uptime = 3605;
constexpr int64_t defi_base_uptime = 7260;

const char* const monitoring_sequences[] = {
  "01_market_scan",     "02_inference_health", "03_risk_review",
  "04_vault_rebalance", "05_defi_pnl",
};

const char* const models[] = {"llama-3-8b", "mistral-7b", "phi-3-mini"};

const char* const pairs[] = {"WETH/USDC", "WETH/DAI", "USDC/USDT"};

std::string frame(const agent& who, const char* type, const std::string& ts,
                  json::object payload) {
  json::object obj;
  obj["type"] = type;
  obj["agentId"] = who.id;
  obj["agentName"] = who.name;
  obj["timestamp"] = ts;
  obj["payload"] = std::move(payload);
  return json::serialize(obj);
}

} // namespace

std::string rfc3339(std::chrono::system_clock::time_point time) {
  auto secs = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

demo_script::demo_script(uint64_t seed, bool like_real_hub)
  : like_real_hub_(like_real_hub), rng_(seed) {
  // Heartbeats start right away, like a hub that just came up; everything
  // else first falls due somewhere within its usual interval.
  schedule(0, step::heartbeats);
  schedule(uniform_ms(10000, 20000), step::inference_result);
  schedule(uniform_ms(15000, 30000), step::defi_result);
  schedule(uniform_ms(12000, 40000), step::risk_check);
  schedule(uniform_ms(12000, 40000), step::vault_decision);
  if (!like_real_hub_)
    schedule(uniform_ms(2000, 5000), step::exec_started);
}

std::vector<std::string> demo_script::advance(std::chrono::milliseconds dt,
                                              clock::time_point now) {
  std::vector<std::string> out;
  auto ts = rfc3339(now);
  auto target = now_ms_ + std::max<int64_t>(dt.count(), 0);
  while (!queue_.empty() && queue_.top().at_ms <= target) {
    auto item = queue_.top();
    queue_.pop();
    // Payloads (uptimes) see the time the step was due, not the target.
    now_ms_ = item.at_ms;
    run(item, ts, out);
  }
  now_ms_ = target;
  return out;
}

std::vector<std::string> demo_script::heartbeats(clock::time_point now) {
  auto ts = rfc3339(now);
  return {coord_heartbeat(ts), inference_heartbeat(ts), defi_heartbeat(ts)};
}

void demo_script::schedule(int64_t at_ms, step what) {
  queue_.push(due{at_ms, order_++, what});
}

void demo_script::run(const due& item, const std::string& ts,
                      std::vector<std::string>& out) {
  auto at = item.at_ms;
  switch (item.what) {
  case step::heartbeats:
    out.push_back(coord_heartbeat(ts));
    out.push_back(inference_heartbeat(ts));
    out.push_back(defi_heartbeat(ts));
    schedule(at + heartbeat_ms, step::heartbeats);
    break;
  case step::inference_result:
    out.push_back(inference_result(ts));
    schedule(at + uniform_ms(10000, 20000), step::inference_result);
    break;
  case step::defi_result:
    out.push_back(defi_result(ts));
    schedule(at + uniform_ms(15000, 30000), step::defi_result);
    break;
  case step::risk_check: {
    // The coordinator asks for a risk check, assigns the task, the defi
    // agent decides on its vault, the coordinator rules.
    risk_task_ = "task-" + hex(8);
    out.push_back(risk_event("risk_check_requested", "requested", ts));
    json::object decision{
      {"max_position_usd", uniform_ms(500000000, 900000000)},
      {"max_slippage_bps", uniform_ms(10, 30)},
    };
    json::object inner{{"cre_decision", std::move(decision)}};
    out.push_back(
      frame(coordinator, "task_assignment", ts,
            {{"payload", std::move(inner)}, {"task_id", risk_task_}}));
    schedule(at + uniform_ms(1000, 3000), step::risk_vault_decision);
    break;
  }
  case step::risk_vault_decision:
    out.push_back(vault_decision(ts, true));
    schedule(at + uniform_ms(1000, 2000), step::risk_verdict);
    break;
  case step::risk_verdict:
    if (uniform_ms(0, 99) < 75)
      out.push_back(risk_event("risk_check_approved", "approved", ts));
    else
      out.push_back(risk_event("risk_check_denied", "denied", ts));
    schedule(at + uniform_ms(12000, 40000), step::risk_check);
    break;
  case step::vault_decision:
    out.push_back(vault_decision(ts, false));
    schedule(at + uniform_ms(12000, 40000), step::vault_decision);
    break;
  case step::exec_started:
    out.push_back(frame(executor, "agent_started", ts, {}));
    schedule(at + uniform_ms(1000, 2000), step::exec_error);
    break;
  case step::exec_error: {
    auto error =
      "simulated failure #" + std::to_string(++failures_) + ": rpc timeout";
    out.push_back(frame(executor, "agent_error", ts, {{"error", error}}));
    schedule(at + uniform_ms(1000, 2000), step::exec_stopped);
    break;
  }
  case step::exec_stopped:
    out.push_back(frame(executor, "agent_stopped", ts, {}));
    // A new cycle about every 20 s, counted from this one's start.
    schedule(at + uniform_ms(15000, 19000), step::exec_started);
    break;
  }
}

int64_t demo_script::uniform_ms(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>{lo, hi}(rng_);
}

double demo_script::uniform(double lo, double hi, int decimals) {
  auto x = std::uniform_real_distribution<double>{lo, hi}(rng_);
  auto scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

std::string demo_script::hex(size_t digits) {
  static constexpr char xs[] = "0123456789abcdef";
  std::string result;
  for (size_t i = 0; i < digits; ++i)
    result += xs[uniform_ms(0, 15)];
  return result;
}

std::string demo_script::coord_heartbeat(const std::string& ts) {
  auto n = std::size(monitoring_sequences);
  auto sequence = monitoring_sequences[monitoring_step_++ % n];
  return frame(coordinator, "heartbeat", ts,
               {{"monitoringSequence", sequence}, {"status", "running"}});
}

std::string demo_script::inference_heartbeat(const std::string& ts) {
  json::object inft{
    {"inferenceCount", total_inferences_},
    {"lastActive", ts},
    {"modelName", models[uniform_ms(0, 2)]},
    {"status", "active"},
    {"tokenId", "0.0.98765"},
  };
  storage_objects_ += uniform_ms(0, 2);
  json::object storage{
    {"objectCount", storage_objects_},
    {"totalStorageGb", 50},
    {"usedStorageGb", 18 + storage_objects_ % 1000 / 1000.0},
  };
  json::object payload{
    {"activeJobs", uniform_ms(0, 5)},
    {"avgLatencyMs", uniform_ms(80, 200)},
    {"gpuUtilization", uniform(40, 95, 1)},
    {"inft", std::move(inft)},
    {"memoryUtilization", uniform(30, 70, 1)},
    {"storage", std::move(storage)},
    {"totalInferences", total_inferences_},
  };
  if (!like_real_hub_) {
    // Not in the capture, but the dashboard shows them.
    payload["status"] = "running";
    payload["currentTask"] = "job-" + std::to_string(next_job_);
    payload["uptimeSeconds"] = uptime_s(inference_base_uptime);
  }
  return frame(inference, "heartbeat", ts, std::move(payload));
}

std::string demo_script::defi_heartbeat(const std::string& ts) {
  // Mostly what the real defi agent sends; now and then another status word
  // and the snake_case spellings some agents use.
  if (!like_real_hub_ && uniform_ms(0, 99) < 30)
    return frame(defi, "heartbeat", ts,
                 {{"status", "trading"},
                  {"current_task", "trade-" + std::to_string(next_trade_)},
                  {"uptime_seconds", uptime_s(defi_base_uptime)}});
  return frame(defi, "heartbeat", ts, {{"status", "running"}});
}

std::string demo_script::inference_result(const std::string& ts) {
  ++total_inferences_;
  return frame(inference, "task_result", ts,
               {{"inputTokens", uniform_ms(200, 400)},
                {"jobId", "job-" + std::to_string(next_job_++)},
                {"latencyMs", uniform_ms(80, 200)},
                {"model", models[uniform_ms(0, 2)]},
                {"outputTokens", uniform_ms(50, 350)},
                {"status", "completed"}});
}

std::string demo_script::defi_result(const std::string& ts) {
  auto side = uniform_ms(0, 1) == 0 ? "buy" : "sell";
  return frame(defi, "task_result", ts,
               {{"amount", uniform(0.1, 1.0, 4)},
                {"gasCost", uniform(0.2, 2.0, 2)},
                {"pair", pairs[uniform_ms(0, 2)]},
                {"pnl", uniform(-50, 50, 2)},
                {"price", uniform(3150, 3250, 2)},
                {"side", side},
                {"tradeId", "trade-" + std::to_string(next_trade_++)},
                {"txHash", "0x" + hex(16)}});
}

std::string demo_script::vault_decision(const std::string& ts, bool execute) {
  json::array tools{"uniswap_v3_pool_query", "historical_slot0_sampling",
                    "cre_risk_router_8gate", "obey_vault_state_query"};
  json::object payload;
  if (execute) {
    auto amount_out =
      std::to_string(uniform_ms(300000000000000, 400000000000000));
    payload = {
      {"action", "vault_swap"},
      {"decision", "GO"},
      {"duration_ms", uniform_ms(100000, 200000)},
      {"execution",
       {{"amount_in", std::to_string(uniform_ms(1000000, 5000000))},
        {"amount_out", amount_out},
        {"chain", "Base Sepolia"},
        {"chain_id", 84532},
        {"token_in", "USDC"},
        {"token_out", "WETH"},
        {"tx_hash", "0x" + hex(16)}}},
      {"festival_id", "RI-AM0001"},
      {"phase", "execute"},
      {"reasoning",
       {{"confidence", uniform(0.5, 0.95, 4)},
        {"deviation_pct", uniform(5, 50, 2)},
        {"gates_passed", "6/8"},
        {"net_profit_estimate_usd", uniform(10, 200, 2)},
        {"signal", "BUY"}}},
      {"timestamp", ts},
      {"tools_used", std::move(tools)},
      {"verification",
       {{"actual_output", amount_out}, {"within_tolerance", true}}},
    };
  } else {
    payload = {
      {"action", "market_research_ritual"},
      {"decision", "NO_GO"},
      {"duration_ms", uniform_ms(100000, 200000)},
      {"festival_id", "RI-AM0001"},
      {"phase", "discover"},
      {"reasoning",
       {{"confidence", 0},
        {"deviation_pct", uniform(0.5, 3, 2)},
        {"gates_passed", "6/8"},
        {"net_profit_estimate_usd", 0},
        {"signal", "NO_SIGNAL"}}},
      {"timestamp", ts},
      {"tools_used", std::move(tools)},
    };
  }
  return frame(defi, "vault_decision", ts, std::move(payload));
}

std::string demo_script::risk_event(const char* type, const char* reason,
                                    const std::string& ts) {
  json::object inner{{"reason", reason}};
  return frame(coordinator, type, ts,
               {{"payload", std::move(inner)},
                {"recipient", defi.id},
                {"task_id", risk_task_}});
}

} // namespace hubwatch::hub
