#pragma once

// Runs a program of ours as a child process with its stdout (and stderr) on
// pipes, for end-to-end tests of the command-line programs.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace hubwatch::test {

/// What a child runs, made ready before the fork: a child forked from a
/// multi-threaded process may only call async-signal-safe functions until it
/// execs, and allocating there (building the argument array, `putenv`
/// growing the environment) can hang the child for good when another thread
/// held the allocator's lock at the fork (seen under ThreadSanitizer).
class exec_plan {
public:
  /// `argv[0]` with `argv`, and the environment with `env` entries
  /// (`KEY=VALUE`) added or replacing those of the same key.
  exec_plan(const std::vector<std::string>& argv,
            const std::vector<std::string>& env)
    : argv_strings_(argv) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv{*e};
      auto key = kv.substr(0, kv.find('=') + 1);
      bool replaced = false;
      for (auto& x : env)
        replaced = replaced || x.compare(0, key.size(), key) == 0;
      if (!replaced)
        env_strings_.push_back(std::move(kv));
    }
    env_strings_.insert(env_strings_.end(), env.begin(), env.end());
    for (auto& x : argv_strings_)
      argv_.push_back(x.data());
    argv_.push_back(nullptr);
    for (auto& x : env_strings_)
      envp_.push_back(x.data());
    envp_.push_back(nullptr);
  }

  /// In the child just forked: execs the plan; never returns. Calls only
  /// async-signal-safe functions.
  [[noreturn]] void exec() const {
    // Nothing else of the test process goes along: asio opens sockets
    // without close-on-exec, and a child that inherits a test server's
    // listening socket keeps its port bound after the server stops.
    close_range(3, ~0U, 0);
    // The test runner may have blocked signals; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv_[0], argv_.data(), envp_.data());
    _exit(127);
  }

private:
  std::vector<std::string> argv_strings_;
  std::vector<std::string> env_strings_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

class child_process {
public:
  /// Starts `argv[0]` with `argv`; `env` entries (`KEY=VALUE`) are added to
  /// the environment.
  explicit child_process(std::vector<std::string> argv,
                         std::vector<std::string> env = {}) {
    int out[2];
    int err[2];
    if (pipe(out) != 0 || pipe(err) != 0)
      throw std::runtime_error("pipe failed");
    exec_plan plan{argv, env};
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      close(out[0]);
      close(err[0]);
      close(out[1]);
      close(err[1]);
      plan.exec();
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
    fcntl(out_, F_SETFL, O_NONBLOCK);
    fcntl(err_, F_SETFL, O_NONBLOCK);
  }

  ~child_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(5));
    }
    close(out_);
    close(err_);
  }

  void signal(int sig) {
    kill(pid_, sig);
  }

  pid_t pid() const {
    return pid_;
  }

  /// Reads stdout until a complete line arrives or `timeout` passes.
  bool read_line(std::string& line, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = out_buf_.find('\n');
      if (nl != std::string::npos) {
        line = out_buf_.substr(0, nl);
        out_buf_.erase(0, nl + 1);
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !pump(left))
        return false;
    }
  }

  /// Reads lines until one contains `needle` (returned in `line`).
  bool read_until(const std::string& needle, std::string& line,
                  std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_line(line, left))
        return false;
      if (line.find(needle) != std::string::npos)
        return true;
    }
  }

  /// Reads until stderr holds a line containing `needle`; returns that line
  /// in `line`.
  bool read_stderr_until(const std::string& needle, std::string& line,
                         std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto pos = err_buf_.find(needle);
      if (pos != std::string::npos) {
        auto nl = err_buf_.find('\n', pos);
        if (nl != std::string::npos) {
          auto begin = err_buf_.rfind('\n', pos);
          begin = begin == std::string::npos ? 0 : begin + 1;
          line = err_buf_.substr(begin, nl - begin);
          return true;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pump(left);
    }
  }

  /// Waits for the exit; returns the exit code (or -signal), or -1000 on
  /// timeout. Everything left on stdout stays readable.
  int wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      int status = 0;
      auto r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline)
        return -1000;
      pump(std::chrono::milliseconds(20));
    }
    while (pump(std::chrono::milliseconds(0)))
      ; // drain
    return code_;
  }

  /// Moves whatever output is available now into the buffers.
  void drain() {
    while (pump(std::chrono::milliseconds(0)))
      ; // more
  }

  /// All of stdout not yet consumed by read_line.
  const std::string& rest_of_stdout() const {
    return out_buf_;
  }

  const std::string& stderr_text() const {
    return err_buf_;
  }

private:
  // Moves available output into the buffers; false if nothing came.
  bool pump(std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(timeout.count())) <= 0)
      return false;
    bool got = false;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      ssize_t n;
      while ((n = read(fds[i].fd, buf, sizeof(buf))) > 0) {
        (i == 0 ? out_buf_ : err_buf_).append(buf, static_cast<size_t>(n));
        got = true;
      }
    }
    return got;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  bool exited_ = false;
  int code_ = 0;
  std::string out_buf_;
  std::string err_buf_;
};

/// One `--json` output line as an object; fails the test if it is not one.
inline boost::json::object parse_line(const std::string& line) {
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  if (ec || !v.is_object())
    CAF_FAIL("not a JSON object line: " << line);
  return v.as_object();
}

/// Every non-empty line of `text`, parsed by `parse_line`.
inline std::vector<boost::json::object> parse_lines(const std::string& text) {
  std::vector<boost::json::object> result;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos)
      nl = text.size();
    if (nl > pos)
      result.push_back(parse_line(text.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return result;
}

} // namespace hubwatch::test
