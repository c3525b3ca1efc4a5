#include "hubwatch/core/frame_parser.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/kind.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "hubwatch/core/json_scan.hpp"
#include "hubwatch/core/utf8.hpp"

namespace hubwatch {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so no time-zone database or global state is involved.
// Only for years from 1 on (parse_rfc3339 takes 1678 to 2261): unsigned
// division by constants is a multiply, a signed one was a tenth of the
// parse.
int64_t days_from_civil(unsigned y, unsigned m, unsigned d) {
  y -= m <= 2;
  const unsigned era = y / 400;
  const unsigned yoe = y - era * 400;
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) -
         719468;
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

/// What the single pass keeps of one JSON value the rules care about: its
/// kind (for "is a double, not a string"), and its text or number when it
/// has one. Members repeat in JSON; as in a tree, the last one counts, so a
/// slot is cleared whenever its key comes again.
///
/// A string without escapes that Boost.JSON hands over whole is a view into
/// the frame, which outlives the parse: kept as that view, not copied. Any
/// other string (escaped, or in parts) is built in `own`.
struct slot {
  bool present = false;
  boost::json::kind kind = boost::json::kind::null;
  std::string_view text;
  std::string own;
  double number = 0;

  void clear() {
    present = false;
    kind = boost::json::kind::null;
    text = {};
    number = 0;
  }

  void take(boost::json::kind k) {
    present = true;
    kind = k;
  }
};

/// `s` is exactly `lit`. The length is a constant, so the compiler compares
/// a word or two instead of calling strlen and memcmp.
template <size_t N>
bool is(boost::json::string_view s, const char (&lit)[N]) {
  return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}

/// Boost.JSON's SAX interface (`basic_parser`) calls these as it reads the
/// frame. It validates exactly as the DOM parser does (the DOM parser is
/// this same `basic_parser` with a handler that builds a tree), but nothing
/// is built: the handler keeps the five top-level members and the four
/// payload members the agent rules read, and checks payload numbers for
/// infinities. Its strings keep their capacity from frame to frame.
struct handler {
  // The DOM parser's limits, so that both refuse the same frames.
  static constexpr std::size_t max_object_size =
    boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size =
    boost::json::string::max_size();

  // -- what the frame held ---------------------------------------------------

  /// The kind of the whole document (only an object is an event).
  boost::json::kind root = boost::json::kind::null;
  slot type, agent_id, agent_name, timestamp, payload;
  slot status, current_task, current_task_snake, uptime, uptime_snake, error;
  /// A payload number that is not finite (Boost.JSON reads 1e400 as inf).
  bool payload_not_finite = false;

  // -- where the reader is ---------------------------------------------------

  /// Nesting of the value being read: 0 outside the document, 1 inside the
  /// frame object, 2 inside an array or object member of it, and so on.
  size_t depth = 0;
  /// Inside the (current) `payload` object, at any depth.
  bool in_payload = false;
  /// The slot the next value fills: of a frame member (depth 1) and of a
  /// payload member (depth 2); null for members the rules do not read.
  slot* top_value = nullptr;
  slot* payload_value = nullptr;
  std::string key;

  // -- where the payload's bytes are -----------------------------------------
  // Boost.JSON hands a key that has no escape to the handler as a view into
  // the frame itself. The `payload` key's view then says where its value
  // starts, and the view of the next key at the top level (or the frame's
  // end) where it stops: no second pass over the frame. A key with escapes
  // arrives from a buffer of the parser's own; then these stay null and the
  // scanner finds the bytes.

  const char* frame_begin = nullptr;
  const char* frame_end = nullptr;
  /// Just after the last `payload` key's closing quote.
  const char* payload_key_end = nullptr;
  /// Another member followed that `payload` member.
  bool payload_followed = false;
  /// The opening quote of the member that followed it.
  const char* next_key_quote = nullptr;

