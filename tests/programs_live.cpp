#define CAF_SUITE programs_live

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

#include <boost/json/parse.hpp>

#include "child_process.hpp"
#include "hubwatch_build.hpp"
#include "live_support.hpp"
#include "programs/dashboard/text_width.hpp"
#include "terminal_process.hpp"

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

/// The server's URL with another path: the test server answers it with 404.
std::string refused_url(const std::string& url) {
  return url.substr(0, url.rfind('/')) + "/nope";
}

/// The status lines of a run's stdout.
std::vector<json::object> statuses(const std::vector<json::object>& lines) {
  std::vector<json::object> result;
  for (auto& obj : lines)
    if (obj.at("kind").as_string() == "status")
      result.push_back(obj);
  return result;
}

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

CAF_TEST(the observer reads a simulator that behaves like the real hub) {
  using std::chrono::seconds;
  child_process hub{
    {HUBWATCH_HUB_BIN, "--port", "0", "--like-real-hub", "--rate-scale", "20"}};
  std::string line;
  CAF_REQUIRE(hub.read_stderr_until("listening on ", line, seconds(10)));
  auto url = line.substr(line.find("listening on ") + 13);
  child_process sub{
    {HUBWATCH_SUBSCRIBER_BIN, "--json", "--deflate", "--url", url}};
  CAF_REQUIRE(sub.read_until("\"connected\"", line, seconds(10)));
  // The plain offer is one the real hub takes.
  auto connected = parse_line(line); // CAF_CHECK_EQUAL keeps references
  CAF_CHECK_EQUAL(connected.at("deflate").as_bool(), true);
  // Heartbeats and the rest, some compressed, every one fragmented.
  std::vector<json::object> events;
  while (events.size() < 12) {
    CAF_REQUIRE(sub.read_until("\"kind\":\"event\"", line, seconds(10)));
    events.push_back(parse_line(line));
  }
  for (auto& ev : events)
    CAF_CHECK_NOT_EQUAL(ev.at("agentId").as_string(), "exec-001");
  // Shutdown drops TCP without a close frame.
  hub.signal(SIGINT);
  CAF_CHECK_EQUAL(hub.wait_exit(seconds(10)), 0);
  CAF_REQUIRE(sub.read_until("\"connection_lost\"", line, seconds(10)));
  auto lost = parse_line(line);
  CAF_CHECK_EQUAL(lost.at("state").as_string(), "disconnected");
  CAF_CHECK_EQUAL(lost.at("close_code").as_int64(), 1006);
  sub.signal(SIGTERM);
  CAF_CHECK_EQUAL(sub.wait_exit(seconds(10)), 0);
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

CAF_TEST(ctrl c in the demo terminal closes the observer before the simulator) {
  if (std::ifstream{std::string{HUBWATCH_SOURCE_DIR} + "/.env"}) {
    CAF_MESSAGE("skipped: a .env file points the demo at another hub");
    return;
  }
  // The demo on a terminal of its own, as a person starts it; --json so that
  // the observer's last words can be read back as lines.
  terminal_process demo{
    {"/bin/bash", std::string{HUBWATCH_SOURCE_DIR} + "/scripts/demo", "--json"},
    {"HUBWATCH_DEMO_PORT=0",
     "HUBWATCH_BUILD_DIR=" + std::string{HUBWATCH_BINARY_DIR}}};
  CAF_REQUIRE(demo.read_until("\"kind\":\"agent\"", std::chrono::seconds(120)));
  // Ctrl-C as typed: the terminal sends SIGINT to its foreground group.
  demo.type("\x03");
  CAF_REQUIRE_EQUAL(demo.wait_exit(std::chrono::seconds(20)), 0);
  auto& screen = demo.screen();
  // The simulator was stopped by the demo (SIGTERM), after the observer had
  // ended; the terminal's SIGINT never reached it.
  CAF_CHECK(screen.find("hubwatch-hub: stopping on SIGTERM") !=
            std::string::npos);
  CAF_CHECK(screen.find("hubwatch-hub: stopping on SIGINT") ==
            std::string::npos);
  CAF_CHECK(screen.find("data frames received from clients: 0") !=
            std::string::npos);
  // The observer's own lines: it never saw the hub go away, and its summary
  // came before the simulator stopped.
  size_t summary_at = std::string::npos;
  size_t statuses = 0;
  size_t pos = 0;
  while (pos < screen.size()) {
    auto nl = screen.find('\n', pos);
    if (nl == std::string::npos)
      nl = screen.size();
    auto line = screen.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    // The terminal echoes the typed Ctrl-C as "^C", which may land in front
    // of a line the observer writes at that moment.
    auto start = line.find("{\"kind\":");
    if (start != std::string::npos) {
      auto obj = parse_line(line.substr(start));
      if (obj.at("kind") == "status") {
        ++statuses;
        // Only the observer's own close may show: 1000, nothing lost.
        if (auto* code = obj.if_contains("close_code"))
          CAF_CHECK_EQUAL(code->as_int64(), 1000);
        if (auto* err = obj.if_contains("error_code"))
          CAF_CHECK_NOT_EQUAL(err->as_string(), "connection_lost");
      }
      if (obj.at("kind") == "summary")
        summary_at = pos;
    }
    pos = nl + 1;
  }
  CAF_CHECK_GREATER_OR_EQUAL(statuses, 2u); // connecting, connected
  auto stopped_at = screen.find("hubwatch-hub: stopping on");
  CAF_REQUIRE_NOT_EQUAL(summary_at, std::string::npos);
  CAF_REQUIRE_NOT_EQUAL(stopped_at, std::string::npos);
  CAF_CHECK_LESS(summary_at, stopped_at);
}

// -- exit codes: 3 for a state the observer will not leave by itself --------

CAF_TEST(subscriber exits 3 at once when the hub refuses the upgrade) {
  child_process sub{
    {HUBWATCH_SUBSCRIBER_BIN, "--json", "--url", refused_url(server->url())}};
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 3);
  auto lines = parse_lines(sub.rest_of_stdout());
  CAF_REQUIRE_GREATER_OR_EQUAL(lines.size(), 2u);
  // The final status is the refusal itself, then the summary.
  auto& final_status = lines[lines.size() - 2];
  CAF_CHECK_EQUAL(final_status.at("kind").as_string(), "status");
  CAF_CHECK_EQUAL(final_status.at("state").as_string(), "error");
  CAF_CHECK_EQUAL(final_status.at("http_status").as_int64(), 404);
  CAF_CHECK_EQUAL(final_status.at("error_code").as_string(),
                  "handshake_rejected");
  CAF_CHECK_EQUAL(lines.back().at("kind").as_string(), "summary");
}

