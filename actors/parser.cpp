#include "actors/parser.hpp"

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/frame_parser.hpp"

namespace hubwatch {

namespace {

struct parser_state {
  static inline const char* name = "hubwatch.parser";

  std::unique_ptr<frame_parser> parser;
  agent_registry_actor registry;
  frame_buffer scratch;
  uint64_t next_seq = 1;
  daemon_event ev;
  parse_error err;

  void parse_one(frame_kind kind, std::string_view bytes,
                 std::vector<hub_update>& out) {
    // Bad input must never take the observer down: anything that escapes the
    // parser (in practice only allocation failure) becomes one more counted
    // error for this frame.
    try {
      parse_checked(kind, bytes, out);
    } catch (const std::exception& e) {
      out.emplace_back(parse_error{hub_errc::invalid_json,
                                   std::string{"frame refused: "} + e.what(),
                                   make_excerpt(bytes)});
    }
  }

  void parse_checked(frame_kind kind, std::string_view bytes,
                     std::vector<hub_update>& out) {
    switch (kind) {
      case frame_kind::text:
        if (parser->parse(bytes, ev, err)) {
          ev.seq = next_seq++;
          out.emplace_back(std::move(ev));
        } else {
          out.emplace_back(std::move(err));
        }
        break;
      case frame_kind::binary:
        out.emplace_back(parse_error{
          hub_errc::binary_frame,
          "binary frame of " + std::to_string(bytes.size())
            + " bytes; the hub sends JSON text frames",
          make_excerpt(bytes)});
        break;
      case frame_kind::too_large:
        out.emplace_back(parse_error{
          hub_errc::too_large,
          "message exceeds max-frame-bytes ("
            + std::to_string(parser->max_bytes())
            + "); the connection was closed with 1009",
          make_excerpt(bytes)});
        break;
    }
  }
};

using parser_self = parser_actor::stateful_pointer<parser_state>;

parser_actor::behavior_type parser_impl(parser_self self,
                                        websocket_config cfg,
                                        agent_registry_actor registry) {
  self->state.parser = std::make_unique<frame_parser>(cfg.max_frame_bytes,
                                                      cfg.max_json_depth);
  self->state.registry = std::move(registry);
  // The registry holds the state everyone reads; without it we are useless.
  self->link_to(self->state.registry);
  return {
    [self](std::string& frame) {
      std::vector<hub_update> out;
      self->state.parse_one(frame_kind::text, frame, out);
      self->send(self->state.registry, std::move(out));
    },
    [self](atom::frames, frame_channel_ptr& ch) {
      auto& st = self->state;
      ch->drain(st.scratch);
      if (st.scratch.size() == 0)
        return;
      std::vector<hub_update> out;
      out.reserve(st.scratch.size());
      for (size_t i = 0; i < st.scratch.size(); ++i)
        st.parse_one(st.scratch.kind(i), st.scratch.view(i), out);
      self->send(st.registry, std::move(out));
    },
    [self](connection_status& x) {
      self->send(self->state.registry, std::move(x));
    },
  };
}

} // namespace

parser_actor spawn_parser(caf::actor_system& sys, const websocket_config& cfg,
                          agent_registry_actor registry) {
  return sys.spawn(parser_impl, cfg, std::move(registry));
}

} // namespace hubwatch
