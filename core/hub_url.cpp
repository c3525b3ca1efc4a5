#include "hubwatch/core/hub_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

caf::expected<hub_url> parse_hub_url(std::string_view text) {
  auto fail = [&](const char* why) {
    std::string msg = "cannot use hub URL \"";
    msg.append(text.data(), text.size());
    msg += "\": ";
    msg += why;
    return make_error(hub_errc::bad_url, std::move(msg));
  };
  auto parsed = boost::urls::parse_absolute_uri(
    boost::core::string_view{text.data(), text.size()});
  if (!parsed)
    return fail("not an absolute URL");
  auto& u = *parsed;
  hub_url result;
  auto scheme = u.scheme();
  if (scheme == "ws")
    result.tls = false;
  else if (scheme == "wss")
    result.tls = true;
  else
    return fail("the scheme must be ws:// or wss://");
  if (!u.has_authority() || u.encoded_host().empty())
    return fail("no host");
  if (u.has_userinfo())
    return fail("user info is not supported");
  if (u.has_fragment())
    return fail("a fragment has no meaning in a WebSocket URL");
  switch (u.host_type()) {
  case boost::urls::host_type::ipv6:
    result.host = u.host_ipv6_address().to_string();
    break;
  case boost::urls::host_type::ipvfuture:
    return fail("IPvFuture hosts are not supported");
  default:
    result.host = u.host();
  }
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0)
      return fail("the port must be a number from 1 to 65535");
    // port_number() is 0 on overflow; guard the text as well.
    if (u.port().size() > 5 || std::stoul(std::string{u.port()}) > 65535)
      return fail("the port must be a number from 1 to 65535");
    result.port = u.port_number();
  } else {
    result.port = result.tls ? 443 : 80;
  }
  result.target = std::string{u.encoded_path()};
  if (result.target.empty())
    result.target = "/";
  if (u.has_query()) {
    result.target += '?';
    result.target += std::string{u.encoded_query()};
  }
  return result;
}

} // namespace hubwatch
