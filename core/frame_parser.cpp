#include "hubwatch/core/frame_parser.hpp"

#include <cmath>
#include <optional>

#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "hubwatch/core/utf8.hpp"

namespace hubwatch {

namespace {

boost::json::parse_options make_options(size_t max_depth) {
  boost::json::parse_options opts;
  opts.max_depth = max_depth;
  return opts;
}

bool fail(parse_error& err, hub_errc kind, std::string message,
          std::string_view frame) {
  err.kind = kind;
  err.message = std::move(message);
  err.excerpt = make_excerpt(frame);
  return false;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so no time-zone database or global state is involved.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// JSON has no infinities, but Boost.JSON reads 1e400 as one; such a payload
// could not be passed on as JSON.
bool all_finite(const boost::json::value& v) {
  switch (v.kind()) {
  case boost::json::kind::double_:
    return std::isfinite(v.get_double());
  case boost::json::kind::array:
    for (auto& x : v.get_array())
      if (!all_finite(x))
        return false;
    return true;
  case boost::json::kind::object:
    for (auto& kvp : v.get_object())
      if (!all_finite(kvp.value()))
        return false;
    return true;
  default:
    return true;
  }
}

// The scanner below walks text that Boost.JSON has already accepted, so it
// checks nothing; it only finds where values begin and end.

size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() &&
         (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    ++i;
  return i;
}

// `i` at the opening quote; returns the index after the closing one.
size_t skip_string(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && s[i] != '"')
    i += s[i] == '\\' ? 2 : 1;
  return i + 1;
}

// `i` at the first byte of a value; returns the index after its last byte.
// Iterative, so the depth limit, not the stack, bounds the nesting.
size_t skip_value(std::string_view s, size_t i) {
  size_t depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = skip_string(s, i);
      if (depth == 0)
        return i;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++i;
    } else if (c == '}' || c == ']') {
      ++i;
      if (--depth == 0)
        return i;
    } else if (depth == 0) {
      // A number, true, false or null: up to the next delimiter.
      while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
             s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
        ++i;
      return i;
    } else {
      ++i;
    }
  }
  return i;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Whether the JSON string `raw` (quotes included) means `key`, an ASCII
// word: `"pay\u006coad"` is `payload` to any JSON reader, Boost.JSON's too.
bool key_is(std::string_view raw, std::string_view key) {
  auto inner = raw.substr(1, raw.size() - 2);
  if (inner.find('\\') == std::string_view::npos)
    return inner == key;
  size_t k = 0;
  for (size_t i = 0; i < inner.size(); ++k) {
    if (k >= key.size())
      return false;
    char c = inner[i];
    if (c != '\\') {
      if (c != key[k])
        return false;
      ++i;
      continue;
    }
    if (i + 1 >= inner.size())
      return false;
    char e = inner[i + 1];
    i += 2;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      c = e;
      break;
    case 'u': {
      if (i + 4 > inner.size())
        return false;
      int cp = 0;
      for (size_t j = 0; j < 4; ++j) {
        auto d = hex_digit(inner[i + j]);
        if (d < 0)
          return false;
        cp = cp * 16 + d;
      }
      i += 4;
      // Anything outside ASCII cannot match an ASCII key.
      if (cp >= 0x80)
        return false;
      c = static_cast<char>(cp);
      break;
    }
    default:
      // \b \f \n \r \t: control characters, in no key we look for.
      return false;
    }
    if (c != key[k])
      return false;
  }
  return k == key.size();
}

/// The exact bytes of the value of the object member `key` in `text`, a JSON
/// object that Boost.JSON accepted; the last such member when the key
/// repeats, as in Boost.JSON's tree. Empty if there is none.
std::string_view member_text(std::string_view text, std::string_view key) {
  std::string_view result;
  auto i = skip_ws(text, 0);
  if (i >= text.size() || text[i] != '{')
    return result;
  i = skip_ws(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    auto key_end = skip_string(text, i);
    bool match = key_is(text.substr(i, key_end - i), key);
    i = skip_ws(text, key_end);
    if (i >= text.size() || text[i] != ':')
      return {};
    i = skip_ws(text, i + 1);
    auto end = skip_value(text, i);
    if (match)
      result = text.substr(i, end - i);
    i = skip_ws(text, end);
    if (i >= text.size() || text[i] != ',')
      break;
    i = skip_ws(text, i + 1);
  }
  return result;
}

