#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace hubwatch {

/// A hub endpoint, split into what a connection needs.
struct hub_url {
  bool tls = false;   ///< `wss://`
  std::string host;   ///< Without brackets for IPv6 literals.
  uint16_t port = 0;  ///< Explicit or the scheme's default (80/443).
  std::string target; ///< Path plus `?query`, at least `/`.
};

/// Parses `ws://` or `wss://` URLs with Boost.URL. Refuses other schemes,
/// missing hosts, bad ports, user info and fragments, with a message that
/// names the URL.
caf::expected<hub_url> parse_hub_url(std::string_view text);

} // namespace hubwatch
