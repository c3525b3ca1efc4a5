#include "hubwatch/actors/supervisor.hpp"

#include <memory>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/core/backoff_policy.hpp"

namespace hubwatch {

namespace {

struct supervisor_state {
  static inline const char* name = "hubwatch.supervisor";

  websocket_config cfg;
  connection_factory factory;
  parser_actor parser;
  std::minstd_rand rng;

  /// Whether attempts offer permessage-deflate; outlives the connections.
  deflate_offer deflate;

  /// The attempt under way or scheduled, and when to give up.
  reconnect_tracker retries;

  /// Invalidates scheduled retries when bumped.
  uint64_t generation = 0;

  connection_actor conn;
  /// The same handle, shared with the exit functor that outlives the state.
  std::shared_ptr<connection_actor> current_conn;
  caf::optional<session_result> last_result;

  /// `disconnect` was asked: no automatic attempts.
  bool stopped = true;

  /// `reconnect` was asked while a connection was open.
  bool reconnect_pending = false;

  connection_status status;

  std::vector<caf::typed_response_promise<connection_status>> disconnects;
};

using supervisor_self = supervisor_actor::stateful_pointer<supervisor_state>;

void publish(supervisor_self self) {
  self->send(self->state.parser, self->state.status);
}

void start_attempt(supervisor_self self) {
  auto& st = self->state;
  st.last_result = caf::none;
  st.status.state = connection_state::connecting;
  st.status.attempt = st.retries.attempt();
  st.status.next_delay = caf::none;
  publish(self);
  st.conn = st.factory(self, st.retries.attempt(), st.deflate.begin_attempt());
  *st.current_conn = st.conn;
  self->monitor(st.conn);
}

void give_up(supervisor_self self, hub_errc code, std::string message) {
  auto& st = self->state;
  st.stopped = true;
  st.status.state = connection_state::error;
  st.status.next_delay = caf::none;
  st.status.error_code = code;
  st.status.error_message = std::move(message);
  publish(self);
}

/// The connection actor is gone: decide what comes next.
void on_connection_down(supervisor_self self, const caf::error& reason) {
  auto& st = self->state;
  st.conn = nullptr;
  *st.current_conn = nullptr;
  auto res = st.last_result ? *st.last_result : session_result{};
  if (!st.last_result) {
    // Killed before it could report.
    res.code = hub_errc::connection_lost;
    res.message = "the connection actor ended: " + to_string(reason);
  }
  st.status.error_code = res.code;
  st.status.error_message = res.message;
  st.status.close_code = res.close_code;
  st.status.close_reason = res.close_reason;
  st.status.http_status = res.http_status;
  st.status.next_delay = caf::none;
  auto deflate_refused = st.deflate.on_ended(res);
  st.status.deflate = st.deflate.status();
  if (deflate_refused)
    st.status.error_message +=
      "; the hub refused the permessage-deflate offer: connecting at once "
      "without it, and without it until hubwatch restarts";
  st.retries.ended(self->clock().now());
  auto disconnects = std::move(st.disconnects);
  st.disconnects.clear();
  if (st.reconnect_pending) {
    st.reconnect_pending = false;
    st.retries.restart();
    start_attempt(self);
  } else if (st.stopped) {
    st.status.state = connection_state::disconnected;
    st.status.attempt = st.retries.attempt();
    publish(self);
  } else if (deflate_refused) {
    // Not a retry on the schedule: the same connection, with an offer the
    // hub can take. Even without auto-reconnect, or the extension would
    // leave the observer with nothing at all.
    st.status.state = connection_state::disconnected;
    st.status.attempt = st.retries.attempt();
    st.status.next_delay = caf::timespan{0};
    publish(self);
    start_attempt(self);
  } else if (res.http_status && is_config_refusal(*res.http_status) &&
             !st.cfg.retry_on_http_error) {
    give_up(self, res.code,
            res.message + "; not retrying (retry-on-http-error is off)");
  } else if (auto delay = st.retries.plan(st.rng, st.status)) {
    publish(self);
    self->delayed_send(self, *delay, atom::retry::value, st.generation);
  } else {
    st.stopped = true;
    publish(self);
  }
  for (auto& rp : disconnects)
    rp.deliver(st.status);
}

supervisor_actor::behavior_type supervisor_impl(supervisor_self self,
                                                websocket_config cfg,
                                                connection_factory factory,
                                                parser_actor parser,
                                                uint64_t seed) {
  auto& st = self->state;
  st.retries = reconnect_tracker{cfg};
  st.cfg = std::move(cfg);
  st.factory = std::move(factory);
  st.parser = std::move(parser);
  st.rng.seed(static_cast<std::minstd_rand::result_type>(seed));
  st.deflate = deflate_offer{st.cfg.deflate};
  st.status.url = st.cfg.url;
  self->set_down_handler([self](caf::down_msg& dm) {
    if (dm.source == self->state.conn.address())
      on_connection_down(self, dm.reason);
  });
  // The connection must not outlive its supervisor. CAF 0.17 destroys the
  // state before attached functors run, so the functor keeps its own handle
  // to the current connection.
  auto current = std::make_shared<connection_actor>();
  self->state.current_conn = current;
  self->attach_functor([current] {
    if (*current)
      caf::anon_send_exit(*current, caf::exit_reason::user_shutdown);
  });
  return {
    [self](atom::connected, bool deflate) {
      auto& st = self->state;
      st.deflate.on_connected(deflate);
      st.status.deflate = st.deflate.status();
      st.status.attempt = st.retries.connected(self->clock().now());
      st.status.reconnects = st.retries.reconnects();
      st.status.state = connection_state::connected;
      st.status.next_delay = caf::none;
      st.status.error_code = hub_errc::none;
      st.status.error_message.clear();
      st.status.close_code = caf::none;
      st.status.close_reason.clear();
      st.status.http_status = caf::none;
      publish(self);
    },
    [self](session_result& res) { self->state.last_result = std::move(res); },
    [self](atom::connect) {
      auto& st = self->state;
      st.stopped = false;
      if (st.conn)
        return;
      // Connect now, even if a retry was scheduled.
      st.generation += 1;
      start_attempt(self);
    },
    [self](atom::reconnect) {
      auto& st = self->state;
      st.stopped = false;
      st.generation += 1;
      st.retries.restart();
      if (st.conn) {
        st.reconnect_pending = true;
        self->send(st.conn, atom::close::value);
      } else {
        start_attempt(self);
      }
    },
    [self](atom::disconnect) -> caf::result<connection_status> {
      auto& st = self->state;
      st.stopped = true;
      st.reconnect_pending = false;
      st.generation += 1;
      if (st.conn) {
        self->send(st.conn, atom::close::value);
        auto rp = self->make_response_promise<connection_status>();
        st.disconnects.push_back(rp);
        return rp;
      }
      if (st.status.state != connection_state::disconnected ||
          st.status.next_delay) {
        st.status.state = connection_state::disconnected;
        st.status.next_delay = caf::none;
        publish(self);
      }
      return st.status;
    },
    [self](atom::snapshot) { return self->state.status; },
    [self](atom::retry, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation || st.conn || st.stopped)
        return;
      start_attempt(self);
    },
  };
}

} // namespace

supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  const websocket_config& cfg,
                                  connection_factory factory,
                                  parser_actor parser, uint64_t seed) {
  return sys.spawn(supervisor_impl, cfg, std::move(factory), std::move(parser),
                   seed);
}

} // namespace hubwatch