const boost::json::value* field(const boost::json::object& obj,
                                const char* camel, const char* snake) {
  if (auto* v = obj.if_contains(camel))
    return v;
  return obj.if_contains(snake);
}

caf::optional<std::string> string_field(const boost::json::value* v) {
  if (v == nullptr || !v->is_string())
    return caf::none;
  auto& str = v->get_string();
  return std::string{str.data(), str.size()};
}

agent_fields read_agent_fields(const boost::json::object& payload) {
  agent_fields result;
  result.status = string_field(payload.if_contains("status"));
  result.current_task =
    string_field(field(payload, "currentTask", "current_task"));
  if (auto* up = field(payload, "uptimeSeconds", "uptime_seconds");
      up != nullptr && up->is_number())
    result.uptime_seconds = up->to_number<double>();
  result.error = string_field(payload.if_contains("error"));
  return result;
}

bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

} // namespace

frame_parser::frame_parser(size_t max_bytes, size_t max_depth)
  : max_bytes_(max_bytes),
    parser_(boost::json::storage_ptr{}, make_options(max_depth)) {
  // nop
}

bool frame_parser::parse(std::string_view frame, daemon_event& ev,
                         parse_error& err) {
  if (frame.empty())
    return fail(err, hub_errc::empty_frame, "empty frame", frame);
  if (frame.size() > max_bytes_)
    return fail(err, hub_errc::too_large,
                "frame of " + std::to_string(frame.size()) +
                  " bytes exceeds the limit of " + std::to_string(max_bytes_),
                frame);
  boost::json::error_code ec;
  // The tree only validates the frame and yields its fields; it dies with
  // this call, since the payload keeps its text, not the tree. It lives in
  // an arena that starts in the parser's own buffer (no allocation for
  // frames of a few KiB) and frees everything at once. The parser points at
  // the arena without owning it, so the tree's storage counts as trivially
  // deallocated and destroying it skips the walk over every node.
  boost::json::monotonic_resource arena{arena_buffer_, sizeof(arena_buffer_)};
  // Runs before `arena` dies on every path: the parser must not keep a
  // pointer into a freed arena (a failed parse leaves nodes in it).
  struct detach {
    boost::json::parser& p;
    ~detach() {
      p.reset();
    }
  } guard{parser_};
  parser_.reset(boost::json::storage_ptr{&arena});
  parser_.write(frame.data(), frame.size(), ec);
  if (ec) {
    if (ec == boost::json::error::too_deep)
      return fail(err, hub_errc::too_deep, "JSON nested too deeply", frame);
    return fail(err, hub_errc::invalid_json, "invalid JSON: " + ec.message(),
                frame);
  }
  // Constructed from the parser's result: a move *assignment* would copy the
  // tree onto the heap, as an assigned value keeps its own storage. (Not
  // braces: those would make an array of one element.)
  const boost::json::value root_value(parser_.release());
  auto* root = &root_value;
  auto* obj = root->if_object();
  if (obj == nullptr)
    return fail(err, hub_errc::not_an_object,
                std::string{"expected a JSON object, got "} +
                  to_string(root->kind()).data(),
                frame);
  auto* type = obj->if_contains("type");
  if (type == nullptr)
    return fail(err, hub_errc::missing_type, "object has no \"type\" field",
                frame);
  if (!type->is_string())
    return fail(err, hub_errc::type_not_string,
                std::string{"\"type\" is a "} + to_string(type->kind()).data() +
                  ", not a string",
                frame);
  // An empty type names no event: nothing could tell it from a frame that
  // lost its type on the way.
  if (type->get_string().empty())
    return fail(err, hub_errc::missing_type, "\"type\" is empty", frame);
  // Optional string fields: absent is fine, any other type is not.
  struct field {
    const char* key;
    std::string* out;
  };
  ev.agent_id.clear();
  ev.agent_name.clear();
  ev.timestamp.clear();
  for (auto [key, out] :
       {field{"agentId", &ev.agent_id}, field{"agentName", &ev.agent_name},
        field{"timestamp", &ev.timestamp}}) {
    auto* v = obj->if_contains(key);
    if (v == nullptr || v->is_null())
      continue;
    if (!v->is_string())
      return fail(err, hub_errc::field_not_string,
                  std::string{"\""} + key + "\" is a " +
                    to_string(v->kind()).data() + ", not a string",
                  frame);
    auto& str = v->get_string();
    out->assign(str.data(), str.size());
  }
  auto* payload = obj->if_contains("payload");
  if (payload != nullptr && !payload->is_null() && !payload->is_object())
    return fail(err, hub_errc::payload_not_object,
                std::string{"\"payload\" is a "} +
                  to_string(payload->kind()).data() + ", not an object",
                frame);
  if (payload != nullptr && payload->is_object() && !all_finite(*payload))
    return fail(err, hub_errc::invalid_json,
                "a number in \"payload\" is out of range", frame);
  auto& type_str = type->get_string();
  ev.type_name.assign(type_str.data(), type_str.size());
  ev.type = event_type_from_wire(ev.type_name);
  ev.time = parse_rfc3339(ev.timestamp);
  if (payload != nullptr && payload->is_object()) {
    // The payload's bytes as sent, found in the frame the tree came from.
    // The scanner and the tree must agree on which bytes those are; should
    // they ever not, the tree's own text is better than a wrong value.
    auto text = member_text(frame, "payload");
    if (text.empty() || text.front() != '{')
      ev.payload = json_payload::from_validated(
        boost::json::serialize(payload->get_object()));
    else
      ev.payload = json_payload::from_validated(text);
    ev.fields = read_agent_fields(payload->get_object());
  } else {
    ev.payload = json_payload{};
    ev.fields = agent_fields{};
  }
  return true;
}

