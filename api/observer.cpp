#include "hubwatch/api/observer.hpp"

#include <random>
#include <thread>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "hubwatch/actors/connection.hpp"
#include "hubwatch/net/io_runner.hpp"

namespace hubwatch {

namespace {

struct callback_state {
  static inline const char* name = "hubwatch.callback-subscriber";
  std::shared_ptr<subscription::box> box;
};

subscriber_actor::behavior_type
callback_subscriber(subscriber_actor::stateful_pointer<callback_state> self,
                    std::shared_ptr<subscription::box> box) {
  self->state.box = std::move(box);
  return {
    [self](observer_snapshot& x) {
      self->state.box->run([&x](auto& cbs) { deliver(cbs, x); });
    },
    [self](update_batch& x) {
      self->state.box->run([&x](auto& cbs) { deliver(cbs, x); });
    },
  };
}

/// Bounds the wait for a polite close: Beast's close handshake is bounded by
/// the connect timeout; a little on top for the messages around it.
caf::timespan close_wait(const websocket_config& cfg) {
  return cfg.connect_timeout + defaults::close_slack;
}

} // namespace

// -- subscription -------------------------------------------------------------

subscription::subscription(std::shared_ptr<box> b, subscriber_actor actor,
                           agent_registry_actor registry)
  : box_(std::move(b)), actor_(std::move(actor)),
    registry_(std::move(registry)) {
  // nop
}

subscription& subscription::operator=(subscription&& other) noexcept {
  if (this != &other) {
    reset();
    box_ = std::move(other.box_);
    actor_ = std::move(other.actor_);
    registry_ = std::move(other.registry_);
  }
  return *this;
}

subscription::~subscription() {
  reset();
}

void subscription::reset() {
  if (!box_)
    return;
  box_->close();
  caf::anon_send(registry_, atom::unsubscribe::value, actor_);
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  box_ = nullptr;
  actor_ = nullptr;
  registry_ = nullptr;
}

// -- observer -----------------------------------------------------------------

observer::observer(caf::actor_system& sys, websocket_config cfg)
  : sys_(sys), cfg_(std::move(cfg)), own_io_(std::make_unique<io_runner>()) {
  io_ = &own_io_->context();
  registry_ = spawn_agent_registry(sys_, cfg_);
  parser_ = spawn_parser(sys_, cfg_, registry_);
}

observer::observer(caf::actor_system& sys, websocket_config cfg,
                   boost::asio::io_context& io)
  : sys_(sys), cfg_(std::move(cfg)), io_(&io) {
  registry_ = spawn_agent_registry(sys_, cfg_);
  parser_ = spawn_parser(sys_, cfg_, registry_);
}

observer::~observer() {
  if (supervisor_) {
    // Close politely and wait until the connection actor is gone, so that
    // no session touches the io_context after it stops.
    caf::scoped_actor self{sys_};
    self->request(supervisor_, close_wait(cfg_), atom::disconnect::value)
      .receive([](const connection_status&) {}, [](const caf::error&) {});
    self->send_exit(supervisor_, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(parser_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown);
}

std::vector<std::string> observer::start() {
  auto errors = validate(cfg_);
  if (!errors.empty())
    return errors;
  if (!supervisor_) {
    session_settings settings;
    // The token file is read once, here (validate() just read it, so this
    // fails only in a race).
    if (auto err = make_session_settings(cfg_, settings); !err.empty())
      return {err};
    settings.single_threaded_io = own_io_ != nullptr;
    if (settings.url.tls && !cfg_.tls_verify)
      std::fprintf(stderr,
                   "hubwatch: warning: TLS certificate verification "
                   "is off for %s (tls-no-verify)\n",
                   cfg_.url.c_str());
    // Frames waiting for the parser: beyond this the session stops reading.
    auto max_pending =
      std::max<size_t>(2 * cfg_.max_frame_bytes, defaults::min_pending_bytes);
    auto& sys = sys_;
    auto* io = io_;
    auto parser = parser_;
    connection_factory factory = [&sys, io, settings, max_pending,
                                  parser](connection_owner_actor owner,
                                          uint32_t, bool deflate) {
      auto attempt_settings = settings;
      attempt_settings.deflate = deflate;
      return spawn_connection(sys, *io, std::move(attempt_settings),
                              max_pending, parser, std::move(owner));
    };
    supervisor_ = spawn_supervisor(sys_, cfg_, std::move(factory), parser_,
                                   std::random_device{}());
  }
  caf::anon_send(supervisor_, atom::connect::value);
  return {};
}

namespace {

/// Asks `dest` and waits at most `timeout`: the answer, or why there is
/// none.
template <class Result, class Handle, class... Ts>
caf::expected<Result> ask(caf::actor_system& sys, const Handle& dest,
                          caf::timespan timeout, Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<Result> result{caf::sec::request_timeout};
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .receive([&](Result& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

caf::expected<observer_snapshot>
observer::snapshot(caf::timespan timeout) const {
  return ask<observer_snapshot>(sys_, registry_, timeout,
                                atom::snapshot::value);
}

caf::expected<observer_snapshot>
observer::summary(caf::timespan timeout) const {
  return ask<observer_snapshot>(sys_, registry_, timeout, atom::summary::value);
}

caf::expected<connection_status> observer::status(caf::timespan timeout) const {
  if (!supervisor_) {
    auto snap = snapshot(timeout);
    if (!snap)
      return std::move(snap.error());
    return std::move(snap->status);
  }
  return ask<connection_status>(sys_, supervisor_, timeout,
                                atom::snapshot::value);
}

void observer::reconnect() {
  if (supervisor_)
    caf::anon_send(supervisor_, atom::reconnect::value);
}

void observer::connect() {
  if (supervisor_)
    caf::anon_send(supervisor_, atom::connect::value);
}

caf::expected<connection_status> observer::disconnect() {
  return disconnect(close_wait(cfg_));
}

caf::expected<connection_status> observer::disconnect(caf::timespan timeout) {
  if (!supervisor_)
    return status(timeout);
  return ask<connection_status>(sys_, supervisor_, timeout,
                                atom::disconnect::value);
}

void observer::subscribe(const subscriber_actor& sub) {
  caf::anon_send(registry_, atom::subscribe::value, sub);
}

void observer::unsubscribe(const subscriber_actor& sub) {
  caf::anon_send(registry_, atom::unsubscribe::value, sub);
}

subscription observer::subscribe(subscriber_callbacks callbacks) {
  return subscribe_callbacks(sys_, registry_, std::move(callbacks));
}

subscription subscribe_callbacks(caf::actor_system& sys,
                                 const agent_registry_actor& registry,
                                 subscriber_callbacks callbacks) {
  auto b = std::make_shared<subscription::box>();
  b->callbacks = std::move(callbacks);
  // Detached: the callbacks are user code that may block (a full pipe, a
  // slow database). On a thread of its own a blocked callback holds only its
  // own subscription, whose bounded queue at the registry then fills; on a
  // shared worker it would hold every actor that worker runs, the parser and
  // the registry of every observer in the process included.
  auto actor = sys.spawn<caf::detached>(callback_subscriber, b);
  caf::anon_send(registry, atom::subscribe::value, actor);
  return subscription{std::move(b), std::move(actor), registry};
}

size_t recommended_caf_workers(size_t cores) {
  return cores > 1 ? cores - 1 : 1;
}

void use_recommended_scheduler(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads",
          recommended_caf_workers(std::thread::hardware_concurrency()));
  // An idle CAF 0.17 worker polls its queue 100 times, then wakes every
  // 50 us for 500 more polls before it waits on its condition variable: a
  // node at a few thousand events/s never got to wait and kept a quarter
  // of a core busy, and each event waited for the next 50 us wake-up. With
  // no moderate polls it waits right after the first 100, and the io
  // thread's message wakes it.
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
}

} // namespace hubwatch
