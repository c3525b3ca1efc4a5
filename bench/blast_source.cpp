#include "bench/blast_source.hpp"

#include <chrono>
#include <ctime>

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace hubwatch::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

void append_text_frame(std::string& out, const std::string& payload) {
  out += static_cast<char>(0x81); // FIN + text
  auto n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n < 65536) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int i = 7; i >= 0; --i)
      out += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xFF);
  }
  out += payload;
}

blast_source::blast_source()
  : acceptor_(io_, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}) {
  port_ = acceptor_.local_endpoint().port();
}

blast_source::~blast_source() {
  join();
}

void blast_source::join() {
  if (thread_.joinable())
    thread_.join();
}

void blast_source::serve(plan p, std::function<void()> before_close) {
  join();
  before_close_ = std::move(before_close);
  thread_ = std::thread([this, p = std::move(p)] {
    tcp::socket sock{io_};
    acceptor_.accept(sock);
    sock.set_option(tcp::no_delay{true});
    websocket::stream<tcp::socket> ws{std::move(sock)};
    ws.accept();
    auto& raw = ws.next_layer();
    if (p.rate <= 0 && p.make_frame) {
      std::string chunk;
      for (uint64_t i = 0; i < p.count; ++i) {
        append_text_frame(chunk, p.make_frame(i));
        if (chunk.size() >= 16384 || i + 1 == p.count) {
          net::write(raw, net::buffer(chunk));
          chunk.clear();
        }
      }
    } else if (p.rate <= 0) {
      // One chunk holds the whole cycle of frames; write it until `count`.
      std::string chunk;
      for (auto& f : p.frames)
        append_text_frame(chunk, f);
      uint64_t sent = 0;
      while (sent + p.frames.size() <= p.count) {
        net::write(raw, net::buffer(chunk));
        sent += p.frames.size();
      }
      std::string rest;
      for (size_t i = 0; sent < p.count; ++i, ++sent)
        append_text_frame(rest, p.frames[i]);
      net::write(raw, net::buffer(rest));
    } else {
      // Send whatever is due, then nap briefly: spinning would steal a core
      // from the observer on a small machine. Each frame is stamped when it
      // is made, just before it is written, so naps never flatter latency.
      using clock = std::chrono::steady_clock;
      auto start = clock::now();
      auto period = std::chrono::duration<double>(1.0 / p.rate);
      std::string buf;
      uint64_t i = 0;
      while (i < p.count) {
        auto elapsed = std::chrono::duration<double>(clock::now() - start);
        auto due = std::min<uint64_t>(
          p.count, static_cast<uint64_t>(elapsed / period) + 1);
        for (; i < due; ++i) {
          buf.clear();
          append_text_frame(buf, p.make_frame(i));
          net::write(raw, net::buffer(buf));
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    if (before_close_)
      before_close_();
    // Close 1000, then read until the client answers (and count anything
    // it sent that was not a control frame).
    const char close_frame[] = {'\x88', '\x02', '\x03', '\xe8'};
    net::write(raw, net::buffer(close_frame, sizeof(close_frame)));
    beast::flat_buffer buf;
    beast::error_code ec;
    for (;;) {
      ws.read(buf, ec);
      if (ec)
        break;
      ++received_;
      buf.clear();
    }
    raw.close(ec);
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    cpu_ns_ = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  });
}

} // namespace hubwatch::bench
