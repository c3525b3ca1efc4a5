#include "hubwatch/core/hub_time_text.hpp"

#include <cstring>

#include "hubwatch/core/frame_parser.hpp"

namespace hubwatch {

namespace {

// Howard Hinnant's civil_from_days, the inverse of the parser's
// days_from_civil: no time-zone database, no global state.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

void put_digits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

/// Writes the text into `buf` (at least 31 bytes); returns its length, or 0
/// for a year that does not take four digits.
size_t format_into(char* buf, int64_t ns, int digits) {
  constexpr int64_t ns_per_s = 1000000000;
  int64_t secs = ns / ns_per_s;
  int64_t frac = ns % ns_per_s;
  if (frac < 0) {
    frac += ns_per_s;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rest = secs % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  if (year < 0 || year > 9999)
    return 0;
  put_digits(buf, year, 4);
  buf[4] = '-';
  put_digits(buf + 5, month, 2);
  buf[7] = '-';
  put_digits(buf + 8, day, 2);
  buf[10] = 'T';
  put_digits(buf + 11, rest / 3600, 2);
  buf[13] = ':';
  put_digits(buf + 14, rest / 60 % 60, 2);
  buf[16] = ':';
  put_digits(buf + 17, rest % 60, 2);
  size_t len = 19;
  if (digits > 0) {
    buf[len++] = '.';
    int64_t scaled = frac;
    for (int i = digits; i < 9; ++i)
      scaled /= 10;
    put_digits(buf + len, scaled, digits);
    len += static_cast<size_t>(digits);
  }
  buf[len++] = 'Z';
  return len;
}

} // namespace

std::string format_rfc3339_utc(caf::timestamp t, int digits) {
  char buf[32];
  auto len = format_into(buf, t.time_since_epoch().count(), digits);
  return std::string(buf, len);
}

int rfc3339_utc_digits(std::string_view text, caf::timestamp t) {
  // `YYYY-MM-DDTHH:MM:SSZ` is 20 bytes, each fractional digit adds one and
  // the dot one more.
  int digits;
  if (text.size() == 20)
    digits = 0;
  else if (text.size() >= 22 && text.size() <= 30)
    digits = static_cast<int>(text.size()) - 21;
  else
    return -1;
  // A time with finer digits than the text shows is not the text's time.
  auto ns = t.time_since_epoch().count();
  int64_t unit = 1;
  for (int i = digits; i < 9; ++i)
    unit *= 10;
  if (ns % unit != 0)
    return -1;
  char buf[32];
  auto len = format_into(buf, ns, digits);
  if (len != text.size() || std::memcmp(buf, text.data(), len) != 0)
    return -1;
  return digits;
}

int rfc3339_printed_digits(std::string_view text) {
  int digits;
  if (text.size() == 20)
    digits = 0;
  else if (text.size() >= 22 && text.size() <= 30 && text[19] == '.')
    digits = static_cast<int>(text.size()) - 21;
  else
    return -1;
  // parse_rfc3339 takes `t` and `z` and offsets (an offset never fits these
  // lengths with a `Z` last), and carries second 60 and days past the end
  // of a month over into the next minute or month: none of those prints
  // back. Every other field it took prints back as it was, digit for digit.
  if (text[10] != 'T' || text.back() != 'Z')
    return -1;
  for (int i = 0; i < digits; ++i)
    if (text[20 + i] < '0' || text[20 + i] > '9')
      return -1;
  auto num = [&](size_t pos, size_t n) {
    unsigned v = 0;
    for (size_t i = pos; i < pos + n; ++i)
      v = v * 10 + static_cast<unsigned>(text[i] - '0');
    return v;
  };
  if (num(17, 2) > 59)
    return -1;
  auto year = num(0, 4);
  auto month = num(5, 2);
  auto day = num(8, 2);
  static constexpr unsigned char days_in[] = {31, 28, 31, 30, 31, 30,
                                              31, 31, 30, 31, 30, 31};
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  unsigned last = days_in[month - 1] + (month == 2 && leap ? 1u : 0u);
  if (day > last)
    return -1;
  return digits;
}

void hub_time_text::assign(const hub_time_form& x) {
  if (x.digits >= 0) {
    ns_ = x.time->time_since_epoch().count();
    kind_ = static_cast<int8_t>(x.digits);
    raw_.reset();
    return;
  }
  if (raw_)
    raw_->assign(x.text);
  else
    raw_ = std::make_unique<std::string>(x.text);
  kind_ = raw_kind;
}

bool hub_time_text::equals(const hub_time_form& x) const {
  switch (kind_) {
  case none_kind:
    return false;
  case raw_kind:
    return *raw_ == x.text;
  default:
    // A string that prints back from its time never equals one that does
    // not, so only the time and the digits need comparing.
    return x.time && x.time->time_since_epoch().count() == ns_ &&
           x.digits == kind_;
  }
}

caf::optional<caf::timestamp> hub_time_text::time() const {
  switch (kind_) {
  case none_kind:
    return caf::none;
  case raw_kind:
    return parse_rfc3339(*raw_);
  default:
    return caf::timestamp{std::chrono::nanoseconds{ns_}};
  }
}

bool hub_time_text::text(inline_text& out) const {
  switch (kind_) {
  case none_kind:
    return false;
  case raw_kind:
    out = *raw_;
    return true;
  default: {
    char buf[32];
    auto len = format_into(buf, ns_, kind_);
    out.assign(buf, len);
    return true;
  }
  }
}

caf::optional<inline_text> hub_time_text::text() const {
  inline_text result;
  if (!text(result))
    return caf::none;
  return result;
}

} // namespace hubwatch
