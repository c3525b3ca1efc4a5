#include "hubwatch/net/ws_session.hpp"

#include <optional>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "hubwatch/core/credentials.hpp"
#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/core/session_outcome.hpp"

namespace hubwatch {

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// Concrete executor types, not `any_io_executor`: the type-erased one costs
// a heap-free but atomic, reference-counting copy per read operation (about
// 5% of the profile at full speed).
using io_executor = net::io_context::executor_type;
using strand_executor = net::strand<io_executor>;

template <class Executor>
using tcp_layer_type = beast::basic_stream<tcp, Executor>;

template <class Executor>
using plain_stream = websocket::stream<tcp_layer_type<Executor>>;

template <class Executor>
using tls_stream =
  websocket::stream<beast::ssl_stream<tcp_layer_type<Executor>>>;

std::string host_header(const hub_url& url) {
  std::string host =
    url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80))
    host += ":" + std::to_string(url.port);
  return host;
}

template <class Executor, bool Tls>
class session_impl final
  : public ws_session,
    public std::enable_shared_from_this<session_impl<Executor, Tls>> {
public:
  static constexpr bool is_tls = Tls;

  using Stream =
    std::conditional_t<Tls, tls_stream<Executor>, plain_stream<Executor>>;

  session_impl(Executor ex, session_settings settings, frame_channel_ptr ch,
               session_callbacks callbacks,
               std::unique_ptr<ssl::context> tls_ctx)
    : settings_(std::move(settings)), ch_(std::move(ch)),
      callbacks_(std::move(callbacks)), tls_ctx_(std::move(tls_ctx)),
      ws_(make_stream(ex)), resolver_(ws_.get_executor()),
      deadline_(ws_.get_executor()) {
    std::vector<std::string> values;
    for (auto& h : settings_.headers)
      values.push_back(h.value.reveal());
    secrets_ = secret_values(values);
  }

  void start() override {
    auto self = this->shared_from_this();
    // The channel calls back from the parser's thread: hop onto our strand,
    // and hold only a weak reference so the channel does not keep us alive.
    std::weak_ptr<session_impl> weak = self;
    auto ex = ws_.get_executor();
    ch_->on_drained([weak, ex] {
      net::post(ex, [weak] {
        if (auto s = weak.lock())
          s->resume_reading();
      });
    });
    net::post(ex, [self] { self->do_resolve(); });
  }

  void close() override {
    auto self = this->shared_from_this();
    net::post(ws_.get_executor(), [self] { self->do_close(); });
  }

  void abort() override {
    auto self = this->shared_from_this();
    net::post(ws_.get_executor(), [self] { self->do_abort(); });
  }

private:
  Stream make_stream(Executor ex) {
    if constexpr (is_tls)
      return Stream{ex, *tls_ctx_};
    else
      return Stream{ex};
  }

  tcp_layer_type<Executor>& tcp_layer() {
    return beast::get_lowest_layer(ws_);
  }

  // -- connect phase ---------------------------------------------------------

  void do_resolve() {
    if (phase_ == session_phase::ended)
      return;
    deadline_.expires_after(settings_.connect_timeout);
    deadline_.async_wait([self = this->shared_from_this()](
                           beast::error_code ec) { self->on_deadline(ec); });
    resolver_.async_resolve(
      settings_.url.host, std::to_string(settings_.url.port),
      [self = this->shared_from_this()](beast::error_code ec,
                                        tcp::resolver::results_type res) {
        self->on_resolve(ec, std::move(res));
      });
  }

  void on_deadline(beast::error_code ec) {
    if (ec || is_connected(phase_) || phase_ == session_phase::ended)
      return;
    stop_ = session_stop::deadline;
    resolver_.cancel();
    tcp_layer().close();
  }

  /// Ends the attempt if a connect-phase step failed (or was cut short).
  bool connect_failed(beast::error_code ec) {
    if (!ec)
      return false;
    finish(ec);
    return true;
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type res) {
    if (phase_ == session_phase::ended || connect_failed(ec))
      return;
    phase_ = session_phase::connecting;
    tcp_layer().async_connect(
      res,
      [self = this->shared_from_this()](
        beast::error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
  }

  void on_connect(beast::error_code ec) {
    if (phase_ == session_phase::ended || connect_failed(ec))
      return;
    tcp_layer().socket().set_option(tcp::no_delay{true}, ec);
    if constexpr (is_tls) {
      auto& tls = ws_.next_layer();
      // SNI: virtual hosts behind a TLS terminator pick the certificate by it.
      phase_ = session_phase::tls_handshake;
      if (!SSL_set_tlsext_host_name(tls.native_handle(),
                                    settings_.url.host.c_str())) {
        finish(beast::error_code{static_cast<int>(::ERR_get_error()),
                                 net::error::get_ssl_category()});
        return;
      }
      if (settings_.tls_verify)
        tls.set_verify_callback(
          ssl::host_name_verification(settings_.url.host));
      tls.async_handshake(ssl::stream_base::client,
                          [self = this->shared_from_this()](
                            beast::error_code ec) { self->on_tls(ec); });
    } else {
      do_handshake();
    }
  }

  void on_tls(beast::error_code ec) {
    if (phase_ == session_phase::ended || connect_failed(ec))
      return;
    do_handshake();
  }

  void do_handshake() {
    phase_ = session_phase::ws_handshake;
    // Our deadline covers the handshake; Beast's own timer would race it.
    auto opt =
      websocket::stream_base::timeout::suggested(beast::role_type::client);
    opt.handshake_timeout = websocket::stream_base::none();
    ws_.set_option(opt);
    ws_.set_option(websocket::stream_base::decorator(
      [deflate = settings_.deflate,
       headers = settings_.headers](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, "hubwatch/0.1");
        // Checked by validate(): none of them is one the upgrade needs.
        for (auto& h : headers)
          req.set(h.name, h.value.reveal());
        // Beast 1.81 offers "permessage-deflate; server_max_window_bits=15;
        // client_max_window_bits=15" and cannot leave the window bits out
        // (its options only take 9..15). The real hub (nhooyr.io/websocket
        // 1.8.7) answers an offer naming server_max_window_bits with 400.
        // The bare offer means 15 bits either way (RFC 7692, 7.1.2), which
        // every server with the extension must accept. The decorator runs
        // after Beast wrote its offer, and Beast configures the extension
        // from the hub's answer, not from the offer.
        if (deflate)
          req.set(beast::http::field::sec_websocket_extensions,
                  "permessage-deflate");
      }));
    if (settings_.deflate) {
      websocket::permessage_deflate pmd;
      pmd.client_enable = true;
      ws_.set_option(pmd);
    }
    ws_.read_message_max(settings_.max_frame_bytes);
    ws_.async_handshake(response_, host_header(settings_.url),
                        settings_.url.target,
                        [self = this->shared_from_this()](
                          beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (phase_ == session_phase::ended || connect_failed(ec))
      return;
    phase_ = session_phase::reading;
    deadline_.cancel();
    // From now on: the idle timeout with keep-alive pings, and a bound on
    // our own close handshake.
    websocket::stream_base::timeout opt;
    opt.handshake_timeout = settings_.connect_timeout;
    if (settings_.idle_timeout.count() > 0) {
      opt.idle_timeout = settings_.idle_timeout;
      opt.keep_alive_pings = true;
    } else {
      opt.idle_timeout = websocket::stream_base::none();
      opt.keep_alive_pings = false;
    }
    ws_.set_option(opt);
    callbacks_.connected(deflate_agreed());
    do_read();
  }

  /// Whether the hub's 101 answer took our permessage-deflate offer.
  bool deflate_agreed() const {
    if (!settings_.deflate)
      return false;
    auto it = response_.find(beast::http::field::sec_websocket_extensions);
    if (it == response_.end())
      return false;
    for (auto& ext : beast::http::ext_list{it->value()})
      if (beast::iequals(ext.first, "permessage-deflate"))
        return true;
    return false;
  }

  // -- reading ---------------------------------------------------------------

  void do_read() {
    ws_.async_read(
      buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        self->on_read(ec);
      });
  }

  void on_read(beast::error_code ec) {
    if (phase_ == session_phase::ended)
      return;
    if (ec) {
      if (ec == websocket::error::message_too_big &&
          phase_ == session_phase::reading) {
        // Tell the parser too, so the refused message is counted in order.
        auto res = ch_->push(frame_kind::too_large, {});
        if (res.ring)
          callbacks_.frames_ready();
      }
      finish(ec);
      return;
    }
    auto data = buffer_.cdata();
    std::string_view bytes{static_cast<const char*>(data.data()), data.size()};
    auto res =
      // Beast fails the read of a text message that is not UTF-8.
      ch_->push(ws_.got_text() ? frame_kind::checked_text : frame_kind::binary,
                bytes);
    buffer_.consume(buffer_.size());
    if (res.ring)
      callbacks_.frames_ready();
    if (res.pause) {
      // The parser is behind: stop reading so TCP pushes back on the hub.
      phase_ = session_phase::paused;
      return;
    }
    do_read();
  }

  void resume_reading() {
    if (phase_ != session_phase::paused)
      return;
    phase_ = session_phase::reading;
    do_read();
  }

  // -- ending ----------------------------------------------------------------

  void do_close() {
    if (phase_ == session_phase::ended || phase_ == session_phase::closing)
      return;
    if (!is_connected(phase_)) {
      // Nothing to close politely yet.
      do_abort();
      return;
    }
    // A paused session has no read pending to see the close: the close
    // operation's own completion ends it.
    phase_ = session_phase::closing;
    stop_ = session_stop::close;
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](beast::error_code ec) {
                      self->finish(ec);
                    });
  }

  void do_abort() {
    if (phase_ == session_phase::ended)
      return;
    bool read_pending =
      phase_ == session_phase::reading || phase_ == session_phase::closing;
    if (is_connected(phase_))
      phase_ = session_phase::closing;
    stop_ = session_stop::abort;
    deadline_.cancel();
    resolver_.cancel();
    tcp_layer().close();
    // Pending connect-phase handlers (and a read, if any) see the end and
    // stop; without a pending read nothing else would report it.
    if (!read_pending)
      finish(net::error::operation_aborted);
  }

  /// Reports the end once, named by `classify` from the phase it came in.
  void finish(beast::error_code ec) {
    if (phase_ == session_phase::ended)
      return;
    session_facts facts;
    facts.phase = phase_;
    facts.stop = stop_;
    facts.host = settings_.url.host;
    facts.connect_timeout = settings_.connect_timeout;
    facts.idle_timeout = settings_.idle_timeout;
    facts.max_frame_bytes = settings_.max_frame_bytes;
    // What the hub says comes back into status lines and logs; it may echo
    // what it refused (a token, a header), so those are masked first.
    if (phase_ == session_phase::ws_handshake) {
      facts.http_status = static_cast<uint16_t>(response_.result_int());
      facts.http_reason =
        make_excerpt(redact(std::string{response_.reason()}, secrets_));
      facts.http_body_excerpt =
        make_excerpt(redact(response_.body(), secrets_));
    }
    if (ec == websocket::error::closed) {
      auto& reason = ws_.reason();
      facts.close_code = static_cast<uint16_t>(reason.code);
      facts.close_reason = redact(std::string{reason.reason.c_str()}, secrets_);
    }
    phase_ = session_phase::ended;
    deadline_.cancel();
    beast::error_code ignored;
    tcp_layer().socket().close(ignored);
    callbacks_.ended(classify(ec, facts));
  }

  session_settings settings_;
  frame_channel_ptr ch_;
  session_callbacks callbacks_;
  std::unique_ptr<ssl::context> tls_ctx_;
  Stream ws_;
  net::ip::basic_resolver<tcp, Executor> resolver_;
  net::basic_waitable_timer<std::chrono::steady_clock,
                            net::wait_traits<std::chrono::steady_clock>,
                            Executor>
    deadline_;
  beast::flat_buffer buffer_;
  websocket::response_type response_;
  session_phase phase_ = session_phase::resolving;
  session_stop stop_ = session_stop::none;
  // The header values, and the token alone: never reported.
  std::vector<std::string> secrets_;
};