CAF_TEST(subscriber exits 3 at once after giving up) {
  // A port nothing listens on any more.
  std::string gone_url;
  {
    hub::hub_server gone{hub::server_options{}};
    gone.start();
    gone_url = gone.url();
    gone.stop();
  }
  // Plain lines: stdout is a pipe.
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--url", gone_url,
                     "--max-reconnect-attempts", "1", "--reconnect-delay-ms",
                     "10"}};
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 3);
  auto& out = sub.rest_of_stdout();
  auto final_at = out.rfind("status error");
  CAF_REQUIRE_NOT_EQUAL(final_at, std::string::npos);
  CAF_CHECK(out.find("gave up after 1 attempts", final_at) !=
            std::string::npos);
  CAF_CHECK(out.find("summary: ", final_at) != std::string::npos);
}

CAF_TEST(without auto reconnect a close 1000 from the hub ends with 0) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--json", "--no-auto-reconnect",
                     "--exit-after-events", "10", "--url", server->url()}};
  std::string line;
  CAF_REQUIRE(sub.read_until("\"connected\"", line, std::chrono::seconds(10)));
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(5)));
  server->send_text(wire_frames("realhub-demo.jsonl")[0]);
  server->close_all(1000, "bye");
  // Fewer than 10 events: the end of the connection ends the run.
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 0);
  auto lines = parse_lines(sub.rest_of_stdout());
  auto st = statuses(lines);
  CAF_REQUIRE(!st.empty());
  CAF_CHECK_EQUAL(st.back().at("state").as_string(), "disconnected");
  CAF_CHECK_EQUAL(st.back().at("close_code").as_int64(), 1000);
  CAF_CHECK_EQUAL(st.back().at("error_code").as_string(), "closed_by_hub");
  CAF_CHECK(!st.back().contains("next_delay_ms"));
  CAF_REQUIRE(!lines.empty());
  CAF_CHECK_EQUAL(lines.back().at("kind").as_string(), "summary");
  CAF_CHECK_EQUAL(lines.back().at("events").as_int64(), 1);
}

