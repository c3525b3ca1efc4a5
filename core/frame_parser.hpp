#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/daemon_event.hpp"
#include "hubwatch/messages/parse_error.hpp"
#include "hubwatch/messages/shared_text.hpp"

namespace hubwatch {

namespace detail {

struct frame_sax;

} // namespace detail

/// Turns one text frame into a `daemon_event` or a typed `parse_error`, by
/// docs/wire-schema.md's rules. Plain logic: no actor, no socket.
///
/// The event's payload is the frame's `payload` value byte for byte (the
/// last one, when the key repeats, as in any JSON tree), and the fields
/// that drive agent status are read from it here (`daemon_event::fields`).
///
/// One pass over the frame with Boost.JSON's SAX interface validates it and
/// takes what the rules need; no tree is built (`reference_frame_parser`
/// builds one, and gives the same result for every input). The payload's
/// bytes are then found by a scan of the frame's top level.
///
/// One instance per thread; it reuses its buffers from frame to frame, and
/// packs the payloads of many events into one block (`shared_text_arena`),
/// so a warm parser allocates only for what the event keeps beyond that.
class frame_parser {
public:
  frame_parser(size_t max_bytes, size_t max_depth);

  ~frame_parser();

  frame_parser(frame_parser&&) noexcept;

  frame_parser& operator=(frame_parser&&) noexcept;

  /// Parses `frame`. On success fills `ev` (all fields but `seq`) and returns
  /// true; otherwise fills `err` and returns false.
  ///
  /// `utf8_checked` says the caller has already validated every byte of
  /// `frame` as UTF-8, as Beast does for every text message it returns (a
  /// text message that is not UTF-8 fails the read and closes the connection
  /// with 1007). The parser then skips its own check of string bytes, which
  /// was a sixth of its time. Invalid UTF-8 passed with `utf8_checked` set is
  /// taken as it is: only ever set it for bytes that were checked.
  bool parse(std::string_view frame, daemon_event& ev, parse_error& err,
             bool utf8_checked = false);

  size_t max_bytes() const {
    return max_bytes_;
  }

private:
  size_t max_bytes_;
  size_t max_depth_;
  std::unique_ptr<detail::frame_sax> sax_;
  // The same parser without its UTF-8 check, made on first use.
  std::unique_ptr<detail::frame_sax> sax_checked_;
  // Payloads are packed into shared blocks: no allocation per event.
  shared_text_arena arena_;
};

/// Fills `err` with `kind`, `message` and an excerpt of `frame`, and returns
/// false: how both frame parsers refuse a frame.
bool refuse_frame(parse_error& err, hub_errc kind, std::string message,
                  std::string_view frame);

/// Fills `err` for what Boost.JSON's parser reported (`too_deep` or
/// `invalid_json` with its message) and returns false.
bool refuse_json_error(parse_error& err, const boost::system::error_code& ec,
                       std::string_view frame);

/// False, with `err` filled, for an empty frame or one over `max_bytes`:
/// the checks both frame parsers make before reading a byte of JSON.
bool frame_size_ok(std::string_view frame, size_t max_bytes, parse_error& err);

/// Parses an RFC 3339 date-time (`2026-11-25T17:30:05Z`, optional fraction,
/// `Z` or `±hh:mm`) into UTC; none if it is not one.
caf::optional<caf::timestamp> parse_rfc3339(std::string_view text);

/// At most `parse_error::excerpt_limit` bytes of `frame`, cut on a UTF-8
/// boundary, with control bytes and invalid UTF-8 replaced so that the
/// excerpt is always printable.
std::string make_excerpt(std::string_view frame);

} // namespace hubwatch
