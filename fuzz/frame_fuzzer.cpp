// libFuzzer target for the frame → event → agent-status path.
//
// Each input is one text frame. It goes through the same steps the parser and
// agent_registry actors take, plus the renderers subscribers use, and then
// the invariants below are checked; a violation traps, so libFuzzer (or the
// replay driver in the normal test build) reports it as a crash.
//
// The entry point keeps no state that changes its verdict on an input: the
// agent table persists only to reach states that a single frame cannot (an
// agent_error after a heartbeat, say), and no invariant depends on it.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "hubwatch/core/agent_table.hpp"
#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/core/json_scan.hpp"
#include "hubwatch/core/reference_frame_parser.hpp"
#include "hubwatch/messages/agent_info.hpp"
#include "hubwatch/messages/daemon_event.hpp"
#include "hubwatch/messages/event_type.hpp"
#include "hubwatch/messages/hub_errc.hpp"
#include "hubwatch/messages/json_payload.hpp"
#include "hubwatch/messages/parse_error.hpp"

namespace {

// The defaults the observer runs with (docs/configuration.md: max_frame_bytes 1
// MiB, max_json_depth 64).
constexpr size_t max_frame_bytes = 1024 * 1024;
constexpr size_t max_json_depth = 64;

// Beyond this many agents the table is cleared, so that a long run does not
// turn into a memory benchmark of unordered_map.
constexpr size_t max_agents = 1000;

// Names the invariant before trapping: the stack alone says which line, but
// only with symbols, and a replay log should say it plainly.
#define FUZZ_CHECK(condition)                                                  \
  do {                                                                         \
    if (!(condition)) {                                                        \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,     \
              #condition);                                                     \
      __builtin_trap();                                                        \
    }                                                                          \
  } while (false)

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF. Returns false on the first ill-formed sequence.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size())
      return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += len;
  }
  return true;
}

// No C0 control, no DEL and no C1 control (U+0080..U+009F, UTF-8 C2 80..C2
// 9F): an excerpt goes into logs and terminals, where C1 codes such as CSI
// are as live as ESC. Expects valid UTF-8.
bool printable(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F)
      return false;
    if (c == 0xC2 && i + 1 < s.size()) {
      auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9F)
        return false;
    }
  }
  return true;
}

void check_excerpt(const std::string& excerpt) {
  FUZZ_CHECK(excerpt.size() <= hubwatch::parse_error::excerpt_limit + 3);
  FUZZ_CHECK(valid_utf8(excerpt));
  FUZZ_CHECK(printable(excerpt));
}

// The frame as a fresh Boost.JSON parser reads it, with the same limits:
// the reference that frame_parser, which reuses one parser for every frame,
// must agree with.
boost::json::value reference_parse(std::string_view frame,
                                   boost::json::error_code& ec) {
  boost::json::parse_options opts;
  opts.max_depth = max_json_depth;
  return boost::json::parse(frame, ec, {}, opts);
}

// False if any number in `val` is infinite (or NaN).
bool finite(const boost::json::value& val) {
  switch (val.kind()) {
  case boost::json::kind::double_:
    return std::isfinite(val.get_double());
  case boost::json::kind::array:
    for (auto& x : val.get_array())
      if (!finite(x))
        return false;
    return true;
  case boost::json::kind::object:
    for (auto& kvp : val.get_object())
      if (!finite(kvp.value()))
        return false;
    return true;
  default:
    return true;
  }
}

// What the frame holds as a fresh parser reads it. Only called after
// frame_parser accepted the frame, so the JSON must parse into an object.
// True if a number in `text` (valid JSON) reads as infinite to Boost.JSON,
// wherever it stands: also where a repeated key hides it from a tree. Each
// number token is read on its own by the same Boost.JSON.
bool any_number_infinite(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"';)
        i += text[i] == '\\' ? 2 : 1;
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t j = i;
      while (j < text.size() && std::string_view{"-+.eE0123456789"}.find(
                                  text[j]) != std::string_view::npos)
        ++j;
      boost::json::error_code ec;
      auto v = boost::json::parse(text.substr(i, j - i), ec);
      if (!ec && v.is_double() && !std::isfinite(v.get_double()))
        return true;
      i = j;
    } else {
      ++i;
    }
  }
  return false;
}

