#pragma once

// Mutual TLS under CAF's BASP, per actor system and per owner (a process
// may run several nodes and subscriptions, each with its own certificates).
//
// CAF 0.17 has an OpenSSL module (libcaf_openssl), but it cannot do what a
// node needs: it reads the certificate files again for every connection and
// raises an error inside the multiplexer when they became unreadable, its
// settings are one per actor system, and a peer it refuses is dropped
// without a trace. So hubwatch runs its own middleman actor, modelled on
// that module's: the same BASP broker and wire format, its own TLS streams
// on one SSL_CTX loaded and checked at start, and every failed handshake
// reported to the owner.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "hubwatch/core/node_tls.hpp"

namespace hubwatch {

/// A peer whose TLS handshake failed.
struct tls_refusal {
  /// "ADDR:PORT" of the peer.
  std::string peer;

  /// OpenSSL's reason, e.g. "certificate verify failed (unable to get local
  /// issuer certificate)" or "the peer closed the connection during the TLS
  /// handshake".
  std::string reason;
};

/// An OpenSSL context with this side's certificate, key and CA, ready to
/// verify peers. Immutable once loaded; shared by every connection.
class tls_context;

/// Loads `tls` (all three files set) and checks it: each file readable and
/// PEM, the key decrypted by the passphrase, the key matching the
/// certificate, the certificate valid now. Throws std::runtime_error with a
/// message naming the setting and the file, never the passphrase.
std::shared_ptr<tls_context> load_tls_context(const node_tls& tls);

/// A middleman actor whose connections are mutual TLS. Publish through it
/// (`publish_atom`) or connect through it (`connect_atom`) like through
/// `caf::io::middleman::actor_handle()`. Stops its actor when destroyed;
/// connections already made stay with CAF's BASP broker.
class basp_tls {
public:
  /// Runs on a multiplexer thread, once per failed handshake; must not
  /// block.
  using refusal_handler = std::function<void(const tls_refusal&)>;

  /// `sys` must have the middleman loaded.
  basp_tls(caf::actor_system& sys, std::shared_ptr<tls_context> ctx,
           refusal_handler on_refused = {});

  ~basp_tls();

  basp_tls(const basp_tls&) = delete;
  basp_tls& operator=(const basp_tls&) = delete;

  caf::io::middleman_actor actor() const {
    return actor_;
  }

  /// Handshakes that failed so far.
  uint64_t refused() const;

  /// The latest refusal, empty if none.
  tls_refusal last_refusal() const;

  /// For a link on another thread, which may outlive this object: returns
  /// the reason of the latest refusal when there was one since `seen` (a
  /// count it keeps), else an empty string.
  std::function<std::string(uint64_t& seen)> refusal_reader() const;

  struct shared;

private:
  caf::actor_system& sys_;
  std::shared_ptr<shared> shared_;
  caf::io::middleman_actor actor_;
};

} // namespace hubwatch
