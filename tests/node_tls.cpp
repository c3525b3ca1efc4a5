#define CAF_SUITE node_tls

#include "hubwatch/core/node_tls.hpp"

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "hubwatch/api/settings.hpp"
#include "hubwatch/net/basp_tls.hpp"
#include "programs/program_tls.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch;

namespace {

namespace fs = std::filesystem;

std::string joined(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs)
    result += x + "\n";
  return result;
}

/// Certificates and a scratch folder per test.
struct fixture {
  fs::path dir;
  hub::test_pki pki;
  std::vector<program_flag> flags;

  fixture() {
    dir = fs::temp_directory_path() /
          ("hubwatch-node-tls-" + std::to_string(::getpid()) + "-" +
           std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(dir / "config");
    pki = hub::make_test_pki(dir.string());
    flags = tls_program_flags("peers");
    flags.push_back(
      {"allow-plaintext", false, false, "plain", "", 0, -1, true});
  }

  ~fixture() {
    fs::remove_all(dir);
  }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream out{dir / rel};
    out << text;
  }

  loaded_settings load(std::vector<std::string> args, environment env = {}) {
    std::vector<const char*> argv{"prog"};
    for (auto& a : args)
      argv.push_back(a.c_str());
    return load_settings(static_cast<int>(argv.size()), argv.data(), flags, env,
                         dir.string(), (dir / "etc.conf").string());
  }

  node_tls good() const {
    return {pki.client.cert_file, pki.client.key_file, pki.ca.cert_file, ""};
  }

  /// The message load_tls_context throws, empty when it loads.
  static std::string load_error(const node_tls& x) {
    try {
      load_tls_context(x);
      return {};
    } catch (const std::exception& e) {
      return e.what();
    }
  }
};

} // namespace

