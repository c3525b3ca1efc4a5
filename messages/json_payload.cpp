#include "messages/json_payload.hpp"

#include <cstring>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "messages/hub_errc.hpp"

namespace hubwatch {

json_payload::json_payload(boost::json::object obj) {
  if (!obj.empty())
    obj_ = std::make_shared<const boost::json::object>(std::move(obj));
}

json_payload::json_payload(std::shared_ptr<const boost::json::object> obj) {
  if (obj && !obj->empty())
    obj_ = std::move(obj);
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

namespace {

namespace json = boost::json;

enum tag : char {
  null_tag,
  false_tag,
  true_tag,
  int64_tag,
  uint64_tag,
  double_tag,
  string_tag,
  array_tag,
  object_tag,
};

// Deeper than any frame the parser accepts, shallow enough for the stack.
constexpr size_t max_binary_depth = 512;

void put_varint(std::string& out, uint64_t x) {
  while (x >= 0x80) {
    out += static_cast<char>((x & 0x7F) | 0x80);
    x >>= 7;
  }
  out += static_cast<char>(x);
}

void put_u64(std::string& out, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((x >> (8 * i)) & 0xFF);
}

void put_string(std::string& out, json::string_view x) {
  put_varint(out, x.size());
  out.append(x.data(), x.size());
}

void encode(std::string& out, const json::value& v);

void encode_object(std::string& out, const json::object& obj) {
  out += object_tag;
  put_varint(out, obj.size());
  for (auto& kvp : obj) {
    put_string(out, kvp.key());
    encode(out, kvp.value());
  }
}

void encode(std::string& out, const json::value& v) {
  switch (v.kind()) {
  case json::kind::null:
    out += null_tag;
    break;
  case json::kind::bool_:
    out += v.get_bool() ? true_tag : false_tag;
    break;
  case json::kind::int64:
    out += int64_tag;
    put_u64(out, static_cast<uint64_t>(v.get_int64()));
    break;
  case json::kind::uint64:
    out += uint64_tag;
    put_u64(out, v.get_uint64());
    break;
  case json::kind::double_: {
    out += double_tag;
    uint64_t bits;
    auto d = v.get_double();
    std::memcpy(&bits, &d, sizeof(bits));
    put_u64(out, bits);
    break;
  }
  case json::kind::string:
    out += string_tag;
    put_string(out, v.get_string());
    break;
  case json::kind::array:
    out += array_tag;
    put_varint(out, v.get_array().size());
    for (auto& x : v.get_array())
      encode(out, x);
    break;
  case json::kind::object:
    encode_object(out, v.get_object());
    break;
  }
}

/// Reads what `encode` wrote; every read is bounds-checked, because the
/// bytes come from the network.
class decoder {
public:
  explicit decoder(const std::string& bytes) : s_(bytes) {
    // nop
  }

  bool value(json::value& out, size_t depth) {
    if (depth > max_binary_depth || pos_ >= s_.size())
      return false;
    switch (s_[pos_++]) {
    case null_tag:
      out = nullptr;
      return true;
    case false_tag:
      out = false;
      return true;
    case true_tag:
      out = true;
      return true;
    case int64_tag: {
      uint64_t x;
      if (!u64(x))
        return false;
      out = static_cast<int64_t>(x);
      return true;
    }
    case uint64_tag: {
      uint64_t x;
      if (!u64(x))
        return false;
      out = x;
      return true;
    }
    case double_tag: {
      uint64_t bits;
      if (!u64(bits))
        return false;
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      out = d;
      return true;
    }
    case string_tag: {
      json::string_view str;
      if (!string(str))
        return false;
      out = str;
      return true;
    }
    case array_tag: {
      uint64_t n;
      if (!varint(n) || n > s_.size() - pos_)
        return false;
      auto& arr = out.emplace_array();
      arr.reserve(n);
      for (uint64_t i = 0; i < n; ++i)
        if (!value(arr.emplace_back(nullptr), depth + 1))
          return false;
      return true;
    }
    case object_tag:
      return object(out.emplace_object(), depth);
    default:
      return false;
    }
  }

  bool object(json::object& obj, size_t depth) {
    uint64_t n;
    if (!varint(n) || n > s_.size() - pos_)
      return false;
    obj.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      json::string_view key;
      json::value val;
      if (!string(key) || !value(val, depth + 1))
        return false;
      obj.insert_or_assign(key, std::move(val));
    }
    return true;
  }

  bool done() const {
    return pos_ == s_.size();
  }

  bool expect(char t) {
    return pos_ < s_.size() && s_[pos_++] == t;
  }

private:
  bool varint(uint64_t& x) {
    x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= s_.size())
        return false;
      auto b = static_cast<unsigned char>(s_[pos_++]);
      x |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0)
        return true;
    }
    return false;
  }

  bool u64(uint64_t& x) {
    if (s_.size() - pos_ < 8)
      return false;
    x = 0;
    for (int i = 0; i < 8; ++i)
      x |= static_cast<uint64_t>(static_cast<unsigned char>(s_[pos_++]))
           << (8 * i);
    return true;
  }

  bool string(json::string_view& out) {
    uint64_t n;
    if (!varint(n) || n > s_.size() - pos_)
      return false;
    out = json::string_view{s_.data() + pos_, static_cast<size_t>(n)};
    pos_ += n;
    return true;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

} // namespace

std::string json_payload::to_binary() const {
  std::string out;
  if (obj_)
    encode_object(out, *obj_);
  return out;
}

caf::error json_payload::from_binary(const std::string& bytes) {
  if (bytes.empty()) {
    obj_.reset();
    return caf::none;
  }
  decoder d{bytes};
  json::object obj;
  if (!d.expect(object_tag) || !d.object(obj, 0) || !d.done())
    return make_error(hub_errc::invalid_json, "malformed binary payload");
  *this = json_payload{std::move(obj)};
  return caf::none;
}

bool operator==(const json_payload& x, const json_payload& y) {
  return x.obj_ == y.obj_ || x.get() == y.get();
}

std::string to_string(const json_payload& x) {
  return x.to_json();
}

} // namespace hubwatch
