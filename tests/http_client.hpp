#pragma once

// A small HTTP/1.1 client on Boost.Beast for the /metrics tests: async
// operations run to completion on a private io_context, every exchange
// bounded by a timeout, so that a test fails instead of hanging.

#include <chrono>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hubwatch::test {

struct http_reply {
  /// 0 when no response came (refused, closed, timed out).
  unsigned status = 0;
  std::string content_type;
  std::string allow;
  std::string www_authenticate;
  bool keep_alive = false;
  std::string body;
  /// Why no response came.
  std::string error;
};

/// One connection to 127.0.0.1:port; requests go one after the other.
class http_client {
public:
  explicit http_client(
    uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5))
    : stream_(io_), timeout_(timeout) {
    namespace asio = boost::asio;
    stream_.expires_after(timeout_);
    stream_.async_connect(
      asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port},
      [this](boost::beast::error_code ec) {
        if (ec)
          connect_error_ = ec.message();
      });
    io_.run();
  }

  http_reply request(boost::beast::http::verb verb, const std::string& target,
                     std::string body = {}) {
    namespace http = boost::beast::http;
    http_reply out;
    if (!connect_error_.empty()) {
      out.error = connect_error_;
      return out;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!authorization.empty())
      req.set(http::field::authorization, authorization);
    req.keep_alive(true);
    if (!body.empty()) {
      req.body() = std::move(body);
      req.prepare_payload();
    }
    http::response<http::string_body> res;
    stream_.expires_after(timeout_);
    http::async_write(stream_, req, [&](boost::beast::error_code ec, size_t) {
      if (ec) {
        out.error = ec.message();
        return;
      }
      http::async_read(
        stream_, buffer_, res, [&](boost::beast::error_code ec2, size_t) {
          if (ec2) {
            out.error = ec2.message();
            return;
          }
          out.status = res.result_int();
          out.content_type = std::string{res[http::field::content_type]};
          out.allow = std::string{res[http::field::allow]};
          out.www_authenticate =
            std::string{res[http::field::www_authenticate]};
          out.keep_alive = res.keep_alive();
          out.body = res.body();
        });
    });
    io_.restart();
    io_.run();
    return out;
  }

  http_reply get(const std::string& target) {
    return request(boost::beast::http::verb::get, target);
  }

  /// Sent with every request when not empty.
  std::string authorization;

  /// Writes `bytes` as they are and returns everything that comes back
  /// until the server closes (or the timeout passes).
  std::string raw(const std::string& bytes) {
    namespace asio = boost::asio;
    std::string received;
    if (!connect_error_.empty())
      return received;
    stream_.expires_after(timeout_);
    asio::async_write(stream_, asio::buffer(bytes),
                      [this, &received](boost::beast::error_code ec, size_t) {
                        if (!ec)
                          read_all(received);
                      });
    io_.restart();
    io_.run();
    return received;
  }

  /// True once the server closed the connection (a read sees its end).
  bool closed_by_server() {
    stream_.expires_after(timeout_);
    bool closed = false;
    stream_.async_read_some(boost::asio::buffer(chunk_),
                            [&](boost::beast::error_code ec, size_t) {
                              closed = ec && ec != boost::beast::error::timeout;
                            });
    io_.restart();
    io_.run();
    return closed;
  }

private:
  void read_all(std::string& received) {
    stream_.async_read_some(
      boost::asio::buffer(chunk_),
      [this, &received](boost::beast::error_code ec, size_t n) {
        received.append(chunk_, n);
        if (!ec)
          read_all(received);
      });
  }

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  std::string connect_error_;
  char chunk_[4096];
};

/// One GET on a connection of its own.
inline http_reply http_get(uint16_t port, const std::string& target) {
  http_client c{port};
  return c.get(target);
}

/// One GET over HTTPS that trusts only `ca_file`; `authorization` is sent
/// when not empty. `error` says why no response came (a refused handshake
/// included).
inline http_reply https_get(uint16_t port, const std::string& target,
                            const std::string& ca_file,
                            const std::string& authorization = {}) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  http_reply out;
  asio::io_context io;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::error_code ec;
  ctx.load_verify_file(ca_file, ec);
  if (ec) {
    out.error = "cannot load " + ca_file + ": " + ec.message();
    return out;
  }
  beast::ssl_stream<beast::tcp_stream> stream{io, ctx};
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!authorization.empty())
    req.set(http::field::authorization, authorization);
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  auto fail = [&out](beast::error_code e) {
    out.error = e.message();
  };
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  beast::get_lowest_layer(stream).async_connect(
    asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port},
    [&](beast::error_code e) {
      if (e)
        return fail(e);
      stream.async_handshake(
        asio::ssl::stream_base::client, [&](beast::error_code e2) {
          if (e2)
            return fail(e2);
          http::async_write(stream, req, [&](beast::error_code e3, size_t) {
            if (e3)
              return fail(e3);
            http::async_read(
              stream, buffer, res, [&](beast::error_code e4, size_t) {
                if (e4)
                  return fail(e4);
                out.status = res.result_int();
                out.content_type = std::string{res[http::field::content_type]};
                out.www_authenticate =
                  std::string{res[http::field::www_authenticate]};
                out.body = res.body();
              });
          });
        });
    });
  io.run();
  return out;
}

/// The samples of an exposition: series text (name and labels) -> value.
inline std::map<std::string, std::string>
parse_samples(const std::string& body) {
  std::map<std::string, std::string> result;
  std::istringstream in{body};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    if (space != std::string::npos)
      result[line.substr(0, space)] = line.substr(space + 1);
  }
  return result;
}

} // namespace hubwatch::test