CAF_TEST(without auto reconnect a lost connection ends with 3) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--json", "--quiet",
                     "--no-auto-reconnect", "--url", server->url()}};
  std::string line;
  CAF_REQUIRE(sub.read_until("\"connected\"", line, std::chrono::seconds(10)));
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(5)));
  server->drop_all();
  CAF_REQUIRE_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 3);
  auto st = statuses(parse_lines(sub.rest_of_stdout()));
  CAF_REQUIRE(!st.empty());
  CAF_CHECK_EQUAL(st.back().at("state").as_string(), "disconnected");
  CAF_CHECK_EQUAL(st.back().at("error_code").as_string(), "connection_lost");
}

CAF_TEST(the dashboard shows a refused upgrade and exits 3 on q) {
  terminal_process term{
    {HUBWATCH_SUBSCRIBER_BIN, "--url", refused_url(server->url())},
    {"TERM=xterm-256color"}};
  CAF_REQUIRE(term.read_until("HTTP 404", std::chrono::seconds(10)));
  // Still on the screen: it did not leave the alternate screen by itself.
  CAF_CHECK(term.screen().find("\x1b[?1049l") == std::string::npos);
  term.type("q");
  CAF_CHECK_EQUAL(term.wait_exit(std::chrono::seconds(10)), 3);
  CAF_CHECK(term.screen().find("\x1b[?1049l") != std::string::npos);
}

CAF_TEST(node exits 3 at once when the hub refuses the upgrade) {
  child_process node{{HUBWATCH_NODE_BIN, "--json", "--publish-port", "0",
                      "--url", refused_url(server->url())}};
  CAF_REQUIRE_EQUAL(node.wait_exit(std::chrono::seconds(10)), 3);
  auto st = statuses(parse_lines(node.rest_of_stdout()));
  CAF_REQUIRE(!st.empty());
  CAF_CHECK_EQUAL(st.back().at("state").as_string(), "error");
  CAF_CHECK_EQUAL(st.back().at("http_status").as_int64(), 404);
}

CAF_TEST(node without auto reconnect ends with 0 on a close 1000) {
  child_process node{{HUBWATCH_NODE_BIN, "--json", "--publish-port", "0",
                      "--no-auto-reconnect", "--url", server->url()}};
  std::string line;
  CAF_REQUIRE(node.read_until("\"connected\"", line, std::chrono::seconds(10)));
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(5)));
  server->close_all(1000);
  CAF_REQUIRE_EQUAL(node.wait_exit(std::chrono::seconds(10)), 0);
  auto st = statuses(parse_lines(node.rest_of_stdout()));
  CAF_REQUIRE(!st.empty());
  CAF_CHECK_EQUAL(st.back().at("close_code").as_int64(), 1000);
  CAF_CHECK_EQUAL(st.back().at("error_code").as_string(), "closed_by_hub");
}

CAF_TEST(every program knows version and lists its exit codes) {
  for (auto bin :
       {HUBWATCH_SUBSCRIBER_BIN, HUBWATCH_NODE_BIN, HUBWATCH_HUB_BIN}) {
    std::string name = bin;
    name = name.substr(name.rfind('/') + 1);
    child_process version{{bin, "--version"}};
    CAF_CHECK_EQUAL(version.wait_exit(std::chrono::seconds(10)), 0);
    auto& out = version.rest_of_stdout();
    CAF_CHECK_EQUAL(out.rfind(name + " " HUBWATCH_VERSION, 0), 0u);
    CAF_CHECK(out.find("Boost 1.") != std::string::npos);
    CAF_CHECK(out.find("OpenSSL ") != std::string::npos);
    if (name != "hubwatch-hub")
      CAF_CHECK(out.find("CAF 0.17") != std::string::npos);
    child_process help{{bin, "--help"}};
    CAF_CHECK_EQUAL(help.wait_exit(std::chrono::seconds(10)), 0);
    CAF_CHECK(help.rest_of_stdout().find("Exit codes:") != std::string::npos);
    child_process bad{{bin, "--no-such-flag"}};
    CAF_CHECK_EQUAL(bad.wait_exit(std::chrono::seconds(10)), 2);
  }
}

