#include "simulator/hub_server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace hubwatch::hub {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using beast::error_code;

namespace {

// Beast's default write buffer; restored after a deflate message shrank it.
constexpr size_t default_write_buffer = 4096;

// Beast refuses write buffers below this size.
constexpr size_t min_write_buffer = 8;

constexpr auto http_timeout = std::chrono::seconds(30);

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
constexpr bool is_tls_v = std::is_same_v<Stream, tls_stream>;

struct outgoing {
  enum kind_t : uint8_t { text, binary, close };
  kind_t kind = text;
  // The payload, or the close reason.
  std::string data;
  uint16_t close_code = 0;
  // Bytes per frame for a text message the client may get compressed;
  // 0 = split it in two halves instead (see ws_session::write_text).
  size_t chunk = 0;
};

using outgoing_ptr = std::shared_ptr<const outgoing>;

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool offers_deflate(const http::request<http::string_body>& req) {
  for (auto& ext : http::ext_list{req[http::field::sec_websocket_extensions]})
    if (beast::iequals(ext.first, "permessage-deflate"))
      return true;
  return false;
}

// Why an upgrade request's deflate offer is refused; empty if it is not.
// nhooyr.io/websocket looks at the first permessage-deflate offer only.
std::string deflate_refusal_of(server_options::deflate_refusal mode,
                               const http::request<http::string_body>& req) {
  using refusal = server_options::deflate_refusal;
  if (mode == refusal::none)
    return {};
  for (auto& ext : http::ext_list{req[http::field::sec_websocket_extensions]}) {
    if (!beast::iequals(ext.first, "permessage-deflate"))
      continue;
    if (mode == refusal::any)
      return "permessage-deflate refused\n";
    for (auto& param : ext.second) {
      auto name = param.first;
      if (beast::iequals(name, "client_no_context_takeover") ||
          beast::iequals(name, "server_no_context_takeover") ||
          beast::iequals(name, "client_max_window_bits"))
        continue;
      // The real hub's words.
      std::string what{name};
      if (!param.second.empty())
        what += "=" + std::string{param.second};
      return "unsupported permessage-deflate parameter: \"" + what + "\"\n";
    }
    return {};
  }
  return {};
}

} // namespace

namespace detail {

/// Anything the server tracks: an HTTP connection before its upgrade, a
/// parked handshake, or a WebSocket session.
class connection {
public:
  virtual ~connection() = default;

  /// Queues a message (from any thread); HTTP connections ignore it.
  virtual void deliver(const outgoing_ptr& msg) = 0;

  /// Closes the TCP connection on the connection's strand (from any thread).
  virtual void drop() = 0;

  /// Closes the socket right away; only once the I/O threads are gone.
  virtual void close_now() = 0;
};

class server_state {
public:
  explicit server_state(server_options opts) : opts_(std::move(opts)) {
    // nop
  }

  ~server_state() {
    stop();
  }

  const server_options& opts() const {
    return opts_;
  }

  void start();

  void stop();

  bool running() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return running_;
  }

  uint16_t port() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return port_;
  }

  std::string url() const;

  outgoing_ptr make_text(std::string frame);

  void broadcast(const outgoing_ptr& msg);

  void drop_all();

  size_t clients() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return clients_;
  }

  template <class Predicate>
  bool wait(std::chrono::milliseconds timeout, Predicate pred) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return pred(clients_); });
  }

  // -- called by connections ----------------------------------------------

  void add(std::shared_ptr<connection> conn) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto ptr = conn.get();
    conns_.emplace(ptr, std::move(conn));
  }

  /// Counts one more WebSocket session; false when max_clients forbids it.
  bool reserve_ws() {
    std::lock_guard<std::mutex> guard{mtx_};
    // Sessions still in their handshake count, or a burst of connects could
    // overshoot the limit.
    if (opts_.max_clients != 0 && ws_sessions_ >= opts_.max_clients)
      return false;
    ++ws_sessions_;
    return true;
  }

  /// Replaces an HTTP connection by the WebSocket session it upgraded to.
  void upgrade(connection* from, std::shared_ptr<connection> to) {
    std::lock_guard<std::mutex> guard{mtx_};
    conns_.erase(from);
    auto ptr = to.get();
    conns_.emplace(ptr, std::move(to));
  }

  void opened() {
    std::lock_guard<std::mutex> guard{mtx_};
    ++clients_;
    ++accepted;
    cv_.notify_all();
  }

  /// Forgets a connection; `was_ws` and `was_open` tell what it counted as.
  void remove(connection* conn, bool was_ws, bool was_open) {
    std::lock_guard<std::mutex> guard{mtx_};
    // After stop() cleared the registry the counters are already zero.
    if (conns_.erase(conn) == 0)
      return;
    if (was_ws)
      --ws_sessions_;
    if (was_open) {
      --clients_;
      cv_.notify_all();
    }
  }

  std::atomic<uint64_t> data_frames{0};
  std::atomic<uint64_t> pings{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> deflate_offers{0};

  std::atomic<uint64_t> unauthorized{0};

  void record_offer(std::string header) {
    std::lock_guard<std::mutex> guard{mtx_};
    last_offer_ = std::move(header);
  }

  void record_headers(const http::request<http::string_body>& req) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (auto& field : req)
      headers.emplace_back(std::string{field.name_string()},
                           std::string{field.value()});
    std::lock_guard<std::mutex> guard{mtx_};
    last_headers_ = std::move(headers);
  }

  std::vector<std::pair<std::string, std::string>> last_headers() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return last_headers_;
  }

  std::string last_offer() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return last_offer_;
  }

