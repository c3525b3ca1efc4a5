#include "hubwatch/messages/websocket_config.hpp"

#include <cmath>
#include <fstream>
#include <string_view>

#include <caf/message.hpp>

#include "hubwatch/core/credentials.hpp"
#include "hubwatch/core/hub_url.hpp"
#include "hubwatch/messages/json_payload.hpp"

namespace hubwatch {

bool operator==(const websocket_config& x, const websocket_config& y) {
  return x.url == y.url && x.auto_reconnect == y.auto_reconnect &&
         x.reconnect_delay == y.reconnect_delay &&
         x.reconnect_multiplier == y.reconnect_multiplier &&
         x.reconnect_max_delay == y.reconnect_max_delay &&
         x.max_reconnect_attempts == y.max_reconnect_attempts &&
         x.reconnect_jitter == y.reconnect_jitter &&
         x.reconnect_min_uptime == y.reconnect_min_uptime &&
         x.retry_on_http_error == y.retry_on_http_error &&
         x.connect_timeout == y.connect_timeout &&
         x.idle_timeout == y.idle_timeout &&
         x.max_frame_bytes == y.max_frame_bytes &&
         x.max_json_depth == y.max_json_depth &&
         x.event_history == y.event_history &&
         x.subscriber_queue == y.subscriber_queue &&
         x.subscriber_stall == y.subscriber_stall &&
         x.stale_after == y.stale_after && x.ca_file == y.ca_file &&
         x.tls_verify == y.tls_verify && x.deflate == y.deflate &&
         x.max_remote_subscribers == y.max_remote_subscribers &&
         x.headers == y.headers && x.bearer_token == y.bearer_token &&
         x.bearer_token_file == y.bearer_token_file;
}

namespace {

// ASCII case-insensitive equality (header names).
bool iequals_ascii(const std::string& x, const char* y) {
  std::string_view b{y};
  if (x.size() != b.size())
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    auto l = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (l(x[i]) != l(b[i]))
      return false;
  }
  return true;
}

std::string ms(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count()) +
         " ms";
}

} // namespace

std::vector<std::string> validate(const websocket_config& x) {
  std::vector<std::string> errors;
  auto refuse = [&](const char* key, const std::string& value,
                    const char* why) {
    errors.push_back(std::string{key} + " = " + value + ": " + why);
  };
  if (auto url = parse_hub_url(x.url); !url) {
    // The parser says why; its context starts with the URL again.
    auto why = std::string{"not a usable ws:// or wss:// URL"};
    auto& ctx = url.error().context();
    if (ctx.match_elements<std::string>()) {
      auto& text = ctx.get_as<std::string>(0);
      if (auto pos = text.rfind("\": "); pos != std::string::npos)
        why = text.substr(pos + 3);
    }
    refuse("url", "\"" + x.url + "\"", why.c_str());
  }
  if (x.reconnect_delay.count() < 0)
    refuse("reconnect-delay-ms", ms(x.reconnect_delay), "must not be negative");
  if (!(x.reconnect_multiplier >= 1.0) ||
      !std::isfinite(x.reconnect_multiplier))
    refuse("reconnect-multiplier", std::to_string(x.reconnect_multiplier),
           "must be a number >= 1");
  if (x.reconnect_max_delay < x.reconnect_delay)
    refuse("reconnect-max-delay-ms", ms(x.reconnect_max_delay),
           "must not be below reconnect-delay-ms");
  if (!(x.reconnect_jitter >= 0.0 && x.reconnect_jitter < 1.0))
    refuse("reconnect-jitter", std::to_string(x.reconnect_jitter),
           "must be in [0, 1)");
  if (x.reconnect_min_uptime.count() < 0)
    refuse("reconnect-min-uptime-ms", ms(x.reconnect_min_uptime),
           "must not be negative");
  if (x.connect_timeout.count() <= 0)
    refuse("connect-timeout-ms", ms(x.connect_timeout), "must be positive");
  if (x.idle_timeout.count() < 0)
    refuse("idle-timeout-ms", ms(x.idle_timeout),
           "must not be negative (0 turns it off)");
  if (x.max_frame_bytes < 64)
    refuse("max-frame-bytes", std::to_string(x.max_frame_bytes),
           "must be at least 64");
  // The payload sits one level below the frame, and json_payload parses
  // payloads (on demand, and when they arrive over the network) no deeper
  // than its max_depth: a deeper frame limit would accept payloads that no
  // subscriber could read back.
  if (x.max_json_depth < 2 || x.max_json_depth > json_payload::max_depth + 1)
    refuse(
      "max-json-depth", std::to_string(x.max_json_depth),
      ("must be between 2 and " + std::to_string(json_payload::max_depth + 1))
        .c_str());
  if (x.subscriber_queue == 0)
    refuse("subscriber-queue", "0", "must be at least 1");
  if (x.max_remote_subscribers == 0)
    refuse("max-remote-subscribers", "0", "must be at least 1");
  if (x.subscriber_stall.count() < 0)
    refuse("subscriber-stall-ms", ms(x.subscriber_stall),
           "must not be negative (0 turns waiting off)");
  if (x.stale_after.count() < 0)
    refuse("stale-after-ms", ms(x.stale_after),
           "must not be negative (0 turns it off)");
  if (!x.ca_file.empty() && !std::ifstream{x.ca_file})
    refuse("ca-file", "\"" + x.ca_file + "\"", "cannot be read");
  // Headers and tokens: names may be shown, values never.
  bool has_authorization = false;
  for (size_t i = 0; i < x.headers.size(); ++i) {
    auto& h = x.headers[i];
    auto at = "header #" + std::to_string(i + 1);
    if (auto why = check_header_name(h.name); !why.empty()) {
      errors.push_back(at + ": " + why);
      continue;
    }
    if (auto why = check_header_value(h.value.reveal()); !why.empty())
      errors.push_back(at + " (" + h.name + "): " + why);
    if (iequals_ascii(h.name, "authorization"))
      has_authorization = true;
  }
  bool has_token = !x.bearer_token.empty() || !x.bearer_token_file.empty();
  if (!x.bearer_token.empty() && !x.bearer_token_file.empty())
    errors.push_back("bearer token: given directly and as bearer-token-file "
                     "= \"" +
                     x.bearer_token_file + "\"; give one of them");
  if (has_token && has_authorization)
    errors.push_back("header Authorization: a bearer token is configured "
                     "too; give one of them");
  if (auto why = check_header_value(x.bearer_token.reveal()); !why.empty())
    errors.push_back("bearer token: " + why);
  if (!x.bearer_token_file.empty()) {
    std::string token;
    if (auto why = read_token_file(x.bearer_token_file, token); !why.empty())
      errors.push_back("bearer-token-file = " + why);
  }
  return errors;
}

std::string upgrade_headers(const websocket_config& x,
                            std::vector<request_header>& out) {
  out = x.headers;
  std::string token = x.bearer_token.reveal();
  if (!x.bearer_token_file.empty())
    if (auto why = read_token_file(x.bearer_token_file, token); !why.empty())
      return "bearer-token-file = " + why;
  if (!token.empty())
    out.push_back({"Authorization", secret_string{"Bearer " + token}});
  return {};
}

std::string describe_headers(const websocket_config& x) {
  std::string result;
  auto add = [&](const std::string& name) {
    result += (result.empty() ? "" : ", ") + name + ": ***";
  };
  for (auto& h : x.headers)
    add(h.name);
  if (!x.bearer_token.empty() || !x.bearer_token_file.empty())
    add("Authorization");
  return result.empty() ? "none" : result;
}

} // namespace hubwatch
