#pragma once

#include <cstddef>
#include <string_view>

#include <boost/json/parser.hpp>

#include "hubwatch/messages/daemon_event.hpp"
#include "hubwatch/messages/parse_error.hpp"

namespace hubwatch {

/// The frame parser as it was before the single-pass one: Boost.JSON builds
/// the whole tree, the fields are looked up in it. Same interface, same
/// results for every input, error messages included.
///
/// Not used on the event path. It stays as the reference the single-pass
/// `frame_parser` is checked against (the unit tests and the fuzzer compare
/// both on every input) and as the parse step of the benchmark's limit
/// loop, which measures what a plain DOM-based client does per event.
class reference_frame_parser {
public:
  reference_frame_parser(size_t max_bytes, size_t max_depth);

  bool parse(std::string_view frame, daemon_event& ev, parse_error& err);

  size_t max_bytes() const {
    return max_bytes_;
  }

private:
  size_t max_bytes_;
  boost::json::parser parser_;
  alignas(std::max_align_t) unsigned char arena_buffer_[16 * 1024];
};

} // namespace hubwatch
