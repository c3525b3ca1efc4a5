#define CAF_SUITE metrics_live

#include <caf/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "child_process.hpp"
#include "http_client.hpp"
#include "live_support.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

// hubwatch-node with --metrics-port as a child process, fed by a test hub
// in this process, scraped over real HTTP on 127.0.0.1. The figures must
// match what the hub sent, and Prometheus' own promtool must accept them.

namespace {

using samples = std::map<std::string, std::string>;

struct fixture {
  std::unique_ptr<hub::hub_server> server;
  std::unique_ptr<child_process> node;
  uint16_t metrics_port = 0;
  uint16_t publish_port = 0;

  fixture() {
    server = std::make_unique<hub::hub_server>(hub::server_options{});
    server->start();
  }

  ~fixture() {
    if (node) {
      node->signal(SIGINT);
      CAF_CHECK_EQUAL(node->wait_exit(10s), 0);
    }
    // The read-only promise, seen from the hub.
    CAF_CHECK_EQUAL(server->data_frames_received(), 0u);
  }

  void start_node(std::vector<std::string> extra = {},
                  const std::string& scheme = "http") {
    std::vector<std::string> argv{HUBWATCH_NODE_BIN,
                                  "--url",
                                  server->url(),
                                  "--publish-port",
                                  "0",
                                  "--metrics-port",
                                  "0",
                                  "--reconnect-delay-ms",
                                  "100",
                                  "--reconnect-max-delay-ms",
                                  "200"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    node = std::make_unique<child_process>(argv);
    std::string line;
    CAF_REQUIRE(node->read_stderr_until("publishing on 127.0.0.1:", line, 10s));
    publish_port =
      static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    CAF_REQUIRE(node->read_stderr_until(
      "metrics on " + scheme + "://127.0.0.1:", line, 10s));
    auto colon = line.find(':', line.find("127.0.0.1"));
    metrics_port = static_cast<uint16_t>(
      std::stoi(line.substr(colon + 1, line.find('/', colon) - colon - 1)));
  }

  http_reply scrape() {
    return http_get(metrics_port, "/metrics");
  }

  samples scrape_samples() {
    auto r = scrape();
    CAF_CHECK_EQUAL(r.status, 200u);
    return parse_samples(r.body);
  }

  /// Scrapes until `pred(samples)` holds (or 10 s pass); returns the last
  /// scrape.
  template <class Pred>
  samples scrape_until(Pred pred) {
    samples last;
    eventually(
      [&] {
        last = scrape_samples();
        return pred(last);
      },
      10s);
    return last;
  }

  static std::string state_of(const samples& s) {
    std::string result;
    for (auto st : {"connecting", "connected", "disconnected", "error"})
      if (s.count(std::string{"hubwatch_connection_state{state=\""} + st +
                  "\"}") &&
          s.at(std::string{"hubwatch_connection_state{state=\""} + st +
               "\"}") == "1")
        result += st;
    return result;
  }

  static uint64_t number(const samples& s, const std::string& series) {
    auto i = s.find(series);
    if (i == s.end())
      return 999999;
    return std::stoull(i->second);
  }
};

/// Runs `promtool check metrics` on `body`. A missing promtool fails the
/// test: `scripts/setup test` installs it (Debian's `prometheus`).
void promtool_accepts(const std::string& body) {
  auto path = std::string{HUBWATCH_BINARY_DIR} + "/metrics_live." +
              std::to_string(getpid()) + ".prom";
  {
    std::ofstream out{path, std::ios::binary};
    out << body;
  }
  child_process check{{"/bin/sh", "-c",
                       "command -v promtool >/dev/null 2>&1 || exit 127; "
                       "exec promtool check metrics < '" +
                         path + "'"}};
  auto code = check.wait_exit(60s);
  std::remove(path.c_str());
  if (code == 127)
    CAF_FAIL("promtool not found: `scripts/setup test` installs it "
             "(Debian package prometheus)");
  CAF_CHECK_EQUAL(code, 0);
  CAF_CHECK_EQUAL(check.rest_of_stdout(), "");
  CAF_CHECK_EQUAL(check.stderr_text(), "");
}

std::string heartbeat(const std::string& id, const std::string& name,
                      const std::string& status) {
  return R"({"type":"heartbeat","agentId":")" + id + R"(","agentName":)" +
         name + R"(,"payload":{"status":")" + status + "\"}}";
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(metrics_live_tests, fixture)

CAF_TEST(the exposition counts what the hub sent and promtool accepts it) {
  start_node({"--metrics-max-agents", "4"});
  CAF_REQUIRE(server->wait_for_clients(1, 10s));
  auto s =
    scrape_until([](const samples& x) { return state_of(x) == "connected"; });
  CAF_REQUIRE_EQUAL(state_of(s), "connected");
  // Six agents (two beyond the cap of 4), one with a hostile name.
  server->send_text(heartbeat("agent-a", R"("alpha")", "running"));
  server->send_text(heartbeat("agent-b", R"("beta")", "idle"));
  server->send_text(heartbeat("agent-c", R"("gamma")", "trading"));
  server->send_text(
    heartbeat("evil-1", R"("evil \"quoted\" \\ back\nslash ünï 🚀 } x=\"y\"")",
              "running"));
  server->send_text(heartbeat("zz-1", R"("z1")", "idle"));
  server->send_text(heartbeat("zz-2", R"("z2")", "idle"));
  server->send_text(
    R"({"type":"agent_error","agentId":"agent-b","payload":{"error":"boom"}})");
  server->send_text(R"({"type":"agent_started","agentId":"zz-1"})");
  server->send_text(R"({"type":"agent_stopped","agentId":"zz-2"})");
  server->send_text(R"({"type":"task_result","agentId":"agent-a"})");
  server->send_text(R"({"type":"task_result","agentId":"agent-a"})");
  server->send_text(R"({"type":"solar_flare","agentId":"agent-a"})");
  // Bad frames, one kind each, invalid_json twice.
  server->send_text(R"({"type":"heartbeat",)");
  server->send_text("not json at all");
  server->send_text(R"({"agentId":"x"})");
  server->send_text(R"([1,2,3])");
  server->send_text(R"({"type":42})");
  server->send_text("");
  server->send_binary("\x01\x02");
  s = scrape_until([](const samples& x) {
    return number(x, R"(hubwatch_events_total{type="task_result"})") == 2 &&
           number(x, R"(hubwatch_parse_errors_total{kind="binary_frame"})") ==
             1;
  });
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="heartbeat"})"), 6u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="agent_error"})"),
                  1u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="agent_started"})"),
                  1u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="agent_stopped"})"),
                  1u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="task_result"})"),
                  2u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="unknown"})"), 1u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_events_total{type="vault_decision"})"),
                  0u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_parse_errors_total{kind="invalid_json"})"), 2u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_parse_errors_total{kind="missing_type"})"), 1u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_parse_errors_total{kind="not_an_object"})"), 1u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_parse_errors_total{kind="type_not_string"})"), 1u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_parse_errors_total{kind="empty_frame"})"), 1u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_parse_errors_total{kind="binary_frame"})"), 1u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_parse_errors_total{kind="too_deep"})"),
                  0u);
  CAF_CHECK_EQUAL(number(s, "hubwatch_reconnects_total"), 0u);
  // Agents: four series of their own (by id), the rest folded.
  CAF_CHECK_EQUAL(number(s, "hubwatch_agents"), 6u);
  CAF_CHECK_EQUAL(number(s, "hubwatch_agents_folded"), 2u);
  CAF_CHECK_EQUAL(
    number(
      s,
      R"(hubwatch_agent_status{agent_id="agent-b",agent_name="beta",status="error"})"),
    1u);
  CAF_CHECK_EQUAL(
    number(
      s,
      R"(hubwatch_agent_status{agent_id="agent-b",agent_name="beta",status="idle"})"),
    0u);
  CAF_CHECK_EQUAL(
    number(s, R"(hubwatch_agent_errors_total{agent_id="agent-b"})"), 1u);
  CAF_CHECK_EQUAL(
    number(
      s,
      R"(hubwatch_agent_status{agent_id="agent-c",agent_name="gamma",status="running"})"),
    1u);
  CAF_CHECK_EQUAL(
    number(
      s,
      R"(hubwatch_agent_status{agent_id="_other",agent_name="",status="running"})"),
    1u);
  CAF_CHECK_EQUAL(
    number(
      s,
      R"(hubwatch_agent_status{agent_id="_other",agent_name="",status="stopped"})"),
    1u);
  CAF_CHECK_EQUAL(s.count(R"(hubwatch_agent_stale{agent_id="zz-1"})"), 0u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_agent_stale{agent_id="agent-a"})"), 0u);
  // The hostile name, escaped exactly as the format says, in one line.
  auto r = scrape();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  CAF_CHECK(
    r.body.find("\nhubwatch_agent_status{agent_id=\"evil-1\",agent_name=\"evil "
                "\\\"quoted\\\" \\\\ back\\nslash ünï 🚀 } "
                "x=\\\"y\\\"\",status=\"running\"} "
                "1\n") != std::string::npos);
  // Seconds since last seen: small, on the node's own clock.
  auto seen = std::stod(parse_samples(r.body).at(
    R"(hubwatch_agent_last_seen_seconds{agent_id="agent-a"})"));
  CAF_CHECK(seen >= 0 && seen < 10);
  // The node's own status printer is its one local subscriber.
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="local"})"), 1u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="remote"})"), 0u);
  promtool_accepts(r.body);
  // A remote subscriber shows up as one, and goes when it goes.
  {
    child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--remote",
                       "127.0.0.1:" + std::to_string(publish_port), "--json"}};
    // Both figures come from one answer of the registry: once the remote
    // one shows, the local one is exact in the same scrape.
    s = scrape_until([](const samples& x) {
      return number(x, R"(hubwatch_subscribers{kind="remote"})") == 1;
    });
    CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="remote"})"), 1u);
    CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="local"})"), 1u);
    sub.signal(SIGINT);
    CAF_CHECK_EQUAL(sub.wait_exit(10s), 0);
  }
  s = scrape_until([](const samples& x) {
    return number(x, R"(hubwatch_subscribers{kind="remote"})") == 0;
  });
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="remote"})"), 0u);
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="local"})"), 1u);
}

