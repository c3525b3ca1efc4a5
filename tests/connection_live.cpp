#define CAF_SUITE connection_live

#include <caf/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/scoped_actor.hpp>

#include "live_support.hpp"
#include "must.hpp"
#include "simulator/test_cert.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

namespace {

std::vector<std::string> sample_frames() {
  auto frames = wire_frames("realhub-demo.jsonl");
  frames.resize(12);
  return frames;
}

bool is(const connection_status& st, connection_state s, hub_errc code) {
  return st.state == s && st.error_code == code;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_live_tests, live_fixture)

CAF_TEST(events flow end to end into a subscriber) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  auto frames = sample_frames();
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(wait_events(frames.size()));
  auto events = col.all<daemon_event>();
  for (size_t i = 0; i < events.size(); ++i) {
    CAF_CHECK_EQUAL(events[i].seq, i + 1);
    CAF_CHECK(frames[i].find(events[i].type_name) != std::string::npos);
  }
  auto snap = must(obs->snapshot());
  CAF_CHECK_EQUAL(snap.events.size(), frames.size());
  CAF_CHECK_EQUAL(snap.status.state, connection_state::connected);
  CAF_CHECK(!snap.is_loading());
  CAF_CHECK(!snap.agents.empty());
  CAF_CHECK_EQUAL(snap.counters.events, frames.size());
  // The summary: the same without the history.
  auto sum = must(obs->summary());
  CAF_CHECK(sum.events.empty());
  CAF_CHECK_EQUAL(sum.counters.events, frames.size());
  CAF_CHECK_EQUAL(sum.agents, snap.agents);
  CAF_CHECK_EQUAL(sum.status.state, connection_state::connected);
  // The first status was connecting (is_loading), attempt 0.
  auto statuses = col.all<connection_status>();
  CAF_REQUIRE_GREATER_OR_EQUAL(statuses.size(), 2u);
  CAF_CHECK_EQUAL(statuses[0].state, connection_state::connecting);
  CAF_CHECK_EQUAL(statuses[0].attempt, 0u);
  CAF_CHECK_EQUAL(statuses[1].state, connection_state::connected);
}

CAF_TEST(the observer reconnects when the hub restarts on the same port) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  auto port = server->port();
  server->stop();
  auto lost = wait_status([](const connection_status& st) {
    return st.state == connection_state::disconnected;
  });
  CAF_REQUIRE(lost);
  CAF_CHECK_EQUAL(lost->error_code, hub_errc::connection_lost);
  CAF_CHECK_EQUAL(lost->close_code, uint16_t{1006});
  CAF_CHECK_EQUAL(lost->attempt, 1u);
  CAF_CHECK(lost->next_delay);
  server->start();
  CAF_CHECK_EQUAL(server->port(), port);
  CAF_REQUIRE(wait_connected(2));
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  server->send_text(sample_frames()[0]);
  CAF_REQUIRE(wait_events(1));
  CAF_CHECK_EQUAL(must(obs->snapshot()).counters.reconnects, 1u);
}

CAF_TEST(a dropped tcp connection without close frame is 1006 and retried) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  server->drop_all();
  auto lost = wait_status([](const connection_status& st) {
    return is(st, connection_state::disconnected, hub_errc::connection_lost);
  });
  CAF_REQUIRE(lost);
  CAF_CHECK_EQUAL(lost->close_code, uint16_t{1006});
  CAF_REQUIRE(wait_connected(2));
  CAF_CHECK(eventually([&] { return server->connections_accepted() == 2; }));
}

CAF_TEST(a close frame from the hub is reported with its code and reason) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  server->close_all(1001, "going away");
  auto closed = wait_status([](const connection_status& st) {
    return st.error_code == hub_errc::closed_by_hub;
  });
  CAF_REQUIRE(closed);
  CAF_CHECK_EQUAL(closed->close_code, uint16_t{1001});
  CAF_CHECK_EQUAL(closed->close_reason, "going away");
  CAF_REQUIRE(wait_connected(2));
}

CAF_TEST(a hub that never answers the handshake times out) {
  hub::server_options opts;
  opts.never_answer_handshake = true;
  start_server(opts);
  cfg.connect_timeout = 300ms;
  start_observer();
  auto st = wait_status([](const connection_status& x) {
    return x.error_code == hub_errc::connect_timeout;
  });
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(st->state, connection_state::disconnected);
  CAF_CHECK(st->error_message.find("300 ms") != std::string::npos);
  CAF_CHECK(st->next_delay);
}