boost::json::object reference_object(std::string_view frame) {
  boost::json::error_code ec;
  auto val = reference_parse(frame, ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(val.is_object());
  return std::move(val.as_object());
}

caf::optional<std::string> string_member(const boost::json::object& obj,
                                         const char* key) {
  auto* v = obj.if_contains(key);
  if (v == nullptr || !v->is_string())
    return caf::none;
  return std::string{v->get_string()};
}

// The agent fields as docs/wire-schema.md and agent_fields describe them,
// read independently of the frame parser.
hubwatch::agent_fields reference_fields(const boost::json::object& payload) {
  hubwatch::agent_fields result;
  result.status = string_member(payload, "status");
  result.current_task = payload.contains("currentTask")
                          ? string_member(payload, "currentTask")
                          : string_member(payload, "current_task");
  auto* up = payload.contains("uptimeSeconds")
               ? payload.if_contains("uptimeSeconds")
               : payload.if_contains("uptime_seconds");
  if (up != nullptr && up->is_number())
    result.uptime_seconds = up->to_number<double>();
  result.error = string_member(payload, "error");
  return result;
}

// What crosses the network to remote subscribers (CAF's binary serializer,
// as BASP uses it) comes back exactly, the payload's bytes included.
void check_network_round_trip(const hubwatch::daemon_event& ev) {
  auto copy = ev;
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  FUZZ_CHECK(!sink(copy));
  hubwatch::daemon_event back;
  caf::binary_deserializer source{nullptr, buf};
  FUZZ_CHECK(!source(back));
  FUZZ_CHECK(back == ev);
  FUZZ_CHECK(back.payload.text() == ev.payload.text());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hubwatch;
  // One parser for the whole run, as in the parser actor: it reuses its
  // buffers, and reuse after a failed frame is part of what is tested.
  static frame_parser parser{max_frame_bytes, max_json_depth};
  static agent_table table;
  // A local clock that moves one second per input; agent_table never reads
  // the system clock, and neither should the fuzzer.
  static caf::timestamp now;
  now += std::chrono::seconds{1};
  std::string_view frame{reinterpret_cast<const char*>(data), size};
  // parse_rfc3339 sees the raw input as well as the `timestamp` field.
  if (auto t = parse_rfc3339(frame))
    static_cast<void>(t->time_since_epoch().count());
  check_excerpt(make_excerpt(frame));
  daemon_event ev;
  parse_error err;
  bool accepted = parser.parse(frame, ev, err);
  // The single-pass parser and the tree-building one agree on every input:
  // the same verdict, the same event or the same error, message included.
  static reference_frame_parser reference{max_frame_bytes, max_json_depth};
  daemon_event ref_ev;
  parse_error ref_err;
  bool ref_accepted = reference.parse(frame, ref_ev, ref_err);
  // One difference by design: a payload number out of range is refused even
  // where a later repeated key hides it from the tree, since the payload is
  // passed on as its text, number included.
  bool hidden_infinity =
    !accepted && ref_accepted && err.kind == hub_errc::invalid_json &&
    err.message == "a number in \"payload\" is out of range";
  if (hidden_infinity)
    FUZZ_CHECK(any_number_infinite(member_text(frame, "payload")));
  else
    FUZZ_CHECK(ref_accepted == accepted);
  if (hidden_infinity) {
    // Compared above.
  } else if (accepted) {
    ev.seq = ref_ev.seq;
    FUZZ_CHECK(ev == ref_ev);
    FUZZ_CHECK(ev.payload.text() == ref_ev.payload.text());
  } else {
    FUZZ_CHECK(err.kind == ref_err.kind);
    FUZZ_CHECK(err.message == ref_err.message);
    FUZZ_CHECK(err.excerpt == ref_err.excerpt);
  }
  if (!accepted) {
    FUZZ_CHECK(is_parse_error(err.kind));
    check_excerpt(err.excerpt);
    FUZZ_CHECK(!err.message.empty());
    FUZZ_CHECK(!to_string(err).empty());
    // Refused as JSON only if it is not JSON within the depth limit, or holds
    // a number that no double can represent (Boost.JSON reads 1e400 as
    // infinity, which has no JSON form to pass on).
    if (err.kind == hub_errc::invalid_json || err.kind == hub_errc::too_deep) {
      boost::json::error_code ec;
      auto val = reference_parse(frame, ec);
      FUZZ_CHECK(ec || (err.kind == hub_errc::invalid_json &&
                        (!finite(val) || hidden_infinity)));
    }
    // A frame without a type, or with an empty one.
    if (err.kind == hub_errc::missing_type) {
      auto obj = reference_object(frame);
      auto* type = obj.if_contains("type");
      FUZZ_CHECK(type == nullptr ||
                 (type->is_string() && type->get_string().empty()));
    }
    return 0;
  }
  auto sent = reference_object(frame);
  // The type is kept exactly as sent, is never empty, and maps back to the
  // same enumerator.
  auto* sent_type = sent.if_contains("type");
  FUZZ_CHECK(sent_type != nullptr && sent_type->is_string());
  FUZZ_CHECK(ev.type_name == std::string_view{sent_type->get_string()});
  FUZZ_CHECK(!ev.type_name.empty());
  FUZZ_CHECK(event_type_from_wire(ev.type_name) == ev.type);
  // The payload is the `payload` value byte for byte as the hub sent it:
  // bytes of the frame that read as exactly the value a JSON tree of the
  // frame holds (the last `payload` when the key repeats), numbers
  // included, since the same digits go through the same number parser.
  auto* sent_payload = sent.if_contains("payload");
  auto text = ev.payload.text();
  if (sent_payload == nullptr || sent_payload->is_null()) {
    FUZZ_CHECK(text == "{}");
    FUZZ_CHECK(ev.payload.empty());
    FUZZ_CHECK(ev.fields == agent_fields{});
  } else {
    FUZZ_CHECK(sent_payload->is_object());
    FUZZ_CHECK(!text.empty() && text.front() == '{' && text.back() == '}');
    FUZZ_CHECK(frame.find(text) != std::string_view::npos);
    boost::json::error_code ec;
    boost::json::parse_options opts;
    // The payload sits one level below the frame.
    opts.max_depth = max_json_depth - 1;
    auto reread = boost::json::parse(
      boost::json::string_view{text.data(), text.size()}, ec, {}, opts);
    FUZZ_CHECK(!ec);
    FUZZ_CHECK(reread == *sent_payload);
    // Subscribers' one call for a tree gives the same value.
    FUZZ_CHECK(boost::json::value(ev.payload.parse()) == *sent_payload);
    FUZZ_CHECK(ev.payload.empty() == sent_payload->get_object().empty());
    FUZZ_CHECK(ev.fields == reference_fields(sent_payload->get_object()));
  }
  // The text is accepted again as it is (what a remote subscriber does).
  json_payload from_text;
  FUZZ_CHECK(!from_text.from_json(text));
  FUZZ_CHECK(from_text == ev.payload);
  FUZZ_CHECK(from_text.text() == text);
  // On one line, only whitespace between tokens changes.
  auto one_line = ev.payload.to_line();
  FUZZ_CHECK(one_line.size() == text.size());
  FUZZ_CHECK(one_line.find_first_of("\t\r\n") == std::string::npos);
  check_network_round_trip(ev);
  FUZZ_CHECK(!to_string(ev).empty());
  if (table.size() > max_agents)
    table = agent_table{};
  agent_info info;
  if (table.apply(ev, now, info)) {
    FUZZ_CHECK(info.id == ev.agent_id);
    FUZZ_CHECK(!info.stale);
    FUZZ_CHECK(!to_string(info).empty());
    // What the table keeps compactly comes back as it was built.
    auto found = table.find(ev.agent_id);
    FUZZ_CHECK(found && *found == info);
  }
  return 0;
}