private:
  void do_accept();

  void on_accept(error_code ec, tcp::socket socket);

  size_t deflated_size(std::string_view data);

  server_options opts_;

  // Serializes start() and stop() without blocking the I/O threads, which
  // only ever take mtx_.
  std::mutex lifecycle_mtx_;

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::unordered_map<connection*, std::shared_ptr<connection>> conns_;
  // WebSocket sessions, including those still in their handshake.
  size_t ws_sessions_ = 0;
  // WebSocket sessions past their handshake.
  size_t clients_ = 0;
  bool running_ = false;
  uint16_t port_ = 0;
  std::string last_offer_;
  std::vector<std::pair<std::string, std::string>> last_headers_;

  // A fresh io_context per start(): after stop() the handlers still pending
  // in the old one are destroyed with it instead of running after a restart.
  std::unique_ptr<net::io_context> ioc_;
  std::unique_ptr<ssl::context> tls_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<net::steady_timer> retry_timer_;
  std::vector<std::thread> threads_;

  // Estimates compressed sizes once per message rather than per client.
  std::mutex zmtx_;
  std::unique_ptr<beast::zlib::deflate_stream> zo_;
  std::vector<unsigned char> zbuf_;
};

} // namespace detail

namespace {

using detail::connection;
using detail::server_state;

// -- WebSocket session --------------------------------------------------------

template <class Stream>
class ws_session : public connection,
                   public std::enable_shared_from_this<ws_session<Stream>> {
public:
  ws_session(server_state& srv, Stream&& stream)
    : srv_(srv), ws_(std::move(stream)) {
    // nop
  }

  void run(http::request<http::string_body> req) {
    req_ = std::move(req);
    net::dispatch(
      ws_.get_executor(),
      beast::bind_front_handler(&ws_session::on_run, this->shared_from_this()));
  }

  void deliver(const outgoing_ptr& msg) override {
    net::post(ws_.get_executor(),
              [self = this->shared_from_this(), msg] { self->enqueue(msg); });
  }

  void drop() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->close_socket();
      self->finish();
    });
  }

  void close_now() override {
    close_socket();
  }

