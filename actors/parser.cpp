#include "hubwatch/actors/parser.hpp"

#include <deque>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/core/credit_window.hpp"
#include "hubwatch/core/frame_parser.hpp"

namespace hubwatch {

namespace {

struct parser_state {
  static inline const char* name = "hubwatch.parser";

  std::unique_ptr<frame_parser> parser;
  agent_registry_actor registry;
  frame_buffer scratch;
  size_t scratch_pos = 0;
  uint64_t next_seq = 1;
  // Work in arrival order: rung channels, single frames, status changes.
  std::deque<caf::variant<frame_channel_ptr, std::string, connection_status>>
    backlog;
  credit_window credit{parser_window};
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
    case frame_kind::checked_text:
      if (parser->parse(bytes, ev, err, kind == frame_kind::checked_text)) {
        ev.seq = next_seq++;
        out.emplace_back(std::move(ev));
      } else {
        out.emplace_back(std::move(err));
      }
      break;
    case frame_kind::binary:
      out.emplace_back(parse_error{hub_errc::binary_frame,
                                   "binary frame of " +
                                     std::to_string(bytes.size()) +
                                     " bytes; the hub sends JSON text frames",
                                   make_excerpt(bytes)});
      break;
    case frame_kind::too_large:
      out.emplace_back(parse_error{hub_errc::too_large,
                                   "message exceeds max-frame-bytes (" +
                                     std::to_string(parser->max_bytes()) +
                                     "); the connection was closed with 1009",
                                   make_excerpt(bytes)});
      break;
    }
  }
};

using parser_self = parser_actor::stateful_pointer<parser_state>;

void pump(parser_self self);

/// Hands one batch to the registry as a request: its (empty) answer is the
/// credit for the next. With at most `parser_window` batches unanswered, the
/// registry's mailbox stays short; frames wait in the channel instead, and
/// a full channel stops the socket from reading.
void deliver(parser_self self, std::vector<hub_update>&& out) {
  auto& st = self->state;
  st.credit.take();
  self->request(st.registry, caf::infinite, std::move(out))
    .then(
      [self] {
        self->state.credit.give_back();
        pump(self);
      },
      [self](caf::error& err) { self->quit(std::move(err)); });
}

void pump(parser_self self) {
  auto& st = self->state;
  while (st.credit.has_room() &&
         (st.scratch_pos < st.scratch.size() || !st.backlog.empty())) {
    std::vector<hub_update> out;
    // Frames drained earlier go first, at most parser_batch at a time: small
    // batches keep every subscriber's share of the registry's queue small.
    if (st.scratch_pos < st.scratch.size()) {
      auto end = std::min(st.scratch.size(), st.scratch_pos + parser_batch);
      out.reserve(end - st.scratch_pos);
      for (; st.scratch_pos < end; ++st.scratch_pos)
        st.parse_one(st.scratch.kind(st.scratch_pos),
                     st.scratch.view(st.scratch_pos), out);
      deliver(self, std::move(out));
      continue;
    }
    auto item = std::move(st.backlog.front());
    st.backlog.pop_front();
    if (auto ch = caf::get_if<frame_channel_ptr>(&item)) {
      (*ch)->drain(st.scratch);
      st.scratch_pos = 0;
      continue;
    } else if (auto frame = caf::get_if<std::string>(&item)) {
      st.parse_one(frame_kind::text, *frame, out);
    } else {
      out.emplace_back(std::move(caf::get<connection_status>(item)));
    }
    if (!out.empty())
      deliver(self, std::move(out));
  }
}

parser_actor::behavior_type parser_impl(parser_self self, websocket_config cfg,
                                        agent_registry_actor registry) {
  self->state.parser =
    std::make_unique<frame_parser>(cfg.max_frame_bytes, cfg.max_json_depth);
  self->state.registry = std::move(registry);
  // The registry holds the state everyone reads; without it we are useless.
  self->link_to(self->state.registry);
  // Everything goes through one backlog, so a status change never overtakes
  // frames that arrived before it.
  return {
    [self](std::string& frame) {
      self->state.backlog.emplace_back(std::move(frame));
      pump(self);
    },
    [self](atom::frames, frame_channel_ptr& ch) {
      self->state.backlog.emplace_back(std::move(ch));
      pump(self);
    },
    [self](connection_status& x) {
      self->state.backlog.emplace_back(std::move(x));
      pump(self);
    },
  };
}

} // namespace

parser_actor spawn_parser(caf::actor_system& sys, const websocket_config& cfg,
                          agent_registry_actor registry) {
  return sys.spawn(parser_impl, cfg, std::move(registry));
}

} // namespace hubwatch