CAF_TEST(a stray dot env with a bad line only earns a warning) {
  // A working directory of its own, with a .env whose second line is not
  // KEY=VALUE: the program starts, uses the good line and names the bad one.
  auto dir = std::filesystem::temp_directory_path() /
             ("hubwatch-dotenv-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream{dir / ".env"} << "DAEMON_HUB_WS_URL=" << server->url()
                              << "\nnot a pair\n";
  child_process sub{{"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" --json --quiet",
                     dir.string(), HUBWATCH_SUBSCRIBER_BIN}};
  std::string line;
  CAF_CHECK(sub.read_until("\"connected\"", line, std::chrono::seconds(10)));
  sub.signal(SIGTERM);
  CAF_CHECK_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 0);
  CAF_CHECK_EQUAL(log_messages(sub.stderr_text()),
                  std::vector<std::string>{
                    "warn hubwatch-subscriber: ./.env:2: expected KEY=VALUE "
                    "(line ignored)"});
  CAF_CHECK(sub.stderr_text().find("not a pair") == std::string::npos);
  std::filesystem::remove_all(dir);
}

// -- logs ----------------------------------------------------------------

CAF_TEST(node logs json lines on stderr and never the url) {
  // A token in the URL stands for a secret: the hub refuses the upgrade, and
  // the log says why the node ends without naming the URL.
  child_process node{{HUBWATCH_NODE_BIN, "--log-format", "json",
                      "--publish-port", "0", "--url",
                      refused_url(server->url()) + "?token=s3cr3t"}};
  CAF_REQUIRE_EQUAL(node.wait_exit(std::chrono::seconds(10)), 3);
  auto& err = node.stderr_text();
  CAF_CHECK(err.find("s3cr3t") == std::string::npos);
  auto lines = parse_lines(err);
  CAF_REQUIRE_EQUAL(lines.size(), 2u);
  std::regex iso{R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"};
  for (auto& obj : lines) {
    CAF_CHECK(std::regex_match(std::string{obj.at("time").as_string()}, iso));
    CAF_CHECK_EQUAL(obj.at("program").as_string(), "hubwatch-node");
  }
  CAF_CHECK_EQUAL(lines[0].at("level").as_string(), "info");
  CAF_CHECK_EQUAL(
    std::string{lines[0].at("message").as_string()}.rfind("publishing on ", 0),
    0u);
  CAF_CHECK_EQUAL(lines[1].at("level").as_string(), "error");
  CAF_CHECK(std::string{lines[1].at("message").as_string()}.find(
              "handshake_rejected") != std::string::npos);
}

CAF_TEST(log level error keeps only errors) {
  child_process node{{HUBWATCH_NODE_BIN, "--log-level", "error",
                      "--publish-port", "0", "--url",
                      refused_url(server->url())}};
  CAF_REQUIRE_EQUAL(node.wait_exit(std::chrono::seconds(10)), 3);
  auto msgs = log_messages(node.stderr_text());
  CAF_REQUIRE_EQUAL(msgs.size(), 1u);
  CAF_CHECK_EQUAL(msgs[0].rfind("error hubwatch-node: the hub connection will "
                                "not recover by itself (handshake_rejected",
                                0),
                  0u);
  // Refusals are errors in the log too, and bad log flags are refusals.
  child_process sub{
    {HUBWATCH_SUBSCRIBER_BIN, "--log-level", "loud", "--log-format", "xml"}};
  CAF_CHECK_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 2);
  CAF_CHECK_EQUAL(
    log_messages(sub.stderr_text()),
    (std::vector<std::string>{"error hubwatch-subscriber: --log-level = loud: "
                              "expected error, warn, info or debug",
                              "error hubwatch-subscriber: --log-format = xml: "
                              "expected text or json"}));
}

// -- the dashboard with text from anywhere ------------------------------------

namespace {

/// A heartbeat from agent `id` named `name` (JSON-escaped already).
std::string heartbeat(const std::string& id, const std::string& name) {
  return R"({"type":"heartbeat","agentId":")" + id + R"(","agentName":")" +
         name +
         R"(","timestamp":"2026-11-29T00:00:00Z","payload":{"status":"running"}})";
}

/// Runs tmux on a server of its own (socket `sock`); returns its stdout.
std::string tmux(const std::string& sock, std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/tmux", "-u", "-S", sock};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p{argv, {"LANG=C.UTF-8"}};
  p.wait_exit(std::chrono::seconds(10));
  return p.rest_of_stdout();
}

