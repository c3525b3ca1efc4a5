#pragma once

#include <cstddef>
#include <string_view>

#include <boost/json/parser.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include "hubwatch/messages/daemon_event.hpp"
#include "hubwatch/messages/parse_error.hpp"

namespace hubwatch {

/// Turns one text frame into a `daemon_event` or a typed `parse_error`, by
/// docs/wire-schema.md's rules. Plain logic: no actor, no socket.
///
/// The event's payload is the frame's `payload` value byte for byte (the
/// last one, when the key repeats, as in any JSON tree), and the fields
/// that drive agent status are read from it here (`daemon_event::fields`).
///
/// One instance per thread; it reuses its JSON parser's internal buffers
/// from frame to frame.
class frame_parser {
public:
  frame_parser(size_t max_bytes, size_t max_depth);

  /// Parses `frame`. On success fills `ev` (all fields but `seq`) and returns
  /// true; otherwise fills `err` and returns false.
  bool parse(std::string_view frame, daemon_event& ev, parse_error& err);

  size_t max_bytes() const {
    return max_bytes_;
  }

private:
  size_t max_bytes_;
  boost::json::parser parser_;
  /// Where each frame's tree starts before it needs the heap: the tree of a
  /// typical frame (100 to 700 bytes) fits several times over.
  alignas(std::max_align_t) unsigned char arena_buffer_[16 * 1024];
};

/// Parses an RFC 3339 date-time (`2026-11-25T17:30:05Z`, optional fraction,
/// `Z` or `±hh:mm`) into UTC; none if it is not one.
caf::optional<caf::timestamp> parse_rfc3339(std::string_view text);

/// At most `parse_error::excerpt_limit` bytes of `frame`, cut on a UTF-8
/// boundary, with control bytes and invalid UTF-8 replaced so that the
/// excerpt is always printable.
std::string make_excerpt(std::string_view frame);

} // namespace hubwatch
