#pragma once

#include <string>

namespace hubwatch::hub {

/// Paths of a PEM certificate and its private key.
struct cert_files {
  std::string cert_file;
  std::string key_file;
};

/// Generates a self-signed certificate for "localhost" (SAN DNS:localhost,
/// IP:127.0.0.1, valid for a day) and its unencrypted RSA key into `dir`
/// as localhost.crt and localhost.key, by running the `openssl` command line.
/// The certificate doubles as the CA a test client verifies with. Throws
/// std::runtime_error with openssl's output when that fails.
cert_files make_test_cert(const std::string& dir);

} // namespace hubwatch::hub
