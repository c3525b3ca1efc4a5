#define CAF_SUITE frame_parser

#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/core/reference_frame_parser.hpp"
#include "hubwatch/core/utf8.hpp"

#include <caf/test/unit_test.hpp>

#include "test_support.hpp"

using namespace hubwatch;

namespace {

struct fixture {
  frame_parser parser{1024, 16};
  daemon_event ev;
  parse_error err;

  bool parse(std::string_view frame) {
    return parser.parse(frame, ev, err);
  }

  hub_errc error_of(std::string_view frame) {
    if (parse(frame)) {
      CAF_FAIL("frame unexpectedly accepted: " << frame);
    }
    return err.kind;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(frame_parser_tests, fixture)

CAF_TEST(a heartbeat parses into every field) {
  auto ok =
    parse(R"({"type":"heartbeat","agentId":"inf-001",)"
          R"("agentName":"inference","timestamp":"2026-11-25T17:30:05Z",)"
          R"("payload":{"status":"running","currentTask":"job-5671",)"
          R"("uptimeSeconds":3605,"gpuUtilization":77.4}})");
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ev.type, event_type::heartbeat);
  CAF_CHECK_EQUAL(ev.type_name, "heartbeat");
  CAF_CHECK_EQUAL(ev.agent_id, "inf-001");
  CAF_CHECK_EQUAL(ev.agent_name, "inference");
  CAF_CHECK_EQUAL(ev.timestamp, "2026-11-25T17:30:05Z");
  CAF_REQUIRE(ev.time);
  // 2026-11-25T17:30:05Z is 1795627805 s after the epoch.
  CAF_CHECK_EQUAL(ev.time->time_since_epoch(),
                  std::chrono::seconds(1795627805));
  // parse() returns a tree by value: keep it while checking inside it.
  auto payload = ev.payload.parse();
  CAF_CHECK_EQUAL(payload.at("currentTask").as_string(), "job-5671");
  CAF_CHECK_EQUAL(payload.at("gpuUtilization").as_double(), 77.4);
}

CAF_TEST(every known type maps to its enumerator) {
  const char* names[] = {
    "heartbeat",         "agent_started",        "agent_stopped",
    "agent_error",       "task_assignment",      "status_update",
    "task_result",       "pnl_report",           "quality_gate",
    "payment_settled",   "risk_check_requested", "risk_check_approved",
    "risk_check_denied", "festival_progress",    "vault_decision"};
  for (size_t i = 0; i < 15; ++i) {
    CAF_REQUIRE(parse(std::string{R"({"type":")"} + names[i] + "\"}"));
    CAF_CHECK_EQUAL(static_cast<size_t>(ev.type), i);
    CAF_CHECK_EQUAL(to_string(ev.type), std::string{names[i]});
  }
}

CAF_TEST(unknown types are valid and keep their string) {
  CAF_REQUIRE(parse(R"({"type":"moon_landing","agentId":"x"})"));
  CAF_CHECK_EQUAL(ev.type, event_type::unknown);
  CAF_CHECK_EQUAL(ev.type_name, "moon_landing");
}

CAF_TEST(optional fields may be absent) {
  CAF_REQUIRE(parse(R"({"type":"status_update"})"));
  CAF_CHECK_EQUAL(ev.agent_id, "");
  CAF_CHECK_EQUAL(ev.agent_name, "");
  CAF_CHECK_EQUAL(ev.timestamp, "");
  CAF_CHECK(!ev.time);
  CAF_CHECK(ev.payload.empty());
}

CAF_TEST(a null or missing payload is an empty payload) {
  CAF_REQUIRE(parse(R"({"type":"agent_started","payload":null})"));
  CAF_CHECK(ev.payload.empty());
  CAF_CHECK_EQUAL(ev.payload.to_json(), "{}");
}

CAF_TEST(fields from a previous frame do not leak into the next) {
  CAF_REQUIRE(
    parse(R"({"type":"heartbeat","agentId":"a","agentName":"n",)"
          R"("timestamp":"2026-11-25T17:30:05Z","payload":{"x":1}})"));
  CAF_REQUIRE(parse(R"({"type":"heartbeat"})"));
  CAF_CHECK_EQUAL(ev.agent_id, "");
  CAF_CHECK_EQUAL(ev.agent_name, "");
  CAF_CHECK(!ev.time);
  CAF_CHECK(ev.payload.empty());
}

CAF_TEST(each kind of bad frame has its own error) {
  CAF_CHECK_EQUAL(error_of(""), hub_errc::empty_frame);
  CAF_CHECK_EQUAL(error_of("{\"type\":"), hub_errc::invalid_json);
  CAF_CHECK_EQUAL(error_of("not json"), hub_errc::invalid_json);
  CAF_CHECK_EQUAL(error_of(R"([{"type":"heartbeat"}])"),
                  hub_errc::not_an_object);
  CAF_CHECK_EQUAL(error_of(R"("heartbeat")"), hub_errc::not_an_object);
  CAF_CHECK_EQUAL(error_of(R"({"agentId":"a"})"), hub_errc::missing_type);
  CAF_CHECK_EQUAL(error_of(R"({"type":7})"), hub_errc::type_not_string);
  CAF_CHECK_EQUAL(error_of(R"({"type":null})"), hub_errc::type_not_string);
  CAF_CHECK_EQUAL(error_of(R"({"type":"heartbeat","agentId":42})"),
                  hub_errc::field_not_string);
  CAF_CHECK_EQUAL(error_of(R"({"type":"heartbeat","agentName":{}})"),
                  hub_errc::field_not_string);
  CAF_CHECK_EQUAL(error_of(R"({"type":"heartbeat","timestamp":1700000000})"),
                  hub_errc::field_not_string);
  CAF_CHECK_EQUAL(error_of(R"({"type":"heartbeat","payload":"running"})"),
                  hub_errc::payload_not_object);
  CAF_CHECK_EQUAL(error_of(R"({"type":"heartbeat","payload":[1]})"),
                  hub_errc::payload_not_object);
  std::string deep = R"({"type":"x","payload":)";
  for (int i = 0; i < 20; ++i)
    deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 20; ++i)
    deep += "}";
  deep += "}";
  CAF_CHECK_EQUAL(error_of(deep), hub_errc::too_deep);
  std::string big =
    R"({"type":"x","payload":{"s":")" + std::string(1100, 'a') + "\"}}";
  CAF_CHECK_EQUAL(error_of(big), hub_errc::too_large);
  // Invalid UTF-8 inside a JSON string is invalid JSON.
  CAF_CHECK_EQUAL(error_of("{\"type\":\"\xff\xfe\"}"), hub_errc::invalid_json);
}

