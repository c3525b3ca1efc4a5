#include "hubwatch/net/basp_tls.hpp"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/socket_guard.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/interfaces.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/scoped_actor.hpp>

#include "hubwatch/core/basp_guard.hpp"
#include "hubwatch/net/policy_scribe.hpp"

namespace hubwatch {

class tls_context {
public:
  tls_context() = default;
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;
  ~tls_context() {
    SSL_CTX_free(ctx);
  }
  SSL_CTX* ctx = nullptr;
};

namespace {

using caf::io::network::native_socket;
using caf::io::network::rw_state;
using default_mpx = caf::io::network::default_multiplexer;

/// OpenSSL's queued errors as short reasons ("certificate verify failed");
/// clears the queue.
std::string openssl_errors() {
  // OpenSSL repeats a reason as it climbs its layers: each once.
  std::vector<std::string> seen;
  std::string msg;
  while (auto e = ERR_get_error()) {
    auto* r = ERR_reason_error_string(e);
    auto reason =
      r != nullptr ? std::string{r} : "OpenSSL error " + std::to_string(e);
    if (std::find(seen.begin(), seen.end(), reason) != seen.end())
      continue;
    seen.push_back(reason);
    if (!msg.empty())
      msg += "; ";
    msg += reason;
  }
  return msg;
}

// Used as the key's password callback: hands out the passphrase, and makes
// sure that OpenSSL never prompts on a terminal for a key that needs one.
int passphrase_cb(char* buf, int size, int, void* user) {
  auto* pass = static_cast<const std::string*>(user);
  if (pass == nullptr || pass->empty() || size <= 0)
    return 0;
  auto n = std::min(pass->size(), static_cast<size_t>(size));
  std::memcpy(buf, pass->data(), n);
  return static_cast<int>(n);
}

// OpenSSL writes to the socket without MSG_NOSIGNAL: a peer that went away
// would raise SIGPIPE and end the process. Blocked around each call (as in
// CAF's own OpenSSL module), and a pending one taken away afterwards.
class sigpipe_guard {
public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
  }
  ~sigpipe_guard() {
    timespec zero{};
    sigtimedwait(&pipe_, nullptr, &zero);
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

private:
  sigset_t pipe_;
  sigset_t saved_;
};

} // namespace

std::shared_ptr<tls_context> load_tls_context(const node_tls& tls) {
  auto problems = check_node_tls(tls);
  if (!problems.empty())
    throw std::runtime_error(problems.front());
  auto fail = [](const std::string& what) {
    auto why = openssl_errors();
    throw std::runtime_error(what + (why.empty() ? "" : ": " + why));
  };
  for (auto [key, path] :
       {std::pair{"tls-cert", &tls.cert_file},
        std::pair{"tls-key", &tls.key_file}, std::pair{"tls-ca", &tls.ca_file}})
    if (!std::ifstream{*path})
      throw std::runtime_error(std::string{key} + " = " + *path +
                               ": cannot read it");
  ERR_clear_error();
  auto result = std::make_shared<tls_context>();
  result->ctx = SSL_CTX_new(TLS_method());
  auto* ctx = result->ctx;
  if (ctx == nullptr)
    fail("cannot create an OpenSSL context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1)
    fail("tls-cert = " + tls.cert_file + ": not a PEM certificate");
  // The key is read here, once: the passphrase is needed for nothing else
  // (the context keeps the decrypted key), and the callback makes sure
  // that OpenSSL never asks for one on a terminal.
  auto* bio = BIO_new_file(tls.key_file.c_str(), "r");
  EVP_PKEY* key = nullptr;
  if (bio != nullptr) {
    key =
      PEM_read_bio_PrivateKey(bio, nullptr, passphrase_cb,
                              const_cast<std::string*>(&tls.key_passphrase));
    BIO_free(bio);
  }
  if (key == nullptr)
    fail("tls-key = " + tls.key_file +
         (tls.key_passphrase.empty()
            ? ": not a PEM private key, or encrypted and no passphrase given"
            : ": not a PEM private key, or the passphrase does not open it"));
  auto* own = SSL_CTX_get0_certificate(ctx);
  if (own == nullptr || X509_check_private_key(own, key) != 1) {
    EVP_PKEY_free(key);
    ERR_clear_error();
    throw std::runtime_error("tls-key = " + tls.key_file +
                             " is not the key of tls-cert = " + tls.cert_file);
  }
  auto used = SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!used)
    fail("tls-key = " + tls.key_file + ": OpenSSL does not take it");
  {
    if (X509_cmp_current_time(X509_get0_notAfter(own)) < 0)
      throw std::runtime_error("tls-cert = " + tls.cert_file +
                               ": the certificate has expired");
    if (X509_cmp_current_time(X509_get0_notBefore(own)) > 0)
      throw std::runtime_error("tls-cert = " + tls.cert_file +
                               ": the certificate is not valid yet");
  }
  if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1)
    fail("tls-ca = " + tls.ca_file + ": no PEM CA certificate in it");
  // Both sides verify: a peer without a certificate signed by the CA is
  // refused in the handshake, before BASP sees a byte of it.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  if (SSL_CTX_set_cipher_list(ctx, "HIGH:!aNULL:!MD5") != 1)
    fail("cannot set the TLS cipher list");
  return result;
}

