#define CAF_SUITE hub_time_text

#include "hubwatch/core/hub_time_text.hpp"

#include <caf/test/unit_test.hpp>

#include "hubwatch/core/frame_parser.hpp"

using namespace hubwatch;

namespace {

caf::optional<caf::timestamp> parsed(const std::string& text) {
  return parse_rfc3339(text);
}

/// Holds `text` and gives back exactly it, its time and equality.
void check_round_trip(const std::string& text, bool compact) {
  CAF_MESSAGE("text: " << text);
  hub_time_text x;
  x.assign(text, parsed(text));
  CAF_CHECK_EQUAL(x.text(), inline_text{text});
  CAF_CHECK(x.equals(text, parsed(text)));
  CAF_CHECK_EQUAL(x.time(), parsed(text));
  auto t = parsed(text);
  CAF_CHECK_EQUAL(t && rfc3339_utc_digits(text, *t) >= 0, compact);
}

} // namespace

CAF_TEST(hub timestamps print back from their time) {
  check_round_trip("2026-11-25T18:00:16Z", true);
  check_round_trip("2026-11-25T18:00:16.5Z", true);
  check_round_trip("2026-11-25T18:00:16.50Z", true);
  check_round_trip("2026-11-25T18:00:16.000000001Z", true);
  check_round_trip("2026-11-25T18:00:16.123456789Z", true);
  check_round_trip("1678-01-01T00:00:00Z", true);
  check_round_trip("1969-12-31T23:59:59.999Z", true);
  check_round_trip("2261-12-31T23:59:59Z", true);
  check_round_trip("2024-02-29T12:00:00Z", true);
}

CAF_TEST(other spellings stay text) {
  // Valid RFC 3339 that does not print back from the time alone.
  check_round_trip("2026-11-25T19:00:07.5+01:00", false);
  check_round_trip("2026-11-25t18:00:16z", false);
  check_round_trip("2026-11-25T23:59:60Z", false);
  check_round_trip("2026-11-25T18:00:16.1234567891Z", false);
  // Not a time at all.
  check_round_trip("T9", false);
  check_round_trip("", false);
  check_round_trip("2026-11-25T18:00:16Y", false);
}

CAF_TEST(equality compares the strings) {
  hub_time_text x;
  CAF_CHECK(x.empty());
  CAF_CHECK(!x.text());
  CAF_CHECK(!x.time());
  CAF_CHECK(!x.equals("2026-11-25T18:00:16Z", parsed("2026-11-25T18:00:16Z")));
  x.assign("2026-11-25T18:00:16.5Z", parsed("2026-11-25T18:00:16.5Z"));
  // The same instant, spelled otherwise, is another string.
  CAF_CHECK(
    !x.equals("2026-11-25T18:00:16.50Z", parsed("2026-11-25T18:00:16.50Z")));
  CAF_CHECK(!x.equals("2026-11-25T19:00:16.5+01:00",
                      parsed("2026-11-25T19:00:16.5+01:00")));
  CAF_CHECK(
    !x.equals("2026-11-25T18:00:17.5Z", parsed("2026-11-25T18:00:17.5Z")));
  x.assign("T9", caf::none);
  CAF_CHECK(x.equals("T9", caf::none));
  CAF_CHECK(!x.equals("2026-11-25T18:00:16Z", parsed("2026-11-25T18:00:16Z")));
  // Back from text to a time.
  x.assign("2026-11-25T18:00:16Z", parsed("2026-11-25T18:00:16Z"));
  CAF_CHECK(!x.equals("T9", caf::none));
  CAF_CHECK_EQUAL(x.text(), inline_text{"2026-11-25T18:00:16Z"});
  x.clear();
  CAF_CHECK(x.empty());
  CAF_CHECK(!x.text());
}

CAF_TEST(formatting truncates to the digits asked for) {
  auto t = parse_rfc3339("2026-11-25T18:00:16.987654321Z");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(format_rfc3339_utc(*t, 0), "2026-11-25T18:00:16Z");
  CAF_CHECK_EQUAL(format_rfc3339_utc(*t, 3), "2026-11-25T18:00:16.987Z");
  CAF_CHECK_EQUAL(format_rfc3339_utc(*t, 9), "2026-11-25T18:00:16.987654321Z");
  // The digits of a string that truncates something are not its own.
  CAF_CHECK_EQUAL(rfc3339_utc_digits("2026-11-25T18:00:16.987Z", *t), -1);
}

CAF_TEST(reading the form off the text agrees with printing the time) {
  // Every combination of the edges parse_rfc3339 takes: days past the end
  // of a month, leap years, second 60, both cases of T and Z, offsets, and
  // fractions of 0 to 10 digits.
  size_t compared = 0;
  size_t printed = 0;
  for (auto year : {"1678", "1900", "2000", "2023", "2024", "2100", "2261"})
    for (int month = 1; month <= 12; ++month)
      for (auto day : {"01", "28", "29", "30", "31"})
        for (auto clock : {"T00:00:00", "T23:59:59", "T23:59:60", "t12:30:00"})
          for (auto frac :
               {"", ".5", ".50", ".000000000", ".123456789", ".1234567891"})
            for (auto zone : {"Z", "z", "+01:00", "-00:00"}) {
              char mm[3] = {static_cast<char>('0' + month / 10),
                            static_cast<char>('0' + month % 10), 0};
              std::string text =
                std::string{year} + "-" + mm + "-" + day + clock + frac + zone;
              auto t = parse_rfc3339(text);
              if (!t)
                continue;
              ++compared;
              auto expected = rfc3339_utc_digits(text, *t);
              if (expected >= 0)
                ++printed;
              if (rfc3339_printed_digits(text) != expected)
                CAF_FAIL("disagree on " << text << ": printing says "
                                        << expected);
            }
  // Both verdicts were seen often, so the loop compared something.
  CAF_MESSAGE(compared << " texts compared, " << printed << " print back");
  CAF_CHECK_GREATER(printed, 1000u);
  CAF_CHECK_GREATER(compared - printed, 1000u);
}
