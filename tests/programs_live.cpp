#define CAF_SUITE programs_live

#include <caf/test/unit_test.hpp>

#include <fstream>

#include <boost/json/parse.hpp>

#include "child_process.hpp"
#include "live_support.hpp"

using namespace hubwatch;
using namespace hubwatch::test;
namespace json = boost::json;

namespace {

struct fixture {
  std::unique_ptr<hub::hub_server> server;

  fixture() {
    server = std::make_unique<hub::hub_server>(hub::server_options{});
    server->start();
  }

  ~fixture() {
    CAF_CHECK_EQUAL(server->data_frames_received(), 0u);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(programs_live_tests, fixture)

CAF_TEST(subscriber json lines end to end) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--json", "--url", server->url(),
                     "--exit-after-events", "3"}};
  std::string line;
  CAF_REQUIRE(sub.read_line(line, std::chrono::seconds(10)));
  auto first = parse_line(line);
  CAF_CHECK_EQUAL(first.at("kind").as_string(), "status");
  CAF_CHECK_EQUAL(first.at("state").as_string(), "connecting");
  CAF_CHECK_EQUAL(first.at("attempt").as_int64(), 0);
  CAF_CHECK(first.at("t_ms").is_int64());
  CAF_REQUIRE(sub.read_until("\"connected\"", line, std::chrono::seconds(10)));
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(5)));
  auto frames = wire_frames("realhub-demo.jsonl");
  server->send_text("{\"agentId\":\"x\"}"); // refused: missing type
  for (size_t i = 0; i < 5; ++i)
    server->send_text(frames[i]);
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 0);
  auto lines = parse_lines(sub.rest_of_stdout());
  std::vector<json::object> events, agents, errors, summaries;
  for (auto& obj : lines) {
    auto kind = obj.at("kind").as_string();
    if (kind == "event")
      events.push_back(obj);
    else if (kind == "agent")
      agents.push_back(obj);
    else if (kind == "parse_error")
      errors.push_back(obj);
    else if (kind == "summary")
      summaries.push_back(obj);
  }
  CAF_REQUIRE_EQUAL(events.size(), 3u); // --exit-after-events 3
  auto original = json::parse(frames[0]).as_object();
  CAF_CHECK_EQUAL(events[0].at("seq").as_int64(), 1);
  CAF_CHECK_EQUAL(events[0].at("type"), original.at("type"));
  CAF_CHECK_EQUAL(events[0].at("agentId"), original.at("agentId"));
  CAF_CHECK_EQUAL(events[0].at("agentName"), original.at("agentName"));
  CAF_CHECK_EQUAL(events[0].at("timestamp"), original.at("timestamp"));
  CAF_CHECK_EQUAL(events[0].at("payload"), original.at("payload"));
  CAF_REQUIRE(!agents.empty());
  for (auto key :
       {"id", "name", "status", "lastHeartbeat", "lastSeen", "currentTask",
        "uptimeSeconds", "errorCount", "lastError", "stale"})
    CAF_CHECK(agents[0].contains(key));
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].at("error").as_string(), "missing_type");
  CAF_CHECK(errors[0].contains("message") && errors[0].contains("excerpt"));
  CAF_REQUIRE_EQUAL(summaries.size(), 1u);
  CAF_CHECK_EQUAL(summaries[0].at("events").as_int64(), 3);
  CAF_CHECK_EQUAL(summaries[0].at("parse_errors").as_int64(), 1);
  for (auto key : {"reconnects", "seconds", "events_per_s"})
    CAF_CHECK(summaries[0].contains(key));
}

CAF_TEST(subscriber ends cleanly on sigterm with close 1000 and a summary) {
  child_process sub{
    {HUBWATCH_SUBSCRIBER_BIN, "--json", "--quiet", "--url", server->url()}};
  std::string line;
  CAF_REQUIRE(sub.read_until("\"connected\"", line, std::chrono::seconds(10)));
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(5)));
  server->send_text(wire_frames("realhub-demo.jsonl")[0]);
  sub.signal(SIGTERM);
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 0);
  auto lines = parse_lines(sub.rest_of_stdout());
  CAF_REQUIRE_GREATER_OR_EQUAL(lines.size(), 2u);
  auto& last_status = lines[lines.size() - 2];
  CAF_CHECK_EQUAL(last_status.at("state").as_string(), "disconnected");
  CAF_CHECK_EQUAL(last_status.at("close_code").as_int64(), 1000);
  CAF_CHECK_EQUAL(lines.back().at("kind").as_string(), "summary");
  // --quiet: no event lines.
  for (auto& obj : lines)
    CAF_CHECK_NOT_EQUAL(obj.at("kind").as_string(), "event");
  CAF_CHECK(server->wait_for_clients_below(1, std::chrono::seconds(5)));
}

