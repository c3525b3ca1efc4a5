#include "hubwatch/net/metrics_http_server.hpp"

#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <type_traits>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace hubwatch {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using beast::error_code;

namespace {

/// What deliveries need to reach a session: the executor, and whether the
/// server still runs. Holds no I/O object, so a delivery that comes after
/// the server is gone can still look at it safely.
struct delivery_gate {
  std::mutex mtx;
  bool open = true;
  asio::io_context::executor_type executor;

  explicit delivery_gate(asio::io_context::executor_type ex) : executor(ex) {
    // nop
  }
};

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// What the server keeps of a session, whichever stream it runs on.
class session_base {
public:
  virtual ~session_base() = default;

  /// Ends the connection now (the server stops).
  virtual void close() = 0;
};

template <class Stream>
class session : public session_base,
                public std::enable_shared_from_this<session<Stream>> {
public:
  template <class... StreamArgs>
  session(const metrics_http_options& opts, const metrics_body_source& source,
          std::shared_ptr<delivery_gate> gate, StreamArgs&&... stream_args)
    : stream_(std::forward<StreamArgs>(stream_args)...), opts_(opts),
      source_(source), gate_(std::move(gate)),
      collect_timer_(stream_.get_executor()) {
    // nop
  }

  void start() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      // The handshake shares the budget of a request: a peer that never
      // finishes it holds a connection slot no longer than a silent one.
      lowest().expires_after(opts_.io_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec)
                                  self->close();
                                else
                                  self->read_request();
                              });
    } else {
      read_request();
    }
  }

  void close() override {
    collect_timer_.cancel();
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

private:
  beast::tcp_stream& lowest() {
    return beast::get_lowest_layer(stream_);
  }

  std::shared_ptr<session> shared_from_this() {
    return std::enable_shared_from_this<session<Stream>>::shared_from_this();
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(opts_.max_header_bytes));
    parser_->body_limit(opts_.max_body_bytes);
    lowest().expires_after(opts_.io_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated) {
      close();
      return;
    }
    if (ec) {
      // Malformed, or over a limit: say so once, then hang up.
      respond(http::status::bad_request, "bad request\n", false);
      return;
    }
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    // Before anything else, the path included: who may not read the figures
    // learns nothing, not even which paths exist.
    if (!opts_.basic_auth.empty() &&
        !basic_auth_allows(req[http::field::authorization], opts_.basic_auth)) {
      respond(http::status::unauthorized, "unauthorized\n", keep_alive_);
      return;
    }
    std::string_view target = req.target();
    auto path = target.substr(0, target.find('?'));
    if (path != opts_.path) {
      respond(http::status::not_found, "not found\n", keep_alive_);
      return;
    }
    if (req.method() != http::verb::get) {
      respond(http::status::method_not_allowed, "only GET\n", keep_alive_);
      return;
    }
    collect();
  }

  // Asks the source for the body; whichever comes first, the body or the
  // timer, answers the request.
  void collect() {
    auto generation = ++generation_;
    waiting_ = true;
    lowest().expires_never(); // the collect timer bounds this step
    collect_timer_.expires_after(opts_.collect_timeout);
    collect_timer_.async_wait(
      [self = shared_from_this(), generation](error_code ec) {
        if (ec || !self->waiting_ || generation != self->generation_)
          return;
        self->waiting_ = false;
        self->respond(http::status::service_unavailable,
                      "metrics not available in time\n", self->keep_alive_);
      });
    // A weak reference: a delivery that comes late must not keep a socket
    // alive, nor touch one after the server is gone.
    std::weak_ptr<session> weak = shared_from_this();
    auto gate = gate_;
    source_([weak, gate, generation](std::optional<std::string> body) {
      std::lock_guard<std::mutex> guard{gate->mtx};
      if (!gate->open)
        return;
      asio::post(gate->executor,
                 [weak, generation, body = std::move(body)]() mutable {
                   if (auto self = weak.lock())
                     self->on_body(generation, std::move(body));
                 });
    });
  }

  void on_body(uint64_t generation, std::optional<std::string> body) {
    if (!waiting_ || generation != generation_)
      return; // answered already (503)
    waiting_ = false;
    collect_timer_.cancel();
    if (!body) {
      respond(http::status::service_unavailable, "metrics not available\n",
              keep_alive_);
      return;
    }
    respond(http::status::ok, std::move(*body), keep_alive_,
            opts_.content_type);
  }

  void respond(http::status status, std::string body, bool keep_alive,
               const std::string& content_type = "text/plain; charset=utf-8") {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(http::field::server, "hubwatch");
    res_.set(http::field::content_type, content_type);
    if (status == http::status::method_not_allowed)
      res_.set(http::field::allow, "GET");
    if (status == http::status::unauthorized)
      res_.set(http::field::www_authenticate,
               R"(Basic realm="hubwatch metrics", charset="UTF-8")");
    res_.keep_alive(keep_alive);
    res_.body() = std::move(body);
    res_.prepare_payload();
    lowest().expires_after(opts_.io_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this()](error_code ec, size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(error_code ec) {
    if (ec || !res_.keep_alive()) {
      close();
      return;
    }
    read_request();
  }

  Stream stream_;
  const metrics_http_options& opts_;
  const metrics_body_source& source_;
  std::shared_ptr<delivery_gate> gate_;
  asio::steady_timer collect_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool keep_alive_ = false;
  bool waiting_ = false;
  uint64_t generation_ = 0;
};

} // namespace

