#include "hubwatch/messages/json_payload.hpp"

#include <cmath>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

namespace {

namespace json = boost::json;

json::parse_options options() {
  json::parse_options opts;
  opts.max_depth = json_payload::max_depth;
  return opts;
}

// JSON has no infinities, but Boost.JSON reads 1e400 as one.
bool all_finite(const json::value& v) {
  switch (v.kind()) {
  case json::kind::double_:
    return std::isfinite(v.get_double());
  case json::kind::array:
    for (auto& x : v.get_array())
      if (!all_finite(x))
        return false;
    return true;
  case json::kind::object:
    for (auto& kvp : v.get_object())
      if (!all_finite(kvp.value()))
        return false;
    return true;
  default:
    return true;
  }
}

} // namespace

json_payload::json_payload(const json_payload& other)
  : text_(other.text_.unpacked()) {
  // nop
}

json_payload& json_payload::operator=(const json_payload& other) {
  if (this != &other)
    text_ = other.text_.unpacked();
  return *this;
}

json_payload json_payload::from_validated(std::string_view text,
                                          shared_text_arena& arena) {
  json_payload result;
  result.text_ = arena.copy(text);
  return result;
}

json_payload json_payload::from_validated(std::string_view text) {
  json_payload result;
  if (!text.empty())
    result.text_ = shared_text{text};
  return result;
}

caf::error json_payload::from_json(std::string_view text) {
  if (text.empty()) {
    text_.reset();
    return caf::none;
  }
  // The tree only checks the text and dies here: an arena frees it at once,
  // without a walk over every node.
  json::monotonic_resource arena;
  json::error_code ec;
  auto val = json::parse(json::string_view{text.data(), text.size()}, ec,
                         json::storage_ptr{&arena}, options());
  if (ec)
    return make_error(ec == json::error::too_deep ? hub_errc::too_deep
                                                  : hub_errc::invalid_json,
                      ec.message());
  if (val.is_null()) {
    text_.reset();
    return caf::none;
  }
  if (!val.is_object())
    return make_error(hub_errc::payload_not_object);
  if (!all_finite(val))
    return make_error(hub_errc::invalid_json, "a number is out of range");
  text_ = shared_text{text};
  return caf::none;
}

std::string json_payload::to_line() const {
  std::string result{text()};
  for (auto& c : result)
    if (c == '\t' || c == '\r' || c == '\n')
      c = ' ';
  return result;
}

json::object json_payload::parse() const {
  if (!text_)
    return {};
  json::error_code ec;
  auto s = text_.view();
  auto val =
    json::parse(json::string_view{s.data(), s.size()}, ec, {}, options());
  // Cannot fail (the text was checked on the way in); an empty object
  // rather than an exception if it ever did.
  if (ec || !val.is_object())
    return {};
  return std::move(val.as_object());
}

bool json_payload::empty() const {
  if (!text_)
    return true;
  // A checked object: `{`, optional whitespace, then `}` or a first key.
  auto s = text_.view();
  auto i = s.find('{');
  if (i == std::string_view::npos)
    return true;
  i = s.find_first_not_of(" \t\r\n", i + 1);
  return i == std::string_view::npos || s[i] == '}';
}

std::string to_string(const json_payload& x) {
  return x.to_line();
}

} // namespace hubwatch
