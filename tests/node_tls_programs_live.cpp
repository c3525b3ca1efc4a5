#define CAF_SUITE node_tls_programs_live

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "child_process.hpp"
#include "http_client.hpp"
#include "live_support.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

// hubwatch-node and hubwatch-subscriber with mutual TLS, as child processes
// on 127.0.0.1, with certificates made for the run.

namespace {

namespace fs = std::filesystem;

struct fixture {
  fs::path dir;
  hub::test_pki pki;
  std::unique_ptr<child_process> hub;
  std::string hub_url;

  fixture() {
    dir = fs::temp_directory_path() /
          ("hubwatch-mtls-programs-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    pki = hub::make_test_pki(dir.string());
    hub = std::make_unique<child_process>(std::vector<std::string>{
      HUBWATCH_HUB_BIN, "--port", "0", "--rate-scale", "20"});
    std::string line;
    CAF_REQUIRE(hub->read_stderr_until("listening on ", line, 10s));
    hub_url = line.substr(line.find("ws://"));
  }

  ~fixture() {
    hub->signal(SIGINT);
    CAF_CHECK_EQUAL(hub->wait_exit(10s), 0);
    fs::remove_all(dir);
  }

  std::string path(const std::string& name) const {
    return (dir / name).string();
  }

  /// A TLS node on a free port of 127.0.0.1 with /metrics; returns the
  /// publish and metrics ports.
  std::pair<uint16_t, uint16_t> start_node(std::unique_ptr<child_process>& node,
                                           std::vector<std::string> extra = {},
                                           std::vector<std::string> env = {}) {
    std::vector<std::string> argv{HUBWATCH_NODE_BIN,
                                  "--url",
                                  hub_url,
                                  "--publish-port",
                                  "0",
                                  "--metrics-port",
                                  "0",
                                  "--tls-cert",
                                  pki.node.cert_file,
                                  "--tls-key",
                                  pki.node.key_file,
                                  "--tls-ca",
                                  pki.ca.cert_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    node = std::make_unique<child_process>(argv, env);
    std::string line;
    CAF_REQUIRE(node->read_stderr_until("publishing on 127.0.0.1:", line, 10s));
    CAF_CHECK(line.find("(mutual TLS)") != std::string::npos);
    auto publish_port =
      static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    CAF_REQUIRE(
      node->read_stderr_until("metrics on http://127.0.0.1:", line, 10s));
    auto colon = line.find(':', line.find("127.0.0.1"));
    auto metrics_port = static_cast<uint16_t>(
      std::stoi(line.substr(colon + 1, line.find('/', colon) - colon - 1)));
    return {publish_port, metrics_port};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_tls_programs_live_tests, fixture)

CAF_TEST(a TLS node streams to a TLS subscriber and refuses a stranger) {
  // The subscriber's key is encrypted; its passphrase comes from a file,
  // and must appear in no output of either program.
  std::ofstream{path("pass.txt")} << pki.passphrase << "\n";
  std::unique_ptr<child_process> node;
  auto [port, metrics_port] = start_node(node);
  auto remote = "127.0.0.1:" + std::to_string(port);
  child_process sub{
    {HUBWATCH_SUBSCRIBER_BIN, "--remote", remote, "--json",
     "--exit-after-events", "5", "--tls-cert", pki.encrypted_client.cert_file,
     "--tls-key", pki.encrypted_client.key_file, "--tls-ca", pki.ca.cert_file,
     "--tls-key-passphrase-file", path("pass.txt")}};
  CAF_REQUIRE_EQUAL(sub.wait_exit(20s), 0);
  CAF_CHECK_EQUAL(sub.stderr_text(), "");
  auto lines = parse_lines(sub.rest_of_stdout());
  size_t snapshots = 0;
  size_t events = 0;
  for (auto& l : lines) {
    auto kind = l.at("kind").as_string();
    snapshots += kind == "snapshot";
    events += kind == "event";
  }
  CAF_CHECK_EQUAL(snapshots, 1u);
  CAF_CHECK_EQUAL(events, 5u);
  // A subscriber with a certificate from another CA (given through the
  // environment, as the other settings can be): refused, told why, never
  // sees a snapshot.
  child_process stranger{
    {HUBWATCH_SUBSCRIBER_BIN, "--remote", remote, "--exit-after-ms", "1500"},
    {"HUBWATCH_TLS_CERT=" + pki.other_client.cert_file,
     "HUBWATCH_TLS_KEY=" + pki.other_client.key_file,
     "HUBWATCH_TLS_CA=" + pki.ca.cert_file}};
  CAF_REQUIRE_EQUAL(stranger.wait_exit(20s), 0);
  auto out = stranger.rest_of_stdout();
  CAF_MESSAGE("the stranger printed:\n" << out);
  CAF_CHECK(out.find("link disconnected " + remote) != std::string::npos);
  CAF_CHECK(out.find("the TLS handshake with " + remote + " failed") !=
            std::string::npos);
  CAF_CHECK(out.find("snapshot") == std::string::npos);
  CAF_CHECK(out.find("events=0 ") != std::string::npos);
  // The node logged and counted each refused attempt.
  auto scrape = http_get(metrics_port, "/metrics");
  CAF_REQUIRE_EQUAL(scrape.status, 200u);
  auto samples = parse_samples(scrape.body);
  CAF_REQUIRE(samples.count("hubwatch_node_tls_refused_total") > 0);
  auto refused = std::stoull(samples["hubwatch_node_tls_refused_total"]);
  CAF_CHECK_GREATER_OR_EQUAL(refused, 1u);
  node->signal(SIGINT);
  CAF_CHECK_EQUAL(node->wait_exit(10s), 0);
  auto log = node->stderr_text();
  CAF_MESSAGE("the node logged:\n" << log);
  size_t warned = 0;
  for (auto& m : log_messages(log))
    if (m.find("warn hubwatch-node: refused a subscriber from 127.0.0.1:") ==
          0 &&
        m.find("TLS handshake failed: certificate verify failed") !=
          std::string::npos)
      ++warned;
  CAF_CHECK_EQUAL(warned, refused);
  for (const auto& text : std::vector<std::string>{
         log, node->rest_of_stdout(), sub.stderr_text(), sub.rest_of_stdout(),
         stranger.stderr_text(), out})
    CAF_CHECK(text.find(pki.passphrase) == std::string::npos);
}

CAF_TEST(a plain node beyond loopback needs allow plaintext) {
  for (auto bind : {"0.0.0.0", "::"}) {
    child_process node{{HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port",
                        "0", "--publish-bind", bind}};
    CAF_CHECK_EQUAL(node.wait_exit(10s), 2);
    auto msgs = log_messages(node.stderr_text());
    CAF_REQUIRE_EQUAL(msgs.size(), 1u);
    CAF_CHECK(msgs[0].find("error hubwatch-node: refusing to publish plain "
                           "BASP on ") == 0);
    CAF_CHECK(msgs[0].find("--allow-plaintext") != std::string::npos);
  }
  // The choice, made in the environment; loopback needs none.
  child_process allowed{{HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port",
                         "0", "--publish-bind", "0.0.0.0"},
                        {"HUBWATCH_ALLOW_PLAINTEXT=true"}};
  std::string line;
  CAF_CHECK(allowed.read_stderr_until("publishing on 0.0.0.0:", line, 10s));
  CAF_CHECK(line.find("plain BASP, not encrypted") != std::string::npos);
  allowed.signal(SIGINT);
  CAF_CHECK_EQUAL(allowed.wait_exit(10s), 0);
  // Or in a config file, which a subscriber on the same machine can share.
  std::ofstream{path("shared.conf")} << "allow-plaintext = true\n";
  child_process from_file{{HUBWATCH_NODE_BIN, "--url", hub_url, "--config",
                           path("shared.conf"), "--publish-port", "0",
                           "--publish-bind", "0.0.0.0"}};
  CAF_CHECK(from_file.read_stderr_until("publishing on 0.0.0.0:", line, 10s));
  from_file.signal(SIGINT);
  CAF_CHECK_EQUAL(from_file.wait_exit(10s), 0);
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--config", path("shared.conf"),
                     "--remote", "127.0.0.1:1", "--exit-after-ms", "200"}};
  CAF_CHECK_EQUAL(sub.wait_exit(10s), 0);
  CAF_CHECK_EQUAL(sub.stderr_text(), "");
}

CAF_TEST(bad TLS settings stop a program with 2 and never show the passphrase) {
  // A wrong passphrase from the environment.
  child_process wrong{{HUBWATCH_SUBSCRIBER_BIN, "--remote", "127.0.0.1:1",
                       "--tls-cert", pki.encrypted_client.cert_file,
                       "--tls-key", pki.encrypted_client.key_file, "--tls-ca",
                       pki.ca.cert_file},
                      {"HUBWATCH_TLS_KEY_PASSPHRASE=swordfish-not-it"}};
  CAF_CHECK_EQUAL(wrong.wait_exit(10s), 2);
  auto msgs = log_messages(wrong.stderr_text());
  CAF_REQUIRE_EQUAL(msgs.size(), 1u);
  CAF_CHECK(msgs[0].find("the passphrase does not open it") !=
            std::string::npos);
  CAF_CHECK(wrong.stderr_text().find("swordfish") == std::string::npos);
  CAF_CHECK(wrong.rest_of_stdout().find("swordfish") == std::string::npos);
  // Half a TLS setup on the node.
  child_process half{{HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port",
                      "0", "--tls-cert", pki.node.cert_file}};
  CAF_CHECK_EQUAL(half.wait_exit(10s), 2);
  CAF_CHECK(half.stderr_text().find("tls-key is missing") != std::string::npos);
  // A key that is not the certificate's.
  child_process mismatch{{HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port",
                          "0", "--tls-cert", pki.node.cert_file, "--tls-key",
                          pki.client.key_file, "--tls-ca", pki.ca.cert_file}};
  CAF_CHECK_EQUAL(mismatch.wait_exit(10s), 2);
  CAF_CHECK(mismatch.stderr_text().find("is not the key of tls-cert") !=
            std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