struct basp_tls::shared {
  std::shared_ptr<tls_context> ctx;
  refusal_handler on_refused;
  std::atomic<uint64_t> refused{0};
  mutable std::mutex mtx;
  tls_refusal last;

  void report(tls_refusal r) {
    refused.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> guard{mtx};
      last = r;
    }
    if (on_refused)
      on_refused(r);
  }
};

namespace {

using shared_ptr = std::shared_ptr<basp_tls::shared>;

/// One TLS connection, modelled on caf::openssl::session, but on the shared
/// context and reporting a handshake that fails.
class tls_session {
public:
  tls_session(shared_ptr sh, native_socket fd, bool server)
    : sh_(std::move(sh)), server_(server) {
    auto addr = caf::io::network::remote_addr_of_fd(fd);
    auto port = caf::io::network::remote_port_of_fd(fd);
    peer_ = (addr ? *addr : std::string{"?"}) + ":" +
            (port ? std::to_string(*port) : std::string{"?"});
    ssl_ = SSL_new(sh_->ctx->ctx);
    if (ssl_ != nullptr) {
      SSL_set_fd(ssl_, fd);
      if (server_)
        SSL_set_accept_state(ssl_);
      else
        SSL_set_connect_state(ssl_);
    }
  }

  ~tls_session() {
    // A server-side handshake that never finished: a half-open connection
    // or one that sent nothing, closed by CAF (idle timeout, shutdown).
    if (server_ && handshaking_ && !reported_ && ssl_ != nullptr)
      report("no TLS handshake before the connection was closed");
    SSL_free(ssl_);
  }

  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  /// Starts the handshake; false when it failed at once.
  bool start() {
    if (ssl_ == nullptr)
      return false;
    sigpipe_guard guard;
    ERR_clear_error();
    auto res = server_ ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (res == 1) {
      handshaking_ = false;
      return true;
    }
    return keeps_going(res);
  }

  rw_state read_some(size_t& result, void* buf, size_t len) {
    return do_some(SSL_read, result, buf, len, false);
  }

  rw_state write_some(size_t& result, const void* buf, size_t len) {
    auto wr = [](SSL* s, void* b, int n) {
      return SSL_write(s, b, n);
    };
    return do_some(wr, result, const_cast<void*>(buf), len, true);
  }

  bool must_read_more(size_t threshold) {
    return static_cast<size_t>(SSL_pending(ssl_)) >= threshold;
  }

  bool server() const {
    return server_;
  }

private:
  /// The server decides in its handshake; a client learns of its refusal
  /// (with TLS 1.3, after its own handshake has finished) as an alert
  /// instead of the node's first bytes.
  bool established() const {
    return server_ ? !handshaking_ : got_data_;
  }

  void report(std::string reason) {
    reported_ = true;
    sh_->report(tls_refusal{peer_, std::move(reason)});
  }

  // After a failed call: true if it only has to wait for the socket.
  bool keeps_going(int ret) {
    auto err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
      return true;
    if (!established() && !reported_) {
      auto why = openssl_errors();
      auto verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK)
        why += std::string{why.empty() ? "" : " "} + "(" +
               X509_verify_cert_error_string(verify) + ")";
      if (why.empty())
        why = "the peer closed the connection during the TLS handshake";
      report(std::move(why));
    }
    ERR_clear_error();
    return false;
  }

  rw_state do_some(int (*f)(SSL*, void*, int), size_t& result, void* buf,
                   size_t len, bool writing) {
    sigpipe_guard guard;
    ERR_clear_error();
    result = 0;
    if (handshaking_) {
      auto res = server_ ? SSL_accept(ssl_) : SSL_connect(ssl_);
      if (res != 1) {
        if (!keeps_going(res))
          return rw_state::failure;
        // An empty write only drives the handshake: nothing to report yet.
        if (writing && len == 0 &&
            SSL_get_error(ssl_, res) == SSL_ERROR_WANT_READ)
          return rw_state::indeterminate;
        return rw_state::success;
      }
      handshaking_ = false;
    }
    if (len == 0)
      return rw_state::indeterminate;
    auto ret = f(ssl_, buf, static_cast<int>(len));
    if (ret > 0) {
      if (!writing)
        got_data_ = true;
      result = static_cast<size_t>(ret);
      return rw_state::success;
    }
    return keeps_going(ret) ? rw_state::success : rw_state::failure;
  }

  shared_ptr sh_;
  bool server_;
  SSL* ssl_ = nullptr;
  std::string peer_;
  bool handshaking_ = true;
  bool got_data_ = false;
  bool reported_ = false;
};

