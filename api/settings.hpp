#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

/// A flag of one program (not a library setting), e.g. `--json`.
struct program_flag {
  std::string name;         ///< Without dashes.
  bool takes_value = false; ///< `--name VALUE`; otherwise a switch.
  bool repeatable = false;  ///< May be given more than once.
  std::string help;
  std::string default_text; ///< Shown by `--help`; empty for none.
  /// A one-letter alias without the dash (`-j` for `--json`); 0 for none.
  char short_name = 0;
  /// When >= 0, the value must be a whole number in [0, max_number]; it is
  /// refused otherwise, like a setting, and `loaded_settings::number` reads
  /// it.
  long long max_number = -1;
  /// Also read from the config file (key `name`) and the environment
  /// (`HUBWATCH_` + `name` in capitals, `-` as `_`), under the command line,
  /// like a library setting.
  bool also_setting = false;
};

/// The environment variable of a program flag with `also_setting`, e.g.
/// `HUBWATCH_TLS_CERT` for `tls-cert`.
std::string flag_env_name(const std::string& flag);

/// What `load_settings` made of defaults, config file, environment and
/// command line.
struct loaded_settings {
  websocket_config cfg;

  /// Program flags that were given, by name, in order. Switches map to
  /// `{"true"}`.
  std::map<std::string, std::vector<std::string>> flags;

  /// `--help` was given.
  bool help = false;

  /// `--version` was given.
  bool version = false;

  /// The config file that was read, if any.
  std::string config_file;

  /// Refusals, each naming the key, the value and where it came from. Empty
  /// when everything is fine (including `validate()`).
  std::vector<std::string> errors;

  /// What was ignored but deserves a word (a bad line in `.env`), each
  /// naming file and line; never the line's text, which may be a secret.
  std::vector<std::string> warnings;

  bool has(const std::string& name) const {
    return flags.count(name) > 0;
  }

  /// The last value of a program flag, or `fallback`.
  std::string value(const std::string& name,
                    const std::string& fallback = {}) const;

  /// The last value of a numeric program flag (`max_number` >= 0; checked
  /// by `load_settings`), or `fallback`.
  long long number(const std::string& name, long long fallback) const;
};

/// Where an installed hubwatch looks for its config file last.
inline const std::string default_system_config_file =
  "/etc/hubwatch/hubwatch.conf";

/// The environment as a map (tests pass their own).
using environment = std::map<std::string, std::string>;

/// Reads this process's environment.
environment process_environment();

/// Builds the settings in layers, each overriding the one before:
/// 1. the defaults of `websocket_config`;
/// 2. a config file: `--config PATH`, else `HUBWATCH_CONFIG` (either must be
///    readable), else the first that exists of `config/hubwatch.conf` in the
///    working directory and `system_config_file`;
/// 3. the environment: `--env-file PATH` (a bad line is refused), else
///    `.env` in the working directory if present (a bad line is a warning),
///    under the real environment, which wins; `DAEMON_HUB_WS_URL` and
///    `HUBWATCH_<KEY>` (e.g. `HUBWATCH_RECONNECT_DELAY_MS`);
/// 4. command-line flags (`--key VALUE` or `--key=VALUE`), read by CLI11
///    (kept out of this header: only settings.cpp includes it).
std::vector<std::string> setting_keys();

loaded_settings load_settings(
  int argc, const char* const* argv,
  const std::vector<program_flag>& program_flags, const environment& env,
  const std::string& working_dir = ".",
  const std::string& system_config_file = default_system_config_file);

/// The `--help` text: program flags, then every setting with its default
/// and its environment variable, then `footer` (e.g. the exit codes).
std::string usage(const std::string& program, const std::string& summary,
                  const std::vector<program_flag>& program_flags,
                  const std::string& footer = {});

} // namespace hubwatch