  /// `s`, the whole key, as a view into the frame (its quotes around it).
  bool in_frame(boost::json::string_view s, std::size_t n) const {
    auto b = reinterpret_cast<std::uintptr_t>(s.data());
    return n == s.size() && b > reinterpret_cast<std::uintptr_t>(frame_begin) &&
           b + s.size() < reinterpret_cast<std::uintptr_t>(frame_end) &&
           s.data()[-1] == '"' && s.data()[s.size()] == '"';
  }

  /// `s` lies in the frame (not in a buffer of the parser's own, where
  /// Boost.JSON unescapes strings).
  bool inside_frame(boost::json::string_view s) const {
    auto b = reinterpret_cast<std::uintptr_t>(s.data());
    return b >= reinterpret_cast<std::uintptr_t>(frame_begin) &&
           b + s.size() <= reinterpret_cast<std::uintptr_t>(frame_end);
  }

  void start(std::string_view frame) {
    frame_begin = frame.data();
    frame_end = frame.data() + frame.size();
    payload_key_end = nullptr;
    payload_followed = false;
    next_key_quote = nullptr;
    root = boost::json::kind::null;
    type.clear();
    agent_id.clear();
    agent_name.clear();
    timestamp.clear();
    payload.clear();
    clear_payload_members();
    depth = 0;
    in_payload = false;
    top_value = nullptr;
    payload_value = nullptr;
    key.clear();
  }

  // Slot by slot, not a loop over a list of their addresses: that loop
  // was half of parse()'s own time.
  void clear_payload_members() {
    status.clear();
    current_task.clear();
    current_task_snake.clear();
    uptime.clear();
    uptime_snake.clear();
    error.clear();
    payload_not_finite = false;
  }

  /// The slot the value that starts now fills, if any: a member of the
  /// frame object or a direct member of the payload.
  slot* value_slot() {
    if (depth == 1)
      return top_value;
    if (depth == 2 && in_payload)
      return payload_value;
    return nullptr;
  }

  /// A value of kind `k` starts (or is, for scalars).
  slot* begin_value(boost::json::kind k) {
    if (depth == 0)
      root = k;
    auto* s = value_slot();
    if (s != nullptr)
      s->take(k);
    return s;
  }

  bool on_document_begin(boost::json::error_code&) {
    return true;
  }

  bool on_document_end(boost::json::error_code&) {
    return true;
  }

  bool on_object_begin(boost::json::error_code&) {
    begin_value(boost::json::kind::object);
    if (depth == 1 && top_value == &payload) {
      // A later `payload` replaces an earlier one, as in a tree.
      clear_payload_members();
      in_payload = true;
    }
    ++depth;
    return true;
  }

  bool on_object_end(std::size_t, boost::json::error_code&) {
    --depth;
    if (depth == 1 && in_payload)
      in_payload = false;
    return true;
  }

  bool on_array_begin(boost::json::error_code&) {
    begin_value(boost::json::kind::array);
    ++depth;
    return true;
  }

  bool on_array_end(std::size_t, boost::json::error_code&) {
    --depth;
    return true;
  }

  bool on_key_part(boost::json::string_view s, std::size_t,
                   boost::json::error_code&) {
    if (depth == 1 || (depth == 2 && in_payload))
      key.append(s.data(), s.size());
    return true;
  }

  slot* top_slot(boost::json::string_view k) {
    switch (k.size()) {
    case 4:
      return is(k, "type") ? &type : nullptr;
    case 7:
      return is(k, "agentId")   ? &agent_id
             : is(k, "payload") ? &payload
                                : nullptr;
    case 9:
      return is(k, "agentName")   ? &agent_name
             : is(k, "timestamp") ? &timestamp
                                  : nullptr;
    default:
      return nullptr;
    }
  }

  slot* payload_slot(boost::json::string_view k) {
    switch (k.size()) {
    case 5:
      return is(k, "error") ? &error : nullptr;
    case 6:
      return is(k, "status") ? &status : nullptr;
    case 11:
      return is(k, "currentTask") ? &current_task : nullptr;
    case 12:
      return is(k, "current_task") ? &current_task_snake : nullptr;
    case 13:
      return is(k, "uptimeSeconds") ? &uptime : nullptr;
    case 14:
      return is(k, "uptime_seconds") ? &uptime_snake : nullptr;
    default:
      return nullptr;
    }
  }

