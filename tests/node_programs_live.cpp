#define CAF_SUITE node_programs_live

#include <caf/test/unit_test.hpp>

#include <boost/json/parse.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "child_process.hpp"
#include "hubwatch/api/remote.hpp"
#include "live_support.hpp"

using namespace hubwatch;
using namespace hubwatch::test;
namespace json = boost::json;

// The three programs as child processes: hubwatch-hub (the simulator),
// hubwatch-node watching it and publishing on a port, hubwatch-subscriber
// attached to the node with --remote.

namespace {

bool is_link_status(const json::object& obj) {
  return obj.at("kind").as_string() == "status" && obj.contains("scope") &&
         obj.at("scope").as_string() == "link";
}

struct fixture {
  std::unique_ptr<child_process> hub;
  std::unique_ptr<child_process> node;
  std::string hub_url;
  uint16_t node_port = 0;

  fixture() {
    hub = std::make_unique<child_process>(std::vector<std::string>{
      HUBWATCH_HUB_BIN, "--port", "0", "--rate-scale", "20"});
    std::string line;
    CAF_REQUIRE(hub->read_stderr_until("listening on ", line, 10s));
    hub_url = line.substr(line.find("ws://"));
    node = std::make_unique<child_process>(std::vector<std::string>{
      HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port", "0",
      "--reconnect-delay-ms", "100"});
    CAF_REQUIRE(node->read_stderr_until("publishing on 127.0.0.1:", line, 10s));
    node_port =
      static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  }

  ~fixture() {
    // The node ends on SIGINT with exit code 0, the hub likewise; the hub
    // then says how many data frames it got from clients: none.
    node->signal(SIGINT);
    CAF_CHECK_EQUAL(node->wait_exit(10s), 0);
    hub->signal(SIGINT);
    CAF_CHECK_EQUAL(hub->wait_exit(10s), 0);
    CAF_CHECK(hub->stderr_text().find(
                "hubwatch-hub: data frames received from clients: 0") !=
              std::string::npos);
    // Nothing but the port line: no errors from CAF about subscribers that
    // came and went.
    CAF_CHECK_EQUAL(
      log_messages(node->stderr_text()),
      std::vector<std::string>{"info hubwatch-node: publishing on 127.0.0.1:" +
                               std::to_string(node_port)});
  }

  std::string remote() const {
    return "127.0.0.1:" + std::to_string(node_port);
  }
};

/// The test process as a third machine, to ask the node's gateway.
struct prober {
  config sys_cfg;
  caf::actor_system sys;
  node_gateway_actor gateway;

  prober() : sys(init(sys_cfg)) {
    // nop
  }

  static config& init(config& cfg) {
    cfg.load<caf::io::middleman>();
    return cfg;
  }

  bool connect(uint16_t port) {
    auto gw =
      sys.middleman().remote_actor<node_gateway_actor>("127.0.0.1", port);
    if (!gw)
      return false;
    gateway = *gw;
    return true;
  }

  caf::optional<uint64_t> count() {
    caf::scoped_actor self{sys};
    caf::optional<uint64_t> result;
    self->request(gateway, 5s, atom::count::value)
      .receive([&](uint64_t n) { result = n; }, [](caf::error&) {});
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_programs_live_tests, fixture)

CAF_TEST(a remote subscriber prints the node s snapshot then its events) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--remote", remote(), "--json",
                     "--exit-after-events", "5"}};
  CAF_REQUIRE_EQUAL(sub.wait_exit(20s), 0);
  CAF_CHECK_EQUAL(sub.stderr_text(), "");
  auto lines = parse_lines(sub.rest_of_stdout());
  CAF_REQUIRE_GREATER_OR_EQUAL(lines.size(), 8u);
  // Every line names the node, except the run's summary at the end.
  CAF_CHECK_EQUAL(lines.back().at("kind").as_string(), "summary");
  for (size_t i = 0; i + 1 < lines.size(); ++i)
    CAF_CHECK_EQUAL(lines[i].at("node").as_string(), remote());
  // The link comes up first; the node's first line is its snapshot.
  CAF_CHECK(is_link_status(lines[0]));
  CAF_CHECK_EQUAL(lines[0].at("state").as_string(), "connecting");
  size_t first = 0;
  while (first < lines.size() && is_link_status(lines[first]))
    ++first;
  CAF_REQUIRE_LESS(first, lines.size());
  CAF_CHECK_EQUAL(lines[first - 1].at("state").as_string(), "connected");
  auto& snap = lines[first];
  CAF_REQUIRE_EQUAL(snap.at("kind").as_string(), "snapshot");
  auto agents = static_cast<size_t>(snap.at("agents").as_int64());
  // One agent line per agent, then the node's hub status (no scope).
  for (size_t i = 0; i < agents; ++i)
    CAF_CHECK_EQUAL(lines.at(first + 1 + i).at("kind").as_string(), "agent");
  auto& hub_status = lines.at(first + 1 + agents);
  CAF_CHECK_EQUAL(hub_status.at("kind").as_string(), "status");
  CAF_CHECK(!hub_status.contains("scope"));
  // Then the live stream: five events, numbered by the node, in order.
  std::vector<int64_t> seqs;
  for (auto& obj : lines)
    if (obj.at("kind").as_string() == "event")
      seqs.push_back(obj.at("seq").as_int64());
  CAF_REQUIRE_EQUAL(seqs.size(), 5u);
  for (size_t i = 1; i < seqs.size(); ++i)
    CAF_CHECK_EQUAL(seqs[i], seqs[i - 1] + 1);
  CAF_CHECK_GREATER(seqs[0], snap.at("events_total").as_int64());
  // It left politely: its last link status says so.
  auto& last_link = lines[lines.size() - 2];
  CAF_CHECK(is_link_status(last_link));
  CAF_CHECK_EQUAL(last_link.at("error_code").as_string(), "closed_by_observer");
  CAF_CHECK_EQUAL(lines.back().at("events").as_int64(), 5);
}

