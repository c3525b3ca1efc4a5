#define CAF_SUITE hostile_basp_live

#include <caf/test/unit_test.hpp>

#include <cstdlib>

#include <signal.h>

#include <fstream>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "basp_probe.hpp"
#include "child_process.hpp"
#include "hubwatch/api/remote.hpp"
#include "live_support.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

// Issue #13's probes against a plain BASP port: hubwatch-node as a child
// process (its port guarded, net/basp_guard_middleman.hpp) must survive them
// and keep serving; CAF 0.17.6 alone (caf-plain-publish, io::publish and
// nothing else) dies from the same bytes, which shows what the guard is for
// and will notice when a CAF update changes that.

namespace {

// Resident memory of a process in KiB; 0 if unknown.
uint64_t rss_kib(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      uint64_t kib = 0;
      in >> kib;
      return kib;
    }
    in.ignore(1 << 12, '\n');
  }
  return 0;
}

bool alive(child_process& proc) {
  return proc.wait_exit(std::chrono::milliseconds(0)) == -1000;
}

struct fixture {
  std::unique_ptr<child_process> hub;
  std::unique_ptr<child_process> node;
  uint16_t node_port = 0;
  std::minstd_rand rng{13};

  void start_node() {
    hub = std::make_unique<child_process>(std::vector<std::string>{
      HUBWATCH_HUB_BIN, "--port", "0", "--rate-scale", "20"});
    std::string line;
    CAF_REQUIRE(hub->read_stderr_until("listening on ", line, 10s));
    auto hub_url = line.substr(line.find("ws://"));
    node = std::make_unique<child_process>(std::vector<std::string>{
      HUBWATCH_NODE_BIN, "--url", hub_url, "--publish-port", "0"});
    CAF_REQUIRE(node->read_stderr_until("publishing on 127.0.0.1:", line, 10s));
    node_port =
      static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  }

  ~fixture() {
    if (node) {
      node->signal(SIGINT);
      CAF_CHECK_EQUAL(node->wait_exit(10s), 0);
    }
    if (hub) {
      hub->signal(SIGINT);
      hub->wait_exit(10s);
    }
  }
};

/// The test process as a subscriber's machine.
struct subscriber_machine {
  config sys_cfg;
  caf::actor_system sys;
  collector col;
  std::unique_ptr<remote_subscription> sub;

  subscriber_machine() : sys(init(sys_cfg)) {
    // nop
  }

  static config& init(config& cfg) {
    cfg.load<caf::io::middleman>();
    return cfg;
  }

  void subscribe(uint16_t port) {
    auto wc = live_test_config();
    remote_link_callbacks cbs;
    cbs.node = col.callbacks();
    sub = std::make_unique<remote_subscription>(sys, "127.0.0.1", port, wc,
                                                std::move(cbs));
  }

  size_t events() {
    size_t n = 0;
    col.wait([&](const collector& c) {
      n = c.events_unlocked();
      return true;
    });
    return n;
  }

  bool wait_events(size_t n, std::chrono::milliseconds timeout = 10s) {
    return col.wait(
      [n](const collector& c) { return c.events_unlocked() >= n; }, timeout);
  }

  /// A fresh BASP connection answers a request within `timeout`.
  bool answers(uint16_t port, std::chrono::milliseconds timeout) {
    auto gw =
      sys.middleman().remote_actor<node_gateway_actor>("127.0.0.1", port);
    if (!gw)
      return false;
    caf::scoped_actor self{sys};
    bool ok = false;
    self->request(*gw, timeout, atom::count::value)
      .receive([&](uint64_t) { ok = true; }, [](caf::error&) {});
    return ok;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(hostile_basp_live_tests, fixture)

CAF_TEST(a guarded node survives every BASP probe and keeps serving) {
  start_node();
  subscriber_machine good;
  good.subscribe(node_port);
  CAF_REQUIRE(good.wait_events(1));
  auto rss_before = rss_kib(node->pid());
  // The issue's probe, a few times, then every operation code with absurd
  // lengths: the guard closes each connection at its header.
  std::vector<probe_case> cases;
  for (int i = 0; i < 3; ++i)
    cases.push_back({"issue #13 probe", issue_probe(rng)});
  for (auto& c : basp_probe_table(rng))
    cases.push_back(std::move(c));
  for (auto& c : cases) {
    CAF_MESSAGE(c.name);
    // The close comes at once; the margin is for slow (TSan) runs.
    CAF_CHECK(send_probe("127.0.0.1", node_port, c.data, 5s) ==
              probe_outcome::closed_by_peer);
    CAF_REQUIRE(alive(*node));
  }
  // Random bytes.
  for (int i = 0; i < 20; ++i)
    send_probe("127.0.0.1", node_port, random_bytes(rng, 4096));
  CAF_REQUIRE(alive(*node));
  // No buffer of gigabytes was allocated for the absurd lengths.
  auto rss_after = rss_kib(node->pid());
  CAF_MESSAGE("node RSS " << rss_before << " KiB before, " << rss_after
                          << " KiB after the probes");
  // One unguarded absurd length alone would have zero-filled gigabytes.
  CAF_CHECK_LESS(rss_after, rss_before + 256 * 1024);
  // 200 connections that connect and say nothing do not keep a new
  // subscriber out, nor stall the one that is there.
  {
    half_open_connections idle{"127.0.0.1", node_port, 200};
    CAF_CHECK_EQUAL(idle.size(), 200u);
    auto seen = good.events();
    CAF_CHECK(good.wait_events(seen + 1, 5s));
    CAF_CHECK(good.answers(node_port, 5s));
    CAF_REQUIRE(alive(*node));
  }
  auto seen = good.events();
  CAF_CHECK(good.wait_events(seen + 1, 5s));
  CAF_CHECK(alive(*node));
}

// Records CAF 0.17.6's behaviour without the guard: a handshake header with
// payload_len 0 makes caf::io::basp::instance::handle deserialize from a
// null payload (instance.cpp:305 for a server handshake, :360 for a client
// handshake). If this starts to fail, CAF changed: see docs/security.md.
CAF_TEST(caf 0 17 6 without the guard dies of a segfault from the probe) {
  std::minstd_rand rng{13};
  std::vector<probe_case> cases{
    {"issue #13 probe (server handshake)", issue_probe(rng)},
    {"client handshake, payload_len 0", basp_header(1, 0, 0, 0, 0)},
  };
  for (auto& c : cases) {
    CAF_MESSAGE(c.name);
    // Under a sanitizer its SEGV handler would turn the fault into a report
    // and an abort: let the signal through, as in a normal build.
    auto with = [](const char* var, const char* opt) {
      auto* old = std::getenv(var);
      return std::string{var} + "=" + (old ? std::string{old} + ":" : "") + opt;
    };
    child_process plain{
      std::vector<std::string>{HUBWATCH_CAF_PLAIN_PUBLISH_BIN},
      {with("ASAN_OPTIONS", "handle_segv=0"),
       with("TSAN_OPTIONS", "handle_segv=0")}};
    std::string line;
    CAF_REQUIRE(plain.read_until("port ", line, 10s));
    auto port = static_cast<uint16_t>(std::stoi(line.substr(5)));
    // It listens and keeps a connection that says nothing.
    CAF_REQUIRE(send_probe("127.0.0.1", port, random_bytes(rng, 0), 50ms) ==
                probe_outcome::still_open);
    send_probe("127.0.0.1", port, c.data);
    CAF_CHECK_EQUAL(plain.wait_exit(10s), -SIGSEGV);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