  bool on_key(boost::json::string_view s, std::size_t n,
              boost::json::error_code&) {
    if (depth != 1 && !(depth == 2 && in_payload))
      return true;
    // A key that came whole (n counts every part) is matched as it is; one
    // in parts was gathered in `key`.
    bool one_part = n == s.size();
    boost::json::string_view k = s;
    if (!one_part) {
      key.append(s.data(), s.size());
      k = {key.data(), key.size()};
    }
    if (depth == 1) {
      bool whole = in_frame(s, n);
      top_value = top_slot(k);
      if (top_value == &payload) {
        payload_key_end = whole ? s.data() + s.size() + 1 : nullptr;
        payload_followed = false;
        next_key_quote = nullptr;
      } else if (payload.present && !payload_followed) {
        payload_followed = true;
        next_key_quote = whole ? s.data() - 1 : nullptr;
      }
      if (top_value != nullptr)
        top_value->clear();
    } else {
      payload_value = payload_slot(k);
      if (payload_value != nullptr)
        payload_value->clear();
    }
    key.clear();
    return true;
  }

  bool on_string_part(boost::json::string_view s, std::size_t n,
                      boost::json::error_code&) {
    // The first part of a string starts the value (n counts what came so
    // far, this part included).
    bool first = n == s.size();
    auto* x = first ? begin_value(boost::json::kind::string) : value_slot();
    if (x != nullptr) {
      if (first)
        x->own.assign(s.data(), s.size());
      else
        x->own.append(s.data(), s.size());
      x->text = x->own;
    }
    return true;
  }

  bool on_string(boost::json::string_view s, std::size_t n,
                 boost::json::error_code& ec) {
    if (n != s.size() || !inside_frame(s))
      return on_string_part(s, n, ec);
    // The whole string, as a view into the frame: no copy.
    if (auto* x = begin_value(boost::json::kind::string))
      x->text = {s.data(), s.size()};
    return true;
  }

  bool on_number_part(boost::json::string_view, boost::json::error_code&) {
    return true;
  }

  void number(boost::json::kind k, double value) {
    if (auto* x = begin_value(k))
      x->number = value;
  }

  bool on_int64(int64_t i, boost::json::string_view, boost::json::error_code&) {
    number(boost::json::kind::int64, static_cast<double>(i));
    return true;
  }

  bool on_uint64(uint64_t u, boost::json::string_view,
                 boost::json::error_code&) {
    number(boost::json::kind::uint64, static_cast<double>(u));
    return true;
  }

  bool on_double(double d, boost::json::string_view, boost::json::error_code&) {
    if (in_payload && !std::isfinite(d))
      payload_not_finite = true;
    number(boost::json::kind::double_, d);
    return true;
  }

  bool on_bool(bool, boost::json::error_code&) {
    begin_value(boost::json::kind::bool_);
    return true;
  }

  bool on_null(boost::json::error_code&) {
    begin_value(boost::json::kind::null);
    return true;
  }

  bool on_comment_part(boost::json::string_view, boost::json::error_code&) {
    return true;
  }

  bool on_comment(boost::json::string_view, boost::json::error_code&) {
    return true;
  }
};

} // namespace

namespace detail {

struct frame_sax : boost::json::basic_parser<handler> {
  using basic_parser::basic_parser;
};

} // namespace detail

