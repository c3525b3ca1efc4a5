#include "hubwatch/net/basp_guard_middleman.hpp"

#include <caf/actor_system.hpp>
#include <caf/function_view.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/interfaces.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/policy/tcp.hpp>

#include "hubwatch/core/basp_guard.hpp"
#include "hubwatch/net/policy_scribe.hpp"

namespace hubwatch {

namespace {

namespace net = caf::io::network;

using default_mpx = net::default_multiplexer;

/// CAF's TCP policy, with every byte read shown to a guard first. A read
/// that completes a bad header fails: the stream closes the connection and
/// the broker never gets that header (it only gets what a read delivered).
struct guarded_tcp {
  basp_stream_guard guard;

  net::rw_state read_some(size_t& result, net::native_socket fd, void* buf,
                          size_t len) {
    auto res = caf::policy::tcp::read_some(result, fd, buf, len);
    if (res == net::rw_state::success && result > 0 &&
        !guard.feed(static_cast<const uint8_t*>(buf), result))
      return net::rw_state::failure;
    return res;
  }

  net::rw_state write_some(size_t& result, net::native_socket fd,
                           const void* buf, size_t len) {
    return caf::policy::tcp::write_some(result, fd, buf, len);
  }

  bool try_accept(net::native_socket& result, net::native_socket fd) {
    return caf::policy::tcp::try_accept(result, fd);
  }

  bool must_read_more(net::native_socket, size_t) {
    return false;
  }
};

using guarded_scribe = policy_scribe<guarded_tcp>;

// CAF's doorman_impl, handing each accepted socket to a guarded scribe
// instead of the multiplexer's plain one.
class guarded_doorman : public net::doorman_impl {
public:
  using net::doorman_impl::doorman_impl;

  bool new_connection() override {
    if (detached())
      return false;
    auto& mpx = acceptor_.backend();
    auto fd = acceptor_.accepted_socket();
    // As default_multiplexer::new_scribe does.
    net::keepalive(fd, true);
    auto scribe = caf::make_counted<guarded_scribe>(mpx, fd, false);
    auto hdl = scribe->hdl();
    parent()->add_scribe(std::move(scribe));
    return doorman::new_connection(&mpx, hdl);
  }
};

class guarded_middleman_actor : public caf::io::middleman_actor_impl {
public:
  using caf::io::middleman_actor_impl::middleman_actor_impl;

  const char* name() const override {
    return "hubwatch.guarded-middleman";
  }

protected:
  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = net::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    auto& mpx = static_cast<default_mpx&>(system().middleman().backend());
    return caf::make_counted<guarded_doorman>(mpx, *fd);
  }
};

} // namespace

caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys) {
  // The broker that CAF's own middleman actor feeds: published ports and
  // connections share one BASP instance, as they must.
  auto basp =
    sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  // Detached like CAF's: open and connect block.
  return sys.spawn<guarded_middleman_actor, caf::detached + caf::hidden>(
    std::move(basp));
}

caf::expected<uint16_t> publish_guarded(const caf::io::middleman_actor& mm,
                                        caf::strong_actor_ptr whom,
                                        std::set<std::string> sigs,
                                        uint16_t port, const std::string& bind,
                                        bool reuse) {
  auto f = caf::make_function_view(mm);
  return f(caf::publish_atom::value, port, std::move(whom), std::move(sigs),
           bind, reuse);
}

} // namespace hubwatch
