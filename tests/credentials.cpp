#define CAF_SUITE credentials

#include "hubwatch/core/credentials.hpp"

#include <caf/deep_to_string.hpp>
#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "hubwatch/messages/websocket_config.hpp"

using namespace hubwatch;

namespace {

namespace fs = std::filesystem;

const std::string token = "tok-3f9a1c77e2";

/// A file in a scratch folder, removed with the fixture.
struct fixture {
  fs::path dir;

  fixture() {
    dir = fs::temp_directory_path() /
          ("hubwatch-credentials-" + std::to_string(::getpid()) + "-" +
           std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(dir);
  }

  ~fixture() {
    fs::remove_all(dir);
  }

  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir / name).string();
    std::ofstream out{path, std::ios::binary};
    out << text;
    return path;
  }
};

std::string joined(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs)
    result += x + "\n";
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(credentials_tests, fixture)

CAF_TEST(a header line splits at its first colon) {
  std::string name;
  std::string value;
  CAF_CHECK_EQUAL(parse_header_line("X-Team:  blue; a=b, c ", name, value), "");
  CAF_CHECK_EQUAL(name, "X-Team");
  CAF_CHECK_EQUAL(value, "blue; a=b, c");
  CAF_CHECK_EQUAL(parse_header_line("X-Url: http://x:1/", name, value), "");
  CAF_CHECK_EQUAL(value, "http://x:1/");
  CAF_CHECK_EQUAL(parse_header_line("X-Empty:", name, value), "");
  CAF_CHECK_EQUAL(value, "");
  CAF_CHECK_EQUAL(parse_header_line("just-a-token-no-colon", name, value),
                  "expected \"Name: value\"");
  CAF_CHECK_EQUAL(parse_header_line(" : value", name, value),
                  "expected \"Name: value\", the name is missing");
}

CAF_TEST(the upgrade headers are refused in any case) {
  for (auto name :
       {"Host", "host", "UPGRADE", "Connection", "Sec-WebSocket-Key",
        "sec-websocket-protocol", "Sec-WebSocket-Extensions", "Content-Length",
        "transfer-encoding"}) {
    auto why = check_header_name(name);
    CAF_CHECK_NOT_EQUAL(why, "");
    // Named, so the user knows which one.
    CAF_CHECK(why.find(std::string{"\""} + name + "\"") != std::string::npos);
  }
  for (auto name : {"Authorization", "X-Api-Key", "User-Agent", "Cookie",
                    "X-Sec-WebSocket-Key", "Secret"})
    CAF_CHECK_EQUAL(check_header_name(name), "");
}

CAF_TEST(names that are not tokens are refused without being repeated) {
  for (auto name : {"", "Bad Name", "X-A\r\nHost", "X:Y", "X\"", "Ünï"}) {
    auto why = check_header_name(name);
    CAF_CHECK_NOT_EQUAL(why, "");
    if (*name != '\0')
      CAF_CHECK(why.find(name) == std::string::npos);
  }
}

CAF_TEST(values with cr lf or other controls are refused) {
  CAF_CHECK_EQUAL(check_header_value("Bearer abc.def-ghi_jkl"), "");
  CAF_CHECK_EQUAL(check_header_value("a\tb; c, d"), "");
  CAF_CHECK_EQUAL(check_header_value(""), "");
  for (auto v :
       {std::string{"zq\r\nHost: evil"}, std::string{"zq\nb"},
        std::string{"zq\rb"}, std::string{"zq\0b", 4}, std::string{"zq\x7f"}}) {
    auto why = check_header_value(v);
    CAF_CHECK_NOT_EQUAL(why, "");
    CAF_CHECK(why.find("zq") == std::string::npos);
  }
}

CAF_TEST(a token file loses its newline and must hold one line) {
  std::string got;
  CAF_CHECK_EQUAL(read_token_file(write("t1", token + "\n"), got), "");
  CAF_CHECK_EQUAL(got, token);
  CAF_CHECK_EQUAL(read_token_file(write("t2", token + "\r\n\n"), got), "");
  CAF_CHECK_EQUAL(got, token);
  auto empty = write("empty", "\n");
  CAF_CHECK_EQUAL(read_token_file(empty, got),
                  "\"" + empty + "\": the file is empty");
  auto missing = (dir / "missing").string();
  CAF_CHECK_EQUAL(read_token_file(missing, got),
                  "\"" + missing + "\": cannot be read");
  auto two = write("two", token + "\nsecond-" + token + "\n");
  auto why = read_token_file(two, got);
  CAF_CHECK_EQUAL(why, "\"" + two +
                         "\": expected one line (the token), "
                         "found more");
  auto ctl = write("ctl", "a\x01" + token);
  why = read_token_file(ctl, got);
  CAF_CHECK_EQUAL(why, "\"" + ctl + "\": the token holds a control character");
  CAF_CHECK(why.find(token) == std::string::npos);
}