struct metrics_http_server::impl {
  impl(metrics_http_options o, metrics_body_source s)
    : opts(std::move(o)), source(std::move(s)),
      gate(std::make_shared<delivery_gate>(io.get_executor())), acceptor(io) {
    // nop
  }

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open())
        return;
      if (!ec) {
        sessions.remove_if([](auto& w) { return w.expired(); });
        if (sessions.size() < opts.max_connections) {
          if (tls) {
            auto s = std::make_shared<session<tls_stream>>(
              opts, source, gate, std::move(socket), *tls);
            sessions.push_back(s);
            s->start();
          } else {
            auto s = std::make_shared<session<plain_stream>>(opts, source, gate,
                                                             std::move(socket));
            sessions.push_back(s);
            s->start();
          }
        } else {
          // Bounded: a scraper needs one connection; close the extra ones.
          error_code ignored;
          socket.close(ignored);
        }
      }
      accept();
    });
  }

  // Declared first, destroyed last: the acceptor and the sessions belong to
  // it, and the handlers it still holds when it goes own the sessions.
  // (Not io_runner: its thread must be joined while the acceptor still
  // exists, and the acceptor must go before the context.)
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work =
    asio::make_work_guard(io);
  metrics_http_options opts;
  metrics_body_source source;
  std::shared_ptr<delivery_gate> gate;
  tcp::acceptor acceptor;
  /// Set by start() when the options name a certificate and key.
  std::optional<asio::ssl::context> tls;
  uint16_t port = 0;
  // Touched on the I/O thread only.
  std::list<std::weak_ptr<session_base>> sessions;
  std::thread thread{[this] {
    io.run();
  }};
};

metrics_http_server::metrics_http_server(metrics_http_options opts,
                                         metrics_body_source source)
  : impl_(std::make_unique<impl>(std::move(opts), std::move(source))) {
  // nop
}

metrics_http_server::~metrics_http_server() {
  {
    std::lock_guard<std::mutex> guard{impl_->gate->mtx};
    impl_->gate->open = false;
  }
  // Close everything on the I/O thread, which owns it, and wait for that.
  std::promise<void> closed;
  asio::post(impl_->io, [this, &closed] {
    error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& w : impl_->sessions)
      if (auto s = w.lock())
        s->close();
    closed.set_value();
  });
  closed.get_future().wait();
  // No handler runs after this; the ones still queued are destroyed with
  // the context, and the sessions with them.
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

namespace {

asio::ssl::context make_tls_context(const metrics_http_options& opts) {
  if (opts.tls_cert_file.empty() != opts.tls_key_file.empty())
    throw std::runtime_error("HTTPS needs both a certificate and a key file");
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  ctx.set_options(
    asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  error_code ec;
  ctx.use_certificate_chain_file(opts.tls_cert_file, ec);
  if (ec)
    throw std::runtime_error("cannot use the certificate " +
                             opts.tls_cert_file + ": " + ec.message());
  ctx.use_private_key_file(opts.tls_key_file, asio::ssl::context::pem, ec);
  if (ec)
    throw std::runtime_error("cannot use the key " + opts.tls_key_file + ": " +
                             ec.message());
  return ctx;
}

} // namespace

uint16_t metrics_http_server::start() {
  auto& opts = impl_->opts;
  auto& acceptor = impl_->acceptor;
  if (!opts.tls_cert_file.empty() || !opts.tls_key_file.empty())
    impl_->tls.emplace(make_tls_context(opts));
  error_code ec;
  auto addr = asio::ip::make_address(opts.bind, ec);
  auto where = opts.bind + ":" + std::to_string(opts.port);
  if (ec)
    throw std::runtime_error("cannot listen on " + where + ": " +
                             "not an IP address");
  tcp::endpoint ep{addr, opts.port};
  // Nothing runs on the I/O thread yet that could touch the acceptor: it is
  // set up here and handed over by the post below.
  acceptor.open(ep.protocol(), ec);
  if (!ec)
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(ep, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint().port();
  asio::post(impl_->io, [this] { impl_->accept(); });
  return impl_->port;
}

uint16_t metrics_http_server::port() const {
  return impl_->port;
}

} // namespace hubwatch