private:
  void on_run() {
    auto& opts = srv_.opts();
    // The WebSocket stream has its own timeouts; the server never pings,
    // like the real hub.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(
      websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "hubwatch-hub");
      }));
    if (opts.accept_deflate) {
      websocket::permessage_deflate pmd;
      pmd.server_enable = true;
      pmd.server_no_context_takeover = true;
      pmd.client_no_context_takeover = true;
      pmd.msg_size_threshold = opts.deflate_threshold;
      ws_.set_option(pmd);
    }
    fragmenting_ =
      opts.fragment || (opts.accept_deflate &&
                        (!opts.fragment_only_deflated || offers_deflate(req_)));
    ws_.control_callback(
      [&srv = srv_](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping)
          ++srv.pings;
      });
    ws_.async_accept(req_, beast::bind_front_handler(&ws_session::on_accept,
                                                     this->shared_from_this()));
  }

  void on_accept(error_code ec) {
    if (ec)
      return fail();
    req_ = {};
    open_ = true;
    srv_.opened();
    auto& opts = srv_.opts();
    if (opts.silent)
      return;
    if (opts.greeting)
      for (auto& frame : opts.greeting())
        queue_.push_back(srv_.make_text(std::move(frame)));
    if (opts.make_source)
      source_ = opts.make_source();
    do_read();
    do_write();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(
                              &ws_session::on_read, this->shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec || done_)
      return fail();
    ++srv_.data_frames;
    buffer_.consume(buffer_.size());
    do_read();
  }

  void enqueue(const outgoing_ptr& msg) {
    // Messages broadcast during the handshake are not for this client yet;
    // a silent session sends nothing but a close.
    if (!open_ || closing_ ||
        (srv_.opts().silent && msg->kind != outgoing::close))
      return;
    if (msg->kind == outgoing::close)
      closing_ = true;
    queue_.push_back(msg);
    do_write();
  }

  void do_write() {
    if (writing_ || !open_)
      return;
    if (queue_.empty() && source_ && !closing_) {
      std::string frame;
      if (source_(frame)) {
        queue_.push_back(srv_.make_text(std::move(frame)));
      } else {
        source_ = nullptr;
        closing_ = true;
        auto msg = std::make_shared<outgoing>();
        msg->kind = outgoing::close;
        msg->close_code = 1000;
        queue_.push_back(std::move(msg));
      }
    }
    if (queue_.empty())
      return;
    writing_ = true;
    auto& msg = *queue_.front();
    switch (msg.kind) {
    case outgoing::close:
      ws_.async_close(
        websocket::close_reason{
          static_cast<websocket::close_code>(msg.close_code), msg.data},
        beast::bind_front_handler(&ws_session::on_close,
                                  this->shared_from_this()));
      break;
    case outgoing::binary:
      ws_.text(false);
      ws_.compress(true);
      ws_.auto_fragment(false);
      ws_.write_buffer_bytes(default_write_buffer);
      ws_.async_write(net::buffer(msg.data),
                      beast::bind_front_handler(&ws_session::on_write,
                                                this->shared_from_this()));
      break;
    case outgoing::text:
      write_text(msg);
      break;
    }
  }

  void write_text(const outgoing& msg) {
    ws_.text(true);
    auto& data = msg.data;
    auto on_write = beast::bind_front_handler(&ws_session::on_write,
                                              this->shared_from_this());
    if (!fragmenting_ || data.size() < 2) {
      ws_.compress(true);
      ws_.auto_fragment(false);
      ws_.write_buffer_bytes(default_write_buffer);
      ws_.async_write(net::buffer(data), std::move(on_write));
      return;
    }
    if (msg.chunk != 0) {
      // Compressed: Beast deflates with no flush until the final frame, so
      // splitting the input would not split the output; cutting the output
      // buffer to about half the compressed size does. Without deflate on
      // this connection, auto_fragment cuts the plain message the same way.
      ws_.compress(true);
      ws_.auto_fragment(true);
      ws_.write_buffer_bytes(msg.chunk);
      ws_.async_write(net::buffer(data), std::move(on_write));
      return;
    }
    // Beast decides on compression from the first part's size, which is below
    // the threshold here: two plain frames.
    ws_.compress(false);
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(default_write_buffer);
    ws_.async_write_some(false, net::buffer(data.data(), data.size() / 2),
                         beast::bind_front_handler(&ws_session::on_write_first,
                                                   this->shared_from_this()));
  }

  void on_write_first(error_code ec, size_t) {
    if (ec || done_)
      return fail();
    auto& data = queue_.front()->data;
    auto half = data.size() / 2;
    ws_.async_write_some(true,
                         net::buffer(data.data() + half, data.size() - half),
                         beast::bind_front_handler(&ws_session::on_write,
                                                   this->shared_from_this()));
  }

  void on_write(error_code ec, size_t) {
    if (ec || done_)
      return fail();
    queue_.pop_front();
    writing_ = false;
    do_write();
  }

  void on_close(error_code) {
    // Beast tore the connection down, whether or not the peer answered.
    finish();
  }

  void fail() {
    close_socket();
    finish();
  }

  void close_socket() {
    error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  void finish() {
    if (done_)
      return;
    done_ = true;
    srv_.remove(this, true, open_);
    open_ = false;
    // The queue stays: a write in flight may still read its buffer.
    source_ = nullptr;
  }

  server_state& srv_;
  websocket::stream<Stream> ws_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  std::deque<outgoing_ptr> queue_;
  frame_source source_;
  bool fragmenting_ = false;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool done_ = false;
};

// -- HTTP connection ----------------------------------------------------------

