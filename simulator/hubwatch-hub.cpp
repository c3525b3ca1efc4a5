// hubwatch-hub: a daemon hub simulator. Serves /ws and /health like a real
// hub in demo mode with extras (or exactly like one, --like-real-hub), or
// blasts events at each client for benchmarks.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <CLI/CLI.hpp>

#include "hubwatch/core/credentials.hpp"
#include "programs/program_info.hpp"
#include "programs/program_log.hpp"
#include "simulator/demo_script.hpp"
#include "simulator/hub_server.hpp"

namespace net = boost::asio;
using namespace std::chrono;
using namespace hubwatch::hub;

namespace {

constexpr const char* prog = "hubwatch-hub";

struct options {
  uint16_t port = 8080;
  std::string bind = "127.0.0.1";
  double rate_scale = 1.0;
  size_t max_clients = 0;
  double duration_s = 0;
  uint64_t blast = 0;
  bool deflate = false;
  bool like_real_hub = false;
  uint64_t seed = 1;
  std::string cert_file;
  std::string key_file;
  std::string token_file;
  bool echo_refused_token = false;
  hubwatch::log_options log;
};

struct bad_flag {
  std::string message;
};

// Whole numbers only: CLI11 would also take "0x10" or "1e3" for an integer.
CLI::Validator whole_number(uint64_t max) {
  return CLI::Validator(
    [max](std::string& value) -> std::string {
      bool digits = !value.empty() && value.size() <= 20 &&
                    value.find_first_not_of("0123456789") == std::string::npos;
      if (digits) {
        errno = 0;
        auto x = std::strtoull(value.c_str(), nullptr, 10);
        if (errno == 0 && x <= max)
          return {};
      }
      return "invalid value '" + value + "': expected an integer from 0 to " +
             std::to_string(max);
    },
    "", "whole_number");
}

CLI::Validator non_negative_number(bool allow_zero) {
  return CLI::Validator(
    [allow_zero](std::string& value) -> std::string {
      char* end = nullptr;
      auto x = value.empty() ? NAN : std::strtod(value.c_str(), &end);
      if (end && *end == '\0' && std::isfinite(x) && x >= 0 &&
          (allow_zero || x > 0))
        return {};
      return "invalid value '" + value + "': expected a number " +
             (allow_zero ? ">= 0" : "> 0");
    },
    "", "number");
}

// Returns nullopt after --help or --version.
std::optional<options> parse(int argc, char** argv) {
  options opts;
  CLI::App app{"Simulates a daemon hub: WebSocket events on /ws, health on "
               "/health.",
               prog};
  app.get_formatter()->column_width(24);
  app.set_help_flag("-h,--help", "print this and exit");
  bool version = false;
  app.add_flag("-V,--version", version,
               "print the version and the libraries built with, and exit");
  app.add_option("-p,--port", opts.port, "TCP port, 0 = any free one")
    ->check(whole_number(65535))
    ->capture_default_str();
  app.add_option("-b,--bind", opts.bind, "address to listen on")
    ->check(CLI::Validator(
      [](std::string& v) -> std::string {
        return v.empty() ? "expected an address" : "";
      },
      "", "address"))
    ->capture_default_str();
  app
    .add_option("-r,--rate-scale", opts.rate_scale,
                "cadence multiplier, 10 = ten times faster")
    ->check(non_negative_number(false))
    ->capture_default_str();
  app
    .add_option("--max-clients", opts.max_clients,
                "refuse upgrades beyond N clients with 503, 0 = unlimited")
    ->check(whole_number(1000000))
    ->capture_default_str();
  app
    .add_option("-d,--duration-s", opts.duration_s,
                "stop after S seconds, 0 = run until SIGINT or SIGTERM")
    ->check(non_negative_number(true))
    ->capture_default_str();
  app
    .add_option("--blast", opts.blast,
                "send N events to each client as fast as it reads, then "
                "close it with 1000; no demo cadence, 0 = off")
    ->check(whole_number(std::numeric_limits<uint64_t>::max()))
    ->capture_default_str();
  app.add_flag("--deflate", opts.deflate,
               "accept permessage-deflate and fragment every message");
  app.add_flag("--like-real-hub", opts.like_real_hub,
               "exactly what a real hub in demo mode does: nothing on "
               "connect, no exec-001, plain heartbeats; deflate offers naming "
               "server_max_window_bits get HTTP 400, other offers are taken "
               "and then every message is fragmented");
  app.add_option("--seed", opts.seed, "seed of the event generator")
    ->check(whole_number(std::numeric_limits<uint64_t>::max()))
    ->capture_default_str();
  auto* cert = app.add_option("--cert", opts.cert_file,
                              "PEM certificate chain: serve wss:// (needs "
                              "--key)");
  auto* key =
    app.add_option("--key", opts.key_file, "PEM private key for --cert");
  cert->needs(key);
  key->needs(cert);
  auto* token =
    app.add_option("--require-bearer-token-file", opts.token_file,
                   "answer upgrades without \"Authorization: Bearer <the "
                   "token in this file>\" with HTTP 401");
  app
    .add_flag("--echo-refused-token", opts.echo_refused_token,
              "the 401 body repeats the Authorization presented, as careless "
              "hubs do (for tests: a client must not print it)")
    ->needs(token);
  app.add_option("--log-level", opts.log.level, "on stderr")
    ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
    ->capture_default_str();
  app.add_option("--log-format", opts.log.format)
    ->check(CLI::IsMember({"text", "json"}))
    ->capture_default_str();
  app.footer("Exit codes: 0 stopped (SIGINT, SIGTERM, --duration-s), 1 could "
             "not start (e.g. the port is in use), 2 refused flags.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    throw bad_flag{e.what()};
  }
  if (version) {
    std::cout << hubwatch::version_text(prog, "");
    return std::nullopt;
  }
  return opts;
}

// Frames for --blast: a few simulated minutes of the demo script, cycled.
std::shared_ptr<const std::vector<std::string>> blast_pool(uint64_t seed) {
  auto pool = std::make_shared<std::vector<std::string>>();
  demo_script script{seed};
  for (int i = 0; i < 600; ++i)
    for (auto& frame : script.advance(seconds(1)))
      pool->push_back(std::move(frame));
  return pool;
}

} // namespace

