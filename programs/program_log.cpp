#include "programs/program_log.hpp"

#include <cstdio>
#include <ctime>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace hubwatch {

namespace {

/// The level names an operator filters on; spdlog's own say "warning".
std::string level_name(spdlog::level::level_enum x) {
  switch (x) {
  case spdlog::level::trace:
  case spdlog::level::debug:
    return "debug";
  case spdlog::level::info:
    return "info";
  case spdlog::level::warn:
    return "warn";
  default:
    return "error";
  }
}

bool parse_level(const std::string& s, spdlog::level::level_enum& out) {
  if (s == "error")
    out = spdlog::level::err;
  else if (s == "warn")
    out = spdlog::level::warn;
  else if (s == "info")
    out = spdlog::level::info;
  else if (s == "debug")
    out = spdlog::level::debug;
  else
    return false;
  return true;
}

/// Formats every message with `text_log_line` or `json_log_line`, so the
/// lines a test checks are the lines the program writes.
class line_formatter : public spdlog::formatter {
public:
  line_formatter(std::string program, bool json)
    : program_(std::move(program)), json_(json) {
    // nop
  }

  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    std::string message{msg.payload.data(), msg.payload.size()};
    auto time =
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        msg.time);
    auto line =
      json_ ? json_log_line(time, level_name(msg.level), program_, message)
            : text_log_line(time, level_name(msg.level), program_, message);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(program_, json_);
  }

private:
  std::string program_;
  bool json_;
};

} // namespace

std::vector<std::string> check_log_options(const log_options& opts) {
  std::vector<std::string> errors;
  spdlog::level::level_enum level;
  if (!parse_level(opts.level, level))
    errors.push_back("--log-level = " + opts.level +
                     ": expected error, warn, info or debug");
  if (opts.format != "text" && opts.format != "json")
    errors.push_back("--log-format = " + opts.format +
                     ": expected text or json");
  return errors;
}

std::shared_ptr<spdlog::logger> make_program_log(const std::string& program,
                                                 const log_options& opts) {
  // Not registered with spdlog's global registry: each program owns its
  // logger and hands it where it is needed.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto log = std::make_shared<spdlog::logger>(program, std::move(sink));
  auto level = spdlog::level::info;
  parse_level(opts.level, level);
  log->set_level(level);
  log->set_formatter(
    std::make_unique<line_formatter>(program, opts.format == "json"));
  // Every line reaches the journal at once, also just before an exit.
  log->flush_on(spdlog::level::debug);
  return log;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto whole = floor<seconds>(t);
  auto secs = system_clock::to_time_t(whole);
  auto ms = duration_cast<milliseconds>(t - whole).count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

std::string json_log_line(std::chrono::system_clock::time_point t,
                          const std::string& level, const std::string& program,
                          const std::string& message) {
  boost::json::object obj;
  obj["time"] = iso8601_utc(t);
  obj["level"] = level;
  obj["program"] = program;
  obj["message"] = message;
  return boost::json::serialize(obj) + "\n";
}

std::string text_log_line(std::chrono::system_clock::time_point t,
                          const std::string& level, const std::string& program,
                          const std::string& message) {
  return iso8601_utc(t) + " " + level + " " + program + ": " + message + "\n";
}

} // namespace hubwatch
