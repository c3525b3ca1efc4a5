#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

namespace hubwatch {

/// A string that must never be printed: a token, a header value. CAF's
/// `to_string` and `deep_to_string` (and so every log line or error that
/// renders a config) show it as `***`; only CAF's serializers, which carry
/// it to where it is used, see the value. Reading it takes `reveal()`, a
/// name easy to find in a review.
class secret_string {
public:
  secret_string() = default;

  explicit secret_string(std::string value) : value_(std::move(value)) {
    // nop
  }

  const std::string& reveal() const {
    return value_;
  }

  bool empty() const {
    return value_.empty();
  }

  void clear() {
    value_.clear();
  }

  friend bool operator==(const secret_string& x, const secret_string& y) {
    return x.value_ == y.value_;
  }

  friend bool operator!=(const secret_string& x, const secret_string& y) {
    return !(x == y);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 secret_string& x) {
    // Secure by default: any inspector that is not a serializer (to_string,
    // a future pretty printer) gets the mask.
    if constexpr (std::is_base_of<caf::serializer, Inspector>::value ||
                  std::is_base_of<caf::deserializer, Inspector>::value) {
      return f(caf::meta::type_name("secret_string"), x.value_);
    } else {
      std::string shown = x.value_.empty() ? "" : "***";
      return f(caf::meta::type_name("secret_string"), shown);
    }
  }

private:
  std::string value_;
};

/// `***`, or an empty string for an empty secret (that there is none is no
/// secret). CAF's stringification prefers this over `inspect`.
inline std::string to_string(const secret_string& x) {
  return x.empty() ? std::string{} : std::string{"***"};
}

} // namespace hubwatch