/// TLS keeps strangers out, not CAF's BASP faults: a peer with a
/// certificate from the CA could still send the headers that crash CAF
/// 0.17.6 (core/basp_guard.hpp). So the decrypted bytes pass the same guard
/// as a plain node's. A node hears only small messages (the 1 MiB bound); a
/// subscriber receives snapshots of any size, so on its side only the
/// crashing headers are refused.
struct tls_policy {
  explicit tls_policy(std::unique_ptr<tls_session> s)
    : session(std::move(s)),
      guard(session->server() ? default_max_inbound_basp_payload
                              : std::numeric_limits<uint32_t>::max()) {
    // nop
  }

  rw_state read_some(size_t& result, native_socket, void* buf, size_t len) {
    auto res = session->read_some(result, buf, len);
    if (res == rw_state::success && result > 0 &&
        !guard.feed(static_cast<const uint8_t*>(buf), result))
      return rw_state::failure;
    return res;
  }

  rw_state write_some(size_t& result, native_socket, const void* buf,
                      size_t len) {
    return session->write_some(result, buf, len);
  }

  bool must_read_more(native_socket, size_t threshold) {
    return session->must_read_more(threshold);
  }

  std::unique_ptr<tls_session> session;
  basp_stream_guard guard;
};

// The TLS handshake must go on before BASP has anything to write: kicked.
using tls_scribe = policy_scribe<tls_policy>;

class tls_doorman : public caf::io::network::doorman_impl {
public:
  tls_doorman(default_mpx& mpx, native_socket fd, shared_ptr sh)
    : caf::io::network::doorman_impl(mpx, fd), sh_(std::move(sh)) {
    // nop
  }

  bool new_connection() override {
    if (detached())
      return false;
    auto& mpx = acceptor_.backend();
    auto fd = acceptor_.accepted_socket();
    caf::detail::socket_guard guard{fd};
    caf::io::network::nonblocking(fd, true);
    auto s = std::make_unique<tls_session>(sh_, fd, true);
    // A handshake that fails at once (reported by the session) never
    // reaches BASP; the guard closes the socket.
    if (!s->start())
      return false;
    auto scribe = caf::make_counted<tls_scribe>(mpx, fd, true, std::move(s));
    guard.release();
    auto hdl = scribe->hdl();
    parent()->add_scribe(std::move(scribe));
    return doorman::new_connection(&mpx, hdl);
  }

private:
  shared_ptr sh_;
};

class tls_middleman_impl : public caf::io::middleman_actor_impl {
public:
  tls_middleman_impl(caf::actor_config& cfg, caf::actor basp, shared_ptr sh)
    : caf::io::middleman_actor_impl(cfg, std::move(basp)), sh_(std::move(sh)) {
    // nop
  }

  const char* name() const override {
    return "hubwatch.tls-middleman";
  }

protected:
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host,
                                             uint16_t port) override {
    auto fd = caf::io::network::new_tcp_connection(host, port);
    if (!fd)
      return std::move(fd.error());
    caf::detail::socket_guard guard{*fd};
    caf::io::network::nonblocking(*fd, true);
    auto s = std::make_unique<tls_session>(sh_, *fd, false);
    if (!s->start())
      return caf::sec::cannot_connect_to_node;
    guard.release();
    return caf::make_counted<tls_scribe>(mpx(), *fd, true, std::move(s));
  }

  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = caf::io::network::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    return caf::make_counted<tls_doorman>(mpx(), *fd, sh_);
  }

private:
  default_mpx& mpx() {
    return static_cast<default_mpx&>(system().middleman().backend());
  }

  shared_ptr sh_;
};

} // namespace

basp_tls::basp_tls(caf::actor_system& sys, std::shared_ptr<tls_context> ctx,
                   refusal_handler on_refused)
  : sys_(sys), shared_(std::make_shared<shared>()) {
  if (!ctx)
    throw std::invalid_argument("basp_tls: no TLS context");
  if (!sys.has_middleman())
    throw std::logic_error("basp_tls: the actor system has no middleman "
                           "(call enable_remote on its config)");
  if (dynamic_cast<default_mpx*>(&sys.middleman().backend()) == nullptr)
    throw std::logic_error("basp_tls: needs CAF's default multiplexer");
  shared_->ctx = std::move(ctx);
  shared_->on_refused = std::move(on_refused);
  // The same BASP broker as the plain middleman actor: TLS only changes the
  // byte stream under it.
  auto basp =
    sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  actor_ = sys.spawn<tls_middleman_impl, caf::detached + caf::hidden>(
    std::move(basp), shared_);
}

basp_tls::~basp_tls() {
  caf::scoped_actor self{sys_, true};
  self->send_exit(actor_, caf::exit_reason::kill);
  self->wait_for(actor_);
}

uint64_t basp_tls::refused() const {
  return shared_->refused.load(std::memory_order_relaxed);
}

tls_refusal basp_tls::last_refusal() const {
  std::lock_guard<std::mutex> guard{shared_->mtx};
  return shared_->last;
}

std::function<std::string(uint64_t&)> basp_tls::refusal_reader() const {
  return [sh = shared_](uint64_t& seen) -> std::string {
    auto n = sh->refused.load(std::memory_order_relaxed);
    if (n == seen)
      return {};
    seen = n;
    std::lock_guard<std::mutex> guard{sh->mtx};
    return sh->last.reason;
  };
}

} // namespace hubwatch