CAF_TEST(an empty type is refused as a missing type) {
  CAF_CHECK_EQUAL(error_of(R"({"type":"","agentId":"inf-001","payload":{}})"),
                  hub_errc::missing_type);
  CAF_CHECK_EQUAL(err.message, "\"type\" is empty");
  // A type of one space is a type (unknown, kept as sent).
  CAF_REQUIRE(parse(R"({"type":" "})"));
  CAF_CHECK_EQUAL(ev.type_name, " ");
}

CAF_TEST(the payload is the bytes the hub sent) {
  // Numbers as sent, not as a double would print them again.
  std::string payload =
    R"({"gpuUtilization":78.5,"price":3222.51,)"
    R"("a":1844674407370951.7976157e38,"z":-0.0,"u":"\u00e9\/"})";
  CAF_REQUIRE(
    parse(R"({"type":"task_result","agentId":"a","payload":)" + payload + "}"));
  CAF_CHECK_EQUAL(ev.payload.text(), payload);
  CAF_CHECK_EQUAL(ev.payload.to_json(), payload);
  // Whitespace inside the value is kept; around it, it is not the value.
  CAF_REQUIRE(parse("{\"type\":\"x\",\"payload\" : {\n\t\"a\" : 1 }\r\n}"));
  CAF_CHECK_EQUAL(ev.payload.text(), "{\n\t\"a\" : 1 }");
  CAF_CHECK_EQUAL(ev.payload.to_line(), "{  \"a\" : 1 }");
  CAF_CHECK(!ev.payload.empty());
  CAF_REQUIRE(parse(R"({"type":"x","payload":{ }})"));
  CAF_CHECK_EQUAL(ev.payload.text(), "{ }");
  CAF_CHECK(ev.payload.empty());
}

