#include "messages/json_payload.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "messages/hub_errc.hpp"

namespace hubwatch {

json_payload::json_payload(boost::json::object obj) {
  if (!obj.empty())
    obj_ = std::make_shared<const boost::json::object>(std::move(obj));
}

const boost::json::object& json_payload::get() const {
  // An immutable constant, not shared mutable state.
  static const boost::json::object empty_object;
  return obj_ ? *obj_ : empty_object;
}

std::string json_payload::to_json() const {
  return boost::json::serialize(get());
}

caf::error json_payload::from_json(const std::string& text) {
  boost::json::error_code ec;
  auto val = boost::json::parse(text, ec);
  if (ec)
    return make_error(hub_errc::invalid_json, ec.message());
  if (val.is_null()) {
    obj_.reset();
    return caf::none;
  }
  if (!val.is_object())
    return make_error(hub_errc::payload_not_object);
  *this = json_payload{std::move(val.as_object())};
  return caf::none;
}

bool operator==(const json_payload& x, const json_payload& y) {
  return x.obj_ == y.obj_ || x.get() == y.get();
}

std::string to_string(const json_payload& x) {
  return x.to_json();
}

} // namespace hubwatch
