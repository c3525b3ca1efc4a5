#define CAF_SUITE remote_tls_live

#include <caf/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "basp_probe.hpp"
#include "hubwatch/api/remote.hpp"
#include "live_support.hpp"
#include "must.hpp"
#include "remote_support.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

// Mutual TLS between nodes and subscribers, over real sockets on 127.0.0.1:
// several actor systems in this process, certificates made for each run.

namespace {

/// What a node's refusal handler saw.
class refusal_list {
public:
  void add(const tls_refusal& r) {
    std::lock_guard<std::mutex> guard{mtx_};
    xs_.push_back(r);
  }

  std::vector<tls_refusal> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return xs_;
  }

private:
  mutable std::mutex mtx_;
  std::vector<tls_refusal> xs_;
};

/// A node: an observer of the test hub, published plain or with TLS.
struct node_side {
  remote_config sys_cfg;
  caf::actor_system sys;
  std::unique_ptr<observer> obs;
  std::shared_ptr<refusal_list> refusals = std::make_shared<refusal_list>();
  std::unique_ptr<node_publisher> pub;
  uint16_t port = 0;

  node_side(const websocket_config& wc, const node_tls& tls)
    : sys_cfg(wc), sys(sys_cfg) {
    obs = std::make_unique<observer>(sys, wc);
    auto r = refusals;
    pub = std::make_unique<node_publisher>(
      sys, obs->registry(), wc.max_remote_subscribers, tls,
      [r](const tls_refusal& x) { r->add(x); });
    auto res = pub->publish(0, "127.0.0.1");
    CAF_REQUIRE(res);
    port = *res;
    CAF_REQUIRE(obs->start().empty());
  }

  ~node_side() {
    pub.reset();
    obs.reset();
  }

