#pragma once

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace hubwatch {

/// An asio `io_context` with one thread of its own: where WebSocket sessions
/// run when the embedding application does not hand in its own context.
class io_runner {
public:
  io_runner();

  /// Lets pending handlers finish for at most a moment, then stops the
  /// context and joins the thread.
  ~io_runner();

  io_runner(const io_runner&) = delete;
  io_runner& operator=(const io_runner&) = delete;

  boost::asio::io_context& context() {
    return io_;
  }

private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
    guard_;
  std::thread thread_;
};

} // namespace hubwatch