template <class Stream>
class http_session : public connection,
                     public std::enable_shared_from_this<http_session<Stream>> {
public:
  http_session(server_state& srv, Stream&& stream)
    : srv_(srv), stream_(std::move(stream)) {
    // nop
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::on_run,
                                            this->shared_from_this()));
  }

  void deliver(const outgoing_ptr&) override {
    // nop
  }

  void drop() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->close_now();
      self->finish();
    });
  }

  void close_now() override {
    if (upgraded_)
      return;
    error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

private:
  void on_run() {
    if constexpr (is_tls_v<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(http_timeout);
      stream_.async_handshake(
        ssl::stream_base::server,
        beast::bind_front_handler(&http_session::on_tls_handshake,
                                  this->shared_from_this()));
    } else {
      do_read();
    }
  }

  void on_tls_handshake(error_code ec) {
    if (ec)
      return finish();
    do_read();
  }

  void do_read() {
    req_ = {};
    beast::get_lowest_layer(stream_).expires_after(http_timeout);
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&http_session::on_read,
                                               this->shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec)
      return finish();
    auto& opts = srv_.opts();
    auto path = path_of(req_.target());
    if (websocket::is_upgrade(req_)) {
      if (path != opts.ws_path)
        return respond(404, "not found\n", true);
      srv_.record_offer(
        std::string{req_[http::field::sec_websocket_extensions]});
      srv_.record_headers(req_);
      if (offers_deflate(req_))
        ++srv_.deflate_offers;
      if (opts.reject_status != 0)
        return respond(opts.reject_status, "upgrade refused\n", true);
      if (!opts.require_bearer_token.empty()) {
        auto presented = std::string{req_[http::field::authorization]};
        if (presented != "Bearer " + opts.require_bearer_token) {
          ++srv_.unauthorized;
          res_extra_ = {"WWW-Authenticate", "Bearer"};
          return respond(401,
                         opts.echo_refused_token
                           ? "invalid credentials: " + presented + "\n"
                           : std::string{"invalid credentials\n"},
                         true);
        }
      }
      if (auto why = deflate_refusal_of(opts.refuse_deflate, req_);
          !why.empty())
        return respond(400, std::move(why), true);
      if (opts.never_answer_handshake)
        return park();
      if (!srv_.reserve_ws())
        return respond(503, "too many clients\n", true);
      auto ws = std::make_shared<ws_session<Stream>>(srv_, std::move(stream_));
      upgraded_ = true;
      srv_.upgrade(this, ws);
      ws->run(std::move(req_));
      return;
    }
    if (req_.method() == http::verb::get && path == "/health") {
      boost::json::object body{{"status", "ok"}, {"clients", srv_.clients()}};
      return respond(200, boost::json::serialize(body), !req_.keep_alive(),
                     "application/json");
    }
    respond(404, "not found\n", !req_.keep_alive());
  }

  void respond(unsigned status, std::string body, bool close,
               const char* content_type = "text/plain") {
    res_ = {};
    // Any code the options ask for, not only those Beast has names for.
    res_.result(status);
    res_.version(req_.version());
    res_.set(http::field::server, "hubwatch-hub");
    res_.set(http::field::content_type, content_type);
    if (!res_extra_.first.empty())
      res_.set(res_extra_.first, res_extra_.second);
    res_extra_ = {};
    res_.keep_alive(!close);
    res_.body() = std::move(body);
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&http_session::on_write,
                                                this->shared_from_this(),
                                                close));
  }

  void on_write(bool close, error_code ec, size_t) {
    if (ec)
      return finish();
    if (!close)
      return do_read();
    error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(
      tcp::socket::shutdown_send, ignored);
    finish();
  }

  // Never answers: reads (and discards) until the client gives up.
  void park() {
    beast::get_lowest_layer(stream_).expires_never();
    stream_.async_read_some(
      net::buffer(park_buf_),
      beast::bind_front_handler(&http_session::on_park,
                                this->shared_from_this()));
  }

  void on_park(error_code ec, size_t) {
    if (ec)
      return finish();
    park();
  }

  void finish() {
    if (done_ || upgraded_)
      return;
    done_ = true;
    srv_.remove(this, false, false);
  }

  server_state& srv_;
  Stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  // One more header for the next response (WWW-Authenticate on a 401).
  std::pair<std::string, std::string> res_extra_;
  char park_buf_[512];
  bool upgraded_ = false;
  bool done_ = false;
};

} // namespace

// -- server_state -------------------------------------------------------------