/// The lines of a captured tmux pane.
std::vector<std::string> screen_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos)
      nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

} // namespace

CAF_TEST(the dashboard puts greek cjk and emoji names in their columns) {
  if (access("/usr/bin/tmux", X_OK) != 0)
    CAF_FAIL("tmux is missing (scripts/setup test installs it)");
  auto sock = (std::filesystem::temp_directory_path() /
               ("hubwatch-tmux-" + std::to_string(::getpid())))
                .string();
  // The pane is what a person sees: tmux renders the dashboard's output,
  // wide characters included, and capture-pane hands back the screen.
  tmux(sock, {"new-session", "-d", "-x", "120", "-y", "40",
              "env LANG=C.UTF-8 TERM=xterm-256color " +
                std::string{HUBWATCH_SUBSCRIBER_BIN} + " --url " +
                server->url() + " --stale-after-ms 0; echo exit=$?; sleep 60"});
  CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(10)));
  server->send_text(heartbeat("g1", "Agent Ω 東京"));
  server->send_text(heartbeat("g2", "Ωμέγα άλφα"));
  server->send_text(heartbeat("c3", "東京タワー東京タワー"));
  server->send_text(heartbeat("e4", "🚀 rocket 🚀"));
  server->send_text(heartbeat("x5", "\\u001b[31mred"));
  std::vector<std::string> lines;
  auto shows = [&](std::initializer_list<const char*> needles) {
    auto text = tmux(sock, {"capture-pane", "-p", "-t", "0"});
    for (auto n : needles)
      if (text.find(n) == std::string::npos)
        return false;
    lines = screen_lines(text);
    return true;
  };
  CAF_REQUIRE(eventually(
    [&] {
      return shows({"Agent Ω 東京", "Ωμέγα άλφα", "🚀 rocket 🚀", "x5"});
    },
    std::chrono::seconds(10)));
  // Every agent row has its status in the STATUS column, in columns as a
  // terminal counts them.
  size_t status_col = std::string::npos;
  size_t rows = 0;
  for (auto& line : lines) {
    if (auto at = line.find("STATUS");
        at != std::string::npos && line.find("AGENT") != std::string::npos)
      status_col = text_columns(line.substr(0, at));
    for (auto id : {"g1 ", "g2 ", "c3 ", "e4 ", "x5 "}) {
      // An agent row: its id in column 1.
      if (line.rfind(std::string{" "} + id, 0) != 0)
        continue;
      CAF_REQUIRE_NOT_EQUAL(status_col, std::string::npos);
      auto at = line.find("running");
      CAF_REQUIRE_NOT_EQUAL(at, std::string::npos);
      CAF_CHECK_EQUAL(text_columns(line.substr(0, at)), status_col);
      CAF_CHECK_LESS_OR_EQUAL(text_columns(line), 120u);
      ++rows;
    }
  }
  CAF_CHECK_EQUAL(rows, 5u);
  // The long CJK name is cut between characters (京 would straddle the cut:
  // a space), the escape shows as U+FFFD
  // and moved nothing.
  CAF_CHECK(shows({"東京タワー東 ~", "\xEF\xBF\xBD[31mred"}));
  // Bytes that are not UTF-8 in a text frame: the observer drops that
  // connection (1007) and reconnects; the dashboard stays and keeps its
  // agents.
  server->send_text(heartbeat("bad", "\xff\xfe"));
  CAF_CHECK(eventually([&] { return server->connections_accepted() >= 2u; },
                       std::chrono::seconds(10)));
  // The dashboard redraws after the new connection is up, not at once.
  CAF_CHECK(eventually(
    [&] {
      return shows({"Agent Ω 東京", "CONNECTED"});
    },
    std::chrono::seconds(10)));
  tmux(sock, {"send-keys", "-t", "0", "q"});
  CAF_CHECK(
    eventually([&] { return shows({"exit=0"}); }, std::chrono::seconds(10)));
  tmux(sock, {"kill-server"});
}

