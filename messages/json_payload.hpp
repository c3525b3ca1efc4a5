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
/// the tree. Across the network it travels in an exact binary form.
class json_payload {
public:
  json_payload() = default;

  explicit json_payload(boost::json::object obj);

  /// Shares an object that lives inside a larger tree (`obj` may alias the
  /// whole parsed frame, which then lives as long as the payload).
  explicit json_payload(std::shared_ptr<const boost::json::object> obj);

  /// The object; an empty object when the hub sent none or `null`.
  const boost::json::object& get() const;

  bool empty() const {
    return get().empty();
  }

  /// Compact JSON text of the object.
  std::string to_json() const;

  /// Replaces the content by parsing `text`, which must be a JSON object.
  caf::error from_json(const std::string& text);

  /// A compact binary form that restores every value exactly (JSON text
  /// would round some doubles differently on the way back).
  std::string to_binary() const;

  caf::error from_binary(const std::string& bytes);

  friend bool operator==(const json_payload& x, const json_payload& y);

  friend bool operator!=(const json_payload& x, const json_payload& y) {
    return !(x == y);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 json_payload& x) {
    std::string bytes;
    auto save = [&]() -> caf::error {
      bytes = x.to_binary();
      return caf::none;
    };
    auto load = [&]() -> caf::error {
      return x.from_binary(bytes);
    };
    return f(caf::meta::type_name("json_payload"),
             caf::meta::save_callback(save), bytes,
             caf::meta::load_callback(load));
  }

private:
  std::shared_ptr<const boost::json::object> obj_;
};

std::string to_string(const json_payload& x);

} // namespace hubwatch
