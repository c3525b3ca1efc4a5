#pragma once

// The programs' log: spdlog on stderr (journald picks it up), one line per
// message with the wall-clock time in ISO-8601 (UTC), the level and the
// program, as text or as JSON. Status lines stay on stdout; the log is for
// what an operator's journal needs: where a node listens, refusals,
// warnings, and why a run ended with a failure. Nothing here ever receives
// a secret: callers log no URL, no environment value, no line of an
// environment file.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

namespace hubwatch {

/// --log-level and --log-format, as given.
struct log_options {
  std::string level = "info";
  std::string format = "text";
};

/// Refusals of `opts` in the words of the settings, e.g.
/// `--log-level = loud: expected error, warn, info or debug`.
std::vector<std::string> check_log_options(const log_options& opts);

/// A logger for `program` writing to stderr; `opts` must have passed
/// `check_log_options` (anything else falls back to info and text).
std::shared_ptr<spdlog::logger> make_program_log(const std::string& program,
                                                 const log_options& opts);

/// `t` as ISO-8601 in UTC with milliseconds: `2026-11-29T23:20:00.123Z`.
std::string iso8601_utc(std::chrono::system_clock::time_point t);

/// One JSON log line (with its newline):
/// `{"time":"…Z","level":"info","program":"…","message":"…"}`.
std::string json_log_line(std::chrono::system_clock::time_point t,
                          const std::string& level, const std::string& program,
                          const std::string& message);

/// One text log line (with its newline):
/// `2026-11-29T23:20:00.123Z info hubwatch-node: message`. The program and
/// message keep the form `PROGRAM: message` docs/service.md documents.
std::string text_log_line(std::chrono::system_clock::time_point t,
                          const std::string& level, const std::string& program,
                          const std::string& message);

} // namespace hubwatch
