#define CAF_SUITE basic_auth

#include "hubwatch/core/basic_auth.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;

namespace {

std::vector<basic_credential> two_users() {
  return {{"prometheus", "s3cret:with:colons"}, {"grafana", "other"}};
}

} // namespace

CAF_TEST(base64 decodes strictly) {
  std::string out;
  CAF_CHECK(decode_base64("", out) && out.empty());
  CAF_CHECK(decode_base64("YQ==", out) && out == "a");
  CAF_CHECK(decode_base64("YWI=", out) && out == "ab");
  CAF_CHECK(decode_base64("YWJj", out) && out == "abc");
  CAF_CHECK(decode_base64("dXNlcjpwYXNz", out) && out == "user:pass");
  CAF_CHECK(!decode_base64("YQ", out));       // no padding
  CAF_CHECK(!decode_base64("Y===", out));     // padding too early
  CAF_CHECK(!decode_base64("YQ=a", out));     // data after padding
  CAF_CHECK(!decode_base64("YQ==YQ==", out)); // padding in the middle
  CAF_CHECK(!decode_base64("Y Q=", out));     // not the alphabet
}

CAF_TEST(a credentials file holds user password lines) {
  std::vector<basic_credential> creds;
  std::string error;
  CAF_REQUIRE(parse_basic_auth_file(
    "# scrapers\nprometheus:s3cret:with:colons\n\ngrafana:other\r\n", creds,
    error));
  CAF_REQUIRE_EQUAL(creds.size(), 2u);
  CAF_CHECK_EQUAL(creds[0].user, "prometheus");
  CAF_CHECK_EQUAL(creds[0].password, "s3cret:with:colons");
  CAF_CHECK_EQUAL(creds[1].user, "grafana");
  CAF_CHECK_EQUAL(creds[1].password, "other");
}

CAF_TEST(a bad credentials line is named by number and never shown) {
  std::vector<basic_credential> creds;
  std::string error;
  CAF_CHECK(!parse_basic_auth_file("a:b\nhunter2\n", creds, error));
  CAF_CHECK_EQUAL(error, "line 2 is not user:password (both non-empty)");
  CAF_CHECK(!parse_basic_auth_file("a:b\n:hunter2\n", creds, error));
  CAF_CHECK(error.find("hunter2") == std::string::npos);
  CAF_CHECK(!parse_basic_auth_file("a:\n", creds, error));
  CAF_CHECK(!parse_basic_auth_file("# only a comment\n", creds, error));
  CAF_CHECK_EQUAL(error, "no user:password line");
}

CAF_TEST(basic auth lets in exactly the listed users) {
  auto creds = two_users();
  // prometheus:s3cret:with:colons
  CAF_CHECK(
    basic_auth_allows("Basic cHJvbWV0aGV1czpzM2NyZXQ6d2l0aDpjb2xvbnM=", creds));
  // The scheme in any case, spaces around.
  CAF_CHECK(basic_auth_allows("  bAsIc Z3JhZmFuYTpvdGhlcg== ", creds));
  // grafana with prometheus' password, a wrong password, an unknown user.
  CAF_CHECK(
    !basic_auth_allows("Basic Z3JhZmFuYTpzM2NyZXQ6d2l0aDpjb2xvbnM=", creds));
  CAF_CHECK(!basic_auth_allows("Basic Z3JhZmFuYTpvdGhlcng=", creds));
  CAF_CHECK(!basic_auth_allows("Basic bWFsbG9yeTpvdGhlcg==", creds));
  // Not basic, no colon, not base64, empty, nothing allowed.
  CAF_CHECK(!basic_auth_allows("Bearer Z3JhZmFuYTpvdGhlcg==", creds));
  CAF_CHECK(!basic_auth_allows("Basic Z3JhZmFuYQ==", creds));
  CAF_CHECK(!basic_auth_allows("Basic Z3JhZmFuYTpvdGhlcg=", creds));
  CAF_CHECK(!basic_auth_allows("Basic ", creds));
  CAF_CHECK(!basic_auth_allows("", creds));
  CAF_CHECK(!basic_auth_allows("Basic Z3JhZmFuYTpvdGhlcg==", {}));
}
