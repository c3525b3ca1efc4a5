#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

/// A frame the observer refused. Counted, reported to subscribers, and
/// otherwise skipped: the stream goes on.
struct parse_error {
  hub_errc kind = hub_errc::invalid_json;

  /// What was wrong, for people.
  std::string message;

  /// The start of the offending frame (at most `excerpt_limit` bytes, cut on
  /// a UTF-8 boundary), so the culprit is recognisable in a log.
  std::string excerpt;

  static constexpr size_t excerpt_limit = 80;
};

bool operator==(const parse_error& x, const parse_error& y);

inline bool operator!=(const parse_error& x, const parse_error& y) {
  return !(x == y);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, parse_error& x) {
  return f(caf::meta::type_name("parse_error"), x.kind, x.message, x.excerpt);
}

/// E.g. `missing_type: object has no "type" field in {"agentId":...`.
std::string to_string(const parse_error& x);

} // namespace hubwatch