CAF_TEST(redaction replaces every secret and the token without its scheme) {
  auto secrets = secret_values({"Bearer " + token, "", "blue"});
  CAF_CHECK_EQUAL(joined(secrets),
                  "Bearer " + token + "\n" + token + "\nblue\n");
  CAF_CHECK_EQUAL(redact("invalid credentials: Bearer " + token + " (" + token +
                           ") team blue",
                         secrets),
                  "invalid credentials: *** (***) team ***");
  CAF_CHECK_EQUAL(redact("nothing to hide", secrets), "nothing to hide");
  CAF_CHECK_EQUAL(redact("x", {}), "x");
  CAF_CHECK_EQUAL(redact("aaaa", {"a"}), "************");
}

CAF_TEST(rendering a config never shows a secret) {
  websocket_config cfg;
  cfg.headers.push_back({"X-Api-Key", secret_string{"key-" + token}});
  cfg.bearer_token = secret_string{token};
  auto text = caf::deep_to_string(cfg);
  CAF_MESSAGE("rendered: " << text);
  CAF_CHECK(text.find(token) == std::string::npos);
  CAF_CHECK(text.find("X-Api-Key") != std::string::npos);
  CAF_CHECK(text.find("***") != std::string::npos);
  CAF_CHECK_EQUAL(to_string(cfg.bearer_token), "***");
  CAF_CHECK_EQUAL(caf::deep_to_string(cfg.headers.front()).find(token),
                  std::string::npos);
  CAF_CHECK_EQUAL(describe_headers(cfg), "X-Api-Key: ***, Authorization: ***");
  CAF_CHECK_EQUAL(describe_headers(websocket_config{}), "none");
}

CAF_TEST(validate names refused headers but never a value or token) {
  websocket_config cfg;
  cfg.headers.push_back({"Host", secret_string{"h-" + token}});
  cfg.headers.push_back({"X-Ok", secret_string{"a\r\nInjected: " + token}});
  cfg.headers.push_back({"Bad Name", secret_string{token}});
  cfg.headers.push_back({"Authorization", secret_string{"Basic " + token}});
  cfg.bearer_token = secret_string{token + "\n"};
  cfg.bearer_token_file = write("token", token);
  auto errors = joined(validate(cfg));
  CAF_MESSAGE("errors:\n" << errors);
  CAF_CHECK(errors.find(token) == std::string::npos);
  CAF_CHECK(
    errors.find("header #1: \"Host\" is part of the WebSocket upgrade") !=
    std::string::npos);
  CAF_CHECK(errors.find("header #2 (X-Ok): the value holds a control") !=
            std::string::npos);
  CAF_CHECK(errors.find("header #3: the name is not a valid") !=
            std::string::npos);
  CAF_CHECK(errors.find("given directly and as bearer-token-file") !=
            std::string::npos);
  CAF_CHECK(errors.find("header Authorization: a bearer token is configured") !=
            std::string::npos);
  CAF_CHECK(errors.find("bearer token: the value holds a control") !=
            std::string::npos);
}

CAF_TEST(the upgrade gets the headers then the bearer token from its file) {
  websocket_config cfg;
  cfg.headers.push_back({"X-Team", secret_string{"blue"}});
  cfg.bearer_token_file = write("token", token + "\n");
  CAF_REQUIRE_EQUAL(joined(validate(cfg)), "");
  std::vector<request_header> out;
  CAF_REQUIRE_EQUAL(upgrade_headers(cfg, out), "");
  CAF_REQUIRE_EQUAL(out.size(), 2u);
  CAF_CHECK_EQUAL(out[0].name, "X-Team");
  CAF_CHECK_EQUAL(out[1].name, "Authorization");
  CAF_CHECK_EQUAL(out[1].value.reveal(), "Bearer " + token);
  fs::remove(cfg.bearer_token_file);
  auto err = upgrade_headers(cfg, out);
  CAF_CHECK_EQUAL(err, "bearer-token-file = \"" + cfg.bearer_token_file +
                         "\": cannot be read");
}

CAF_TEST_FIXTURE_SCOPE_END()