/// Reports a failure that happens before any I/O (e.g. an unreadable CA
/// file) through the same callback, from the io thread, like any other end.
class failed_session final
  : public ws_session,
    public std::enable_shared_from_this<failed_session> {
public:
  failed_session(net::io_context& io, session_callbacks callbacks,
                 session_result result)
    : io_(io), callbacks_(std::move(callbacks)), result_(std::move(result)) {
    // nop
  }

  void start() override {
    net::post(io_, [self = shared_from_this()] {
      self->callbacks_.ended(self->result_);
    });
  }

  void close() override {
    // nop
  }

  void abort() override {
    // nop
  }

private:
  net::io_context& io_;
  session_callbacks callbacks_;
  session_result result_;
};

} // namespace

ws_session::~ws_session() {
  // nop
}

std::string make_session_settings(const websocket_config& cfg,
                                  session_settings& out) {
  auto url = parse_hub_url(cfg.url);
  if (!url)
    return "url \"" + cfg.url + "\": not a usable ws:// or wss:// URL";
  session_settings res;
  if (auto err = upgrade_headers(cfg, res.headers); !err.empty())
    return err;
  res.url = std::move(*url);
  res.connect_timeout = cfg.connect_timeout;
  res.idle_timeout = cfg.idle_timeout;
  res.max_frame_bytes = cfg.max_frame_bytes;
  res.ca_file = cfg.ca_file;
  res.tls_verify = cfg.tls_verify;
  res.deflate = cfg.deflate;
  out = std::move(res);
  return {};
}