CAF_TEST(a node at its cap turns subscribers away and counts them) {
  start_node({"--max-remote-subscribers", "1"});
  auto s = scrape_samples();
  CAF_CHECK_EQUAL(number(s, "hubwatch_remote_subscribers_max"), 1u);
  CAF_CHECK_EQUAL(number(s, "hubwatch_remote_subscribers_refused_total"), 0u);
  auto remote = "127.0.0.1:" + std::to_string(publish_port);
  child_process first{{HUBWATCH_SUBSCRIBER_BIN, "--remote", remote, "--json"}};
  s = scrape_until([](const samples& x) {
    return number(x, R"(hubwatch_subscribers{kind="remote"})") == 1;
  });
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="remote"})"), 1u);
  {
    child_process second{
      {HUBWATCH_SUBSCRIBER_BIN, "--remote", remote, "--json"}};
    // Its link says why, as a status line of its own.
    std::string line;
    CAF_CHECK(
      second.read_until(R"("error_code":"too_many_subscribers")", line, 10s));
    CAF_CHECK(line.find("max-remote-subscribers = 1") != std::string::npos);
    s = scrape_until([](const samples& x) {
      return number(x, "hubwatch_remote_subscribers_refused_total") >= 1;
    });
    CAF_CHECK_GREATER_OR_EQUAL(
      number(s, "hubwatch_remote_subscribers_refused_total"), 1u);
    CAF_CHECK_EQUAL(number(s, R"(hubwatch_subscribers{kind="remote"})"), 1u);
    second.signal(SIGINT);
    CAF_CHECK_EQUAL(second.wait_exit(10s), 0);
  }
  first.signal(SIGINT);
  CAF_CHECK_EQUAL(first.wait_exit(10s), 0);
  promtool_accepts(scrape().body);
}