namespace detail {

void server_state::start() {
  std::lock_guard<std::mutex> lifecycle{lifecycle_mtx_};
  if (running())
    return;
  auto threads = std::max<size_t>(opts_.threads, 1);
  auto ioc = std::make_unique<net::io_context>(static_cast<int>(threads));
  std::unique_ptr<ssl::context> tls;
  error_code ec;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("hub_server: " + what + ": " + ec.message());
  };
  if (!opts_.cert_file.empty() && !opts_.key_file.empty()) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds |
                     ssl::context::no_sslv2 | ssl::context::no_sslv3);
    tls->use_certificate_chain_file(opts_.cert_file, ec);
    if (ec)
      fail("cannot load certificate " + opts_.cert_file);
    tls->use_private_key_file(opts_.key_file, ssl::context::pem, ec);
    if (ec)
      fail("cannot load private key " + opts_.key_file);
  }
  auto address = net::ip::make_address(opts_.bind, ec);
  if (ec)
    fail("invalid bind address '" + opts_.bind + "'");
  // The first start picks the port; a restart binds the same one again.
  tcp::endpoint endpoint{address, port_ != 0 ? port_ : opts_.port};
  auto where = opts_.bind + ":" + std::to_string(endpoint.port());
  auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*ioc));
  acceptor->open(endpoint.protocol(), ec);
  if (ec)
    fail("cannot open a socket for " + where);
  acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (ec)
    fail("cannot set SO_REUSEADDR for " + where);
  acceptor->bind(endpoint, ec);
  if (ec)
    fail("cannot bind " + where);
  acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    fail("cannot listen on " + where);
  auto bound = acceptor->local_endpoint(ec);
  if (ec)
    fail("cannot read the bound address of " + where);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    port_ = bound.port();
    ioc_ = std::move(ioc);
    tls_ = std::move(tls);
    acceptor_ = std::move(acceptor);
    retry_timer_ =
      std::make_unique<net::steady_timer>(acceptor_->get_executor());
    running_ = true;
  }
  net::dispatch(acceptor_->get_executor(), [this] { do_accept(); });
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([ioc = ioc_.get()] {
      auto guard = net::make_work_guard(*ioc);
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& ex) {
          // A throwing handler must not take the whole server down.
          std::cerr << "hub_server: handler threw: " << ex.what() << std::endl;
        }
      }
    });
}

void server_state::stop() {
  std::lock_guard<std::mutex> lifecycle{lifecycle_mtx_};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!running_)
      return;
    running_ = false;
    ioc_->stop();
  }
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
  // No handler runs any more, so sockets can be closed from here; a plain
  // close sends no WebSocket close frame, like a hub going down.
  error_code ec;
  retry_timer_.reset();
  acceptor_->close(ec);
  decltype(conns_) conns;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    conns.swap(conns_);
    ws_sessions_ = 0;
    clients_ = 0;
    cv_.notify_all();
  }
  for (auto& entry : conns)
    entry.second->close_now();
  conns.clear();
  acceptor_.reset();
  // Destroys the handlers still pending and the sessions they hold.
  ioc_.reset();
  tls_.reset();
}

std::string server_state::url() const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto tls = !opts_.cert_file.empty() && !opts_.key_file.empty();
  std::string host;
  if (tls)
    host = "localhost"; // test certificates name localhost
  else if (opts_.bind == "0.0.0.0")
    host = "127.0.0.1";
  else if (opts_.bind == "::")
    host = "[::1]";
  else if (opts_.bind.find(':') != std::string::npos)
    host = "[" + opts_.bind + "]";
  else
    host = opts_.bind;
  return (tls ? "wss://" : "ws://") + host + ":" + std::to_string(port_) +
         opts_.ws_path;
}

outgoing_ptr server_state::make_text(std::string frame) {
  auto msg = std::make_shared<outgoing>();
  msg->kind = outgoing::text;
  if (opts_.accept_deflate && frame.size() >= opts_.deflate_threshold) {
    // About half the compressed size per frame gives two or three frames.
    // Anything compressing below 16 bytes would fit one frame of the
    // smallest size Beast allows, so it goes out in plain halves instead.
    auto compressed = deflated_size(frame);
    if (compressed >= 2 * min_write_buffer)
      msg->chunk = std::max(min_write_buffer, compressed / 2);
  }
  msg->data = std::move(frame);
  return msg;
}

