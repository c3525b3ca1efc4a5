#include "hubwatch/messages/session_result.hpp"

namespace hubwatch {

bool operator==(const session_result& x, const session_result& y) {
  return x.code == y.code && x.message == y.message &&
         x.was_connected == y.was_connected && x.close_code == y.close_code &&
         x.close_reason == y.close_reason && x.http_status == y.http_status;
}

std::string to_string(const session_result& x) {
  std::string result = to_string(x.code);
  if (!x.message.empty()) {
    result += ": ";
    result += x.message;
  }
  if (x.close_code) {
    result += " (close ";
    result += std::to_string(*x.close_code);
    if (!x.close_reason.empty()) {
      result += ' ';
      result += x.close_reason;
    }
    result += ')';
  }
  if (x.http_status) {
    result += " (HTTP ";
    result += std::to_string(*x.http_status);
    result += ')';
  }
  return result;
}

} // namespace hubwatch