namespace {

boost::json::parse_options make_options(size_t max_depth, bool utf8_checked) {
  boost::json::parse_options opts;
  opts.max_depth = max_depth;
  opts.allow_invalid_utf8 = utf8_checked;
  return opts;
}

std::string kind_name(boost::json::kind k) {
  auto name = to_string(k);
  return std::string{name.data(), name.size()};
}

caf::optional<std::string> string_of(const slot& x) {
  if (!x.present || x.kind != boost::json::kind::string)
    return caf::none;
  return std::string{x.text};
}

/// The camelCase spelling decides when present, else the snake_case one.
const slot& either(const slot& camel, const slot& snake) {
  return camel.present ? camel : snake;
}

bool is_number(const slot& x) {
  return x.present && (x.kind == boost::json::kind::int64 ||
                       x.kind == boost::json::kind::uint64 ||
                       x.kind == boost::json::kind::double_);
}

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// The bytes of the payload object, from what the handler saw of the keys
/// around it in a valid frame; empty when it could not see them.
std::string_view payload_text(const handler& h) {
  if (h.payload_key_end == nullptr ||
      (h.payload_followed && h.next_key_quote == nullptr))
    return {};
  auto first = h.payload_key_end;
  while (first < h.frame_end && is_ws(*first))
    ++first;
  if (first == h.frame_end || *first++ != ':')
    return {};
  while (first < h.frame_end && is_ws(*first))
    ++first;
  // Back from the next key over `,`, or from the frame's end over its `}`.
  auto last = h.payload_followed ? h.next_key_quote : h.frame_end;
  while (last > first && is_ws(last[-1]))
    --last;
  if (last == first || *--last != (h.payload_followed ? ',' : '}'))
    return {};
  while (last > first && is_ws(last[-1]))
    --last;
  if (last - first < 2 || *first != '{' || last[-1] != '}')
    return {};
  return {first, static_cast<size_t>(last - first)};
}

} // namespace

bool refuse_frame(parse_error& err, hub_errc kind, std::string message,
                  std::string_view frame) {
  err.kind = kind;
  err.message = std::move(message);
  err.excerpt = make_excerpt(frame);
  return false;
}

bool refuse_json_error(parse_error& err, const boost::system::error_code& ec,
                       std::string_view frame) {
  if (ec == boost::json::error::too_deep)
    return refuse_frame(err, hub_errc::too_deep, "JSON nested too deeply",
                        frame);
  return refuse_frame(err, hub_errc::invalid_json,
                      "invalid JSON: " + ec.message(), frame);
}

bool frame_size_ok(std::string_view frame, size_t max_bytes, parse_error& err) {
  if (frame.empty())
    return refuse_frame(err, hub_errc::empty_frame, "empty frame", frame);
  if (frame.size() > max_bytes)
    return refuse_frame(err, hub_errc::too_large,
                        "frame of " + std::to_string(frame.size()) +
                          " bytes exceeds the limit of " +
                          std::to_string(max_bytes),
                        frame);
  return true;
}

frame_parser::frame_parser(size_t max_bytes, size_t max_depth)
  : max_bytes_(max_bytes), max_depth_(max_depth),
    sax_(std::make_unique<detail::frame_sax>(make_options(max_depth, false))) {
  // nop
}

frame_parser::~frame_parser() = default;

frame_parser::frame_parser(frame_parser&&) noexcept = default;

frame_parser& frame_parser::operator=(frame_parser&&) noexcept = default;

