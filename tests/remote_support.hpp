#pragma once

// Helpers for tests of nodes and remote subscribers: several actor systems
// in one process, each with the middleman, against the test hub.

#include <memory>
#include <string>

#include "hubwatch/api/remote.hpp"
#include "live_support.hpp"

namespace hubwatch::test {

/// A test actor system's config with the middleman loaded (`enable_remote`).
struct remote_config : test::config {
  explicit remote_config(const websocket_config& wc) {
    enable_remote(*this, wc);
  }
};

/// The test hub on 127.0.0.1 and a config pointing at it; at the end, checks
/// that nobody sent the hub a data frame.
struct remote_hub_fixture {
  websocket_config cfg = live_test_config();
  std::unique_ptr<hub::hub_server> server;

  remote_hub_fixture() {
    server = std::make_unique<hub::hub_server>(hub::server_options{});
    server->start();
    cfg.url = server->url();
    // The link's connect and first snapshot share this budget, and several
    // actor systems in one process are slow to answer under TSan. No test
    // waits for it to run out.
    cfg.connect_timeout = 10s;
  }

  ~remote_hub_fixture() {
    CAF_CHECK_EQUAL(server->data_frames_received(), 0u);
  }

  /// A hub-wide event: one update (no agent record follows it).
  static std::string notice(int i) {
    return R"({"type":"system_notice","payload":{"n":)" + std::to_string(i) +
           "}}";
  }

  bool wait_hub_clients(size_t n) {
    return eventually([&] { return server->clients() == n; }, 10s);
  }
};

} // namespace hubwatch::test
