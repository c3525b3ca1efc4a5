#include "hubwatch/net/io_runner.hpp"

namespace hubwatch {

io_runner::io_runner()
  : io_(1), guard_(boost::asio::make_work_guard(io_)),
    thread_([this] { io_.run(); }) {
  // nop
}

io_runner::~io_runner() {
  guard_.reset();
  io_.stop();
  if (thread_.joinable())
    thread_.join();
}

} // namespace hubwatch
