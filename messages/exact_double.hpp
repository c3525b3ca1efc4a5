#pragma once

#include <cstdint>
#include <cstring>

#include <caf/error.hpp>
#include <caf/optional.hpp>

namespace hubwatch {

// CAF 0.17's binary serializer (and so BASP) packs a double through
// caf::detail::pack754, which sends -0.0 as 0, turns subnormals such as
// 4.9e-324 into other numbers and does not promise the last bit of the
// others. A value the hub sent must reach a remote subscriber as it reached
// a local one, so messages carry their doubles as the IEEE 754 bit pattern:
// inspect() saves `double_bits(x)` and loads `from_double_bits(bits)`.

inline uint64_t double_bits(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

inline double from_double_bits(uint64_t bits) {
  double x;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

inline caf::optional<uint64_t> double_bits(const caf::optional<double>& x) {
  if (!x)
    return caf::none;
  return double_bits(*x);
}

inline caf::optional<double>
from_double_bits(const caf::optional<uint64_t>& bits) {
  if (!bits)
    return caf::none;
  return from_double_bits(*bits);
}

/// An optional double as inspect() sends it: the bits in `bits`, filled
/// from the field by `save()` before serializing and written back by
/// `load()` after deserializing:
/// `f(..., meta::save_callback([&] { return d.save(); }), d.bits,
///  meta::load_callback([&] { return d.load(); }), ...)`.
struct exact_double_field {
  caf::optional<double>& value;
  caf::optional<uint64_t> bits;

  caf::error save() {
    bits = double_bits(value);
    return caf::none;
  }

  caf::error load() {
    value = from_double_bits(bits);
    return caf::none;
  }
};

} // namespace hubwatch