CAF_TEST(a killed remote subscriber is forgotten by the node) {
  prober probe;
  CAF_REQUIRE(probe.connect(node_port));
  // The node's own status printer is a subscriber too.
  auto before = probe.count();
  CAF_REQUIRE(before);
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--remote", remote(), "--json"}};
  std::string line;
  CAF_REQUIRE(sub.read_until("\"kind\":\"event\"", line, 20s));
  CAF_CHECK_EQUAL(probe.count(), *before + 1);
  // No goodbye: SIGKILL. The node sees the connection end.
  sub.signal(SIGKILL);
  CAF_CHECK_EQUAL(sub.wait_exit(10s), -SIGKILL);
  CAF_CHECK(eventually([&] { return probe.count() == before; }, 10s));
}

CAF_TEST(a remote subscriber follows several nodes) {
  // A second node on the same hub.
  child_process node2{
    {HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port", "0"}};
  std::string line;
  CAF_REQUIRE(node2.read_stderr_until("publishing on 127.0.0.1:", line, 10s));
  auto remote2 = line.substr(line.find("127.0.0.1:"));
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--remote", remote(), "--remote",
                     remote2, "--json"}};
  // Until both nodes have sent their snapshot, however slowly the second
  // node comes up; then a stop signal, and nothing more may follow.
  std::map<std::string, size_t> snapshots;
  auto count_snapshot = [&](const json::object& obj) {
    if (obj.at("kind").as_string() == "snapshot")
      ++snapshots[std::string{obj.at("node").as_string()}];
  };
  while (snapshots.size() < 2) {
    CAF_REQUIRE(sub.read_until("\"kind\":\"snapshot\"", line, 20s));
    count_snapshot(json::parse(line).as_object());
  }
  sub.signal(SIGINT);
  CAF_REQUIRE_EQUAL(sub.wait_exit(20s), 0);
  for (auto& obj : parse_lines(sub.rest_of_stdout()))
    count_snapshot(obj);
  CAF_CHECK_EQUAL(snapshots[remote()], 1u);
  CAF_CHECK_EQUAL(snapshots[remote2], 1u);
  node2.signal(SIGINT);
  CAF_CHECK_EQUAL(node2.wait_exit(10s), 0);
}

CAF_TEST(a bad remote address is refused with exit code 2) {
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--remote", "nowhere"}};
  CAF_CHECK_EQUAL(sub.wait_exit(10s), 2);
  CAF_CHECK(sub.stderr_text().find("--remote = nowhere: expected HOST:PORT") !=
            std::string::npos);
}

CAF_TEST(a node fed by another node passes its stream on with the path) {
  child_process leaf_node{{HUBWATCH_NODE_BIN, "--upstream", remote(),
                           "--publish-port", "0", "--node-name", "B"}};
  std::string line;
  CAF_REQUIRE(
    leaf_node.read_stderr_until("publishing on 127.0.0.1:", line, 10s));
  auto remote2 = line.substr(line.find("127.0.0.1:"));
  child_process sub{{HUBWATCH_SUBSCRIBER_BIN, "--remote", remote2, "--json",
                     "--exit-after-events", "3"}};
  CAF_REQUIRE_EQUAL(sub.wait_exit(20s), 0);
  // Snapshots may come before B has A's: the one that counts names both.
  auto lines = parse_lines(sub.rest_of_stdout());
  auto via = [](const json::object& obj) {
    std::vector<std::string> result;
    if (obj.contains("via"))
      for (auto& x : obj.at("via").as_array())
        result.emplace_back(x.as_string());
    return result;
  };
  std::vector<std::string> path{remote(), "B"};
  size_t events = 0;
  for (auto& obj : lines) {
    if (obj.at("kind").as_string() == "event") {
      ++events;
      CAF_CHECK_EQUAL(via(obj), path);
    }
    if (is_link_status(obj))
      CAF_CHECK(!obj.contains("via"));
  }
  CAF_CHECK_EQUAL(events, 3u);
  // The plain lines say it too.
  child_process plain{
    {HUBWATCH_SUBSCRIBER_BIN, "--remote", remote2, "--exit-after-events", "1"}};
  CAF_REQUIRE_EQUAL(plain.wait_exit(20s), 0);
  CAF_CHECK(plain.rest_of_stdout().find(remote2 + " via " + remote() + ">B") !=
            std::string::npos);
  leaf_node.signal(SIGINT);
  CAF_CHECK_EQUAL(leaf_node.wait_exit(10s), 0);
}

CAF_TEST(upstream and a hub url exclude each other) {
  child_process both{{HUBWATCH_NODE_BIN, "--upstream", remote(), "--url",
                      hub_url, "--publish-port", "0"}};
  CAF_CHECK_EQUAL(both.wait_exit(10s), 2);
  CAF_CHECK(both.stderr_text().find("exclude each other") != std::string::npos);
  child_process bad{{HUBWATCH_NODE_BIN, "--upstream", "nowhere"}};
  CAF_CHECK_EQUAL(bad.wait_exit(10s), 2);
  CAF_CHECK(bad.stderr_text().find(
              "--upstream = nowhere: expected HOST:PORT") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