CAF_TEST(http 404 on the upgrade is a configuration error without retry) {
  hub::server_options opts;
  opts.reject_status = 404;
  start_server(opts);
  start_observer();
  auto st = wait_status([](const connection_status& x) {
    return x.state == connection_state::error;
  });
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(st->http_status, uint16_t{404});
  CAF_CHECK_EQUAL(st->error_code, hub_errc::handshake_rejected);
  CAF_CHECK(!st->next_delay);
  CAF_CHECK_EQUAL(must(obs->status()).state, connection_state::error);
  // No retry: with a 50 ms delay a retry would have come long before this.
  CAF_CHECK(!col.wait(
    [](const collector& c) {
      return c.count_state_unlocked(connection_state::connecting) > 1;
    },
    300ms));
}

CAF_TEST(wrong paths get 404 too) {
  start_server();
  cfg.url = "ws://127.0.0.1:" + std::to_string(server->port()) + "/nope";
  start_observer();
  auto st = wait_status([](const connection_status& x) {
    return x.state == connection_state::error;
  });
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(st->http_status, uint16_t{404});
}

CAF_TEST(a silent hub is dropped within the idle timeout) {
  hub::server_options opts;
  opts.silent = true;
  start_server(opts);
  cfg.idle_timeout = 400ms;
  // Read before the observer starts: its idle timer starts after the
  // handshake, and Asio timers never fire early, so the bound below is
  // exact however slow the machine is.
  auto t0 = std::chrono::steady_clock::now();
  start_observer();
  CAF_REQUIRE(wait_connected());
  auto st = wait_status([](const connection_status& x) {
    return x.error_code == hub_errc::idle_timeout;
  });
  CAF_REQUIRE(st);
  auto waited = std::chrono::steady_clock::now() - t0;
  // Behaviour, not speed: it took at least the idle timeout.
  CAF_CHECK_GREATER_OR_EQUAL(waited, 400ms);
  CAF_CHECK_EQUAL(st->state, connection_state::disconnected);
}

CAF_TEST(keep alive pings keep a quiet but live hub connected) {
  start_server();
  // A pong must come back within half the idle timeout (Beast pings after
  // one half and gives up after the other): 500 ms holds on a loaded
  // machine under a sanitizer.
  cfg.idle_timeout = 1s;
  start_observer();
  CAF_REQUIRE(wait_connected());
  // Several idle periods without a frame from the hub: only pongs.
  CAF_CHECK(!col.wait(
    [](const collector& c) {
      return c.count_state_unlocked(connection_state::disconnected) > 0;
    },
    3s));
  CAF_CHECK_GREATER(server->pings_received(), 0u);
}

CAF_TEST(binary frames are counted errors and the stream goes on) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  auto frames = sample_frames();
  server->send_text(frames[0]);
  server->send_binary("\x01\x02\x03");
  server->send_text("[1,2,3]");
  server->send_text(frames[1]);
  CAF_REQUIRE(wait_events(2));
  auto errors = col.all<parse_error>();
  CAF_REQUIRE_EQUAL(errors.size(), 2u);
  CAF_CHECK_EQUAL(errors[0].kind, hub_errc::binary_frame);
  CAF_CHECK_EQUAL(errors[1].kind, hub_errc::not_an_object);
  auto snap = must(obs->snapshot());
  CAF_CHECK_EQUAL(snap.counters.parse_errors, 2u);
  CAF_CHECK_EQUAL(snap.status.state, connection_state::connected);
}

CAF_TEST(a message over the size limit ends the connection clearly) {
  start_server();
  cfg.max_frame_bytes = 1024;
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  std::string big =
    R"({"type":"x","payload":{"s":")" + std::string(2000, 'a') + "\"}}";
  server->send_text(big);
  auto st = wait_status([](const connection_status& x) {
    return x.error_code == hub_errc::too_large;
  });
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(st->close_code, uint16_t{1009});
  auto errors = col.all<parse_error>();
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].kind, hub_errc::too_large);
  CAF_REQUIRE(wait_connected(2));
}