CAF_TEST(a repeated payload key means the last one whether escaped or not ) {
  // As in any JSON tree of the frame (Boost.JSON keeps the last).
  CAF_REQUIRE(parse(R"({"type":"heartbeat","payload":{"status":"idle"},)"
                    R"("pay\u006coad":{"status":"error"},"x":{"payload":1}})"));
  CAF_CHECK_EQUAL(ev.payload.text(), R"({"status":"error"})");
  CAF_CHECK_EQUAL(ev.fields.status, std::string{"error"});
  // A key that only looks alike is another key.
  CAF_REQUIRE(parse(R"({"type":"heartbeat","payload":{"a":1},)"
                    R"("payload\u0000":{"b":2},"Payload":{"c":3}})"));
  CAF_CHECK_EQUAL(ev.payload.text(), R"({"a":1})");
  // A later null wins too: no payload.
  CAF_REQUIRE(
    parse(R"({"type":"heartbeat","payload":{"a":1},"payload":null})"));
  CAF_CHECK(ev.payload.empty());
  CAF_CHECK_EQUAL(ev.payload.text(), "{}");
  // A string value that holds the key and braces does not confuse it.
  CAF_REQUIRE(parse(R"({"type":"x","s":"\",\"payload\":{\"no\":1}",)"
                    R"("payload":{"yes":[1,{"}":"{"}]}})"));
  CAF_CHECK_EQUAL(ev.payload.text(), R"({"yes":[1,{"}":"{"}]})");
}

CAF_TEST(the fields that drive agent status are read while parsing) {
  CAF_REQUIRE(parse(R"({"type":"heartbeat","payload":{"status":"trading",)"
                    R"("current_task":"swap-9","uptime_seconds":12.5,)"
                    R"("error":"boom"}})"));
  CAF_CHECK_EQUAL(ev.fields.status, std::string{"trading"});
  CAF_CHECK_EQUAL(ev.fields.current_task, std::string{"swap-9"});
  CAF_CHECK_EQUAL(ev.fields.uptime_seconds, 12.5);
  CAF_CHECK_EQUAL(ev.fields.error, std::string{"boom"});
  // camelCase decides when present, even with a value of the wrong type.
  CAF_REQUIRE(parse(R"({"type":"heartbeat","payload":{"status":7,)"
                    R"("currentTask":null,"current_task":"t",)"
                    R"("uptimeSeconds":3605,"uptime_seconds":1}})"));
  CAF_CHECK(!ev.fields.status);
  CAF_CHECK(!ev.fields.current_task);
  CAF_CHECK_EQUAL(ev.fields.uptime_seconds, 3605.0);
  CAF_CHECK(!ev.fields.error);
  CAF_REQUIRE(parse(R"({"type":"heartbeat"})"));
  CAF_CHECK_EQUAL(ev.fields, agent_fields{});
}

CAF_TEST(a payload as deep as the frame allows parses on demand) {
  // max_json_depth 64: the frame is level 1, so the payload may have 63.
  frame_parser big{1024 * 1024, 64};
  for (int levels : {40, 63}) {
    std::string payload = "1";
    for (int i = 0; i < levels; ++i)
      payload = "{\"a\":" + payload + "}";
    auto frame = R"({"type":"x","payload":)" + payload + "}";
    if (!big.parse(frame, ev, err))
      CAF_FAIL("refused: " << to_string(err));
    CAF_CHECK_EQUAL(ev.payload.text(), payload);
    auto tree = ev.payload.parse();
    CAF_CHECK(tree.contains("a"));
    json_payload copy;
    CAF_CHECK(!copy.from_json(payload));
    CAF_CHECK_EQUAL(copy, ev.payload);
  }
}

CAF_TEST(the next valid frame after a bad one parses normally) {
  CAF_CHECK_EQUAL(error_of("{\"type\":"), hub_errc::invalid_json);
  CAF_REQUIRE(parse(R"({"type":"agent_stopped","agentId":"a"})"));
  CAF_CHECK_EQUAL(ev.type, event_type::agent_stopped);
  CAF_CHECK_EQUAL(ev.agent_id, "a");
}

