#define CAF_SUITE metrics_http_live

#include "hubwatch/net/metrics_http_server.hpp"

#include <caf/test/unit_test.hpp>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "live_support.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch;
using namespace hubwatch::test;
namespace http = boost::beast::http;

// The HTTP side of /metrics on real sockets, with a body source the test
// controls: what a scraper, a confused client or a hostile one gets.

namespace {

struct fixture {
  std::mutex mtx;
  /// Deliveries the source was handed and the test has not answered yet.
  std::vector<metrics_delivery> held;
  /// Answer at once with this body; when empty, hold the delivery.
  std::string body = "# HELP x_total x\n# TYPE x_total counter\nx_total 1\n";
  std::atomic<size_t> asked{0};
  std::unique_ptr<metrics_http_server> server;
  uint16_t port = 0;

  void start(metrics_http_options opts = {}) {
    server = std::make_unique<metrics_http_server>(
      opts, [this](metrics_delivery deliver) {
        ++asked;
        std::lock_guard<std::mutex> guard{mtx};
        if (body.empty())
          held.push_back(std::move(deliver));
        else
          deliver(body);
      });
    port = server->start();
  }

  std::vector<metrics_delivery> take_held() {
    std::lock_guard<std::mutex> guard{mtx};
    return std::move(held);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(metrics_http_live_tests, fixture)

CAF_TEST(get metrics answers with the body and the content type) {
  metrics_http_options opts;
  opts.content_type = "text/plain; version=0.0.4; charset=utf-8";
  start(opts);
  CAF_CHECK_NOT_EQUAL(port, 0u);
  auto r = http_get(port, "/metrics");
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  CAF_CHECK_EQUAL(r.body, body);
  // A query string is ignored, as Prometheus may add one.
  CAF_CHECK_EQUAL(http_get(port, "/metrics?name[]=x").status, 200u);
  CAF_CHECK_EQUAL(asked.load(), 2u);
}

CAF_TEST(other paths get 404 and other methods 405) {
  start();
  for (auto target :
       {"/", "/metric", "/metrics/", "/metrics/x", "/health", "/METRICS", "*"})
    CAF_CHECK_EQUAL(http_get(port, target).status, 404u);
  http_client c{port};
  auto post = c.request(http::verb::post, "/metrics", "x=1");
  CAF_CHECK_EQUAL(post.status, 405u);
  CAF_CHECK_EQUAL(post.allow, "GET");
  CAF_CHECK_EQUAL(c.request(http::verb::delete_, "/metrics").status, 405u);
  // The connection survives refusals: the next request is served.
  CAF_CHECK_EQUAL(c.get("/metrics").status, 200u);
  // Only the GETs of /metrics reached the source.
  CAF_CHECK_EQUAL(asked.load(), 1u);
}

CAF_TEST(a kept alive connection serves one scrape after another) {
  start();
  http_client c{port};
  for (int i = 0; i < 5; ++i) {
    auto r = c.get("/metrics");
    CAF_CHECK_EQUAL(r.status, 200u);
    CAF_CHECK(r.keep_alive);
  }
  CAF_CHECK_EQUAL(asked.load(), 5u);
}

CAF_TEST(malformed and oversized requests get 400 and the connection ends) {
  metrics_http_options opts;
  opts.max_header_bytes = 1024;
  opts.max_body_bytes = 16;
  start(opts);
  {
    http_client c{port};
    auto reply = c.raw("HELLO THERE\r\n\r\n");
    CAF_CHECK_EQUAL(reply.substr(0, 12), "HTTP/1.1 400");
  }
  {
    http_client c{port};
    auto reply = c.raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                       std::string(4000, 'a') + "\r\n\r\n");
    CAF_CHECK_EQUAL(reply.substr(0, 12), "HTTP/1.1 400");
  }
  {
    http_client c{port};
    auto reply = c.raw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: "
                       "100000\r\n\r\n" +
                       std::string(100, 'b'));
    CAF_CHECK_EQUAL(reply.substr(0, 12), "HTTP/1.1 400");
  }
  {
    // Binary noise.
    http_client c{port};
    std::string noise;
    for (int i = 0; i < 300; ++i)
      noise += static_cast<char>((i * 37) & 0xFF);
    auto reply = c.raw(noise + "\r\n\r\n");
    CAF_CHECK_EQUAL(reply.substr(0, 12), "HTTP/1.1 400");
  }
  CAF_CHECK_EQUAL(asked.load(), 0u);
  // The server still serves.
  CAF_CHECK_EQUAL(http_get(port, "/metrics").status, 200u);
}

CAF_TEST(a source that does not answer in time gets 503) {
  metrics_http_options opts;
  opts.collect_timeout = std::chrono::milliseconds(200);
  body.clear(); // hold every delivery
  start(opts);
  http_client c{port};
  auto r = c.get("/metrics");
  CAF_CHECK_EQUAL(r.status, 503u);
  // The late answer is dropped; the connection serves the next scrape.
  for (auto& d : take_held())
    d(std::string{"late"});
  {
    std::lock_guard<std::mutex> guard{mtx};
    body = "fresh\n";
  }
  auto next = c.get("/metrics");
  CAF_CHECK_EQUAL(next.status, 200u);
  CAF_CHECK_EQUAL(next.body, "fresh\n");
}

CAF_TEST(a source that fails gets 503 at once) {
  body.clear();
  start();
  std::thread answer([this] {
    // Answer "no figures" from another thread, as an actor would.
    eventually([this] { return asked.load() == 1; });
    for (auto& d : take_held())
      d(std::nullopt);
  });
  auto started = std::chrono::steady_clock::now();
  auto r = http_get(port, "/metrics");
  answer.join();
  CAF_CHECK_EQUAL(r.status, 503u);
  CAF_CHECK(std::chrono::steady_clock::now() - started <
            std::chrono::seconds(4));
}

CAF_TEST(connections beyond the limit are closed at once) {
  metrics_http_options opts;
  opts.max_connections = 2;
  start(opts);
  auto a = std::make_unique<http_client>(port);
  auto b = std::make_unique<http_client>(port);
  CAF_CHECK_EQUAL(a->get("/metrics").status, 200u);
  CAF_CHECK_EQUAL(b->get("/metrics").status, 200u);
  {
    http_client c{port, std::chrono::milliseconds(2000)};
    CAF_CHECK(c.closed_by_server());
  }
  // One goes; a newcomer is served again.
  a.reset();
  CAF_CHECK(eventually([&] { return http_get(port, "/metrics").status == 200; },
                       std::chrono::seconds(5)));
}

CAF_TEST(a delivery after the server is gone is dropped safely) {
  body.clear();
  start();
  // caf-test's checks are not thread-safe: the thread only records.
  unsigned status = 1;
  std::thread scraper(
    [this, &status] { status = http_get(port, "/metrics").status; });
  CAF_REQUIRE(eventually([this] { return asked.load() == 1; }));
  server.reset();
  scraper.join();
  // The server went away under the scrape: no response.
  CAF_CHECK_EQUAL(status, 0u);
  for (auto& d : take_held())
    d(std::string{"too late"});
}

CAF_TEST(a port in use is refused with the address in the message) {
  start();
  metrics_http_options opts;
  opts.port = port;
  metrics_http_server second{opts, [](metrics_delivery d) {
                               d("");
                             }};
  std::string what;
  try {
    second.start();
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  CAF_CHECK(what.find("127.0.0.1:" + std::to_string(port)) !=
            std::string::npos);
  opts.bind = "not-an-address";
  opts.port = 0;
  metrics_http_server third{opts, [](metrics_delivery d) {
                              d("");
                            }};
  what.clear();
  try {
    third.start();
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  CAF_CHECK(what.find("not-an-address") != std::string::npos);
}

CAF_TEST(with credentials every request needs basic auth) {
  metrics_http_options opts;
  opts.basic_auth = {{"prometheus", "s3cret"}, {"grafana", "other"}};
  start(opts);
  // No credentials, wrong ones, another scheme: 401 with the challenge,
  // whatever the path, and the source is never asked.
  http_client c{port};
  for (auto target : {"/metrics", "/other"}) {
    for (auto auth : {"", "Basic cHJvbWV0aGV1czpzM2NyZXR4",
                      "Bearer cHJvbWV0aGV1czpzM2NyZXQ="}) {
      c.authorization = auth;
      auto r = c.get(target);
      CAF_CHECK_EQUAL(r.status, 401u);
      CAF_CHECK_EQUAL(r.www_authenticate,
                      R"(Basic realm="hubwatch metrics", charset="UTF-8")");
      CAF_CHECK(r.body.find("x_total") == std::string::npos);
    }
  }
  CAF_CHECK_EQUAL(asked.load(), 0u);
  // Either user, on the same kept-alive connection.
  c.authorization = "Basic cHJvbWV0aGV1czpzM2NyZXQ="; // prometheus:s3cret
  auto r = c.get("/metrics");
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, body);
  c.authorization = "Basic Z3JhZmFuYTpvdGhlcg=="; // grafana:other
  CAF_CHECK_EQUAL(c.get("/metrics").status, 200u);
  // Past the guard, the usual answers.
  CAF_CHECK_EQUAL(c.get("/other").status, 404u);
  CAF_CHECK_EQUAL(asked.load(), 2u);
}

namespace {

/// A fresh folder with a certificate for localhost / 127.0.0.1 that is its
/// own CA, and a second one nobody trusts.
struct cert_dirs {
  std::filesystem::path trusted;
  std::filesystem::path stranger;
  hub::cert_files cert;
  hub::cert_files other;

  cert_dirs() {
    for (auto* dir : {&trusted, &stranger}) {
      auto tmpl =
        (std::filesystem::temp_directory_path() / "hubwatch-metrics-XXXXXX")
          .string();
      if (::mkdtemp(tmpl.data()) == nullptr)
        CAF_FAIL("mkdtemp failed");
      *dir = tmpl;
    }
    cert = hub::make_test_cert(trusted.string());
    other = hub::make_test_cert(stranger.string());
  }

  ~cert_dirs() {
    std::error_code ignored;
    std::filesystem::remove_all(trusted, ignored);
    std::filesystem::remove_all(stranger, ignored);
  }
};

} // namespace

CAF_TEST(with a certificate the port speaks https only) {
  cert_dirs certs;
  metrics_http_options opts;
  opts.tls_cert_file = certs.cert.cert_file;
  opts.tls_key_file = certs.cert.key_file;
  opts.basic_auth = {{"prometheus", "s3cret"}};
  start(opts);
  // A client that trusts the certificate, with and without credentials.
  auto ok = https_get(port, "/metrics", certs.cert.cert_file,
                      "Basic cHJvbWV0aGV1czpzM2NyZXQ=");
  CAF_CHECK_EQUAL(ok.error, "");
  CAF_CHECK_EQUAL(ok.status, 200u);
  CAF_CHECK_EQUAL(ok.body, body);
  auto anonymous = https_get(port, "/metrics", certs.cert.cert_file);
  CAF_CHECK_EQUAL(anonymous.status, 401u);
  // A client that trusts another CA refuses the server; plain HTTP gets no
  // answer at all. Neither reaches the source.
  auto wary = https_get(port, "/metrics", certs.other.cert_file,
                        "Basic cHJvbWV0aGV1czpzM2NyZXQ=");
  CAF_CHECK_EQUAL(wary.status, 0u);
  CAF_CHECK_NOT_EQUAL(wary.error, "");
  auto plain = http_get(port, "/metrics");
  CAF_CHECK_EQUAL(plain.status, 0u);
  CAF_CHECK_EQUAL(asked.load(), 1u);
  // The server goes on serving the good client.
  CAF_CHECK_EQUAL(https_get(port, "/metrics", certs.cert.cert_file,
                            "Basic cHJvbWV0aGV1czpzM2NyZXQ=")
                    .status,
                  200u);
}

CAF_TEST(a missing certificate or key is refused at start naming the file) {
  cert_dirs certs;
  auto refusal = [&](metrics_http_options opts) {
    metrics_http_server s{opts, [](metrics_delivery d) {
                            d("");
                          }};
    try {
      s.start();
    } catch (const std::runtime_error& e) {
      return std::string{e.what()};
    }
    return std::string{};
  };
  metrics_http_options opts;
  opts.tls_cert_file = "/nonexistent/metrics.crt";
  opts.tls_key_file = certs.cert.key_file;
  CAF_CHECK(refusal(opts).find("/nonexistent/metrics.crt") !=
            std::string::npos);
  opts.tls_cert_file = certs.cert.cert_file;
  opts.tls_key_file = "/nonexistent/metrics.key";
  CAF_CHECK(refusal(opts).find("/nonexistent/metrics.key") !=
            std::string::npos);
  opts.tls_key_file.clear();
  CAF_CHECK(refusal(opts).find("both a certificate and a key") !=
            std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