CAF_TEST(fragmented and compressed messages are read whole) {
  hub::server_options opts;
  opts.accept_deflate = true;
  start_server(opts);
  cfg.deflate = true;
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  auto frames = wire_frames("realhub-demo.jsonl"); // some over 512 bytes
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(wait_events(frames.size()));
  CAF_CHECK_EQUAL(col.all<parse_error>().size(), 0u);
  auto events = col.all<daemon_event>();
  CAF_CHECK_EQUAL(events.back().seq, frames.size());
}

CAF_TEST(the deflate offer is the plain one a real hub accepts) {
  hub::server_options opts;
  opts.accept_deflate = true;
  opts.refuse_deflate = hub::server_options::deflate_refusal::like_real_hub;
  start_server(opts);
  cfg.deflate = true;
  start_observer();
  auto st = wait_status([](const connection_status& x) {
    return x.state == connection_state::connected;
  });
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(st->deflate, true);
  CAF_CHECK_EQUAL(server->last_extension_offer(), "permessage-deflate");
  CAF_CHECK_EQUAL(server->deflate_offers(), 1u);
  CAF_CHECK(eventually([&] { return server->connections_accepted() == 1u; }));
}

CAF_TEST(a hub that refuses deflate with 400 is read without it at once) {
  hub::server_options opts;
  opts.refuse_deflate = hub::server_options::deflate_refusal::any;
  start_server(opts);
  cfg.deflate = true;
  // Retries on the schedule would take a minute: only an immediate one fits.
  cfg.reconnect_delay = std::chrono::seconds(60);
  cfg.reconnect_max_delay = std::chrono::seconds(60);
  start_observer();
  auto refused = wait_status(
    [](const connection_status& x) { return x.http_status == uint16_t{400}; });
  CAF_REQUIRE(refused);
  CAF_CHECK_EQUAL(refused->deflate, false);
  CAF_CHECK_EQUAL(refused->error_code, hub_errc::handshake_rejected);
  CAF_CHECK_NOT_EQUAL(refused->error_message.find("permessage-deflate"),
                      std::string::npos);
  auto connected = wait_status([](const connection_status& x) {
    return x.state == connection_state::connected;
  });
  CAF_REQUIRE(connected);
  CAF_CHECK_EQUAL(connected->deflate, false);
  CAF_REQUIRE(wait_hub_session(1));
  CAF_CHECK_EQUAL(server->last_extension_offer(), "");
  auto frames = sample_frames();
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(wait_events(frames.size()));
  // A new connection (reconnect skips the schedule) still goes without.
  obs->reconnect();
  CAF_REQUIRE(wait_connected(2));
  CAF_CHECK(eventually([&] { return server->connections_accepted() == 2u; }));
  CAF_CHECK_EQUAL(server->deflate_offers(), 1u);
  auto statuses = col.all<connection_status>();
  CAF_CHECK_EQUAL(statuses.back().deflate, false);
}

CAF_TEST(every message compressed and fragmented arrives intact) {
  hub::server_options opts;
  opts.accept_deflate = true;
  opts.deflate_threshold = 0;
  start_server(opts);
  cfg.deflate = true;
  start_observer();
  auto connected = wait_status([](const connection_status& x) {
    return x.state == connection_state::connected;
  });
  CAF_REQUIRE(connected);
  CAF_CHECK_EQUAL(connected->deflate, true);
  CAF_REQUIRE(wait_hub_session(1));
  auto frames = wire_frames("realhub-demo.jsonl");
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(wait_events(frames.size()));
  CAF_CHECK_EQUAL(col.all<parse_error>().size(), 0u);
  auto events = col.all<daemon_event>();
  CAF_REQUIRE_EQUAL(events.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    auto original = boost::json::parse(frames[i]).as_object();
    CAF_CHECK_EQUAL(events[i].type_name,
                    std::string{original.at("type").as_string()});
    CAF_CHECK_EQUAL(events[i].agent_id,
                    std::string{original.at("agentId").as_string()});
    CAF_CHECK_EQUAL(events[i].timestamp,
                    std::string{original.at("timestamp").as_string()});
    auto& payload = original.at("payload");
    CAF_CHECK(payload.is_object()
                ? events[i].payload.parse() == payload.as_object()
                : events[i].payload.empty());
  }
}

