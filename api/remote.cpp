#include "hubwatch/api/remote.hpp"

#include <cstdlib>
#include <random>
#include <stdexcept>

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "hubwatch/net/basp_guard_middleman.hpp"

namespace hubwatch {

void enable_remote(caf::actor_system_config& cfg, const websocket_config& wc) {
  cfg.load<caf::io::middleman>();
  if (wc.idle_timeout.count() > 0) {
    cfg.set("middleman.heartbeat-interval", caf::timespan{wc.idle_timeout / 3});
    cfg.set("middleman.connection-timeout", caf::timespan{wc.idle_timeout});
  }
}

bool parse_node_endpoint(const std::string& text, std::string& host,
                         uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  auto h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']')
      return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return false; // a bare IPv6 address needs brackets
  }
  auto digits = text.substr(colon + 1);
  if (digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto n = std::strtoul(digits.c_str(), nullptr, 10);
  if (n == 0 || n > 65535)
    return false;
  host = std::move(h);
  port = static_cast<uint16_t>(n);
  return true;
}

// -- node_publisher -----------------------------------------------------------

namespace {

std::shared_ptr<gateway_stats> make_gateway_stats(size_t max) {
  auto result = std::make_shared<gateway_stats>();
  result->max_remote_subscribers = max;
  return result;
}

} // namespace

node_publisher::node_publisher(caf::actor_system& sys,
                               agent_registry_actor registry,
                               size_t max_remote_subscribers,
                               const node_tls& tls,
                               basp_tls::refusal_handler on_refused)
  : sys_(sys), stats_(make_gateway_stats(max_remote_subscribers)) {
  // The files first: a bad one must not leave a gateway behind.
  if (tls.enabled())
    tls_ = std::make_unique<basp_tls>(sys, load_tls_context(tls),
                                      std::move(on_refused));
  gateway_ = spawn_node_gateway(sys, std::move(registry), stats_);
}

node_publisher::~node_publisher() {
  // Close the port first so that nobody connects to a gateway on its way
  // out; connected subscribers see their gateway go down.
  if (port_ != 0) {
    if (tls_) {
      caf::scoped_actor self{sys_};
      self->send(tls_->actor(), caf::unpublish_atom::value, gateway_.address(),
                 port_);
    } else {
      sys_.middleman().unpublish(gateway_, port_);
    }
  }
  if (guarded_mm_)
    caf::anon_send_exit(guarded_mm_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
}

caf::expected<uint16_t> node_publisher::publish(uint16_t port,
                                                const std::string& bind) {
  if (!tls_) {
    if (!guarded_mm_)
      guarded_mm_ = spawn_guarded_middleman(sys_);
    auto res = publish_guarded(
      guarded_mm_, caf::actor_cast<caf::strong_actor_ptr>(gateway_),
      sys_.message_types<node_gateway_actor>(), port, bind, true);
    if (res)
      port_ = *res;
    return res;
  }
  // What middleman::publish does, through the TLS middleman actor.
  caf::expected<uint16_t> res{caf::sec::runtime_error};
  caf::scoped_actor self{sys_};
  self
    ->request(tls_->actor(), caf::infinite, caf::publish_atom::value, port,
              caf::actor_cast<caf::strong_actor_ptr>(gateway_),
              sys_.message_types(gateway_), bind, true)
    .receive([&](uint16_t p) { res = p; },
             [&](caf::error& err) { res = std::move(err); });
  if (res)
    port_ = *res;
  return res;
}

// -- remote_subscription ------------------------------------------------------

remote_subscription::remote_subscription(caf::actor_system& sys,
                                         std::string host, uint16_t port,
                                         const websocket_config& cfg,
                                         remote_link_callbacks callbacks,
                                         const node_tls& tls)
  : sys_(sys), node_(host + ":" + std::to_string(port)) {
  if (!sys_.has_middleman())
    throw std::logic_error("remote_subscription: the actor system has no "
                           "middleman (call enable_remote on its config)");
  if (host.find(':') != std::string::npos)
    node_ = "[" + host + "]:" + std::to_string(port);
  remote_link_transport transport;
  if (tls.enabled()) {
    tls_ = std::make_unique<basp_tls>(sys, load_tls_context(tls));
    transport.middleman = tls_->actor();
    transport.tls_failure = tls_->refusal_reader();
  }
  box_ = std::make_shared<remote_link_box>();
  box_->callbacks = std::move(callbacks);
  link_ = spawn_remote_link(sys_, std::move(host), port, cfg, box_,
                            std::random_device{}(), std::move(transport));
}

remote_subscription::~remote_subscription() {
  if (!link_)
    return;
  box_->close();
  caf::anon_send_exit(link_, caf::exit_reason::user_shutdown);
}

connection_status remote_subscription::close() {
  if (!link_)
    return final_;
  caf::scoped_actor self{sys_};
  // The link answers at once; the bound only guards against a wedged one.
  self->request(link_, defaults::reply_timeout, atom::disconnect::value)
    .receive([&](connection_status& x) { final_ = std::move(x); },
             [&](const caf::error&) {
               final_.url = node_;
               final_.state = connection_state::disconnected;
               final_.error_code = hub_errc::closed_by_observer;
             });
  box_->close();
  self->send_exit(link_, caf::exit_reason::user_shutdown);
  link_ = nullptr;
  return final_;
}

// -- upstream_feed ------------------------------------------------------------

upstream_feed::upstream_feed(
  caf::actor_system& sys, std::string host, uint16_t port,
  const websocket_config& cfg, agent_registry_actor registry, std::string name,
  const node_tls& tls,
  std::function<void(const connection_status&)> on_link_status)
  : registry_(std::move(registry)) {
  // The name first: the first snapshot is stamped with it. Everything below
  // goes out from the link's thread, one sender, so in order.
  caf::anon_send(registry_, atom::name::value, std::move(name));
  remote_link_callbacks cbs;
  auto reg = registry_;
  cbs.node.on_snapshot = [reg](const observer_snapshot& x) {
    caf::anon_send(reg, atom::upstream::value, x);
  };
  cbs.node.on_batch = [reg](const update_batch& x) {
    caf::anon_send(reg, atom::upstream::value, x);
  };
  cbs.on_link_status =
    [reg, f{std::move(on_link_status)}](const connection_status& x) {
      caf::anon_send(reg, x);
      if (f)
        f(x);
    };
  sub_ = std::make_unique<remote_subscription>(sys, std::move(host), port, cfg,
                                               std::move(cbs), tls);
}

connection_status upstream_feed::close() {
  auto result = sub_->close();
  if (!closed_) {
    closed_ = true;
    caf::anon_send(registry_, result);
  }
  return result;
}

} // namespace hubwatch
