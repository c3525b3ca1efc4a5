#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/inline_text.hpp"

namespace hubwatch {

/// `t` as `YYYY-MM-DDTHH:MM:SS[.f]Z` in UTC with `digits` (0-9) fractional
/// digits, truncated.
std::string format_rfc3339_utc(caf::timestamp t, int digits);

/// The number of fractional digits with which `format_rfc3339_utc(t, n)`
/// gives `text` back exactly without cutting digits off `t`, or -1 if there
/// is none.
int rfc3339_utc_digits(std::string_view text, caf::timestamp t);

/// What `rfc3339_utc_digits(text, *parse_rfc3339(text))` gives for a `text`
/// that parses, read off the text alone: whether it is already in the form
/// `format_rfc3339_utc` prints (`T` and `Z` in upper case, a day that exists
/// in its month, no second 60, at most nine fractional digits) and with how
/// many digits. Printing the time to compare was a tenth of the worker's
/// time. Undefined for a text that does not parse.
int rfc3339_printed_digits(std::string_view text);

/// A hub timestamp string with what `hub_time_text` needs to know of it:
/// its time, and whether and with how many digits that time prints back to
/// exactly the string. Worked out once per event, then used for every field
/// the event sets or compares.
struct hub_time_form {
  /// `parsed` must be `parse_rfc3339(text)` (a daemon_event's `time`).
  hub_time_form(std::string_view text,
                const caf::optional<caf::timestamp>& parsed)
    : text(text), time(parsed),
      digits(parsed ? rfc3339_printed_digits(text) : -1) {
    // nop
  }

  std::string_view text;
  caf::optional<caf::timestamp> time;
  /// -1 when the time does not print back to `text`.
  int digits;
};

/// An optional hub timestamp string, held as the time it names when that
/// time prints back to exactly the same string, else as the string itself.
/// Hubs send UTC with a `Z` (`2026-11-25T18:00:16Z`, `...16.5Z`): 24 bytes
/// and no heap instead of an optional string's 40 plus a heap buffer.
/// Anything else (offsets, a lowercase `t`, second 60, text that is no time)
/// stays text, so subscribers always see the string the hub sent.
class hub_time_text {
public:
  /// Holds `text`. `parsed` must be `parse_rfc3339(text)` (a daemon_event's
  /// `time`).
  void assign(std::string_view text,
              const caf::optional<caf::timestamp>& parsed) {
    assign(hub_time_form{text, parsed});
  }

  void assign(const hub_time_form& x);

  void clear() {
    raw_.reset();
    kind_ = none_kind;
  }

  bool empty() const {
    return kind_ == none_kind;
  }

  /// True if this holds exactly `text`; `parsed` as for `assign`.
  bool equals(std::string_view text,
              const caf::optional<caf::timestamp>& parsed) const {
    return equals(hub_time_form{text, parsed});
  }

  bool equals(const hub_time_form& x) const;

  /// The time, if the string parses as RFC 3339.
  caf::optional<caf::timestamp> time() const;

  /// The string as the hub sent it, printed straight into `out`'s own
  /// buffer; false (and `out` untouched) if empty.
  bool text(inline_text& out) const;

  caf::optional<inline_text> text() const;

private:
  static constexpr int8_t none_kind = -2;
  static constexpr int8_t raw_kind = -1;

  int64_t ns_ = 0;
  // The rare string that does not print back from a time.
  std::unique_ptr<std::string> raw_;
  // none_kind, raw_kind, or the number of fractional digits (0-9).
  int8_t kind_ = none_kind;
};

} // namespace hubwatch
