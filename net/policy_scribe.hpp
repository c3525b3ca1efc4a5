#pragma once

// A CAF 0.17 scribe over any read/write policy. CAF's own scribe_impl fixes
// its policy to plain TCP; caf::openssl writes a copy of it for TLS. The
// BASP guard (net/basp_guard_middleman) and the TLS transport (net/basp_tls)
// both need one, so it is written once here.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/interfaces.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/io/scribe.hpp>

namespace hubwatch {

template <class Policy>
class policy_scribe : public caf::io::scribe {
public:
  /// `kick`: schedule the stream at launch even with nothing to write, so
  /// that a handshake below BASP (TLS) goes on before BASP writes.
  template <class... Ts>
  policy_scribe(caf::io::network::default_multiplexer& mpx,
                caf::io::network::native_socket fd, bool kick, Ts&&... xs)
    : scribe(caf::io::network::conn_hdl_from_socket(fd)), kick_(kick),
      stream_(mpx, fd, std::forward<Ts>(xs)...) {
    // nop
  }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
      if (kick_)
        stream_.force_empty_write(this);
    }
  }

  void ack_writes(bool enable) override {
    stream_.ack_writes(enable);
  }

  std::vector<char>& wr_buf() override {
    return stream_.wr_buf();
  }

  std::vector<char>& rd_buf() override {
    return stream_.rd_buf();
  }

  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }

  void flush() override {
    stream_.flush(this);
  }

  std::string addr() const override {
    auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = caf::io::network::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override {
    stream_.activate(this);
  }

  void remove_from_loop() override {
    stream_.passivate();
  }

private:
  bool launched_ = false;
  bool kick_;
  caf::io::network::stream_impl<Policy> stream_;
};

} // namespace hubwatch