CAF_TEST(reconnects and the state gauge follow drops and outages) {
  start_node();
  CAF_REQUIRE(server->wait_for_clients(1, 10s));
  auto s =
    scrape_until([](const samples& x) { return state_of(x) == "connected"; });
  CAF_REQUIRE_EQUAL(state_of(s), "connected");
  server->send_text(heartbeat("agent-a", R"("alpha")", "running"));
  s = scrape_until([](const samples& x) {
    return x.count(R"(hubwatch_agent_stale{agent_id="agent-a"})") > 0;
  });
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_agent_stale{agent_id="agent-a"})"), 0u);
  // The connection's uptime grows while it lasts.
  auto up1 = std::stod(s.at("hubwatch_connected_seconds"));
  std::this_thread::sleep_for(300ms);
  auto up2 = std::stod(scrape_samples().at("hubwatch_connected_seconds"));
  CAF_CHECK_GREATER_OR_EQUAL(up2 - up1, 0.29);
  // Forced drops (TCP closed without a close frame): one reconnect each.
  for (uint64_t n = 1; n <= 2; ++n) {
    auto dropped = std::chrono::steady_clock::now();
    server->drop_all();
    s = scrape_until([n](const samples& x) {
      return number(x, "hubwatch_reconnects_total") == n &&
             state_of(x) == "connected";
    });
    CAF_CHECK_EQUAL(number(s, "hubwatch_reconnects_total"), n);
    CAF_CHECK_EQUAL(state_of(s), "connected");
    // A new connection: its uptime counts from the reconnect, not before.
    std::chrono::duration<double> since_drop =
      std::chrono::steady_clock::now() - dropped;
    CAF_CHECK_LESS_OR_EQUAL(std::stod(s.at("hubwatch_connected_seconds")),
                            since_drop.count() + 0.01);
  }
  // The hub goes away: the gauge leaves connected, uptime is 0 and every
  // agent is stale.
  server->stop();
  s = scrape_until(
    [](const samples& x) { return state_of(x) == "disconnected"; });
  CAF_CHECK_EQUAL(state_of(s), "disconnected");
  CAF_CHECK_EQUAL(s.at("hubwatch_connected_seconds"), "0.000");
  CAF_CHECK_EQUAL(number(s, R"(hubwatch_agent_stale{agent_id="agent-a"})"), 1u);
  promtool_accepts(scrape().body);
  // It comes back on the same port: connected again, one more reconnect.
  try {
    server->start();
  } catch (const std::exception& e) {
    CAF_FAIL("the hub cannot restart: " << e.what());
  }
  s = scrape_until([](const samples& x) {
    return state_of(x) == "connected" &&
           number(x, "hubwatch_reconnects_total") == 3;
  });
  CAF_CHECK_EQUAL(state_of(s), "connected");
  CAF_CHECK_EQUAL(number(s, "hubwatch_reconnects_total"), 3u);
  // The server counts a session after the node has seen it come up.
  CAF_CHECK(eventually([&] { return server->connections_accepted() == 4u; }));
  CAF_CHECK_EQUAL(server->connections_accepted(), 4u);
}