CAF_TEST(errors name the problem and carry an excerpt) {
  error_of(R"({"agentId":"inf-001","payload":{}})");
  CAF_CHECK_EQUAL(err.message, "object has no \"type\" field");
  CAF_CHECK_EQUAL(err.excerpt, R"({"agentId":"inf-001","payload":{}})");
  error_of(R"({"type":7})");
  CAF_CHECK_EQUAL(err.message, "\"type\" is a int64, not a string");
  std::string long_frame = "[" + std::string(500, '1') + "]";
  error_of(long_frame);
  CAF_CHECK_EQUAL(err.excerpt.size(), parse_error::excerpt_limit + 3);
  CAF_CHECK_EQUAL(err.excerpt.substr(err.excerpt.size() - 3), "...");
}

CAF_TEST(excerpts are printable whatever the frame holds) {
  CAF_CHECK_EQUAL(make_excerpt("a\nb\tc"), "a b c");
  CAF_CHECK_EQUAL(make_excerpt("x\xff"), "x\\xff");
  CAF_CHECK_EQUAL(make_excerpt("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
  // C1 controls (U+0085 here) are controls too.
  CAF_CHECK_EQUAL(make_excerpt("a\xc2\x85z"), "a z");
  // Overlong forms and surrogates are not UTF-8.
  CAF_CHECK_EQUAL(make_excerpt("\xc0\xaf"), "\\xc0\\xaf");
  CAF_CHECK_EQUAL(make_excerpt("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  // A multi-byte character is never cut in half.
  std::string s(parse_error::excerpt_limit - 1, 'a');
  s += "\xc3\xa9";
  auto e = make_excerpt(s);
  CAF_CHECK_EQUAL(e, std::string(parse_error::excerpt_limit - 1, 'a') + "...");
}

CAF_TEST(rfc3339 timestamps) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  auto t = parse_rfc3339("1970-01-01T00:00:00Z");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->time_since_epoch().count(), 0);
  t = parse_rfc3339("2026-11-25T17:30:05.250Z");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->time_since_epoch(),
                  seconds(1795627805) + milliseconds(250));
  t = parse_rfc3339("2026-11-25T18:30:05+01:00");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->time_since_epoch(), seconds(1795627805));
  CAF_CHECK(!parse_rfc3339(""));
  CAF_CHECK(!parse_rfc3339("yesterday"));
  CAF_CHECK(!parse_rfc3339("2026-11-25 17:30:05"));
  CAF_CHECK(!parse_rfc3339("2026-13-25T17:30:05Z"));
  CAF_CHECK(!parse_rfc3339("2026-11-25T17:30:05"));
  CAF_CHECK(!parse_rfc3339("2026-11-25T17:30:05.Z"));
  CAF_CHECK(!parse_rfc3339("2026-11-25T17:30:05Zjunk"));
}

CAF_TEST(every captured frame parses) {
  auto frames = test::wire_frames("realhub-demo.jsonl");
  CAF_REQUIRE_EQUAL(frames.size(), 79u);
  frame_parser big{1024 * 1024, 64};
  size_t unknown = 0;
  for (auto& frame : frames) {
    if (!big.parse(frame, ev, err))
      CAF_FAIL("captured frame refused: " << to_string(err));
    CAF_CHECK(ev.time);
    CAF_CHECK(!ev.agent_id.empty());
    if (ev.type == event_type::unknown)
      ++unknown;
  }
  CAF_CHECK_EQUAL(unknown, 0u);
}

