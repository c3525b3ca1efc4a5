#include "hubwatch/core/node_tls.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace hubwatch {

std::vector<std::string> check_node_tls(const node_tls& x) {
  std::vector<std::string> result;
  if (!x.enabled()) {
    if (!x.key_passphrase.empty())
      result.emplace_back("a TLS key passphrase was given without tls-key");
    return result;
  }
  // Half a TLS setup would either fail at the first connection or, in CAF,
  // fall back to weaker modes; both are refused at start.
  auto need = [&](const std::string& value, const char* key, const char* what) {
    if (value.empty())
      result.push_back(std::string{key} + " is missing: mutual TLS needs " +
                       what + " (tls-cert, tls-key and tls-ca go together)");
  };
  need(x.cert_file, "tls-cert", "this side's certificate");
  need(x.key_file, "tls-key", "the private key of tls-cert");
  need(x.ca_file, "tls-ca", "the CA that signs the peer's certificate");
  return result;
}

bool is_loopback_bind(const std::string& address) {
  auto a = address;
  if (a.size() >= 2 && a.front() == '[' && a.back() == ']')
    a = a.substr(1, a.size() - 2);
  if (a == "localhost")
    return true;
  in_addr v4;
  // inet_pton only takes the dotted quad, so "127.1" or " 127.0.0.1" (which
  // a resolver might read otherwise) are not taken as loopback.
  if (inet_pton(AF_INET, a.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
    static const unsigned char loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0, 0, 0, 0, 1};
    if (std::memcmp(v6.s6_addr, loop6, 16) == 0)
      return true;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(v6.s6_addr, mapped, 12) == 0 && v6.s6_addr[12] == 127;
  }
  return false;
}

bool log_budget::admit(clock::time_point now, uint64_t& held_back) {
  if (!started_ || now - window_start_ >= window_) {
    started_ = true;
    window_start_ = now;
    lines_ = 0;
  }
  if (lines_ >= burst_) {
    ++held_back_;
    return false;
  }
  ++lines_;
  held_back = held_back_;
  held_back_ = 0;
  return true;
}

std::string plaintext_refusal(const std::string& bind, const node_tls& tls,
                              bool allow_plaintext) {
  if (tls.enabled() || allow_plaintext || is_loopback_bind(bind))
    return {};
  return "refusing to publish plain BASP on " +
         (bind.empty() ? std::string{"every address"} : bind) +
         ": anyone who reaches the port could read the hub's events "
         "unencrypted; give --tls-cert, --tls-key and --tls-ca, or "
         "--allow-plaintext on a network you trust";
}

} // namespace hubwatch
