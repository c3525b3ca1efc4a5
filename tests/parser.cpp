#define CAF_SUITE parser

#include "hubwatch/actors/parser.hpp"

#include <caf/test/dsl.hpp>

#include "recorder.hpp"
#include "test_support.hpp"

using namespace hubwatch;

namespace {

using recorder_actor = caf::stateful_actor<test::recorder_state>;

struct fixture : test_coordinator_fixture<test::config> {
  websocket_config cfg;
  agent_registry_actor registry;
  parser_actor parser;
  subscriber_actor sub;

  fixture() {
    cfg.stale_after = caf::timespan{0};
    cfg.max_frame_bytes = 4096;
    cfg.max_json_depth = 8;
    registry = spawn_agent_registry(sys, cfg);
    parser = spawn_parser(sys, cfg, registry);
    sub = caf::actor_cast<subscriber_actor>(sys.spawn(test::recorder, false));
    self->send(registry, atom::subscribe::value, sub);
    run();
  }

  ~fixture() {
    anon_send_exit(parser, caf::exit_reason::user_shutdown);
    anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }

  test::recorder_state& recorded() {
    return deref<recorder_actor>(sub).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(parser_tests, fixture)

CAF_TEST(frames become numbered events and bad frames counted errors) {
  self->send(parser, std::string{R"({"type":"heartbeat","agentId":"a"})"});
  expect((std::string), from(self).to(parser));
  expect((std::vector<hub_update>), from(parser).to(registry));
  self->send(parser, std::string{"[1,2]"});
  self->send(parser, std::string{R"({"type":"agent_error","agentId":"a"})"});
  run();
  auto events = recorded().all<daemon_event>();
  auto errors = recorded().all<parse_error>();
  CAF_REQUIRE_EQUAL(events.size(), 2u);
  CAF_CHECK_EQUAL(events[0].seq, 1u);
  CAF_CHECK_EQUAL(events[1].seq, 2u); // refused frames take no number
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].kind, hub_errc::not_an_object);
  CAF_CHECK_EQUAL(errors[0].excerpt, "[1,2]");
}

CAF_TEST(frames from a channel travel as one batch) {
  auto ch = std::make_shared<frame_channel>(1 << 20);
  auto r1 = ch->push(frame_kind::text, R"({"type":"heartbeat","agentId":"a"})");
  auto r2 = ch->push(frame_kind::binary, "\x01\x02");
  auto r3 = ch->push(frame_kind::text, R"({"type":"x","payload":[]})");
  auto r4 = ch->push(frame_kind::too_large, "");
  auto r5 =
    ch->push(frame_kind::text, R"({"type":"agent_stopped","agentId":"a"})");
  // Only the first push rings.
  CAF_CHECK(r1.ring);
  CAF_CHECK(!r2.ring && !r3.ring && !r4.ring && !r5.ring);
  self->send(parser, atom::frames::value, ch);
  expect((atom::frames, frame_channel_ptr), from(self).to(parser));
  expect((std::vector<hub_update>), from(parser).to(registry));
  expect((update_batch), from(registry).to(sub));
  auto& got = recorded().updates;
  // event a, agent a, binary error, payload error, too_large, event, agent.
  CAF_REQUIRE_EQUAL(got.size(), 7u);
  CAF_CHECK_EQUAL(caf::get<parse_error>(got[2]).kind, hub_errc::binary_frame);
  CAF_CHECK_EQUAL(caf::get<parse_error>(got[3]).kind,
                  hub_errc::payload_not_object);
  CAF_CHECK_EQUAL(caf::get<parse_error>(got[4]).kind, hub_errc::too_large);
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[5]).seq, 2u);
  CAF_CHECK_EQUAL(caf::get<agent_info>(got[6]).status, agent_status::stopped);
  // Drained: the next push rings again.
  CAF_CHECK(ch->push(frame_kind::text, "{}").ring);
}

CAF_TEST(only text the socket checked skips the utf 8 check) {
  // Beast validates every text message (net/ws_session.cpp pushes them as
  // checked_text); text from anywhere else is checked by the parser.
  auto ch = std::make_shared<frame_channel>(1 << 20);
  std::string frame = "{\"type\":\"x\",\"payload\":{\"a\":\"\xff\"}}";
  ch->push(frame_kind::text, frame);
  ch->push(frame_kind::checked_text, frame);
  self->send(parser, atom::frames::value, ch);
  expect((atom::frames, frame_channel_ptr), from(self).to(parser));
  expect((std::vector<hub_update>), from(parser).to(registry));
  expect((update_batch), from(registry).to(sub));
  auto& got = recorded().updates;
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(caf::get<parse_error>(got[0]).kind, hub_errc::invalid_json);
  CAF_CHECK_EQUAL(caf::get<daemon_event>(got[1]).payload.text(),
                  "{\"a\":\"\xff\"}");
}

CAF_TEST(a full channel pauses the producer until the parser drains it) {
  auto ch = std::make_shared<frame_channel>(64);
  int resumed = 0;
  ch->on_drained([&] { ++resumed; });
  std::string frame = R"({"type":"heartbeat","agentId":"abcdefghijklmnop"})";
  CAF_CHECK(!ch->push(frame_kind::text, frame).pause);
  CAF_CHECK(ch->push(frame_kind::text, frame).pause);
  self->send(parser, atom::frames::value, ch);
  run();
  CAF_CHECK_EQUAL(resumed, 1);
  CAF_CHECK_EQUAL(recorded().all<daemon_event>().size(), 2u);
}

CAF_TEST(the depth and size limits come from the config) {
  self->send(
    parser,
    std::string{
      R"({"type":"x","payload":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}}})"});
  self->send(parser, std::string{R"({"type":"x","payload":{"s":")"} +
                       std::string(5000, 'x') + "\"}}");
  run();
  auto errors = recorded().all<parse_error>();
  CAF_REQUIRE_EQUAL(errors.size(), 2u);
  CAF_CHECK_EQUAL(errors[0].kind, hub_errc::too_deep);
  CAF_CHECK_EQUAL(errors[1].kind, hub_errc::too_large);
}

CAF_TEST_FIXTURE_SCOPE_END()