CAF_TEST(no color means no colour codes) {
  auto run = [&](std::vector<std::string> env) {
    env.push_back("TERM=xterm-256color");
    env.push_back("LANG=C.UTF-8");
    terminal_process term{{HUBWATCH_SUBSCRIBER_BIN, "--url", server->url()},
                          env};
    CAF_REQUIRE(server->wait_for_clients(1, std::chrono::seconds(10)));
    // A running agent is drawn in green (the state word alone would race:
    // the first screen may say DISCONNECTED, in yellow).
    server->send_text(heartbeat("g1", "green"));
    CAF_REQUIRE(term.read_until("g1", std::chrono::seconds(10)));
    term.type("q");
    CAF_CHECK_EQUAL(term.wait_exit(std::chrono::seconds(10)), 0);
    CAF_REQUIRE(server->wait_for_clients_below(1, std::chrono::seconds(10)));
    return term.screen();
  };
  // Colour codes when colours are allowed ...
  auto coloured = run({});
  CAF_CHECK(coloured.find("\x1b[32m") != std::string::npos);
  // ... and none with NO_COLOR, bold and dim staying.
  auto plain = run({"NO_COLOR=1"});
  CAF_CHECK(plain.find("green") != std::string::npos);
  for (auto code : {"\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m",
                    "\x1b[38;5;", "\x1b[30m", "\x1b[47m"})
    CAF_CHECK(plain.find(code) == std::string::npos);
}

CAF_TEST(the simulator logs json lines too) {
  child_process hub{{HUBWATCH_HUB_BIN, "--port", "0", "--log-format", "json"}};
  std::string line;
  CAF_REQUIRE(hub.read_stderr_until("listening on ", line, 10s));
  hub.signal(SIGINT);
  CAF_REQUIRE_EQUAL(hub.wait_exit(10s), 0);
  auto lines = parse_lines(hub.stderr_text());
  CAF_REQUIRE_EQUAL(lines.size(), 3u);
  for (auto& obj : lines) {
    CAF_CHECK_EQUAL(obj.at("program").as_string(), "hubwatch-hub");
    CAF_CHECK_EQUAL(obj.at("level").as_string(), "info");
  }
  CAF_CHECK_EQUAL(lines[1].at("message").as_string(), "stopping on SIGINT");
  CAF_CHECK_EQUAL(lines[2].at("message").as_string(),
                  "data frames received from clients: 0");
  child_process bad{{HUBWATCH_HUB_BIN, "--log-level", "loud"}};
  CAF_CHECK_EQUAL(bad.wait_exit(10s), 2);
  CAF_CHECK_EQUAL(log_messages(bad.stderr_text()).size(), 1u);
}

// -- hub credentials
// ------------------------------------------------------------