CAF_TEST(only get metrics is served) {
  start_node();
  CAF_CHECK_EQUAL(scrape().status, 200u);
  for (auto target : {"/", "/metric", "/metrics/x", "/health", "/ws"})
    CAF_CHECK_EQUAL(http_get(metrics_port, target).status, 404u);
  http_client c{metrics_port};
  CAF_CHECK_EQUAL(
    c.request(boost::beast::http::verb::post, "/metrics", "x").status, 405u);
  http_client bad{metrics_port};
  CAF_CHECK_EQUAL(bad.raw("\x16\x03\x01 not http\r\n\r\n").substr(0, 12),
                  "HTTP/1.1 400");
  // Nothing on stderr but the two lines that say where it listens.
  node->drain();
  CAF_CHECK_EQUAL(log_messages(node->stderr_text()),
                  (std::vector<std::string>{
                    "info hubwatch-node: publishing on 127.0.0.1:" +
                      std::to_string(publish_port),
                    "info hubwatch-node: metrics on http://127.0.0.1:" +
                      std::to_string(metrics_port) + "/metrics"}));
}

CAF_TEST(bad metrics flags are refused with exit code 2) {
  child_process a{
    {HUBWATCH_NODE_BIN, "--url", server->url(), "--metrics-port", "70000"}};
  CAF_CHECK_EQUAL(a.wait_exit(10s), 2);
  CAF_CHECK(a.stderr_text().find("--metrics-port = 70000") !=
            std::string::npos);
  child_process b{{HUBWATCH_NODE_BIN, "--url", server->url(),
                   "--metrics-max-agents", "many"}};
  CAF_CHECK_EQUAL(b.wait_exit(10s), 2);
  child_process c{{HUBWATCH_NODE_BIN, "--url", server->url(), "--publish-port",
                   "0", "--metrics-port", "0", "--metrics-bind", "nowhere"}};
  CAF_CHECK_EQUAL(c.wait_exit(10s), 1);
  CAF_CHECK(c.stderr_text().find("cannot listen on nowhere:0") !=
            std::string::npos);
}