// The single-pass parser builds no tree; the tree-building one is the
// reference. Both must give the same verdict, event and error (message and
// excerpt included) for every frame: the captured ones and the corners where
// a single pass could go wrong (repeated keys, escaped keys, values of the
// wrong kind, nesting, numbers out of range). The fuzzer checks the same on
// every input it makes.
CAF_TEST(the single pass and the tree agree on every frame) {
  std::vector<std::string> frames = test::wire_frames("realhub-demo.jsonl");
  for (
    const char* x : {
      R"({"type":"a","type":"b"})",
      R"({"type":"a","type":5})",
      R"({"type":5,"type":"a"})",
      R"({"type":"","agentId":"x"})",
      R"({"ty\u0070e":"heartbeat","agent\u0049d":"a-1"})",
      // Values with escapes are built in the parser's buffer, the others
      // are views into the frame: both, and one replacing the other.
      R"({"type":"heart\u0062eat","agentId":"a\"1","agentName":"n\u00e9"})",
      R"({"type":"heartbeat","timestamp":"2026-11-25T18:00:16\u005a"})",
      R"({"type":"\u0068eartbeat","agentId":"\u0061-1","agentName":"\u006e"})",
      R"({"type":"a\u0062","type":"x","agentId":"p","agentId":"e\u0073c"})",
      R"({"type":"x","payload":{"status":"e\u0073c","status":"plain"}})",
      R"({"type":"x","agentId":null,"agentName":null,"timestamp":null})",
      R"({"type":"x","agentId":["a"]})",
      R"({"type":"x","agentName":{"a":1}})",
      R"({"type":"x","timestamp":true})",
      R"({"type":"x","timestamp":1.5})",
      R"({"type":"x","agentId":18446744073709551615})",
      R"({"type":"x","agentId":-1})",
      R"({"type":"x","payload":[1]})",
      R"({"type":"x","payload":"p"})",
      R"({"type":"x","payload":null})",
      R"({"type":"x","payload":{"a":1e400}})",
      R"({"type":"x","payload":{"a":[{"b":-1e999}]}})",
      R"({"type":"x","payload":{"a":1e400},"payload":{"b":1}})",
      R"({"type":"x","payload":{"b":1},"payload":{"a":1e400}})",
      R"({"type":"x","payload":{"a":1e400},"payload":null})",
      R"({"type":"x","other":1e400,"payload":{}})",
      R"({"type":"x","payload":{"status":"a"},"payload":{"error":"e"}})",
      R"({"type":"x","payload":{"status":"a","status":7}})",
      R"({"type":"x","payload":{"status":7,"status":"a"}})",
      R"({"type":"x","payload":{"st\u0061tus":"escaped key"}})",
      R"({"type":"x","payload":{"status":"a\"b\\c\u00e9\ud83d\ude00"}})",
      R"({"type":"x","payload":{"status":["a"],"error":{"e":"f"}}})",
      R"({"type":"x","payload":{"nested":{"status":"no"},"error":null}})",
      R"({"type":"x","payload":{"current_task":"s","currentTask":"c"}})",
      R"({"type":"x","payload":{"current_task":"s","currentTask":1}})",
      R"({"type":"x","payload":{"current_task":"s"}})",
      R"({"type":"x","payload":{"uptime_seconds":1,"uptimeSeconds":"2"}})",
      R"({"type":"x","payload":{"uptime_seconds":7}})",
      R"({"type":"x","payload":{"uptimeSeconds":18446744073709551615}})",
      R"({"type":"x","payload":{"uptimeSeconds":-12.25e-3}})",
      R"({"type":"x","payload":{"uptimeSeconds":true}})",
      R"({"type":"x","list":[{"status":"no"}],"payload":{"status":"yes"}})",
      R"({"payload":{"type":"inner"}})",
      R"({"type":"x","timestamp":"2026-11-25T17:30:05.123+01:00"})",
      R"(  {"type" : "x" , "payload" : { "a" : [ 1 , 2 ] } }  )",
      R"({"type":"x"} {"type":"y"})",
      R"({"type":"x"}])",
      R"({"type":"x",})",
      R"({"type":"x" /* comment */})",
      R"({"type":"x","payload":{"a":"\u12"}})",
      "{\"type\":\"x\",\"a\":\"\x01\"}",
      "{\"type\":\"x\",\"a\":\"\xff\"}",
      R"([1,2,3])",
      R"("string")",
      R"(42)",
      R"(-1)",
      R"(18446744073709551616)",
      R"(1.5)",
      R"(true)",
      R"(null)",
      R"({})",
      R"({"type":"x","payload":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":1}}}}}}}}}}}}}}}})",
      "",
    })
    frames.emplace_back(x);
  // A frame just over the size limit, and one just under the depth limit.
  frames.emplace_back(R"({"type":"x","pad":")" + std::string(1000, 'p') +
                      "\"}");
  std::string deep = "1";
  for (int i = 0; i < 14; ++i)
    deep = "[" + deep + "]";
  frames.emplace_back(R"({"type":"x","payload":{"a":)" + deep + "}}");
  frames.emplace_back(R"({"type":"x","payload":{"a":[)" + deep + "]}}");
  reference_frame_parser reference{parser.max_bytes(), 16};
  size_t accepted = 0;
  for (auto& frame : frames) {
    daemon_event ref_ev;
    parse_error ref_err;
    bool ok = parse(frame);
    CAF_CHECK_EQUAL(ok, reference.parse(frame, ref_ev, ref_err));
    if (ok) {
      ++accepted;
      CAF_CHECK_EQUAL(ev, ref_ev);
      CAF_CHECK_EQUAL(ev.payload.text(), ref_ev.payload.text());
    } else {
      CAF_CHECK_EQUAL(err.kind, ref_err.kind);
      CAF_CHECK_EQUAL(err.message, ref_err.message);
      CAF_CHECK_EQUAL(err.excerpt, ref_err.excerpt);
    }
  }
  // Both kinds of result were compared.
  CAF_CHECK_GREATER(accepted, 79u + 20u);
  CAF_CHECK_LESS(accepted, frames.size() - 20u);
  // Bytes already checked as UTF-8 (Beast's text messages) skip Boost.JSON's
  // own check; for every frame that is UTF-8 the verdict must not change.
  frame_parser checked{parser.max_bytes(), 16};
  size_t compared = 0;
  for (auto& frame : frames) {
    if (!is_utf8(frame))
      continue;
    ++compared;
    daemon_event ev2;
    parse_error err2;
    bool ok = parse(frame);
    CAF_CHECK_EQUAL(ok, checked.parse(frame, ev2, err2, true));
    if (ok) {
      CAF_CHECK_EQUAL(ev, ev2);
      CAF_CHECK_EQUAL(ev.payload.text(), ev2.payload.text());
    } else {
      CAF_CHECK_EQUAL(err.kind, err2.kind);
      CAF_CHECK_EQUAL(err.message, err2.message);
    }
  }
  CAF_CHECK_GREATER(compared, frames.size() - 2u);
}