CAF_TEST(loopback addresses) {
  for (auto a : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "[::1]",
                 "localhost", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"})
    if (!is_loopback_bind(a))
      CAF_FAIL("not taken as loopback: '" << a << "'");
  for (auto a : {"", "0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "128.0.0.1",
                 "126.255.255.255", "127.1", " 127.0.0.1", "localhost.",
                 "example.org", "::2", "::ffff:10.0.0.1", "[::1"})
    if (is_loopback_bind(a))
      CAF_FAIL("taken as loopback: '" << a << "'");
}

CAF_TEST(plain BASP beyond loopback is a choice) {
  node_tls none;
  node_tls tls{"c", "k", "a", ""};
  CAF_CHECK_EQUAL(plaintext_refusal("127.0.0.1", none, false), "");
  CAF_CHECK_EQUAL(plaintext_refusal("::1", none, false), "");
  CAF_CHECK_EQUAL(plaintext_refusal("0.0.0.0", none, true), "");
  CAF_CHECK_EQUAL(plaintext_refusal("0.0.0.0", tls, false), "");
  auto why = plaintext_refusal("0.0.0.0", none, false);
  CAF_CHECK(why.find("0.0.0.0") != std::string::npos);
  CAF_CHECK(why.find("--allow-plaintext") != std::string::npos);
  CAF_CHECK(why.find("--tls-cert") != std::string::npos);
  CAF_CHECK(why.find('\n') == std::string::npos);
  CAF_CHECK(plaintext_refusal("", none, false).find("every address") !=
            std::string::npos);
  CAF_CHECK(!plaintext_refusal("10.1.2.3", none, false).empty());
}

CAF_TEST(refusals are logged within a budget) {
  using namespace std::chrono_literals;
  log_budget budget{3, 10s};
  auto t0 = log_budget::clock::time_point{} + 1h;
  uint64_t held = 99;
  std::string seen;
  // Three lines, then nothing for the rest of the window.
  for (int i = 0; i < 6; ++i)
    seen += budget.admit(t0 + std::chrono::seconds(i), held) ? 'y' : 'n';
  CAF_CHECK_EQUAL(seen, "yyynnn");
  CAF_CHECK_EQUAL(held, 0u);
  // A new window: the next line says how many were held back.
  CAF_CHECK(budget.admit(t0 + 10s, held));
  CAF_CHECK_EQUAL(held, 3u);
  CAF_CHECK(budget.admit(t0 + 11s, held));
  CAF_CHECK_EQUAL(held, 0u);
}

CAF_TEST(the three files go together) {
  CAF_CHECK(check_node_tls({}).empty());
  CAF_CHECK(check_node_tls({"c", "k", "a", ""}).empty());
  CAF_CHECK(check_node_tls({"c", "k", "a", "pass"}).empty());
  auto only_cert = joined(check_node_tls({"c", "", "", ""}));
  CAF_CHECK(only_cert.find("tls-key is missing") != std::string::npos);
  CAF_CHECK(only_cert.find("tls-ca is missing") != std::string::npos);
  CAF_CHECK(only_cert.find("tls-cert is missing") == std::string::npos);
  auto no_ca = check_node_tls({"c", "k", "", ""});
  CAF_REQUIRE_EQUAL(no_ca.size(), 1u);
  CAF_CHECK(no_ca[0].find("tls-ca") == 0);
  auto pass_only = joined(check_node_tls({"", "", "", "secret"}));
  CAF_CHECK(pass_only.find("passphrase") != std::string::npos);
  CAF_CHECK(pass_only.find("secret") == std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE(node_tls_files, fixture)

CAF_TEST(good files load and bad ones are named) {
  CAF_CHECK_EQUAL(load_error(good()), "");
  auto x = good();
  x.key_file = pki.node.key_file; // another certificate's key
  CAF_CHECK(load_error(x).find("is not the key of tls-cert") !=
            std::string::npos);
  x = good();
  x.ca_file = (dir / "missing.pem").string();
  CAF_CHECK_EQUAL(load_error(x), "tls-ca = " + x.ca_file + ": cannot read it");
  x = good();
  write("not-pem.txt", "hello\n");
  x.cert_file = (dir / "not-pem.txt").string();
  CAF_CHECK(load_error(x).find("tls-cert = " + x.cert_file +
                               ": not a PEM certificate") == 0);
  x = good();
  x.ca_file = (dir / "not-pem.txt").string();
  CAF_CHECK(load_error(x).find("tls-ca = ") == 0);
  x = {pki.expired_client.cert_file, pki.expired_client.key_file,
       pki.ca.cert_file, ""};
  CAF_CHECK(load_error(x).find("has expired") != std::string::npos);
}

CAF_TEST(an encrypted key needs its passphrase and the message never shows it) {
  node_tls x{pki.encrypted_client.cert_file, pki.encrypted_client.key_file,
             pki.ca.cert_file, ""};
  auto none = load_error(x);
  CAF_CHECK(none.find("no passphrase given") != std::string::npos);
  x.key_passphrase = "not the passphrase";
  auto wrong = load_error(x);
  CAF_CHECK(wrong.find("the passphrase does not open it") != std::string::npos);
  CAF_CHECK(wrong.find("not the passphrase") == std::string::npos);
  x.key_passphrase = pki.passphrase;
  CAF_CHECK_EQUAL(load_error(x), "");
}

CAF_TEST(the flags are also config keys and environment variables) {
  CAF_CHECK_EQUAL(flag_env_name("tls-key-passphrase-file"),
                  "HUBWATCH_TLS_KEY_PASSPHRASE_FILE");
  write("config/hubwatch.conf",
        "tls-cert = /file/cert.pem\ntls-ca = /file/ca.pem\n"
        "allow-plaintext = yes\n");
  auto r =
    load({"--tls-ca", "/cli/ca.pem"}, {{"HUBWATCH_TLS_CERT", "/env/cert.pem"},
                                       {"HUBWATCH_TLS_KEY", "/env/key.pem"}});
  CAF_CHECK_EQUAL(joined(r.errors), "");
  CAF_CHECK_EQUAL(r.value("tls-cert"), "/env/cert.pem"); // env over file
  CAF_CHECK_EQUAL(r.value("tls-key"), "/env/key.pem");
  CAF_CHECK_EQUAL(r.value("tls-ca"), "/cli/ca.pem"); // flag over all
  CAF_CHECK(r.has("allow-plaintext"));
  // A switch turned off in the environment, and a bad value named.
  auto off = load({}, {{"HUBWATCH_ALLOW_PLAINTEXT", "no"}});
  CAF_CHECK(!off.has("allow-plaintext"));
  auto bad = load({}, {{"HUBWATCH_ALLOW_PLAINTEXT", "maybe"}});
  CAF_CHECK(
    joined(bad.errors)
      .find("allow-plaintext = maybe (from $HUBWATCH_ALLOW_PLAINTEXT)") !=
    std::string::npos);
  // Neither the passphrase nor any other unknown key is a config key.
  write("config/hubwatch.conf", "tls-key-passphrase = secret\n");
  auto unknown = load({});
  CAF_CHECK(joined(unknown.errors).find("unknown key") != std::string::npos);
  // The help names the variables.
  auto help = usage("prog", "", flags);
  CAF_CHECK(help.find("[$HUBWATCH_TLS_CERT]") != std::string::npos);
  CAF_CHECK(help.find("$HUBWATCH_TLS_KEY_PASSPHRASE") != std::string::npos);
}

CAF_TEST(the passphrase comes from a file or the environment) {
  auto args =
    std::vector<std::string>{"--tls-cert", pki.encrypted_client.cert_file,
                             "--tls-key",  pki.encrypted_client.key_file,
                             "--tls-ca",   pki.ca.cert_file};
  std::vector<std::string> errors;
  // None given: refused, naming the key file.
  tls_from_settings(load(args), {}, errors);
  CAF_CHECK(joined(errors).find("no passphrase given") != std::string::npos);
  // From the environment.
  errors.clear();
  auto env = environment{{tls_passphrase_env, pki.passphrase}};
  auto t = tls_from_settings(load(args), env, errors);
  CAF_CHECK_EQUAL(joined(errors), "");
  CAF_CHECK_EQUAL(t.key_passphrase, pki.passphrase);
  // From a file (its first line; a file wins over the environment).
  write("pass.txt", pki.passphrase + "\nignored\n");
  auto with_file = args;
  with_file.push_back("--tls-key-passphrase-file");
  with_file.push_back((dir / "pass.txt").string());
  errors.clear();
  t = tls_from_settings(load(with_file), {{tls_passphrase_env, "wrong one"}},
                        errors);
  CAF_CHECK_EQUAL(joined(errors), "");
  CAF_CHECK_EQUAL(t.key_passphrase, pki.passphrase);
  // A wrong one is refused without being shown.
  write("pass.txt", "wrong one\n");
  errors.clear();
  tls_from_settings(load(with_file), {}, errors);
  CAF_CHECK(joined(errors).find("does not open it") != std::string::npos);
  CAF_CHECK(joined(errors).find("wrong one") == std::string::npos);
  // A missing file is named.
  with_file.back() = (dir / "nowhere").string();
  errors.clear();
  tls_from_settings(load(with_file), {}, errors);
  CAF_CHECK(
    joined(errors).find("tls-key-passphrase-file = " + with_file.back() +
                        ": cannot read it") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
