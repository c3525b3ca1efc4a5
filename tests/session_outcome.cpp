#define CAF_SUITE session_outcome

#include "hubwatch/core/session_outcome.hpp"

#include <caf/test/dsl.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>

using namespace hubwatch;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using std::chrono::milliseconds;

session_facts in(session_phase phase, session_stop stop = session_stop::none) {
  session_facts f;
  f.phase = phase;
  f.stop = stop;
  f.host = "hub.example";
  f.connect_timeout = milliseconds(1500);
  f.idle_timeout = milliseconds(30000);
  f.max_frame_bytes = 4096;
  return f;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

// One test per row of the "What happens when" table (docs/pipeline.md) that the
// session names (give-up and the deflate retry are the supervisor's).

CAF_TEST(a hub that restarts drops TCP : connection_lost with 1006) {
  for (auto ec : {boost::system::error_code{net::error::eof},
                  boost::system::error_code{net::error::connection_reset},
                  boost::system::error_code{net::ssl::error::stream_truncated},
                  boost::system::error_code{net::error::broken_pipe}}) {
    auto res = classify(ec, in(session_phase::reading));
    CAF_CHECK_EQUAL(res.code, hub_errc::connection_lost);
    CAF_CHECK_EQUAL(res.close_code, caf::optional<uint16_t>{1006});
    CAF_CHECK(res.was_connected);
    CAF_CHECK(contains(res.message, "without a close frame"));
  }
}

CAF_TEST(a close frame : closed_by_hub with its code and reason) {
  auto f = in(session_phase::reading);
  f.close_code = 1001;
  f.close_reason = "going away";
  auto res = classify(websocket::error::closed, f);
  CAF_CHECK_EQUAL(res.code, hub_errc::closed_by_hub);
  CAF_CHECK_EQUAL(res.close_code, caf::optional<uint16_t>{1001});
  CAF_CHECK_EQUAL(res.close_reason, "going away");
  CAF_CHECK(res.was_connected);
}

CAF_TEST(refused or unresolvable : connect_failed or resolve_failed) {
  auto refused =
    classify(net::error::connection_refused, in(session_phase::connecting));
  CAF_CHECK_EQUAL(refused.code, hub_errc::connect_failed);
  CAF_CHECK(contains(refused.message, "cannot connect: "));
  CAF_CHECK(!refused.was_connected);
  CAF_CHECK(!refused.close_code);
  auto unknown =
    classify(net::error::host_not_found, in(session_phase::resolving));
  CAF_CHECK_EQUAL(unknown.code, hub_errc::resolve_failed);
  CAF_CHECK(contains(unknown.message, "cannot resolve hub.example: "));
}

CAF_TEST(no handshake in time : connect_timeout whatever the error) {
  // The deadline closes the socket: each phase sees its own error, and all
  // of them are the timeout.
  for (auto phase :
       {session_phase::resolving, session_phase::connecting,
        session_phase::tls_handshake, session_phase::ws_handshake}) {
    auto res = classify(net::error::operation_aborted,
                        in(phase, session_stop::deadline));
    CAF_CHECK_EQUAL(res.code, hub_errc::connect_timeout);
    CAF_CHECK_EQUAL(res.message,
                    "no connection within connect-timeout-ms (1500 ms)");
    CAF_CHECK(!res.was_connected);
  }
}

CAF_TEST(an HTTP answer to the upgrade : handshake_rejected with status) {
  auto f = in(session_phase::ws_handshake);
  f.http_status = 401;
  f.http_reason = "Unauthorized";
  auto res = classify(websocket::error::upgrade_declined, f);
  CAF_CHECK_EQUAL(res.code, hub_errc::handshake_rejected);
  CAF_CHECK_EQUAL(res.http_status, caf::optional<uint16_t>{401});
  CAF_CHECK_EQUAL(res.message,
                  "the hub refused the WebSocket upgrade with HTTP 401 "
                  "Unauthorized");
  CAF_CHECK(!res.was_connected);
  // The deflate refusal the supervisor acts on is the same row with 400.
  f.http_status = 400;
  f.http_reason.clear();
  auto bad = classify(websocket::error::upgrade_declined, f);
  CAF_CHECK_EQUAL(bad.http_status, caf::optional<uint16_t>{400});
  CAF_CHECK_EQUAL(bad.message,
                  "the hub refused the WebSocket upgrade with HTTP 400");
}

CAF_TEST(a broken upgrade answer : handshake_failed) {
  auto res =
    classify(websocket::error::no_upgrade, in(session_phase::ws_handshake));
  CAF_CHECK_EQUAL(res.code, hub_errc::handshake_failed);
  CAF_CHECK(!res.http_status);
  CAF_CHECK(contains(res.message, "WebSocket handshake failed: "));
}

CAF_TEST(a silent hub : idle_timeout) {
  auto res = classify(beast::error::timeout, in(session_phase::reading));
  CAF_CHECK_EQUAL(res.code, hub_errc::idle_timeout);
  CAF_CHECK_EQUAL(res.message, "nothing received for idle-timeout-ms "
                               "(30000 ms), not even a pong");
}

CAF_TEST(a message over the limit : too_large with 1009) {
  auto res =
    classify(websocket::error::message_too_big, in(session_phase::reading));
  CAF_CHECK_EQUAL(res.code, hub_errc::too_large);
  CAF_CHECK_EQUAL(res.close_code, caf::optional<uint16_t>{1009});
  CAF_CHECK(contains(res.message, "max-frame-bytes (4096)"));
}

CAF_TEST(text that is not UTF - 8 : read_failed with 1007) {
  auto res =
    classify(websocket::error::bad_frame_payload, in(session_phase::reading));
  CAF_CHECK_EQUAL(res.code, hub_errc::read_failed);
  CAF_CHECK_EQUAL(res.close_code, caf::optional<uint16_t>{1007});
}

CAF_TEST(a certificate we cannot verify : tls_failed) {
  // What OpenSSL reports for an unknown issuer, through Asio's category.
  boost::system::error_code ec{0x0A000086, net::error::get_ssl_category()};
  auto res = classify(ec, in(session_phase::tls_handshake));
  CAF_CHECK_EQUAL(res.code, hub_errc::tls_failed);
  CAF_CHECK(contains(res.message, "TLS handshake failed: "));
  CAF_CHECK(!res.was_connected);
}

CAF_TEST(any other read error : read_failed with 1006) {
  auto res = classify(net::error::no_buffer_space, in(session_phase::reading));
  CAF_CHECK_EQUAL(res.code, hub_errc::read_failed);
  CAF_CHECK_EQUAL(res.close_code, caf::optional<uint16_t>{1006});
}

CAF_TEST(our own close or drop wins over the error it causes) {
  auto closed = classify(net::error::operation_aborted,
                         in(session_phase::closing, session_stop::close));
  CAF_CHECK_EQUAL(closed.code, hub_errc::closed_by_observer);
  CAF_CHECK_EQUAL(closed.message, "closed by the observer");
  CAF_CHECK_EQUAL(closed.close_code, caf::optional<uint16_t>{1000});
  CAF_CHECK(closed.was_connected);
  // Even an error that would otherwise mean the hub dropped us.
  auto dropped =
    classify(net::error::eof, in(session_phase::closing, session_stop::abort));
  CAF_CHECK_EQUAL(dropped.code, hub_errc::closed_by_observer);
  CAF_CHECK_EQUAL(dropped.message, "connection dropped by the observer");
  CAF_CHECK_EQUAL(dropped.close_code, caf::optional<uint16_t>{1000});
  // Before the handshake there is nothing to close: no close code.
  auto cancelled = classify(net::error::operation_aborted,
                            in(session_phase::connecting, session_stop::abort));
  CAF_CHECK_EQUAL(cancelled.code, hub_errc::closed_by_observer);
  CAF_CHECK_EQUAL(cancelled.message, "connection attempt cancelled");
  CAF_CHECK(!cancelled.close_code);
  CAF_CHECK(!cancelled.was_connected);
}

CAF_TEST(a deadline after the handshake names the read error) {
  // The connect deadline is cancelled once connected; a late one must not
  // turn a hub's close into a timeout.
  auto f = in(session_phase::reading, session_stop::deadline);
  f.close_code = 1000;
  auto res = classify(websocket::error::closed, f);
  CAF_CHECK_EQUAL(res.code, hub_errc::closed_by_hub);
}

CAF_TEST(phases have names) {
  CAF_CHECK_EQUAL(std::string{to_string(session_phase::tls_handshake)},
                  "tls_handshake");
  CAF_CHECK(!is_connected(session_phase::ws_handshake));
  CAF_CHECK(is_connected(session_phase::paused));
  CAF_CHECK(!is_connected(session_phase::ended));
}
