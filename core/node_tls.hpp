#pragma once

// The settings of mutual TLS between a node and its remote subscribers, and
// the checks on them that need no file or network: which fields go
// together, and whether a bind address stays on this machine.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hubwatch {

/// Mutual TLS for the BASP link between a node and its subscribers. Either
/// all three files are set (TLS, and each side must present a certificate
/// signed by `ca_file`) or none (plain BASP). There is no TLS without
/// authentication: CAF's anonymous ciphers are never used.
struct node_tls {
  /// PEM certificate (chain) this side presents.
  std::string cert_file;

  /// PEM private key of `cert_file`, possibly encrypted.
  std::string key_file;

  /// PEM file with the CA that must have signed the peer's certificate.
  std::string ca_file;

  /// Decrypts `key_file`; empty for an unencrypted key. Comes from a file
  /// or the environment, never from the command line, and is never shown.
  std::string key_passphrase;

  bool enabled() const {
    return !cert_file.empty() || !key_file.empty() || !ca_file.empty();
  }
};

/// What is wrong with the combination of fields (empty when it is fine):
/// one message per missing file when only some are given, or a passphrase
/// without a key. Files are not read here (see `load_tls_context`).
std::vector<std::string> check_node_tls(const node_tls& x);

/// True for an address that only this machine can reach: 127.0.0.0/8, ::1
/// (also as ::ffff:127.x.y.z or in brackets) and "localhost". The empty
/// address (every address) and anything else, host names included, are not.
bool is_loopback_bind(const std::string& address);

/// The one-line refusal of a node asked to publish plain BASP on `bind`
/// without `allow_plaintext`, or empty when it may start. TLS always may.
std::string plaintext_refusal(const std::string& bind, const node_tls& tls,
                              bool allow_plaintext);

/// Which refused handshakes a node logs: at most `burst` lines per `window`,
/// so that a peer retrying in a loop cannot flood the journal; the ones held
/// back are counted and said with the next line. Not thread-safe.
class log_budget {
public:
  using clock = std::chrono::steady_clock;

  log_budget(int burst, clock::duration window)
    : burst_(burst), window_(window) {
    // nop
  }

  /// True if a line may be written at `now`; then `held_back` is the number
  /// of lines not written since the last one that was.
  bool admit(clock::time_point now, uint64_t& held_back);

private:
  int burst_;
  clock::duration window_;
  clock::time_point window_start_;
  bool started_ = false;
  int lines_ = 0;
  uint64_t held_back_ = 0;
};

} // namespace hubwatch
