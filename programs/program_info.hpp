#pragma once

// What all three programs say about themselves: their exit codes and their
// --version text. Kept apart from program_support.hpp because hubwatch-hub
// links neither CAF nor the library.

#include <string>

#include <boost/version.hpp>
#include <openssl/crypto.h>

#include "hubwatch_build.hpp"

namespace hubwatch {

/// The exit codes of the programs, one table in docs/cli.md and in --help.
/// 0: stopped by the user (signal, `q`) or by `--exit-after-*`.
constexpr int exit_stopped = 0;
/// 1: could not start (e.g. a port already in use).
constexpr int exit_cannot_start = 1;
/// 2: refused settings.
constexpr int exit_refused = 2;
/// 3: the observer reached a state it will not leave by itself.
constexpr int exit_stuck = 3;

/// The text of the exit code table, for --help.
inline const char* exit_code_help() {
  return "Exit codes:\n"
         "  0  stopped by the user (SIGINT, SIGTERM, q) or by --exit-after-*\n"
         "  1  could not start (e.g. a port already in use)\n"
         "  2  refused settings\n"
         "  3  the observer reached a state it will not leave by itself: it\n"
         "     gave up, the hub refused the upgrade with 401/403/404, or the\n"
         "     connection ended under --no-auto-reconnect other than by a\n"
         "     close 1000 from the hub (which ends with 0)\n";
}

/// The --version text: the program, hubwatch's version, the git revision
/// when built from a checkout, and the libraries it was built with
/// (`libraries` from the program, e.g. "CAF 0.17.6, "; Boost and OpenSSL are
/// added here, since all three programs use them).
inline std::string version_text(const std::string& program,
                                const std::string& libraries) {
  std::string rev = HUBWATCH_GIT_REVISION;
  std::string out = program + " " + HUBWATCH_VERSION;
  if (!rev.empty())
    out += " (git " + rev + ")";
  out += "\n" + libraries + "Boost " + std::to_string(BOOST_VERSION / 100000) +
         "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
         std::to_string(BOOST_VERSION % 100) + ", " +
         OpenSSL_version(OPENSSL_VERSION) + "\n";
  return out;
}

} // namespace hubwatch
