#define CAF_SUITE text_width

#include "programs/dashboard/text_width.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;

CAF_TEST(columns of greek cjk and emoji) {
  CAF_CHECK_EQUAL(column_width('a'), 1);
  CAF_CHECK_EQUAL(column_width(0x03A9), 1);  // Ω
  CAF_CHECK_EQUAL(column_width(0x6771), 2);  // 東
  CAF_CHECK_EQUAL(column_width(0x1F680), 2); // 🚀
  CAF_CHECK_EQUAL(column_width(0x0301), 0);  // combining acute
  CAF_CHECK_EQUAL(text_columns("Agent Ω 東京"), 12u);
  CAF_CHECK_EQUAL(text_columns("🚀 go"), 5u);
}

CAF_TEST(short text is padded to the width in columns) {
  CAF_CHECK_EQUAL(fit_columns("abc", 5), "abc  ");
  CAF_CHECK_EQUAL(fit_columns("Agent Ω 東京", 14), "Agent Ω 東京  ");
  CAF_CHECK_EQUAL(text_columns(fit_columns("Agent Ω 東京", 14)), 14u);
  CAF_CHECK_EQUAL(fit_columns("e\xcc\x81", 3), "e\xcc\x81  "); // é, decomposed
  CAF_CHECK_EQUAL(fit_columns("", 0), "");
}

CAF_TEST(long text is cut between characters with a tilde) {
  CAF_CHECK_EQUAL(fit_columns("abcdef", 4), "abc~");
  // Ω is two bytes: a byte cut would split it.
  CAF_CHECK_EQUAL(fit_columns("ΩΩΩΩΩ", 3), "ΩΩ~");
  // 東 would straddle the cut: a space takes its place.
  CAF_CHECK_EQUAL(fit_columns("A東京", 3), "A ~");
  CAF_CHECK_EQUAL(fit_columns("東京東京", 6), "東京 ~");
  CAF_CHECK_EQUAL(fit_columns("🚀🚀🚀", 4), "🚀 ~");
  for (size_t w = 0; w < 16; ++w)
    CAF_CHECK_EQUAL(text_columns(fit_columns("Agent Ω 東京 🚀 x", w)), w);
}

CAF_TEST(bytes that are not utf 8 and control characters become U + FFFD) {
  CAF_CHECK_EQUAL(fit_columns("a\xff"
                              "b",
                              4),
                  "a\xEF\xBF\xBD"
                  "b ");
  // A truncated sequence: each of its bytes is replaced.
  CAF_CHECK_EQUAL(fit_columns("\xe6\x9d", 3), "\xEF\xBF\xBD\xEF\xBF\xBD ");
  // ESC would let the hub drive the terminal.
  CAF_CHECK_EQUAL(fit_columns("\x1b[2J", 4), "\xEF\xBF\xBD[2J");
  CAF_CHECK_EQUAL(fit_columns("\xc2\x9b"
                              "1m",
                              3),
                  "\xEF\xBF\xBD"
                  "1m");
  CAF_CHECK_EQUAL(fit_columns("a\nb", 3), "a\xEF\xBF\xBD"
                                          "b");
}