CAF_TEST(a guarded endpoint speaks https and asks for credentials) {
  auto dir = std::filesystem::temp_directory_path() /
             ("hubwatch-guard-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto cert = hub::make_test_cert(dir.string());
  auto users = (dir / "metrics.users").string();
  std::ofstream{users} << "# who may scrape\nprometheus:s3cret\n";
  start_node({"--metrics-tls-cert", cert.cert_file, "--metrics-tls-key",
              cert.key_file, "--metrics-basic-auth-file", users},
             "https");
  // prometheus:s3cret
  auto ok = https_get(metrics_port, "/metrics", cert.cert_file,
                      "Basic cHJvbWV0aGV1czpzM2NyZXQ=");
  CAF_CHECK_EQUAL(ok.status, 200u);
  CAF_CHECK(ok.body.find("hubwatch_connection_state") != std::string::npos);
  auto anonymous = https_get(metrics_port, "/metrics", cert.cert_file);
  CAF_CHECK_EQUAL(anonymous.status, 401u);
  CAF_CHECK(anonymous.www_authenticate.find("Basic") == 0);
  CAF_CHECK_EQUAL(http_get(metrics_port, "/metrics").status, 0u);
  // The password is nowhere in what the node wrote.
  node->drain();
  CAF_CHECK(node->stderr_text().find("s3cret") == std::string::npos);
  CAF_CHECK(node->rest_of_stdout().find("s3cret") == std::string::npos);
  std::filesystem::remove_all(dir);
}

CAF_TEST(a bad credentials file or certificate stops the node at start) {
  auto dir = std::filesystem::temp_directory_path() /
             ("hubwatch-guard-bad-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto users = (dir / "metrics.users").string();
  std::ofstream{users} << "prometheus:s3cret\nhunter2\n";
  child_process a{{HUBWATCH_NODE_BIN, "--url", server->url(), "--metrics-port",
                   "0", "--metrics-basic-auth-file", users}};
  CAF_CHECK_EQUAL(a.wait_exit(10s), 2);
  CAF_CHECK(a.stderr_text().find(users + ": line 2 is not user:password") !=
            std::string::npos);
  CAF_CHECK(a.stderr_text().find("hunter2") == std::string::npos);
  child_process b{{HUBWATCH_NODE_BIN, "--url", server->url(), "--metrics-port",
                   "0", "--metrics-basic-auth-file",
                   (dir / "missing").string()}};
  CAF_CHECK_EQUAL(b.wait_exit(10s), 2);
  child_process c{{HUBWATCH_NODE_BIN, "--url", server->url(), "--publish-port",
                   "0", "--metrics-port", "0", "--metrics-tls-cert",
                   (dir / "none.crt").string(), "--metrics-tls-key",
                   (dir / "none.key").string()}};
  CAF_CHECK_EQUAL(c.wait_exit(10s), 1);
  CAF_CHECK(c.stderr_text().find("none.crt") != std::string::npos);
  std::filesystem::remove_all(dir);
}

CAF_TEST_FIXTURE_SCOPE_END()
