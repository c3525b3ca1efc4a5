#include "simulator/test_cert.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace hubwatch::hub {

namespace {

// Single quotes survive anything but a single quote, which gets spliced.
std::string shell_quote(const std::string& str) {
  std::string result = "'";
  for (auto c : str) {
    if (c == '\'')
      result += "'\\''";
    else
      result += c;
  }
  result += '\'';
  return result;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

cert_files make_test_cert(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw std::runtime_error("make_test_cert: '" + dir +
                             "' is not a directory");
  cert_files result{dir + "/localhost.crt", dir + "/localhost.key"};
  auto log = dir + "/openssl.log";
  auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1"
             " -subj /CN=localhost"
             " -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
             " -keyout " +
             shell_quote(result.key_file) + " -out " +
             shell_quote(result.cert_file) + " >" + shell_quote(log) + " 2>&1";
  auto status = std::system(cmd.c_str());
  if (status == 0)
    return result;
  std::string why;
  if (status == -1)
    why = "could not start a shell";
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    why = "the openssl command was not found";
  else if (WIFEXITED(status))
    why = "openssl exited with " + std::to_string(WEXITSTATUS(status));
  else
    why = "openssl was killed by a signal";
  auto output = slurp(log);
  throw std::runtime_error("make_test_cert: cannot create a certificate in '" +
                           dir + "': " + why +
                           (output.empty() ? "" : ":\n" + output));
}

namespace {

[[noreturn]] void pki_fail(const std::string& what) {
  throw std::runtime_error("make_test_pki: " + what);
}

struct key_and_cert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  key_and_cert() = default;
  key_and_cert(const key_and_cert&) = delete;
  key_and_cert& operator=(const key_and_cert&) = delete;
  ~key_and_cert() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1)
    pki_fail("cannot add an extension");
  X509_EXTENSION_free(ext);
}

/// A certificate for `cn`, valid from `from_s` to `to_s` seconds from now,
/// signed by `issuer` (itself when null).
void make_pair(key_and_cert& out, const std::string& cn,
               const key_and_cert* issuer, long from_s, long to_s, bool is_ca,
               long serial) {
  out.key = EVP_EC_gen("P-256");
  out.cert = X509_new();
  if (out.key == nullptr || out.cert == nullptr)
    pki_fail("cannot make a key");
  X509_set_version(out.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), from_s);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), to_s);
  X509_set_pubkey(out.cert, out.key);
  auto* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  auto* signer = issuer != nullptr ? issuer : &out;
  X509_set_issuer_name(out.cert, X509_get_subject_name(signer->cert));
  add_ext(out.cert, signer->cert, NID_basic_constraints,
          is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(out.cert, signer->cert, NID_key_usage,
          is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!is_ca)
    add_ext(out.cert, signer->cert, NID_ext_key_usage, "serverAuth,clientAuth");
  if (X509_sign(out.cert, signer->key, EVP_sha256()) == 0)
    pki_fail("cannot sign the certificate of " + cn);
}

cert_files write_pair(const key_and_cert& x, const std::string& dir,
                      const std::string& stem,
                      const std::string& passphrase = {}) {
  cert_files result{dir + "/" + stem + ".crt", dir + "/" + stem + ".key"};
  auto* c = std::fopen(result.cert_file.c_str(), "w");
  auto* k = std::fopen(result.key_file.c_str(), "w");
  bool ok = c != nullptr && k != nullptr && PEM_write_X509(c, x.cert) == 1;
  if (ok && passphrase.empty())
    ok = PEM_write_PrivateKey(k, x.key, nullptr, nullptr, 0, nullptr,
                              nullptr) == 1;
  else if (ok)
    ok = PEM_write_PrivateKey(
           k, x.key, EVP_aes_256_cbc(),
           reinterpret_cast<const unsigned char*>(passphrase.data()),
           static_cast<int>(passphrase.size()), nullptr, nullptr) == 1;
  if (c != nullptr)
    std::fclose(c);
  if (k != nullptr)
    std::fclose(k);
  if (!ok)
    pki_fail("cannot write " + result.cert_file + " or " + result.key_file);
  return result;
}

} // namespace

test_pki make_test_pki(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    pki_fail("'" + dir + "' is not a directory");
  constexpr long hour = 3600;
  constexpr long day = 24 * hour;
  test_pki result;
  key_and_cert ca, node, client, expired, other_ca, other, encrypted;
  make_pair(ca, "hubwatch test CA", nullptr, -hour, day, true, 1);
  make_pair(node, "node", &ca, -hour, day, false, 2);
  make_pair(client, "subscriber", &ca, -hour, day, false, 3);
  make_pair(expired, "expired subscriber", &ca, -2 * day, -hour, false, 4);
  make_pair(other_ca, "another CA", nullptr, -hour, day, true, 5);
  make_pair(other, "stranger", &other_ca, -hour, day, false, 6);
  make_pair(encrypted, "subscriber with a passphrase", &ca, -hour, day, false,
            7);
  result.passphrase = "correct horse battery staple";
  result.ca = write_pair(ca, dir, "ca");
  result.node = write_pair(node, dir, "node");
  result.client = write_pair(client, dir, "client");
  result.expired_client = write_pair(expired, dir, "expired");
  result.other_ca = write_pair(other_ca, dir, "other-ca");
  result.other_client = write_pair(other, dir, "other");
  result.encrypted_client =
    write_pair(encrypted, dir, "encrypted", result.passphrase);
  return result;
}

} // namespace hubwatch::hub
