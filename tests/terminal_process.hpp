#pragma once

// Runs a command on a pseudo-terminal of its own, as a person at a terminal
// runs it: the command leads a new session with the terminal as its
// controlling terminal, so a typed Ctrl-C reaches its whole foreground
// process group through the terminal driver, exactly as it does in a shell.

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace hubwatch::test {

class terminal_process {
public:
  /// Starts `argv[0]` with `argv` on a new 120x40 terminal; `env` entries
  /// (`KEY=VALUE`) are added to the environment.
  explicit terminal_process(std::vector<std::string> argv,
                            std::vector<std::string> env = {}) {
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 120;
    exec_plan plan{argv, env};
    pid_ = forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ < 0)
      throw std::runtime_error("forkpty failed");
    if (pid_ == 0)
      plan.exec();
    // The terminal's defaults but for NOFLSH: a typed Ctrl-C would otherwise
    // discard what the command wrote and the test has not read yet, though a
    // person would have seen it. Only a Ctrl-C typed later depends on it.
    termios modes{};
    if (tcgetattr(master_, &modes) == 0) {
      modes.c_lflag |= NOFLSH;
      tcsetattr(master_, TCSANOW, &modes);
    }
  }

  terminal_process(const terminal_process&) = delete;
  terminal_process& operator=(const terminal_process&) = delete;

  ~terminal_process() {
    if (pid_ > 0 && !exited_) {
      kill(-pid_, SIGKILL);
      wait_exit(std::chrono::seconds(5));
    }
    close(master_);
  }

  /// Types `keys` on the terminal's keyboard ("\x03" is Ctrl-C).
  void type(const std::string& keys) {
    if (write(master_, keys.data(), keys.size()) < 0)
      throw std::runtime_error("write to the terminal failed");
  }

  /// Reads the screen until it holds `needle` after `from`, or `timeout`
  /// passes.
  bool read_until(const std::string& needle, std::chrono::milliseconds timeout,
                  size_t from = 0) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (screen_.find(needle, from) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || hung_up_)
        return false;
      pump(left);
    }
    return true;
  }

  /// Waits for the exit; returns the exit code (or -signal), or -1000 on
  /// timeout. What the command wrote before it ended stays on `screen()`.
  int wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline)
        return -1000;
      if (!pump(std::chrono::milliseconds(20)) && hung_up_)
        usleep(20000);
    }
    while (pump(std::chrono::milliseconds(0)))
      ; // drain
    return code_;
  }

  /// Everything written to the terminal so far (the terminal turns `\n` into
  /// `\r\n`).
  const std::string& screen() const {
    return screen_;
  }

private:
  // False if nothing came (or the terminal is closed: EIO once the last
  // process holding it has gone).
  bool pump(std::chrono::milliseconds timeout) {
    pollfd fd{master_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(timeout.count())) <= 0)
      return false;
    char buf[4096];
    auto n = read(master_, buf, sizeof(buf));
    if (n <= 0) {
      hung_up_ = true;
      return false;
    }
    screen_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int master_ = -1;
  bool exited_ = false;
  bool hung_up_ = false;
  int code_ = 0;
  std::string screen_;
};

} // namespace hubwatch::test