CAF_TEST(fragmented messages without compression are read whole) {
  hub::server_options opts;
  opts.fragment = true;
  start_server(opts);
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  for (auto& f : sample_frames())
    server->send_text(f);
  CAF_REQUIRE(wait_events(12));
  CAF_CHECK_EQUAL(col.all<parse_error>().size(), 0u);
}

CAF_TEST(disconnect closes with 1000 and stays down until connect) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  auto st = must(obs->disconnect());
  CAF_CHECK_EQUAL(st.state, connection_state::disconnected);
  CAF_CHECK_EQUAL(st.error_code, hub_errc::closed_by_observer);
  CAF_CHECK_EQUAL(st.close_code, uint16_t{1000});
  CAF_CHECK(!st.next_delay);
  CAF_CHECK(server->wait_for_clients_below(1, 5s));
  obs->connect();
  CAF_REQUIRE(wait_connected(2));
}

CAF_TEST(reconnect drops the connection and connects at once) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  obs->reconnect();
  CAF_REQUIRE(wait_connected(2));
  CAF_CHECK(eventually([&] { return server->connections_accepted() == 2; }));
  auto statuses = col.all<connection_status>();
  // connecting, connected, connecting (no disconnected with a delay between).
  CAF_REQUIRE_GREATER_OR_EQUAL(statuses.size(), 4u);
  CAF_CHECK_EQUAL(statuses[2].state, connection_state::connecting);
  CAF_CHECK_EQUAL(statuses[2].attempt, 0u);
}

CAF_TEST(wss with a private ca is accepted with ca_file and refused without) {
  auto dir = std::filesystem::temp_directory_path() /
             ("hubwatch-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto cert = hub::make_test_cert(dir.string());
  hub::server_options opts;
  opts.cert_file = cert.cert_file;
  opts.key_file = cert.key_file;
  start_server(opts);
  CAF_CHECK_EQUAL(cfg.url.rfind("wss://localhost:", 0), 0u);
  // Without the CA: the system store does not know it.
  cfg.max_reconnect_attempts = 1;
  start_observer();
  auto refused = wait_status([](const connection_status& x) {
    return x.error_code == hub_errc::tls_failed;
  });
  CAF_REQUIRE(refused);
  CAF_CHECK(refused->error_message.find("certificate verify failed") !=
            std::string::npos);
  sub.reset();
  obs.reset();
  // With it.
  collector ok;
  cfg.ca_file = cert.cert_file;
  obs = std::make_unique<observer>(sys, cfg);
  sub = obs->subscribe(ok.callbacks());
  CAF_REQUIRE(obs->start().empty());
  CAF_REQUIRE(ok.wait([](const collector& c) {
    return c.count_state_unlocked(connection_state::connected) > 0;
  }));
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  server->send_text(sample_frames()[0]);
  CAF_CHECK(
    ok.wait([](const collector& c) { return c.events_unlocked() > 0; }));
  // `ok` dies at the end of this scope, before the fixture's subscription:
  // end the subscription first, or a late callback writes into a dead
  // collector (ThreadSanitizer saw it).
  sub.reset();
  obs.reset();
  std::filesystem::remove_all(dir);
}

// -- hub credentials ----------------------------------------------------------

CAF_TEST(the hub sees the bearer token and the headers and events flow) {
  const std::string token = "tok-3f9a1c77e2";
  hub::server_options opts;
  opts.require_bearer_token = token;
  start_server(opts);
  cfg.bearer_token = secret_string{token};
  cfg.headers.push_back({"X-Team", secret_string{"blue; a=b, c"}});
  cfg.headers.push_back({"User-Agent", secret_string{"probe/1"}});
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(1, 5s));
  CAF_CHECK_EQUAL(server->last_upgrade_header("authorization"),
                  "Bearer " + token);
  CAF_CHECK_EQUAL(server->last_upgrade_header("X-Team"), "blue; a=b, c");
  // A header given replaces Beast's default, not adds a second one.
  size_t agents = 0;
  for (auto& [name, value] : server->last_upgrade_headers())
    if (boost::beast::iequals(name, "user-agent"))
      ++agents;
  CAF_CHECK_EQUAL(agents, 1u);
  CAF_CHECK_EQUAL(server->last_upgrade_header("User-Agent"), "probe/1");
  CAF_CHECK_EQUAL(server->unauthorized(), 0u);
  auto frames = sample_frames();
  for (auto& f : frames)
    server->send_text(f);
  CAF_REQUIRE(wait_events(frames.size()));
}