CAF_TEST(a wrong bearer token ends with 3 and shows in no output) {
  namespace fs = std::filesystem;
  using namespace std::chrono_literals;
  auto dir = fs::temp_directory_path() /
             ("hubwatch-credentials-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string right = "tok-right-5b7e0d";
  const std::string wrong = "tok-wrong-91c4aa";
  auto right_file = (dir / "right-token").string();
  auto wrong_file = (dir / "wrong-token").string();
  std::ofstream{right_file} << right << "\n";
  std::ofstream{wrong_file} << wrong << "\n";
  // Every output stream of every program of this test, checked at the end.
  std::string seen;
  // The simulator repeats refused credentials in its 401 body.
  child_process hub{{HUBWATCH_HUB_BIN, "--port", "0",
                     "--require-bearer-token-file", right_file,
                     "--echo-refused-token", "--log-level", "debug"}};
  std::string line;
  CAF_REQUIRE(hub.read_stderr_until("listening on ", line, 10s));
  auto url = line.substr(line.find("listening on ") + 13);
  {
    // The right token (and a header): events flow.
    child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--json", "--url", url,
                       "--bearer-token-file", right_file, "--header",
                       "X-Team: blue", "--exit-after-events", "3"}};
    CAF_CHECK_EQUAL(sub.wait_exit(20s), 0);
    auto lines = parse_lines(sub.rest_of_stdout());
    CAF_REQUIRE(!lines.empty());
    CAF_CHECK(lines.back().at("kind").as_string() == "summary");
    CAF_CHECK(lines.back().at("events").to_number<int64_t>() == 3);
    seen += sub.rest_of_stdout() + sub.stderr_text();
  }
  struct wrong_run {
    std::vector<std::string> args;
    std::vector<std::string> env;
    bool json;
  };
  std::vector<wrong_run> runs = {
    {{"--json", "--bearer-token-file", wrong_file}, {}, true},
    {{"--json"}, {"HUBWATCH_BEARER_TOKEN=" + wrong}, true},
    {{"--log-level", "debug", "--bearer-token-file", wrong_file}, {}, false},
    {{"--log-level", "debug", "--log-format", "json"},
     {"HUBWATCH_BEARER_TOKEN=" + wrong, "HUBWATCH_HEADERS=X-Team: " + wrong},
     false},
  };
  for (auto& run : runs) {
    std::vector<std::string> argv{HUBWATCH_SUBSCRIBER_BIN, "--url", url};
    argv.insert(argv.end(), run.args.begin(), run.args.end());
    child_process sub{argv, run.env};
    // docs/cli.md, exit codes: 3 for an upgrade refused with 401/403/404.
    CAF_CHECK_EQUAL(sub.wait_exit(10s), 3);
    auto& out = sub.rest_of_stdout();
    auto& err = sub.stderr_text();
    seen += out + err;
    // The hub's echo reached hubwatch, masked.
    CAF_CHECK_NOT_EQUAL(out.find("invalid credentials: ***"),
                        std::string::npos);
    if (run.json) {
      auto lines = parse_lines(out);
      CAF_REQUIRE_GREATER_OR_EQUAL(lines.size(), 2u);
      auto& final_status = lines[lines.size() - 2];
      CAF_CHECK_EQUAL(final_status.at("state").as_string(), "error");
      CAF_CHECK_EQUAL(final_status.at("http_status").as_int64(), 401);
      CAF_CHECK_EQUAL(final_status.at("error_code").as_string(),
                      "handshake_rejected");
    } else {
      // The debug log names the headers, never their values.
      CAF_CHECK_NOT_EQUAL(err.find("upgrade request headers: "),
                          std::string::npos);
      CAF_CHECK_NOT_EQUAL(err.find("Authorization: ***"), std::string::npos);
    }
  }
  {
    child_process node{{HUBWATCH_NODE_BIN, "--log-level", "debug",
                        "--publish-port", "0", "--url", url},
                       {"HUBWATCH_BEARER_TOKEN=" + wrong}};
    CAF_CHECK_EQUAL(node.wait_exit(10s), 3);
    seen += node.rest_of_stdout() + node.stderr_text();
  }
  for (auto bin : {HUBWATCH_SUBSCRIBER_BIN, HUBWATCH_NODE_BIN}) {
    // --help shows defaults, not what the environment holds.
    child_process help{{bin, "--help"},
                       {"HUBWATCH_BEARER_TOKEN=" + wrong,
                        "HUBWATCH_HEADERS=X-Team: " + wrong,
                        "HUBWATCH_BEARER_TOKEN_FILE=" + wrong_file}};
    CAF_CHECK_EQUAL(help.wait_exit(10s), 0);
    CAF_CHECK_NOT_EQUAL(help.rest_of_stdout().find("--bearer-token-file"),
                        std::string::npos);
    seen += help.rest_of_stdout() + help.stderr_text();
  }
  hub.signal(SIGINT);
  CAF_CHECK_EQUAL(hub.wait_exit(10s), 0);
  seen += hub.rest_of_stdout() + hub.stderr_text();
  CAF_CHECK_EQUAL(seen.find(wrong), std::string::npos);
  CAF_CHECK_EQUAL(seen.find(right), std::string::npos);
  fs::remove_all(dir);
}

CAF_TEST(an unusable token file is refused with 2 naming the file) {
  auto missing = std::string{"/nonexistent/hubwatch-token"};
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--url", server->url(),
                     "--bearer-token-file", missing}};
  CAF_CHECK_EQUAL(sub.wait_exit(std::chrono::seconds(10)), 2);
  CAF_CHECK_NOT_EQUAL(sub.stderr_text().find("bearer-token-file = \"" +
                                             missing + "\": cannot be read"),
                      std::string::npos);
  child_process host{{HUBWATCH_SUBSCRIBER_BIN, "--url", server->url(),
                      "--header", "Host: elsewhere"}};
  CAF_CHECK_EQUAL(host.wait_exit(std::chrono::seconds(10)), 2);
  CAF_CHECK_NOT_EQUAL(host.stderr_text().find("\"Host\" is part of the "
                                              "WebSocket upgrade"),
                      std::string::npos);
  CAF_CHECK_EQUAL(host.stderr_text().find("elsewhere"), std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