CAF_TEST(only bytes not yet checked are checked for utf 8) {
  // The trust boundary: unchecked bytes that are not UTF-8 are refused;
  // the same bytes marked as checked are taken as sent, which is why only
  // Beast's text messages are marked so (net/ws_session.cpp).
  std::string frame = "{\"type\":\"x\",\"payload\":{\"a\":\"\xff\"}}";
  CAF_CHECK_EQUAL(error_of(frame), hub_errc::invalid_json);
  CAF_CHECK(parser.parse(frame, ev, err, true));
  CAF_CHECK_EQUAL(ev.payload.text(), "{\"a\":\"\xff\"}");
  // Unchecked again afterwards: each call says what its bytes are.
  CAF_CHECK_EQUAL(error_of(frame), hub_errc::invalid_json);
}

CAF_TEST(a payload number out of range is refused even behind a repeated key) {
  // A tree keeps only the last of two `b`s and never sees -1e400; the
  // payload is passed on as its text, which holds it, so it is refused. The
  // one case where the single pass is stricter than the tree.
  auto frame = R"({"type":"x","payload":{"b":-1e400,"b":1}})";
  CAF_CHECK_EQUAL(error_of(frame), hub_errc::invalid_json);
  CAF_CHECK_EQUAL(err.message, "a number in \"payload\" is out of range");
  reference_frame_parser reference{parser.max_bytes(), 16};
  daemon_event ref_ev;
  parse_error ref_err;
  CAF_CHECK(reference.parse(frame, ref_ev, ref_err));
  // Nested too, and a later payload that is finite still wins.
  CAF_CHECK_EQUAL(error_of(R"({"type":"x","payload":{"a":{"b":1e999,"b":0}}})"),
                  hub_errc::invalid_json);
  CAF_CHECK(parse(R"({"type":"x","payload":{"b":1e400},"payload":{"b":1}})"));
}

CAF_TEST_FIXTURE_SCOPE_END()