CAF_TEST(a token from a file is sent as read at start) {
  const std::string token = "tok-from-file-51d0";
  hub::server_options opts;
  opts.require_bearer_token = token;
  start_server(opts);
  auto path = std::filesystem::temp_directory_path() /
              ("hubwatch-token-" + std::to_string(::getpid()));
  {
    std::ofstream out{path};
    out << token << "\n";
  }
  cfg.bearer_token_file = path.string();
  start_observer();
  CAF_CHECK(wait_connected());
  std::filesystem::remove(path);
  CAF_CHECK_EQUAL(server->last_upgrade_header("Authorization"),
                  "Bearer " + token);
}

CAF_TEST(a wrong token is 401 handshake rejected and never reported) {
  const std::string wrong = "tok-wrong-8c2e55";
  hub::server_options opts;
  opts.require_bearer_token = "tok-right-0000";
  // The test hub repeats the refused credentials in its 401 body.
  opts.echo_refused_token = true;
  start_server(opts);
  cfg.bearer_token = secret_string{wrong};
  start_observer();
  auto st = wait_status([](const connection_status& x) {
    return x.state == connection_state::error;
  });
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(st->http_status, uint16_t{401});
  CAF_CHECK_EQUAL(st->error_code, hub_errc::handshake_rejected);
  CAF_CHECK(!st->next_delay);
  CAF_CHECK_EQUAL(server->unauthorized(), 1u);
  CAF_CHECK_EQUAL(server->last_upgrade_header("Authorization"),
                  "Bearer " + wrong);
  // The body excerpt is there, with the echoed token masked.
  CAF_MESSAGE("error message: " << st->error_message);
  const std::string expected = "the hub refused the WebSocket upgrade with "
                               "HTTP 401 Unauthorized: invalid credentials: "
                               "***; not retrying";
  CAF_CHECK_EQUAL(st->error_message.rfind(expected, 0), 0u);
  for (auto& x : col.all<connection_status>()) {
    CAF_CHECK_EQUAL(to_string(x).find(wrong), std::string::npos);
    CAF_CHECK_EQUAL(caf::deep_to_string(x).find(wrong), std::string::npos);
  }
}

CAF_TEST(many observers in one process are independent) {
  start_server();
  start_observer();
  collector other_col;
  observer other{sys, cfg};
  auto other_sub = other.subscribe(other_col.callbacks());
  CAF_REQUIRE(other.start().empty());
  CAF_REQUIRE(wait_connected());
  CAF_REQUIRE(server->wait_for_clients(2, 5s));
  server->send_text(sample_frames()[0]);
  CAF_REQUIRE(wait_events(1));
  CAF_REQUIRE(other_col.wait(
    [](const collector& c) { return c.events_unlocked() == 1; }));
  must(other.disconnect());
  CAF_CHECK(server->wait_for_clients_below(2, 5s));
  server->send_text(sample_frames()[1]);
  CAF_REQUIRE(wait_events(2));
  CAF_CHECK_EQUAL(must(other.snapshot()).counters.events, 1u);
}

CAF_TEST(the facade answers with an error when the pipeline does not ) {
  start_server();
  start_observer();
  CAF_REQUIRE(wait_connected());
  CAF_CHECK(obs->snapshot());
  // A registry that is gone is an error, not an empty snapshot.
  caf::scoped_actor self{sys};
  self->send_exit(obs->registry(), caf::exit_reason::kill);
  self->wait_for(obs->registry());
  CAF_CHECK(!obs->snapshot(std::chrono::milliseconds(500)));
  // The supervisor still answers for the connection alone.
  CAF_CHECK(obs->status());
  // Before start() there is no supervisor: status and disconnect ask the
  // registry, and say so when it does not answer.
  observer idle{sys, cfg};
  CAF_CHECK(idle.status());
  self->send_exit(idle.registry(), caf::exit_reason::kill);
  self->wait_for(idle.registry());
  CAF_CHECK(!idle.snapshot(std::chrono::milliseconds(500)));
  CAF_CHECK(!idle.status(std::chrono::milliseconds(500)));
  CAF_CHECK(!idle.disconnect(std::chrono::milliseconds(500)));
}

CAF_TEST_FIXTURE_SCOPE_END()
