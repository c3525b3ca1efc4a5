#include "bench/transport.hpp"

#include <chrono>
#include <cstdio>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/timestamp.hpp>

#include "bench/pipeline.hpp"
#include "hubwatch/core/reference_agent_table.hpp"
#include "hubwatch/core/reference_frame_parser.hpp"
#include "hubwatch/net/frame_channel.hpp"
#include "hubwatch/net/ws_session.hpp"

namespace hubwatch::bench {

namespace {

/// Takes the time and CPU of a run that started at `t0` / `cpu0`, waits for
/// the source, and says so when fewer than `n` events arrived.
void finish(read_result& result, clock_type::time_point t0, double cpu0,
            blast_source& src, uint64_t n, const char* what) {
  result.secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  result.cpu_s = process_cpu_s() - cpu0;
  src.join();
  if (result.events != n)
    std::fprintf(stderr, "%s: got %llu of %llu events\n", what,
                 static_cast<unsigned long long>(result.events),
                 static_cast<unsigned long long>(n));
}

} // namespace

double read_result::events_per_s() const {
  return secs > 0 ? static_cast<double>(events) / secs : 0;
}

double read_result::mb_per_s() const {
  return secs > 0 ? static_cast<double>(bytes) / secs / 1e6 : 0;
}

double read_result::cpu_us_per_event() const {
  return events > 0 ? cpu_s * 1e6 / static_cast<double>(events) : 0;
}

double mean_size(const std::vector<std::string>& frames) {
  double total = 0;
  for (auto& x : frames)
    total += static_cast<double>(x.size());
  return frames.empty() ? 0 : total / static_cast<double>(frames.size());
}

read_result read_loop(blast_source& src, const std::vector<std::string>& frames,
                      uint64_t n, read_mode mode) {
  namespace beast = boost::beast;
  namespace websocket = beast::websocket;
  using tcp = boost::asio::ip::tcp;
  src.serve({n, frames, 0, {}});
  boost::asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  ws.next_layer().connect(
    tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), src.port()});
  ws.handshake("127.0.0.1", "/ws");
  // The limit loop parses with the tree-building reference parser (Boost.
  // JSON's DOM) into an unordered_map of full records, as a plain client
  // would, and stays so: hubwatch's single-pass parser and compact agent
  // table are part of what is measured against it.
  reference_frame_parser parser{1 << 20, 64};
  reference_agent_table agents;
  daemon_event ev;
  parse_error err;
  beast::flat_buffer buf;
  read_result result;
  auto now = caf::make_timestamp();
  auto t0 = clock_type::now();
  auto cpu0 = process_cpu_s();
  for (;;) {
    beast::error_code ec;
    ws.read(buf, ec);
    if (ec)
      break;
    auto data = buf.cdata();
    result.bytes += data.size();
    if (mode == read_mode::transport_only) {
      ++result.events;
    } else if (parser.parse(
                 {static_cast<const char*>(data.data()), data.size()}, ev,
                 err)) {
      ev.seq = ++result.events;
      agents.apply(ev, now);
    }
    buf.clear();
  }
  finish(result, t0, cpu0, src, n,
         mode == read_mode::transport_only ? "transport ceiling"
                                           : "limit loop");
  return result;
}

read_result session_loop(blast_source& src,
                         const std::vector<std::string>& frames, uint64_t n) {
  src.serve({n, frames, 0, {}});
  boost::asio::io_context io{1};
  websocket_config cfg;
  cfg.url = src.url();
  cfg.idle_timeout = caf::timespan{0};
  session_settings settings;
  if (auto err = make_session_settings(cfg, settings); !err.empty()) {
    std::fprintf(stderr, "session ceiling: %s\n", err.c_str());
    std::abort();
  }
  settings.single_threaded_io = true;
  auto ch = std::make_shared<frame_channel>(cfg.max_frame_bytes);
  frame_buffer drained;
  read_result result;
  session_callbacks callbacks;
  callbacks.connected = [](bool) {
  };
  // Called on the io thread: the frames are dropped where they arrive.
  callbacks.frames_ready = [&] {
    ch->drain(drained);
    result.events += drained.size();
    result.bytes += drained.bytes();
  };
  callbacks.ended = [](session_result) {
  };
  auto session = make_ws_session(io, std::move(settings), ch, callbacks);
  auto t0 = clock_type::now();
  auto cpu0 = process_cpu_s();
  session->start();
  io.run();
  finish(result, t0, cpu0, src, n, "session ceiling");
  return result;
}

} // namespace hubwatch::bench
