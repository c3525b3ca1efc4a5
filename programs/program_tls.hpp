#pragma once

// The mutual-TLS flags that hubwatch-node and hubwatch-subscriber share, and
// how they become a `node_tls`. The key's passphrase is never a command-line
// value (anyone on the machine can read a process's arguments): it comes
// from a file or from HUBWATCH_TLS_KEY_PASSPHRASE, and is never printed.

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "hubwatch/api/settings.hpp"
#include "hubwatch/core/node_tls.hpp"
#include "hubwatch/net/basp_tls.hpp"

namespace hubwatch {

/// The environment variable that may hold the key's passphrase.
inline const char* tls_passphrase_env = "HUBWATCH_TLS_KEY_PASSPHRASE";

/// The flags, each also a config key and a HUBWATCH_ variable.
inline std::vector<program_flag> tls_program_flags(const std::string& peer) {
  return {
    {"tls-cert", true, false,
     "PEM certificate: the link to " + peer +
       " is mutual TLS (needs tls-key and tls-ca)",
     "", 0, -1, true},
    {"tls-key", true, false, "PEM private key of tls-cert", "", 0, -1, true},
    {"tls-ca", true, false,
     "PEM CA that must have signed the certificate of " + peer, "", 0, -1,
     true},
    {"tls-key-passphrase-file", true, false,
     std::string{"file whose first line decrypts tls-key (or $"} +
       tls_passphrase_env + ")",
     "", 0, -1, true},
  };
}

/// A program's own flags followed by the TLS flags.
inline std::vector<program_flag> with_tls_flags(std::vector<program_flag> flags,
                                                const std::string& peer) {
  auto tls = tls_program_flags(peer);
  flags.insert(flags.end(), tls.begin(), tls.end());
  return flags;
}

/// The TLS settings of a program; refusals (one line each, naming the
/// setting and the file, never the passphrase) go to `errors`. With TLS, the
/// files are loaded and checked here, so that a bad one stops the program
/// at start rather than failing every connection later.
inline node_tls tls_from_settings(const loaded_settings& loaded,
                                  const environment& env,
                                  std::vector<std::string>& errors) {
  node_tls result;
  result.cert_file = loaded.value("tls-cert");
  result.key_file = loaded.value("tls-key");
  result.ca_file = loaded.value("tls-ca");
  if (loaded.has("tls-key-passphrase-file")) {
    auto path = loaded.value("tls-key-passphrase-file");
    std::ifstream in{path};
    if (!in) {
      errors.push_back("tls-key-passphrase-file = " + path +
                       ": cannot read it");
      return result;
    }
    std::getline(in, result.key_passphrase);
    if (!result.key_passphrase.empty() && result.key_passphrase.back() == '\r')
      result.key_passphrase.pop_back();
  } else if (auto i = env.find(tls_passphrase_env); i != env.end()) {
    result.key_passphrase = i->second;
  }
  auto problems = check_node_tls(result);
  if (!problems.empty()) {
    errors.insert(errors.end(), problems.begin(), problems.end());
    return result;
  }
  if (result.enabled()) {
    try {
      load_tls_context(result);
    } catch (const std::exception& e) {
      errors.push_back(e.what());
    }
  }
  return result;
}

} // namespace hubwatch