bool frame_parser::parse(std::string_view frame, daemon_event& ev,
                         parse_error& err, bool utf8_checked) {
  if (!frame_size_ok(frame, max_bytes_, err))
    return false;
  if (utf8_checked && !sax_checked_)
    sax_checked_ =
      std::make_unique<detail::frame_sax>(make_options(max_depth_, true));
  auto& p = utf8_checked ? *sax_checked_ : *sax_;
  auto& h = p.handler();
  p.reset();
  h.start(frame);
  boost::json::error_code ec;
  auto n = p.write_some(false, frame.data(), frame.size(), ec);
  // As boost::json::parser::write does: what follows the document is an
  // error too.
  if (!ec && n < frame.size())
    ec = boost::json::error::extra_data;
  if (ec)
    return refuse_json_error(err, ec, frame);
  if (h.root != boost::json::kind::object)
    return refuse_frame(err, hub_errc::not_an_object,
                        "expected a JSON object, got " + kind_name(h.root),
                        frame);
  if (!h.type.present)
    return refuse_frame(err, hub_errc::missing_type,
                        "object has no \"type\" field", frame);
  if (h.type.kind != boost::json::kind::string)
    return refuse_frame(
      err, hub_errc::type_not_string,
      "\"type\" is a " + kind_name(h.type.kind) + ", not a string", frame);
  // An empty type names no event: nothing could tell it from a frame that
  // lost its type on the way.
  if (h.type.text.empty())
    return refuse_frame(err, hub_errc::missing_type, "\"type\" is empty",
                        frame);
  // Optional string fields: absent or null is fine, any other type is not.
  auto take = [&](const char* key, const slot& in, auto& out) {
    if (in.present && in.kind != boost::json::kind::null &&
        in.kind != boost::json::kind::string)
      return refuse_frame(err, hub_errc::field_not_string,
                          std::string{"\""} + key + "\" is a " +
                            kind_name(in.kind) + ", not a string",
                          frame);
    out.assign(in.text);
    return true;
  };
  if (!take("agentId", h.agent_id, ev.agent_id) ||
      !take("agentName", h.agent_name, ev.agent_name) ||
      !take("timestamp", h.timestamp, ev.timestamp))
    return false;
  auto payload_kind =
    h.payload.present ? h.payload.kind : boost::json::kind::null;
  if (payload_kind != boost::json::kind::null &&
      payload_kind != boost::json::kind::object)
    return refuse_frame(
      err, hub_errc::payload_not_object,
      "\"payload\" is a " + kind_name(payload_kind) + ", not an object", frame);
  if (payload_kind == boost::json::kind::object && h.payload_not_finite)
    return refuse_frame(err, hub_errc::invalid_json,
                        "a number in \"payload\" is out of range", frame);
  ev.type_name.assign(h.type.text);
  ev.type = event_type_from_wire(ev.type_name);
  ev.time = parse_rfc3339(ev.timestamp);
  if (payload_kind == boost::json::kind::object) {
    // The payload's bytes as sent, from where the handler saw its key and
    // the next one; else the scanner finds them in the validated frame.
    auto text = payload_text(h);
    if (text.empty())
      text = member_text(frame, "payload");
    if (text.empty() || text.front() != '{')
      return refuse_frame(err, hub_errc::invalid_json,
                          "the \"payload\" object could not be located", frame);
    ev.payload = json_payload::from_validated(text, arena_);
    ev.fields.status = string_of(h.status);
    ev.fields.current_task =
      string_of(either(h.current_task, h.current_task_snake));
    auto& up = either(h.uptime, h.uptime_snake);
    if (is_number(up))
      ev.fields.uptime_seconds = up.number;
    else
      ev.fields.uptime_seconds = caf::none;
    ev.fields.error = string_of(h.error);
  } else {
    ev.payload = json_payload{};
    ev.fields = agent_fields{};
  }
  return true;
}

caf::optional<caf::timestamp> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return caf::none;
  // The fourteen digits at fixed places, checked together: this runs for
  // every frame.
  static constexpr unsigned char places[] = {0, 1,  2,  3,  5,  6,  8,
                                             9, 11, 12, 14, 15, 17, 18};
  unsigned d[14];
  unsigned bad = 0;
  for (size_t i = 0; i < 14; ++i) {
    d[i] = static_cast<unsigned char>(s[places[i]]) - unsigned{'0'};
    bad |= d[i] > 9 ? 1u : 0u;
  }
  if (bad != 0)
    return caf::none;
  int year = static_cast<int>(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]);
  int month = static_cast<int>(d[4] * 10 + d[5]);
  int day = static_cast<int>(d[6] * 10 + d[7]);
  int hour = static_cast<int>(d[8] * 10 + d[9]);
  int minute = static_cast<int>(d[10] * 10 + d[11]);
  int second = static_cast<int>(d[12] * 10 + d[13]);
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
  int64_t secs =
    days_from_civil(static_cast<unsigned>(year), static_cast<unsigned>(month),
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