CAF_TEST(subscriber refuses bad settings with exit code 2) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--reconnect-multiplier", "0.5",
                     "--url", "http://nowhere"}};
  CAF_CHECK_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 2);
  CAF_CHECK(sub.stderr_text().find(
              "reconnect-multiplier = 0.500000: must be a number >= 1") !=
            std::string::npos);
  CAF_CHECK(sub.stderr_text().find("url = \"http://nowhere\"") !=
            std::string::npos);
}

CAF_TEST(subscriber reads the url from the environment) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--json", "--quiet"},
                    {"DAEMON_HUB_WS_URL=" + server->url()}};
  std::string line;
  CAF_CHECK(sub.read_until("\"connected\"", line, std::chrono::seconds(10)));
  sub.signal(SIGINT);
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 0);
  CAF_CHECK(eventually([&] { return server->connections_accepted() == 1u; }));
  CAF_CHECK_EQUAL(server->connections_accepted(), 1u);
}

CAF_TEST(the dashboard shows the agents of the simulator in a terminal) {
  // The simulator program, fast.
  child_process hub{{HUBWATCH_HUB_BIN, "--port", "0", "--rate-scale", "20"}};
  std::string url;
  CAF_REQUIRE(eventually([&] {
    hub.drain();
    auto& err = hub.stderr_text();
    auto pos = err.find("listening on ");
    if (pos == std::string::npos)
      return false;
    auto end = err.find('\n', pos);
    if (end == std::string::npos)
      return false;
    url = err.substr(pos + 13, end - pos - 13);
    return true;
  }));
  // A pseudo-terminal via script(1), as a person would see it.
  child_process term{{"/usr/bin/script", "-qfec",
                      std::string{HUBWATCH_SUBSCRIBER_BIN} + " --url " + url +
                        " --exit-after-ms 2500",
                      "/dev/null"},
                     {"TERM=xterm-256color"}};
  CAF_REQUIRE_EQUAL(term.wait_exit(std::chrono::seconds(20)), 0);
  auto& screen = term.rest_of_stdout();
  for (auto agent : {"coord-001", "inf-001", "defi-001", "coordinator"})
    CAF_CHECK(screen.find(agent) != std::string::npos);
  CAF_CHECK(screen.find("CONNECTED") != std::string::npos);
  CAF_CHECK(screen.find("RECENT EVENTS") != std::string::npos);
  // The terminal is handed back: ncurses leaves the alternate screen.
  CAF_CHECK(screen.find("\x1b[?1049l") != std::string::npos);
  hub.signal(SIGINT);
  CAF_CHECK_EQUAL(hub.wait_exit(std::chrono::seconds(10)), 0);
  CAF_CHECK(hub.stderr_text().find("data frames received from clients: 0") !=
            std::string::npos);
}

CAF_TEST(the demo command runs the simulator and ends cleanly) {
  if (std::ifstream{std::string{HUBWATCH_SOURCE_DIR} + "/.env"}) {
    CAF_MESSAGE("skipped: a .env file points the demo at another hub");
    return;
  }
  child_process demo{
    {"/bin/bash", std::string{HUBWATCH_SOURCE_DIR} + "/scripts/demo", "--json",
     "--exit-after-ms", "3000"},
    {"HUBWATCH_DEMO_PORT=0",
     "HUBWATCH_BUILD_DIR=" + std::string{HUBWATCH_BINARY_DIR}}};
  CAF_REQUIRE_EQUAL(demo.wait_exit(std::chrono::seconds(120)), 0);
  auto lines = parse_lines(demo.rest_of_stdout());
  bool connected = false;
  size_t agents = 0;
  for (auto& obj : lines) {
    if (obj.at("kind") == "status" && obj.at("state") == "connected")
      connected = true;
    if (obj.at("kind") == "agent")
      ++agents;
  }
  CAF_CHECK(connected);
  CAF_CHECK_GREATER_OR_EQUAL(agents, 3u);
  CAF_CHECK_EQUAL(lines.back().at("kind").as_string(), "summary");
  CAF_CHECK(demo.stderr_text().find("data frames received from clients: 0") !=
            std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
