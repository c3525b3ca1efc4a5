#pragma once

#include <memory>
#include <string>

#include <boost/json/object.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>

namespace hubwatch {

/// An event's payload: an immutable JSON object shared by every copy of the
/// event, so fanning one event out to many subscribers copies a pointer, not
/// the tree. Across the network it travels as JSON text.
class json_payload {
public:
  json_payload() = default;

  explicit json_payload(boost::json::object obj);

  /// The object; an empty object when the hub sent none or `null`.
  const boost::json::object& get() const;

  bool empty() const {
    return get().empty();
  }

  /// Compact JSON text of the object.
  std::string to_json() const;

  /// Replaces the content by parsing `text`, which must be a JSON object.
  caf::error from_json(const std::string& text);

  friend bool operator==(const json_payload& x, const json_payload& y);

  friend bool operator!=(const json_payload& x, const json_payload& y) {
    return !(x == y);
  }

  template <class Inspector>
  friend typename Inspector::result_type
  inspect(Inspector& f, json_payload& x) {
    std::string text;
    auto save = [&]() -> caf::error {
      text = x.to_json();
      return caf::none;
    };
    auto load = [&]() -> caf::error { return x.from_json(text); };
    return f(caf::meta::type_name("json_payload"), caf::meta::save_callback(save),
             text, caf::meta::load_callback(load));
  }

private:
  std::shared_ptr<const boost::json::object> obj_;
};

std::string to_string(const json_payload& x);

} // namespace hubwatch
