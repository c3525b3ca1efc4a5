#define CAF_SUITE hub_server_tls

#include "simulator/hub_server.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "hub_server_support.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch::hub;
using namespace hubwatch::hub::server_test;

namespace ssl = net::ssl;

namespace {

/// A temporary directory holding a certificate for localhost.
struct cert_dir {
  std::filesystem::path dir;
  cert_files files;

  cert_dir() {
    auto tmpl =
      (std::filesystem::temp_directory_path() / "hubwatch-cert-XXXXXX")
        .string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    files = make_test_cert(dir.string());
  }

  ~cert_dir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

} // namespace

CAF_TEST(the TLS server works with a generated certificate) {
  cert_dir certs;
  auto opts = defaults();
  opts.cert_file = certs.files.cert_file;
  opts.key_file = certs.files.key_file;
  opts.fragment = true;
  hub_server server{opts};
  server.start();
  CAF_CHECK_EQUAL(server.url(),
                  "wss://localhost:" + std::to_string(server.port()) + "/ws");
  ssl::context ctx{ssl::context::tls_client};
  ctx.load_verify_file(certs.files.cert_file);
  ctx.set_verify_mode(ssl::verify_peer);
  net::io_context ioc;
  websocket::stream<ssl::stream<tcp::socket>> ws{ioc, ctx};
  auto& sock = beast::get_lowest_layer(ws);
  sock.connect(local(server.port()));
  watchdog dog{sock};
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
  ws.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("localhost:" + std::to_string(server.port()), "/ws");
  CAF_REQUIRE(server.wait_for_clients(1, patience));
  server.send_text("secret");
  server.send_binary("bytes");
  beast::flat_buffer buf;
  ws.read(buf);
  CAF_CHECK_EQUAL(beast::buffers_to_string(buf.data()), "secret");
  buf.clear();
  ws.read(buf);
  CAF_CHECK_EQUAL(beast::buffers_to_string(buf.data()), "bytes");
  // Dropped without close_notify nor close frame, like a plain hub restart.
  server.drop_all();
  error_code ec;
  ws.read(buf, ec);
  CAF_MESSAGE("TLS client read after drop_all: " << ec.message());
  CAF_CHECK(ec);
  CAF_CHECK_NOT_EQUAL(text_of(ec), text_of(websocket::error::closed));
  CAF_CHECK(server.wait_for_clients_below(1, patience));
}

CAF_TEST(a TLS client that does not trust the certificate is refused) {
  cert_dir certs;
  auto opts = defaults();
  opts.cert_file = certs.files.cert_file;
  opts.key_file = certs.files.key_file;
  hub_server server{opts};
  server.start();
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_verify_mode(ssl::verify_peer);
  net::io_context ioc;
  ssl::stream<tcp::socket> stream{ioc, ctx};
  stream.next_layer().connect(local(server.port()));
  watchdog dog{stream.next_layer()};
  error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  CAF_MESSAGE("untrusted handshake: " << ec.message());
  CAF_CHECK(ec);
  CAF_CHECK_EQUAL(server.connections_accepted(), 0u);
}

CAF_TEST(make_test_cert fails clearly without a directory) {
  try {
    make_test_cert("/nonexistent/hubwatch");
    CAF_FAIL("make_test_cert did not throw");
  } catch (const std::runtime_error& ex) {
    CAF_MESSAGE(ex.what());
    CAF_CHECK(std::string{ex.what()}.find("/nonexistent/hubwatch") !=
              std::string::npos);
  }
}
