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

/// Certificates for mutual TLS tests, all written into one folder by
/// OpenSSL's library (no command line), with EC P-256 keys.
struct test_pki {
  /// The CA both good sides trust (`cert_file` is what tls-ca names).
  cert_files ca;
  /// Signed by `ca`: a node's and a subscriber's pair.
  cert_files node;
  cert_files client;
  /// Signed by `ca`, but its validity ended an hour ago.
  cert_files expired_client;
  /// Another CA, and a pair it signed.
  cert_files other_ca;
  cert_files other_client;
  /// Signed by `ca`, its key encrypted (AES-256) with `passphrase`.
  cert_files encrypted_client;
  std::string passphrase;
};

/// Makes a `test_pki` in `dir` (which must exist). Throws
/// std::runtime_error when OpenSSL fails.
test_pki make_test_pki(const std::string& dir);

} // namespace hubwatch::hub