caf::optional<caf::timestamp> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  int year, month, day, hour, minute, second;
  if (s.size() < 20 || !read_digits(s, 0, 4, year) || s[4] != '-' ||
      !read_digits(s, 5, 2, month) || s[7] != '-' ||
      !read_digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !read_digits(s, 11, 2, hour) || s[13] != ':' ||
      !read_digits(s, 14, 2, minute) || s[16] != ':' ||
      !read_digits(s, 17, 2, second))
    return caf::none;
  // caf::timestamp counts nanoseconds in 64 bits: 1678 to 2261.
  if (year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour > 23 || minute > 59 || second > 60)
    return caf::none;
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0)
      return caf::none;
  }
  if (pos >= s.size())
    return caf::none;
  int64_t offset_s = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() ||
        s[pos + 3] != ':' || !read_digits(s, pos + 4, 2, om) || oh > 23 ||
        om > 59)
      return caf::none;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return caf::none;
  }
  if (pos != s.size())
    return caf::none;
  int64_t secs = days_from_civil(year, static_cast<unsigned>(month),
                                 static_cast<unsigned>(day)) *
                   86400 +
                 hour * 3600 + minute * 60 + second - offset_s;
  return caf::timestamp{std::chrono::nanoseconds{secs * 1000000000 + nanos}};
}

std::string make_excerpt(std::string_view frame) {
  std::string result;
  size_t i = 0;
  while (i < frame.size() && result.size() < parse_error::excerpt_limit) {
    uint32_t cp = 0;
    auto len = utf8_length(frame, i, cp);
    if (len == 0) {
      // Not UTF-8: show the byte, so the excerpt stays printable text.
      if (result.size() + 4 > parse_error::excerpt_limit)
        break;
      const char* hex = "0123456789abcdef";
      auto c = static_cast<unsigned char>(frame[i]);
      result += "\\x";
      result += hex[c >> 4];
      result += hex[c & 0xF];
      ++i;
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      // C0 and C1 control characters would garble a terminal or a log line.
      result += ' ';
      i += len;
    } else {
      if (result.size() + len > parse_error::excerpt_limit)
        break;
      result.append(frame.data() + i, len);
      i += len;
    }
  }
  if (i < frame.size())
    result += "...";
  return result;
}

} // namespace hubwatch
