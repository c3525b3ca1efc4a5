#include "hubwatch/actors/connection.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace hubwatch {

namespace {

struct connection_state {
  static inline const char* name = "hubwatch.connection";

  std::shared_ptr<ws_session> session;
  connection_owner_actor owner;

  ~connection_state() {
    // Whatever ended the actor, the socket must not outlive it.
    if (session)
      session->abort();
  }
};

using connection_self = connection_actor::stateful_pointer<connection_state>;

connection_actor::behavior_type
connection_impl(connection_self self, boost::asio::io_context* io,
                session_settings settings, size_t max_pending_bytes,
                parser_actor parser, connection_owner_actor owner) {
  self->state.owner = std::move(owner);
  auto ch = std::make_shared<frame_channel>(max_pending_bytes);
  // The session runs on the io thread and may only talk to us by message.
  connection_actor hdl = self;
  session_callbacks callbacks;
  callbacks.connected = [hdl](bool deflate) {
    caf::anon_send(hdl, atom::connected::value, deflate);
  };
  callbacks.frames_ready = [parser, ch] {
    caf::anon_send(parser, atom::frames::value, ch);
  };
  callbacks.ended = [hdl](session_result res) {
    caf::anon_send(hdl, std::move(res));
  };
  self->state.session =
    make_ws_session(*io, std::move(settings), ch, std::move(callbacks));
  self->state.session->start();
  return {
    [self](atom::close) { self->state.session->close(); },
    [self](atom::connected, bool deflate) {
      self->send(self->state.owner, atom::connected::value, deflate);
    },
    [self](session_result& res) {
      self->state.session = nullptr; // it has ended
      auto reason = make_error(res.code, res.message);
      self->send(self->state.owner, std::move(res));
      self->quit(std::move(reason));
    },
  };
}

} // namespace

connection_actor spawn_connection(caf::actor_system& sys,
                                  boost::asio::io_context& io,
                                  session_settings settings,
                                  size_t max_pending_bytes, parser_actor parser,
                                  connection_owner_actor owner) {
  return sys.spawn(connection_impl, &io, std::move(settings), max_pending_bytes,
                   std::move(parser), std::move(owner));
}

} // namespace hubwatch