size_t server_state::deflated_size(std::string_view data) {
  namespace zlib = beast::zlib;
  std::lock_guard<std::mutex> guard{zmtx_};
  if (!zo_)
    zo_ = std::make_unique<zlib::deflate_stream>();
  // Beast's permessage_deflate defaults: level 8, 15 window bits, memLevel 4.
  zo_->reset(8, 15, 4, zlib::Strategy::normal);
  zbuf_.resize(zo_->upper_bound(data.size()) + 16);
  zlib::z_params zs;
  zs.next_in = data.data();
  zs.avail_in = data.size();
  zs.next_out = zbuf_.data();
  zs.avail_out = zbuf_.size();
  error_code ec;
  zo_->write(zs, zlib::Flush::sync, ec);
  // Like Beast, without the 4-byte flush marker.
  return zs.total_out > 4 ? zs.total_out - 4 : 0;
}

void server_state::broadcast(const outgoing_ptr& msg) {
  std::lock_guard<std::mutex> guard{mtx_};
  // Posting under the lock keeps stop() from destroying the io_context
  // underneath, and keeps the order of concurrent callers.
  if (!running_)
    return;
  for (auto& entry : conns_)
    entry.second->deliver(msg);
}

void server_state::drop_all() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!running_)
    return;
  for (auto& entry : conns_)
    entry.second->drop();
}

void server_state::do_accept() {
  acceptor_->async_accept(net::make_strand(*ioc_),
                          [this](error_code ec, tcp::socket socket) {
                            on_accept(ec, std::move(socket));
                          });
}

void server_state::on_accept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_->is_open())
    return;
  if (ec) {
    // Out of file descriptors and the like: retry without spinning.
    retry_timer_->expires_after(std::chrono::milliseconds(50));
    retry_timer_->async_wait([this](error_code ec) {
      if (!ec)
        do_accept();
    });
    return;
  }
  if (tls_) {
    auto conn = std::make_shared<http_session<tls_stream>>(
      *this, tls_stream{std::move(socket), *tls_});
    add(conn);
    conn->run();
  } else {
    auto conn = std::make_shared<http_session<plain_stream>>(
      *this, plain_stream{std::move(socket)});
    add(conn);
    conn->run();
  }
  do_accept();
}

} // namespace detail

// -- hub_server ---------------------------------------------------------------

hub_server::hub_server(server_options opts)
  : state_(std::make_unique<detail::server_state>(std::move(opts))) {
  // nop
}

hub_server::~hub_server() {
  stop();
}

void hub_server::start() {
  state_->start();
}

void hub_server::stop() {
  state_->stop();
}

bool hub_server::running() const {
  return state_->running();
}

uint16_t hub_server::port() const {
  return state_->port();
}

std::string hub_server::url() const {
  return state_->url();
}

void hub_server::send_text(std::string frame) {
  state_->broadcast(state_->make_text(std::move(frame)));
}

void hub_server::send_binary(std::string frame) {
  auto msg = std::make_shared<outgoing>();
  msg->kind = outgoing::binary;
  msg->data = std::move(frame);
  state_->broadcast(msg);
}

void hub_server::close_all(uint16_t code, std::string reason) {
  auto msg = std::make_shared<outgoing>();
  msg->kind = outgoing::close;
  msg->close_code = code;
  msg->data = std::move(reason);
  state_->broadcast(msg);
}

void hub_server::drop_all() {
  state_->drop_all();
}

size_t hub_server::clients() const {
  return state_->clients();
}

bool hub_server::wait_for_clients(size_t n, std::chrono::milliseconds timeout) {
  return state_->wait(timeout, [n](size_t clients) { return clients >= n; });
}

bool hub_server::wait_for_clients_below(size_t n,
                                        std::chrono::milliseconds timeout) {
  return state_->wait(timeout, [n](size_t clients) { return clients < n; });
}

uint64_t hub_server::data_frames_received() const {
  return state_->data_frames;
}

uint64_t hub_server::pings_received() const {
  return state_->pings;
}

uint64_t hub_server::connections_accepted() const {
  return state_->accepted;
}

uint64_t hub_server::deflate_offers() const {
  return state_->deflate_offers;
}

std::string hub_server::last_extension_offer() const {
  return state_->last_offer();
}

std::vector<std::pair<std::string, std::string>>
hub_server::last_upgrade_headers() const {
  return state_->last_headers();
}

std::string hub_server::last_upgrade_header(const std::string& name) const {
  for (auto& [n, v] : state_->last_headers())
    if (beast::iequals(n, name))
      return v;
  return {};
}

uint64_t hub_server::unauthorized() const {
  return state_->unauthorized;
}

} // namespace hubwatch::hub
