#define CAF_SUITE remote_endpoint

#include "hubwatch/api/remote.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;

namespace {

bool parses(const std::string& text, std::string expected_host,
            uint16_t expected_port) {
  std::string host;
  uint16_t port = 0;
  return parse_node_endpoint(text, host, port) && host == expected_host &&
         port == expected_port;
}

bool refused(const std::string& text) {
  std::string host = "unchanged";
  uint16_t port = 7;
  return !parse_node_endpoint(text, host, port) && host == "unchanged" &&
         port == 7;
}

} // namespace

CAF_TEST(host and port) {
  CAF_CHECK(parses("127.0.0.1:4242", "127.0.0.1", 4242));
  CAF_CHECK(parses("node-1.example:1", "node-1.example", 1));
  CAF_CHECK(parses("[::1]:65535", "::1", 65535));
}

CAF_TEST(anything else is refused) {
  for (auto x :
       {"", "nowhere", ":4242", "host:", "host:0", "host:65536", "host:12a",
        "host:-1", "host:000004242", "::1:4242", "[]:1", "[::1:1"}) {
    CAF_MESSAGE(x);
    CAF_CHECK(refused(x));
  }
}