int main(int argc, char** argv) {
  std::optional<options> opts;
  try {
    opts = parse(argc, argv);
  } catch (const bad_flag& err) {
    hubwatch::make_program_log(prog, {})->error("{} (see --help)", err.message);
    return hubwatch::exit_refused;
  }
  if (!opts)
    return hubwatch::exit_stopped;
  auto log = hubwatch::make_program_log(prog, opts->log);
  server_options server_opts;
  server_opts.bind = opts->bind;
  server_opts.port = opts->port;
  server_opts.max_clients = opts->max_clients;
  server_opts.accept_deflate = opts->deflate;
  if (opts->like_real_hub) {
    // The real hub always takes a deflate offer it can parse.
    server_opts.accept_deflate = true;
    server_opts.fragment_only_deflated = true;
    server_opts.refuse_deflate = server_options::deflate_refusal::like_real_hub;
  }
  if (!opts->token_file.empty()) {
    // The same rules as hubwatch's own --bearer-token-file; the message
    // names the file, never its content.
    auto why = hubwatch::read_token_file(opts->token_file,
                                         server_opts.require_bearer_token);
    if (!why.empty()) {
      log->error("--require-bearer-token-file = {}", why);
      return hubwatch::exit_refused;
    }
    server_opts.echo_refused_token = opts->echo_refused_token;
  }
  server_opts.cert_file = opts->cert_file;
  server_opts.key_file = opts->key_file;
  // The greeting runs on the server's I/O thread, the cadence on this one.
  std::mutex script_mtx;
  demo_script script{opts->seed, opts->like_real_hub};
  if (opts->blast > 0) {
    auto pool = blast_pool(opts->seed);
    auto total = opts->blast;
    server_opts.make_source = [pool, total] {
      return frame_source{
        [pool, total, sent = uint64_t{0}](std::string& out) mutable {
          if (sent == total)
            return false;
          out = (*pool)[sent++ % pool->size()];
          return true;
        }};
    };
  } else if (!opts->like_real_hub) {
    // Unlike a real hub, whose first heartbeat comes up to 5 s after a
    // connect: a dashboard should not wait for its agents.
    server_opts.greeting = [&] {
      std::lock_guard<std::mutex> guard{script_mtx};
      return script.heartbeats();
    };
  }
  // Catch signals before announcing the port: whoever reads that line may
  // send SIGINT right away and expects the count on the way out.
  net::io_context ioc;
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  // Which signal stopped it goes on stderr: scripts/demo stops it with
  // SIGTERM only after the dashboard has closed, and its test checks that the
  // terminal's SIGINT never reached the simulator.
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) {
      log->info("stopping on {}", sig == SIGINT ? "SIGINT" : "SIGTERM");
      ioc.stop();
    }
  });
  hub_server server{server_opts};
  try {
    server.start();
  } catch (const std::exception& ex) {
    log->error(ex.what());
    return hubwatch::exit_cannot_start;
  }
  log->info("listening on {}", server.url());
  net::steady_timer deadline{ioc};
  if (opts->duration_s > 0) {
    deadline.expires_after(duration_cast<steady_clock::duration>(
      duration<double>{opts->duration_s}));
    deadline.async_wait([&](boost::system::error_code ec) {
      if (!ec)
        ioc.stop();
    });
  }
  // The script runs on simulated time = real time * rate scale; ticks are
  // short enough that a faster cadence still comes out evenly spaced.
  net::steady_timer ticker{ioc};
  auto started = steady_clock::now();
  auto tick =
    duration_cast<steady_clock::duration>(duration<double, std::milli>{
      std::clamp(50.0 / opts->rate_scale, 1.0, 50.0)});
  std::function<void()> on_tick = [&] {
    auto real = duration<double, std::milli>{steady_clock::now() - started};
    auto target =
      milliseconds{static_cast<int64_t>(real.count() * opts->rate_scale)};
    std::vector<std::string> frames;
    {
      std::lock_guard<std::mutex> guard{script_mtx};
      frames = script.advance(target - script.elapsed());
    }
    for (auto& frame : frames)
      server.send_text(std::move(frame));
    ticker.expires_at(ticker.expiry() + tick);
    ticker.async_wait([&](boost::system::error_code ec) {
      if (!ec)
        on_tick();
    });
  };
  if (opts->blast == 0) {
    ticker.expires_at(steady_clock::now());
    on_tick();
  }
  ioc.run();

  server.stop();
  log->info("data frames received from clients: {}",
            server.data_frames_received());
  return hubwatch::exit_stopped;
}
