#include "hubwatch/messages/hub_errc.hpp"

#include <caf/make_message.hpp>

namespace hubwatch {

namespace {

constexpr const char* names[] = {
  "none",
  "empty_frame",
  "invalid_json",
  "not_an_object",
  "missing_type",
  "type_not_string",
  "field_not_string",
  "payload_not_object",
  "too_deep",
  "too_large",
  "binary_frame",
  "bad_config",
  "bad_url",
  "resolve_failed",
  "connect_failed",
  "tls_failed",
  "handshake_failed",
  "handshake_rejected",
  "connect_timeout",
  "idle_timeout",
  "closed_by_hub",
  "connection_lost",
  "read_failed",
  "closed_by_observer",
  "gave_up",
  "too_many_subscribers",
};

static_assert(sizeof(names) / sizeof(names[0]) == hub_errc_count,
              "every hub_errc needs a name");

} // namespace

const char* to_string(hub_errc x) {
  auto i = static_cast<size_t>(x);
  return i < hub_errc_count ? names[i] : "invalid";
}

bool from_string(const std::string& str, hub_errc& x) {
  for (size_t i = 0; i < hub_errc_count; ++i)
    if (str == names[i]) {
      x = static_cast<hub_errc>(i);
      return true;
    }
  return false;
}

caf::error make_error(hub_errc x) {
  return {static_cast<uint8_t>(x), hubwatch_category::value};
}

caf::error make_error(hub_errc x, std::string context) {
  return {static_cast<uint8_t>(x), hubwatch_category::value,
          caf::make_message(std::move(context))};
}

} // namespace hubwatch
