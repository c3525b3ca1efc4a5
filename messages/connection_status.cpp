#include "hubwatch/messages/connection_status.hpp"

#include <chrono>

namespace hubwatch {

const char* to_string(connection_state x) {
  switch (x) {
  case connection_state::connecting:
    return "connecting";
  case connection_state::connected:
    return "connected";
  case connection_state::disconnected:
    return "disconnected";
  case connection_state::error:
    return "error";
  }
  return "invalid";
}

bool operator==(const connection_status& x, const connection_status& y) {
  return x.state == y.state && x.url == y.url && x.attempt == y.attempt &&
         x.next_delay == y.next_delay && x.error_code == y.error_code &&
         x.error_message == y.error_message && x.close_code == y.close_code &&
         x.close_reason == y.close_reason && x.http_status == y.http_status &&
         x.reconnects == y.reconnects && x.deflate == y.deflate;
}

std::string to_string(const connection_status& x) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::string result = to_string(x.state);
  result += ' ';
  result += x.url;
  result += " attempt=";
  result += std::to_string(x.attempt);
  if (x.next_delay) {
    result += " next=";
    result +=
      std::to_string(duration_cast<milliseconds>(*x.next_delay).count());
    result += "ms";
  }
  if (x.close_code) {
    result += " close=";
    result += std::to_string(*x.close_code);
    if (!x.close_reason.empty()) {
      result += " (";
      result += x.close_reason;
      result += ')';
    }
  }
  if (x.http_status) {
    result += " http=";
    result += std::to_string(*x.http_status);
  }
  if (x.deflate)
    result += *x.deflate ? " deflate=on" : " deflate=off";
  if (x.error_code != hub_errc::none) {
    result += " error=";
    result += to_string(x.error_code);
    if (!x.error_message.empty()) {
      result += ": ";
      result += x.error_message;
    }
  }
  return result;
}

} // namespace hubwatch