  uint64_t count() {
    caf::scoped_actor self{sys};
    uint64_t n = 0;
    self->request(pub->gateway(), 5s, atom::count::value)
      .receive([&](uint64_t x) { n = x; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return n;
  }

  bool wait_hub_connected() {
    return eventually(
      [&] { return must(obs->status()).state == connection_state::connected; });
  }

  bool wait_refused(uint64_t n) {
    return eventually([&] { return pub->tls_refused() >= n; }, 10s);
  }
};

/// Another machine with a remote subscription, plain or with TLS.
struct subscriber_side {
  remote_config sys_cfg;
  caf::actor_system sys;
  collector col;
  std::mutex mtx;
  std::vector<connection_status> links;
  std::unique_ptr<remote_subscription> sub;

  subscriber_side(const websocket_config& wc, uint16_t port,
                  const node_tls& tls)
    : sys_cfg(wc), sys(sys_cfg) {
    remote_link_callbacks cbs;
    cbs.node = col.callbacks();
    cbs.on_link_status = [this](const connection_status& x) {
      std::lock_guard<std::mutex> guard{mtx};
      links.push_back(x);
    };
    sub = std::make_unique<remote_subscription>(sys, "127.0.0.1", port, wc,
                                                std::move(cbs), tls);
  }

  ~subscriber_side() {
    sub.reset();
  }

  size_t snapshots() {
    return col.snapshots().size();
  }

  bool wait_snapshots(size_t n) {
    return col.wait(
      [n](const collector& c) { return c.snapshots_unlocked() >= n; }, 10s);
  }

  bool wait_events(size_t n) {
    return col.wait(
      [n](const collector& c) { return c.events_unlocked() >= n; }, 10s);
  }

  /// The first failed attempt the link reported, once there is one.
  caf::optional<connection_status> wait_failed_attempt() {
    caf::optional<connection_status> result;
    eventually(
      [&] {
        std::lock_guard<std::mutex> guard{mtx};
        for (auto& x : links)
          if (x.state == connection_state::disconnected &&
              x.error_code != hub_errc::none) {
            result = x;
            return true;
          }
        return false;
      },
      10s);
    return result;
  }
};

/// A TLS client made with OpenSSL alone, for peers hubwatch itself refuses
/// to be (no certificate, an expired one): connects, does the handshake and
/// waits for the node's first bytes. Returns how many it got (0 when
/// refused) and OpenSSL's reason.
std::pair<int, std::string> raw_tls_client(uint16_t port,
                                           const std::string& ca_file,
                                           const std::string& cert_file = {},
                                           const std::string& key_file = {}) {
  auto* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!cert_file.empty()) {
    SSL_CTX_use_certificate_file(ctx, cert_file.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM);
  }
  auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CAF_REQUIRE_EQUAL(
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  int got = 0;
  std::string why;
  if (SSL_connect(ssl) == 1) {
    char buf[256];
    got = SSL_read(ssl, buf, sizeof(buf));
  }
  if (got <= 0) {
    got = 0;
    if (auto e = ERR_get_error())
      why = ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "";
  }
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return {got, why};
}

/// A peer with a good certificate that finishes the TLS handshake and then
/// sends `data` inside the TLS stream: what a stranger cannot do, but a
/// holder of a stolen or careless certificate can. Returns whether the
/// handshake succeeded and whether the node then closed the connection
/// (within 5 s).
std::pair<bool, bool> tls_send(uint16_t port, const hub::test_pki& pki,
                               const std::vector<uint8_t>& data) {
  auto* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, pki.ca.cert_file.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_use_certificate_file(ctx, pki.client.cert_file.c_str(),
                               SSL_FILETYPE_PEM);
  SSL_CTX_use_PrivateKey_file(ctx, pki.client.key_file.c_str(),
                              SSL_FILETYPE_PEM);
  auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CAF_REQUIRE_EQUAL(
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  bool ok = SSL_connect(ssl) == 1;
  bool closed = false;
  if (ok) {
    SSL_write(ssl, data.data(), static_cast<int>(data.size()));
    auto t0 = std::chrono::steady_clock::now();
    char buf[4096];
    while (SSL_read(ssl, buf, sizeof(buf)) > 0) {
      // The node's own handshake; then it closes on the probe.
    }
    closed = std::chrono::steady_clock::now() - t0 < 4s;
  }
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return {ok, closed};
}

/// A plain TCP connection to the node's port.
int tcp_connect(uint16_t port) {
  auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CAF_REQUIRE_EQUAL(
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

struct fixture {
  websocket_config cfg = live_test_config();
  std::unique_ptr<hub::hub_server> server;
  std::filesystem::path dir;
  hub::test_pki pki;
  node_tls node_cert;
  node_tls client_cert;

  fixture() {
    server = std::make_unique<hub::hub_server>(hub::server_options{});
    server->start();
    cfg.url = server->url();
    cfg.connect_timeout = 10s;
    dir = std::filesystem::temp_directory_path() /
          ("hubwatch-mtls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    pki = hub::make_test_pki(dir.string());
    node_cert = {pki.node.cert_file, pki.node.key_file, pki.ca.cert_file, ""};
    client_cert = {pki.client.cert_file, pki.client.key_file, pki.ca.cert_file,
                   ""};
  }

  ~fixture() {
    CAF_CHECK_EQUAL(server->data_frames_received(), 0u);
    std::filesystem::remove_all(dir);
  }

  static std::string notice(int i) {
    return R"({"type":"system_notice","payload":{"n":)" + std::to_string(i) +
           "}}";
  }

  bool wait_hub_clients(size_t n) {
    return eventually([&] { return server->clients() == n; }, 10s);
  }

  /// Sends notices `from`..`to` and waits until `sub` has seen `total`
  /// events; returns how long that took.
  std::chrono::milliseconds send_and_wait(subscriber_side& sub, int from,
                                          int to, size_t total) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = from; i <= to; ++i)
      server->send_text(notice(i));
    CAF_CHECK(sub.wait_events(total));
    return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0);
  }
};

} // namespace

/// The agent ids of the records a subscriber got, in order.
std::vector<std::string> node_agents(subscriber_side& sub) {
  std::vector<std::string> result;
  for (auto& a : sub.col.all<agent_info>())
    result.push_back(a.id);
  return result;
}

CAF_TEST_FIXTURE_SCOPE(remote_tls_live_tests, fixture)

CAF_TEST(a good pair streams events exactly like plain BASP) {
  node_side plain{cfg, node_tls{}};
  node_side tls{cfg, node_cert};
  CAF_CHECK(!plain.pub->tls());
  CAF_CHECK(tls.pub->tls());
  CAF_REQUIRE(plain.wait_hub_connected());
  CAF_REQUIRE(tls.wait_hub_connected());
  subscriber_side plain_sub{cfg, plain.port, node_tls{}};
  subscriber_side tls_sub{cfg, tls.port, client_cert};
  CAF_REQUIRE(plain_sub.wait_snapshots(1));
  CAF_REQUIRE(tls_sub.wait_snapshots(1));
  CAF_REQUIRE(wait_hub_clients(2));
  auto frames = wire_frames("realhub-demo.jsonl");
  frames.resize(60);
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(plain_sub.wait_events(frames.size()));
  CAF_REQUIRE(tls_sub.wait_events(frames.size()));
  // The same events and agents, in the same order, nothing missed.
  auto plain_events = plain_sub.col.all<daemon_event>();
  auto tls_events = tls_sub.col.all<daemon_event>();
  CAF_REQUIRE_EQUAL(tls_events.size(), frames.size());
  CAF_CHECK_EQUAL(tls_events, plain_events);
  for (size_t i = 0; i < tls_events.size(); ++i)
    CAF_CHECK_EQUAL(tls_events[i].seq, i + 1);
  // An agent record follows its event, so some may still be on their way:
  // wait until both sides agree and nothing more came for 200 ms.
  size_t settled = 0;
  auto since = std::chrono::steady_clock::now();
  CAF_CHECK(eventually(
    [&] {
      auto n = tls_sub.col.all<agent_info>().size();
      if (n != plain_sub.col.all<agent_info>().size() || n != settled) {
        settled = n;
        since = std::chrono::steady_clock::now();
        return false;
      }
      return std::chrono::steady_clock::now() - since >= 200ms;
    },
    10s));
  CAF_CHECK_EQUAL(node_agents(tls_sub), node_agents(plain_sub));
  CAF_CHECK_EQUAL(tls_sub.col.missed(), 0u);
  CAF_CHECK_EQUAL(tls.count(), 1u);
  CAF_CHECK_EQUAL(tls.pub->tls_refused(), 0u);
  CAF_CHECK(tls.refusals->all().empty());
}

CAF_TEST(peers without a good certificate are refused before they get
           anything while a good subscriber keeps streaming) {
  node_side node{cfg, node_cert};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side good{cfg, node.port, client_cert};
  CAF_REQUIRE(good.wait_snapshots(1));
  CAF_REQUIRE(wait_hub_clients(1));
  int sent = 0;
  size_t seen = 0;
  auto still_served = [&] {
    seen += 5;
    send_and_wait(good, sent + 1, sent + 5, seen);
    sent += 5;
  };
  still_served();
  uint64_t refused = 0;
  // Checks a hubwatch subscriber that must be refused: the node counts it,
  // the link reports a failed attempt saying why, no snapshot came, and the
  // good subscriber still gets what the hub sends.
  auto refused_subscriber = [&](const node_tls& tls,
                                const std::string& client_says) {
    subscriber_side bad{cfg, node.port, tls};
    auto failed = bad.wait_failed_attempt();
    CAF_REQUIRE(failed);
    CAF_CHECK_EQUAL(failed->error_code, hub_errc::connect_failed);
    CAF_MESSAGE("the client says: " << failed->error_message);
    CAF_CHECK(failed->error_message.find(client_says) != std::string::npos);
    CAF_REQUIRE(node.wait_refused(refused + 1));
    refused = node.pub->tls_refused();
    still_served();
    CAF_CHECK_EQUAL(bad.snapshots(), 0u);
    CAF_CHECK_EQUAL(bad.col.all<daemon_event>().size(), 0u);
    CAF_CHECK_EQUAL(node.count(), 1u);
  };
  // A certificate from another CA (this side trusts the node's CA).
  refused_subscriber({pki.other_client.cert_file, pki.other_client.key_file,
                      pki.ca.cert_file, ""},
                     "TLS handshake");
  CAF_MESSAGE("the node says: " << node.refusals->all().back().reason);
  CAF_CHECK(node.refusals->all().back().reason.find("certificate verify "
                                                    "failed") !=
            std::string::npos);
  // Another CA altogether: this side refuses the node's certificate too.
  refused_subscriber({pki.other_client.cert_file, pki.other_client.key_file,
                      pki.other_ca.cert_file, ""},
                     "certificate verify failed");
  // A plain subscriber to a TLS node.
  refused_subscriber(node_tls{}, "disconnect_during_handshake");
  CAF_MESSAGE("the node says: " << node.refusals->all().back().reason);
  // No client certificate at all (hubwatch never goes without one).
  auto none = raw_tls_client(node.port, pki.ca.cert_file);
  CAF_CHECK_EQUAL(none.first, 0);
  CAF_MESSAGE("a client without a certificate hears: " << none.second);
  CAF_REQUIRE(node.wait_refused(refused + 1));
  refused = node.pub->tls_refused();
  CAF_MESSAGE("the node says: " << node.refusals->all().back().reason);
  CAF_CHECK(node.refusals->all().back().reason.find("certificate") !=
            std::string::npos);
  still_served();
  // An expired certificate signed by the right CA (hubwatch refuses to
  // start with one, so OpenSSL alone presents it).
  auto expired =
    raw_tls_client(node.port, pki.ca.cert_file, pki.expired_client.cert_file,
                   pki.expired_client.key_file);
  CAF_CHECK_EQUAL(expired.first, 0);
  CAF_REQUIRE(node.wait_refused(refused + 1));
  refused = node.pub->tls_refused();
  CAF_MESSAGE("the node says: " << node.refusals->all().back().reason);
  CAF_CHECK(node.refusals->all().back().reason.find("expired") !=
            std::string::npos);
  still_served();
  // The good pair from OpenSSL alone does get the node's first bytes: the
  // refusals above are about the certificates, not the raw client.
  auto good_raw = raw_tls_client(node.port, pki.ca.cert_file,
                                 pki.client.cert_file, pki.client.key_file);
  CAF_CHECK_GREATER(good_raw.first, 0);
  // Every refusal names the peer.
  for (auto& r : node.refusals->all())
    CAF_CHECK(r.peer.rfind("127.0.0.1:", 0) == 0);
  CAF_CHECK_EQUAL(good.snapshots(), 1u);
  CAF_CHECK_EQUAL(good.col.missed(), 0u);
}

CAF_TEST(a TLS subscriber is refused by a plain node) {
  node_side node{cfg, node_tls{}};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side good{cfg, node.port, node_tls{}};
  CAF_REQUIRE(good.wait_snapshots(1));
  subscriber_side bad{cfg, node.port, client_cert};
  auto failed = bad.wait_failed_attempt();
  CAF_REQUIRE(failed);
  CAF_MESSAGE("the client says: " << failed->error_message);
  CAF_CHECK_EQUAL(failed->error_code, hub_errc::connect_failed);
  CAF_CHECK(failed->error_message.find("TLS handshake") != std::string::npos);
  CAF_CHECK_EQUAL(bad.snapshots(), 0u);
  CAF_REQUIRE(wait_hub_clients(1));
  for (int i = 1; i <= 3; ++i)
    server->send_text(notice(i));
  CAF_CHECK(good.wait_events(3));
  CAF_CHECK_EQUAL(bad.col.all<daemon_event>().size(), 0u);
  CAF_CHECK_EQUAL(node.count(), 1u);
}

CAF_TEST(random bytes and a half open connection neither crash a TLS node nor
           delay its good subscriber) {
  node_side node{cfg, node_cert};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side good{cfg, node.port, client_cert};
  CAF_REQUIRE(good.wait_snapshots(1));
  CAF_REQUIRE(wait_hub_clients(1));
  auto baseline = send_and_wait(good, 1, 5, 5);
  // A connection that says nothing and stays open.
  auto half_open = tcp_connect(node.port);
  // One that sends garbage, and one that sends a TLS record header claiming
  // far more than follows, then stops.
  std::minstd_rand rng{42};
  std::vector<unsigned char> junk(4096);
  for (auto& b : junk)
    b = static_cast<unsigned char>(rng());
  auto noisy = tcp_connect(node.port);
  CAF_CHECK_EQUAL(::send(noisy, junk.data(), junk.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(junk.size()));
  auto truncated = tcp_connect(node.port);
  const unsigned char hello[] = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00};
  CAF_CHECK_EQUAL(::send(truncated, hello, sizeof(hello), MSG_NOSIGNAL),
                  static_cast<ssize_t>(sizeof(hello)));
  // While the node deals with those (given a moment to read them), the good
  // subscriber is served as fast as before (with a generous margin for a
  // loaded machine), and a new one gets in.
  std::this_thread::sleep_for(100ms);
  auto during = send_and_wait(good, 6, 10, 10);
  CAF_MESSAGE("5 events took " << baseline.count() << " ms before, "
                               << during.count() << " ms during");
  CAF_CHECK_LESS(during, baseline + 2s);
  CAF_REQUIRE(node.wait_refused(1));
  CAF_MESSAGE("the node says: " << node.refusals->all().front().reason);
  subscriber_side late{cfg, node.port, client_cert};
  CAF_CHECK(late.wait_snapshots(1));
  ::close(noisy);
  ::close(truncated);
  ::close(half_open);
  // The two that never finished a handshake count once they end.
  CAF_CHECK(node.wait_refused(3));
  for (auto& r : node.refusals->all())
    CAF_MESSAGE("refused " << r.peer << ": " << r.reason);
  send_and_wait(good, 11, 15, 15);
  CAF_CHECK_EQUAL(good.col.missed(), 0u);
  CAF_CHECK_EQUAL(node.count(), 2u);
}

CAF_TEST(the BASP probes reach no TLS node from strangers and none from a good
           certificate either) {
  node_side node{cfg, node_cert};
  CAF_REQUIRE(node.wait_hub_connected());
  subscriber_side good{cfg, node.port, client_cert};
  CAF_REQUIRE(good.wait_snapshots(1));
  CAF_REQUIRE(wait_hub_clients(1));
  send_and_wait(good, 1, 3, 3);
  std::minstd_rand rng{13};
  // The issue's bytes, plain, to the TLS port: refused in the handshake.
  auto probe = test::issue_probe(rng);
  auto plain = test::send_probe("127.0.0.1", node.port, probe, 5s);
  CAF_CHECK(plain == test::probe_outcome::closed_by_peer);
  CAF_CHECK(node.wait_refused(1));
  // The same, and every BASP operation with absurd lengths, from a peer
  // whose certificate the node accepts: the guard behind TLS closes each.
  auto cases = test::basp_probe_table(rng);
  // The issue's probe is closed at once (others may pass the guard as a
  // harmless header and fail on the random bytes behind it).
  auto first = tls_send(node.port, pki, probe);
  CAF_CHECK(first.first);
  CAF_CHECK(first.second);
  int i = 4;
  for (auto& c : cases) {
    CAF_MESSAGE("over TLS: " << c.name);
    CAF_CHECK(tls_send(node.port, pki, c.data).first);
    // Still alive and serving, without a gap.
    send_and_wait(good, i, i, static_cast<size_t>(i));
    ++i;
  }
  CAF_CHECK_EQUAL(good.col.missed(), 0u);
  subscriber_side late{cfg, node.port, client_cert};
  CAF_CHECK(late.wait_snapshots(1));
}

CAF_TEST_FIXTURE_SCOPE_END()
