#include "hubwatch/messages/parse_error.hpp"

namespace hubwatch {

bool operator==(const parse_error& x, const parse_error& y) {
  return x.kind == y.kind && x.message == y.message && x.excerpt == y.excerpt;
}

std::string to_string(const parse_error& x) {
  std::string result = to_string(x.kind);
  result += ": ";
  result += x.message;
  if (!x.excerpt.empty()) {
    result += " in ";
    result += x.excerpt;
  }
  return result;
}

} // namespace hubwatch