std::shared_ptr<ws_session> make_ws_session(net::io_context& io,
                                            session_settings settings,
                                            frame_channel_ptr ch,
                                            session_callbacks callbacks) {
  // A strand costs a reference-counted executor copy per operation; on a
  // context that one thread runs, handlers are serialised anyway.
  auto make =
    [&](auto tls_tag,
        std::unique_ptr<ssl::context> ctx) -> std::shared_ptr<ws_session> {
    constexpr bool tls = decltype(tls_tag)::value;
    if (settings.single_threaded_io)
      return std::make_shared<session_impl<io_executor, tls>>(
        io.get_executor(), std::move(settings), std::move(ch),
        std::move(callbacks), std::move(ctx));
    return std::make_shared<session_impl<strand_executor, tls>>(
      net::make_strand(io), std::move(settings), std::move(ch),
      std::move(callbacks), std::move(ctx));
  };
  if (!settings.url.tls)
    return make(std::false_type{}, nullptr);
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  if (settings.tls_verify) {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!settings.ca_file.empty())
      ctx->load_verify_file(settings.ca_file, ec);
    else
      ctx->set_default_verify_paths(ec);
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  if (ec) {
    session_result res;
    res.code = hub_errc::tls_failed;
    res.message =
      "cannot load the CA certificates" +
      (settings.ca_file.empty() ? std::string{} : " from " + settings.ca_file) +
      ": " + ec.message();
    return std::make_shared<failed_session>(io, std::move(callbacks),
                                            std::move(res));
  }
  return make(std::true_type{}, std::move(ctx));
}

} // namespace hubwatch
