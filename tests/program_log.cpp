#define CAF_SUITE program_log

#include "programs/program_log.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/json/parse.hpp>

using namespace hubwatch;
using namespace std::chrono;

namespace {

// 2026-11-29T23:20:00.123Z
system_clock::time_point sample_time() {
  return system_clock::from_time_t(1796080800 - 86400) + milliseconds(123);
}

} // namespace

CAF_TEST(the time is iso 8601 in utc with milliseconds) {
  CAF_CHECK_EQUAL(iso8601_utc(sample_time()), "2026-11-29T23:20:00.123Z");
  CAF_CHECK_EQUAL(iso8601_utc(system_clock::from_time_t(0)),
                  "1970-01-01T00:00:00.000Z");
  CAF_CHECK_EQUAL(
    iso8601_utc(system_clock::from_time_t(0) + microseconds(999999)),
    "1970-01-01T00:00:00.999Z");
}

CAF_TEST(text lines keep the documented program prefix) {
  CAF_CHECK_EQUAL(text_log_line(sample_time(), "info", "hubwatch-node",
                                "publishing on 127.0.0.1:4242"),
                  "2026-11-29T23:20:00.123Z info hubwatch-node: publishing "
                  "on 127.0.0.1:4242\n");
}

CAF_TEST(json lines are one object with escaped text) {
  auto line = json_log_line(sample_time(), "error", "hubwatch-subscriber",
                            "url = \"x\"\n\ttab");
  CAF_REQUIRE(!line.empty());
  CAF_CHECK_EQUAL(line.back(), '\n');
  CAF_CHECK_EQUAL(line.find('\n'), line.size() - 1); // one line
  auto obj = boost::json::parse(line).as_object();
  CAF_CHECK_EQUAL(obj.at("time").as_string(), "2026-11-29T23:20:00.123Z");
  CAF_CHECK_EQUAL(obj.at("level").as_string(), "error");
  CAF_CHECK_EQUAL(obj.at("program").as_string(), "hubwatch-subscriber");
  CAF_CHECK_EQUAL(obj.at("message").as_string(), "url = \"x\"\n\ttab");
}

CAF_TEST(log options are checked in the words of the settings) {
  CAF_CHECK(check_log_options({}).empty());
  for (auto level : {"error", "warn", "info", "debug"})
    CAF_CHECK(check_log_options({level, "json"}).empty());
  auto errors = check_log_options({"loud", "xml"});
  CAF_REQUIRE_EQUAL(errors.size(), 2u);
  CAF_CHECK_EQUAL(errors[0],
                  "--log-level = loud: expected error, warn, info or debug");
  CAF_CHECK_EQUAL(errors[1], "--log-format = xml: expected text or json");
}
