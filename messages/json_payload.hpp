#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "hubwatch/messages/shared_text.hpp"

namespace hubwatch {

/// An event's payload: the exact bytes of the frame's `payload` value as the
/// hub sent them, validated JSON text of an object. Immutable and shared by
/// every copy of the event, so fanning one event out to many subscribers
/// copies a pointer, not the bytes.
///
/// Keeping the text rather than a tree means every number, escape and key
/// order is shown as sent: a tree would be re-serialized (Boost.JSON 1.81
/// writes 78.5 as 7.85E1) and its doubles read by a number parser that is not
/// correctly rounded. Subscribers that want a tree ask for one with
/// `parse()`. Across the network the payload travels as this text.
///
/// A payload the hub did not send, or sent as `null`, is empty: `text()` is
/// then `{}`.
class json_payload {
public:
  /// The deepest nesting `parse()` and `from_json()` accept, counting the
  /// payload object itself as 1. The frame parser counts the frame as 1 and
  /// the payload as 2, and `max-json-depth` is at most `max_depth + 1`
  /// (websocket_config's validate), so every payload it accepts parses here.
  static constexpr size_t max_depth = 1000;

  json_payload() = default;

  json_payload(json_payload&&) noexcept = default;

  json_payload& operator=(json_payload&&) noexcept = default;

  /// Shares the bytes, except for a payload packed with others into one
  /// block by the frame parser (`shared_text_arena`): a copy of that takes
  /// its bytes into a block of its own, so that whoever keeps a copy of one
  /// event does not keep the payloads of its neighbours. Inside hubwatch,
  /// events move from the parser into a batch and are then shared with the
  /// batch; nothing copies them on the way.
  json_payload(const json_payload& other);

  json_payload& operator=(const json_payload& other);

  /// Takes `text` without checking it. Only for text that is already known
  /// to be a JSON object within `max_depth` with finite numbers: the frame
  /// parser's own, after it parsed the whole frame. Anything else goes
  /// through `from_json`.
  static json_payload from_validated(std::string_view text);

  /// As `from_validated(text)`, with the bytes copied into `arena`'s block.
  static json_payload from_validated(std::string_view text,
                                     shared_text_arena& arena);

  /// True when the bytes sit in a block shared with other payloads. For
  /// tests.
  bool packed() const {
    return text_.packed();
  }

  /// Replaces the content with `text` after checking it: a JSON object (or
  /// `null` or nothing: an empty payload) within `max_depth`, with no number
  /// out of a double's range. The bytes are kept as given.
  caf::error from_json(std::string_view text);

  /// The payload exactly as sent; `{}` when the hub sent none or `null`.
  std::string_view text() const {
    return text_ ? text_.view() : std::string_view{"{}"};
  }

  /// `text()` as a string.
  std::string to_json() const {
    return std::string{text()};
  }

  /// `text()` for a single line of output: every token byte for byte, the
  /// whitespace between tokens that would break or garble a line (tab, CR,
  /// LF) written as a space. JSON allows those bytes only between tokens,
  /// never raw inside a string, so this changes no value.
  std::string to_line() const;

  /// The payload as a tree, parsed now. Never fails: the text was checked
  /// when it came in. Numbers are Boost.JSON's reading of the text (1.81's
  /// is not correctly rounded); `text()` holds them exactly.
  boost::json::object parse() const;

  /// True when the payload has no members (or was not sent, or `null`).
  bool empty() const;

  friend bool operator==(const json_payload& x, const json_payload& y) {
    return x.text_.same_bytes(y.text_) || x.text() == y.text();
  }

  friend bool operator!=(const json_payload& x, const json_payload& y) {
    return !(x == y);
  }

  /// Travels as its text; loading checks it like `from_json`, because it
  /// comes from the network.
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 json_payload& x) {
    std::string text{x.text_.view()};
    auto load = [&]() -> caf::error {
      return x.from_json(text);
    };
    return f(caf::meta::type_name("json_payload"), text,
             caf::meta::load_callback(load));
  }

private:
  shared_text text_;
};

/// `x.to_line()`.
std::string to_string(const json_payload& x);

} // namespace hubwatch
