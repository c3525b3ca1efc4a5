#include "hubwatch/api/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

// CLI11 reads the command line; it stays in this file, out of every public
// header, so that only the library compiles it.
#include <CLI/CLI.hpp>

#include "hubwatch/core/credentials.hpp"

extern char** environ;

namespace hubwatch {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// One library setting: its flag name (also its config-file key), its
/// environment variable, and how to read and show it.
struct setting {
  const char* key;
  const char* env;
  const char* help;
  bool is_switch;
  // Applies `value`; returns an error text, empty on success.
  std::function<std::string(websocket_config&, const std::string&)> set;
  std::function<std::string(const websocket_config&)> show;
  /// The value is a secret: a refusal names key and origin, not the value.
  bool secret = false;
  /// The environment variable holds one value per line (`\r\n` too).
  bool env_list = false;
  /// An environment variable only: no flag (the command line shows in
  /// `ps`), no config key (config files are often world-readable).
  bool env_only = false;
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool parse_int(const std::string& s, long long& out) {
  if (s.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return errno == 0 && end == s.c_str() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return errno == 0 && end == s.c_str() + s.size() && std::isfinite(out);
}

bool parse_bool(const std::string& s, bool& out) {
  if (s == "1" || s == "true" || s == "yes" || s == "on") {
    out = true;
    return true;
  }
  if (s == "0" || s == "false" || s == "no" || s == "off") {
    out = false;
    return true;
  }
  return false;
}

setting ms_setting(const char* key, const char* env, const char* help,
                   caf::timespan websocket_config::*field) {
  return {key,
          env,
          help,
          false,
          [field](websocket_config& cfg, const std::string& v) -> std::string {
            long long n;
            if (!parse_int(v, n))
              return "not a whole number of milliseconds";
            cfg.*field = milliseconds(n);
            return {};
          },
          [field](const websocket_config& cfg) {
            return std::to_string(
              duration_cast<milliseconds>(cfg.*field).count());
          }};
}

template <class T>
setting count_setting(const char* key, const char* env, const char* help,
                      T websocket_config::*field) {
  return {key,
          env,
          help,
          false,
          [field](websocket_config& cfg, const std::string& v) -> std::string {
            long long n;
            if (!parse_int(v, n) || n < 0)
              return "not a whole number >= 0";
            cfg.*field = static_cast<T>(n);
            return {};
          },
          [field](const websocket_config& cfg) {
            return std::to_string(cfg.*field);
          }};
}

setting double_setting(const char* key, const char* env, const char* help,
                       double websocket_config::*field) {
  return {key,
          env,
          help,
          false,
          [field](websocket_config& cfg, const std::string& v) -> std::string {
            double d;
            if (!parse_double(v, d))
              return "not a number";
            cfg.*field = d;
            return {};
          },
          [field](const websocket_config& cfg) {
            std::ostringstream out;
            out << cfg.*field;
            return out.str();
          }};
}

// A switch whose presence sets `field` to `when_on`.
setting switch_setting(const char* key, const char* env, const char* help,
                       bool websocket_config::*field, bool when_on) {
  return {key,
          env,
          help,
          true,
          [field, when_on](websocket_config& cfg,
                           const std::string& v) -> std::string {
            bool b;
            if (!parse_bool(v, b))
              return "not a boolean (true/false, 1/0, yes/no, on/off)";
            cfg.*field = b ? when_on : !when_on;
            return {};
          },
          [field, when_on](const websocket_config& cfg) {
            return std::string{cfg.*field == when_on ? "true" : "false"};
          }};
}

setting string_setting(const char* key, const char* env, const char* help,
                       std::string websocket_config::*field) {
  return {key,
          env,
          help,
          false,
          [field](websocket_config& cfg, const std::string& v) -> std::string {
            cfg.*field = v;
            return {};
          },
          [field](const websocket_config& cfg) {
            return cfg.*field;
          }};
}

// `--header "Name: value"`: a header named again replaces the earlier one
// (whatever its case), so a flag overrides the config file's header of that
// name and leaves the others.
setting header_setting() {
  setting s{"header",
            "HUBWATCH_HEADERS",
            "add a header to the WebSocket upgrade, \"Name: value\"; "
            "repeatable (the variable: one per line); values are secrets, "
            "shown as ***",
            false,
            [](websocket_config& cfg, const std::string& v) -> std::string {
              if (trim(v).empty())
                return {};
              std::string name;
              std::string value;
              if (auto err = parse_header_line(v, name, value); !err.empty())
                return err;
              auto same = [&](const request_header& h) {
                if (h.name.size() != name.size())
                  return false;
                for (size_t i = 0; i < name.size(); ++i)
                  if (std::tolower(static_cast<unsigned char>(h.name[i])) !=
                      std::tolower(static_cast<unsigned char>(name[i])))
                    return false;
                return true;
              };
              auto& hs = cfg.headers;
              hs.erase(std::remove_if(hs.begin(), hs.end(), same), hs.end());
              hs.push_back({std::move(name), secret_string{std::move(value)}});
              return {};
            },
            [](const websocket_config&) {
              return std::string{};
            }};
  s.secret = true;
  s.env_list = true;
  return s;
}

// A token file or, from the environment only, the token itself: whichever
// comes from the higher layer wins (the two variables together are refused
// by load_settings).
setting bearer_token_file_setting() {
  return {"bearer-token-file",
          "HUBWATCH_BEARER_TOKEN_FILE",
          "file holding a token sent as \"Authorization: Bearer ...\" (or "
          "the token itself in $HUBWATCH_BEARER_TOKEN; never as a flag)",
          false,
          [](websocket_config& cfg, const std::string& v) -> std::string {
            cfg.bearer_token_file = v;
            if (!v.empty())
              cfg.bearer_token.clear();
            return {};
          },
          [](const websocket_config& cfg) {
            return cfg.bearer_token_file;
          }};
}

setting bearer_token_setting() {
  setting s{"bearer-token",
            "HUBWATCH_BEARER_TOKEN",
            "the bearer token itself",
            false,
            [](websocket_config& cfg, const std::string& v) -> std::string {
              // Empty, as an unfilled .env.example line leaves it: no token.
              if (v.empty())
                return {};
              cfg.bearer_token = secret_string{v};
              cfg.bearer_token_file.clear();
              return {};
            },
            [](const websocket_config&) {
              return std::string{};
            }};
  s.secret = true;
  s.env_only = true;
  return s;
}

const std::vector<setting>& settings_table() {
  // Built once; immutable afterwards.
  static const std::vector<setting> table = {
    string_setting("url", "DAEMON_HUB_WS_URL",
                   "the hub's WebSocket URL (ws:// or wss://)",
                   &websocket_config::url),
    ms_setting("reconnect-delay-ms", "HUBWATCH_RECONNECT_DELAY_MS",
               "delay before the first retry",
               &websocket_config::reconnect_delay),
    double_setting("reconnect-multiplier", "HUBWATCH_RECONNECT_MULTIPLIER",
                   "each retry waits this many times longer (>= 1)",
                   &websocket_config::reconnect_multiplier),
    ms_setting("reconnect-max-delay-ms", "HUBWATCH_RECONNECT_MAX_DELAY_MS",
               "cap on the delay between retries",
               &websocket_config::reconnect_max_delay),
    count_setting("max-reconnect-attempts", "HUBWATCH_MAX_RECONNECT_ATTEMPTS",
                  "retries before giving up (0 = never give up)",
                  &websocket_config::max_reconnect_attempts),
    switch_setting("no-auto-reconnect", "HUBWATCH_NO_AUTO_RECONNECT",
                   "do not reconnect after the connection ends",
                   &websocket_config::auto_reconnect, false),
    double_setting("reconnect-jitter", "HUBWATCH_RECONNECT_JITTER",
                   "spread each delay over delay * (1 +- jitter), [0, 1)",
                   &websocket_config::reconnect_jitter),
    ms_setting("reconnect-min-uptime-ms", "HUBWATCH_RECONNECT_MIN_UPTIME_MS",
               "a connection must last this long to reset the retry counter",
               &websocket_config::reconnect_min_uptime),
    switch_setting("retry-on-http-error", "HUBWATCH_RETRY_ON_HTTP_ERROR",
                   "retry after HTTP 401/403/404 on the upgrade",
                   &websocket_config::retry_on_http_error, true),
    ms_setting("connect-timeout-ms", "HUBWATCH_CONNECT_TIMEOUT_MS",
               "budget for resolve, connect, TLS and WebSocket handshake",
               &websocket_config::connect_timeout),
    ms_setting("idle-timeout-ms", "HUBWATCH_IDLE_TIMEOUT_MS",
               "drop a connection silent this long; pings at half (0 = off)",
               &websocket_config::idle_timeout),
    count_setting("max-frame-bytes", "HUBWATCH_MAX_FRAME_BYTES",
                  "largest message accepted; larger ends the connection",
                  &websocket_config::max_frame_bytes),
    count_setting("max-json-depth", "HUBWATCH_MAX_JSON_DEPTH",
                  "deepest JSON nesting accepted in a frame",
                  &websocket_config::max_json_depth),
    count_setting("event-history", "HUBWATCH_EVENT_HISTORY",
                  "events kept in the history ring",
                  &websocket_config::event_history),
    count_setting("subscriber-queue", "HUBWATCH_SUBSCRIBER_QUEUE",
                  "updates queued per subscriber before the oldest drop",
                  &websocket_config::subscriber_queue),
    ms_setting("subscriber-stall-ms", "HUBWATCH_SUBSCRIBER_STALL_MS",
               "wait this long for a subscriber behind by half its queue, "
               "then let it drop (0 = never wait)",
               &websocket_config::subscriber_stall),
    ms_setting("stale-after-ms", "HUBWATCH_STALE_AFTER_MS",
               "mark an agent stale after this long without news (0 = off)",
               &websocket_config::stale_after),
    string_setting("ca-file", "HUBWATCH_CA_FILE",
                   "PEM file with the CA that signs the hub's certificate",
                   &websocket_config::ca_file),
    switch_setting("tls-no-verify", "HUBWATCH_TLS_NO_VERIFY",
                   "do not verify the hub's TLS certificate (warns)",
                   &websocket_config::tls_verify, false),
    switch_setting("deflate", "HUBWATCH_DEFLATE",
                   "offer permessage-deflate compression",
                   &websocket_config::deflate, true),
    count_setting("max-remote-subscribers", "HUBWATCH_MAX_REMOTE_SUBSCRIBERS",
                  "remote subscribers a node serves at once; more are "
                  "refused and retry later",
                  &websocket_config::max_remote_subscribers),
    header_setting(),
    bearer_token_file_setting(),
    bearer_token_setting(),
  };
  return table;
}

const setting* find_setting(const std::string& key) {
  for (auto& s : settings_table())
    if (key == s.key && !s.env_only)
      return &s;
  return nullptr;
}

void apply(websocket_config& cfg, const setting& s, const std::string& value,
           const std::string& origin, std::vector<std::string>& errors) {
  auto err = s.set(cfg, value);
  if (!err.empty())
    errors.push_back(std::string{s.key} +
                     (s.secret ? std::string{} : " = " + value) + " (" +
                     origin + "): " + err);
}

/// Reads `key = value` lines; `#` starts a comment. A line without `=`
/// adds a complaint naming file and line to `errors`, and its text only when
/// `show_line`: an environment file holds secrets, and a token pasted
/// without its `KEY=` must not end up in a terminal or a journal.
bool read_key_values(const std::string& path,
                     std::vector<std::pair<std::string, std::string>>& out,
                     std::vector<std::string>& errors, bool show_line = true) {
  std::ifstream in{path};
  if (!in)
    return false;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto hash = line.find('#');
    if (hash != std::string::npos)
      line.erase(hash);
    line = trim(line);
    if (line.empty())
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      errors.push_back(path + ":" + std::to_string(n) +
                       (show_line
                          ? ": expected key = value, got \"" + line + "\""
                          : std::string{": expected KEY=VALUE"}));
      continue;
    }
    auto key = trim(line.substr(0, eq));
    if (key.rfind("export ", 0) == 0)
      key = trim(key.substr(7));
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && ((value.front() == '"' && value.back() == '"') ||
                              (value.front() == '\'' && value.back() == '\'')))
      value = value.substr(1, value.size() - 2);
    out.emplace_back(key, value);
  }
  return true;
}

} // namespace

std::string loaded_settings::value(const std::string& name,
                                   const std::string& fallback) const {
  auto i = flags.find(name);
  return i != flags.end() && !i->second.empty() ? i->second.back() : fallback;
}

long long loaded_settings::number(const std::string& name,
                                  long long fallback) const {
  long long n = 0;
  return has(name) && parse_int(value(name), n) ? n : fallback;
}

std::string flag_env_name(const std::string& flag) {
  std::string result = "HUBWATCH_";
  for (auto c : flag)
    result += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return result;
}

environment process_environment() {
  environment result;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      result.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return result;
}

std::vector<std::string> setting_keys() {
  std::vector<std::string> result;
  for (auto& s : settings_table())
    if (!s.env_only)
      result.emplace_back(s.key);
  return result;
}

namespace {

/// The command line as CLI11 sees it: every program flag, `--config`, every
/// setting, `--help` and `--version`. Built for parsing and for `--help`
/// alike, so the two cannot disagree.
struct command_line {
  CLI::App app;
  CLI::Option* help = nullptr;
  CLI::Option* version = nullptr;
  CLI::Option* config = nullptr;
  CLI::Option* env_file = nullptr;
  std::vector<std::pair<const program_flag*, CLI::Option*>> flags;
  std::vector<std::pair<const setting*, CLI::Option*>> settings;
};

std::unique_ptr<command_line>
make_command_line(const std::string& program, const std::string& summary,
                  const std::vector<program_flag>& program_flags) {
  auto cl = std::make_unique<command_line>();
  auto& app = cl->app;
  app.name(program);
  app.description(summary);
  // Unknown flags and stray words are collected, not thrown: every refusal
  // of a run is reported at once, in the house's words.
  app.allow_extras();
  // --help and --version are plain flags that the caller acts on, so that
  // the programs decide what they print and with which exit code.
  app.set_help_flag();
  app.get_formatter()->column_width(34);
  const std::string program_group = "Program flags";
  cl->help = app.add_flag("-h,--help", "show this text")->group(program_group);
  cl->version =
    app
      .add_flag("-V,--version", "show the version and the libraries built with")
      ->group(program_group);
  // A value option: `--name VALUE`, `--name=VALUE`, `-x VALUE`. Zero or one
  // value per occurrence, so that a missing value is reported as such rather
  // than as a parse exception that hides the other refusals.
  auto value_option = [&](const std::string& names, const std::string& help,
                          const std::string& type) {
    return app.add_option(names, help)
      ->expected(0, 1)
      ->type_name(type)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  for (auto& f : program_flags) {
    auto names = (f.short_name != 0 ? std::string{"-"} + f.short_name + ","
                                    : std::string{}) +
                 "--" + f.name;
    auto help =
      f.help +
      (f.default_text.empty() ? std::string{}
                              : " (default: " + f.default_text + ")") +
      (f.also_setting ? " [$" + flag_env_name(f.name) + "]" : std::string{});
    auto* opt = f.takes_value
                  ? value_option(names, help, f.max_number >= 0 ? "N" : "VALUE")
                  : app.add_flag(names)->description(help);
    opt->group(program_group);
    cl->flags.emplace_back(&f, opt);
  }
  const std::string settings_group =
    "Settings (config file < environment < flags)";
  cl->config = value_option("-c,--config",
                            "config file (default: the first of "
                            "config/hubwatch.conf and "
                            "/etc/hubwatch/hubwatch.conf that exists) "
                            "[$HUBWATCH_CONFIG]",
                            "PATH")
                 ->group(settings_group);
  cl->env_file = value_option("--env-file",
                              "environment file of KEY=VALUE lines, under the "
                              "real environment (default: .env if present)",
                              "PATH")
                   ->group(settings_group);
  websocket_config defaults;
  for (auto& st : settings_table()) {
    if (st.env_only)
      continue;
    std::string names = std::string{"--"} + st.key;
    if (names == "--url")
      names = "-u,--url";
    auto def = st.show(defaults);
    auto help =
      std::string{st.help} +
      (st.is_switch ? std::string{}
                    : " (default: " + (def.empty() ? "none" : def) + ")") +
      " [$" + st.env + "]";
    // add_flag(names, help) would take an lvalue `help` for the variable
    // to store the flag in: the description goes on separately.
    auto* opt = st.is_switch ? app.add_flag(names)->description(help)
                             : value_option(names, help, "VALUE");
    opt->group(settings_group);
    cl->settings.emplace_back(&st, opt);
  }
  return cl;
}

/// The value of the n-th occurrence of a value option; empty when it had
/// none (`--url` at the end of the line).
bool missing_value(const CLI::Option* opt) {
  for (auto& r : opt->results())
    if (r.empty())
      return true;
  return false;
}

} // namespace

loaded_settings load_settings(int argc, const char* const* argv,
                              const std::vector<program_flag>& program_flags,
                              const environment& process_env,
                              const std::string& working_dir,
                              const std::string& system_config_file) {
  loaded_settings result;
  auto& errors = result.errors;
  // The command line first: the config file it names is layer 2, the
  // settings it gives are layer 4.
  auto cl = make_command_line(argc > 0 ? argv[0] : "", "", program_flags);
  try {
    cl->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    errors.push_back(std::string{e.what()} + " (see --help)");
  }
  // A word right after an unknown flag is most likely its value, and may be
  // a secret (`--bearer-token abc`, which is not offered): not repeated.
  bool after_unknown_flag = false;
  for (auto& arg : cl->app.remaining()) {
    if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      errors.push_back("unknown flag " + arg.substr(0, arg.find('=')) +
                       " (see --help)");
      after_unknown_flag = arg.find('=') == std::string::npos;
      continue;
    }
    if (!after_unknown_flag)
      errors.push_back("unexpected argument \"" + arg + "\" (see --help)");
    after_unknown_flag = false;
  }
  result.help = cl->help->count() > 0;
  result.version = cl->version->count() > 0;
  // The last value of a path option given on the command line, if any.
  auto path_option = [&](const CLI::Option* opt, const char* flag) {
    if (opt->count() == 0)
      return std::string{};
    if (missing_value(opt)) {
      errors.push_back(std::string{flag} + " needs a value");
      return std::string{};
    }
    return opt->results().back();
  };
  auto config_path = path_option(cl->config, "--config");
  auto env_file = path_option(cl->env_file, "--env-file");
  for (auto& [f, opt] : cl->flags) {
    if (opt->count() == 0)
      continue;
    if (f->takes_value && missing_value(opt)) {
      errors.push_back("--" + f->name + " needs a value");
      continue;
    }
    auto& values = result.flags[f->name];
    for (auto& v : opt->results()) {
      bool on = true;
      // A switch given as `--json=false` is off.
      if (!f->takes_value && parse_bool(v, on) && !on)
        continue;
      values.push_back(f->takes_value ? v : "true");
    }
    if (values.empty()) {
      result.flags.erase(f->name);
      continue;
    }
    if (!f->repeatable)
      values.erase(values.begin(), values.end() - 1);
    if (f->max_number >= 0) {
      long long n = 0;
      for (auto& v : values)
        if (!parse_int(v, n) || n < 0 || n > f->max_number)
          errors.push_back(
            "--" + f->name + " = " + v +
            (f->max_number == std::numeric_limits<long long>::max()
               ? std::string{": not a whole number >= 0"}
               : ": not a whole number in [0, " +
                   std::to_string(f->max_number) + "]"));
    }
  }
  std::vector<std::pair<std::string, std::string>> cli_settings;
  for (auto& [st, opt] : cl->settings) {
    if (opt->count() == 0)
      continue;
    if (!st->is_switch && missing_value(opt)) {
      errors.push_back(std::string{"--"} + st->key + " needs a value");
      continue;
    }
    for (auto& v : opt->results())
      cli_settings.emplace_back(st->key, v);
  }
  auto& cfg = result.cfg;
  // Layer 2: the config file: one named (flag, then variable) must be
  // readable; otherwise the first of the working directory's and the
  // system's that exists.
  bool explicit_config = !config_path.empty();
  if (!explicit_config) {
    if (auto i = process_env.find("HUBWATCH_CONFIG"); i != process_env.end()) {
      config_path = i->second;
      explicit_config = true;
    } else {
      config_path = working_dir + "/config/hubwatch.conf";
      if (!std::ifstream{config_path} && !system_config_file.empty() &&
          std::ifstream{system_config_file})
        config_path = system_config_file;
    }
  }
  // Program flags that are also settings, from the file and then the
  // environment: (value, origin) by name, used where the command line has
  // none.
  std::map<std::string, std::pair<std::string, std::string>> flag_settings;
  auto settable_flag = [&](const std::string& key) -> const program_flag* {
    for (auto& f : program_flags)
      if (f.also_setting && f.name == key)
        return &f;
    return nullptr;
  };
  std::vector<std::pair<std::string, std::string>> file_values;
  if (read_key_values(config_path, file_values, errors)) {
    result.config_file = config_path;
    for (auto& [key, value] : file_values) {
      if (auto* s = find_setting(key))
        apply(cfg, *s, value, "from " + config_path, errors);
      else if (settable_flag(key) != nullptr)
        flag_settings[key] = {value, "from " + config_path};
      else
        errors.push_back("unknown key \"" + key + "\" in " + config_path);
    }
  } else if (explicit_config) {
    errors.push_back("config = " + config_path + ": cannot be read");
  }
  // Layer 3: an environment file under the real environment. `--env-file`
  // names one on purpose, so a line it cannot read is refused; a `.env`
  // that merely lies in the working directory (another tool's, perhaps)
  // only earns a warning per bad line, and its good lines still count.
  environment env;
  std::vector<std::pair<std::string, std::string>> dotenv;
  std::vector<std::string> dotenv_errors;
  if (!env_file.empty()) {
    if (!read_key_values(env_file, dotenv, errors, false))
      errors.push_back("env-file = " + env_file + ": cannot be read");
  } else if (read_key_values(working_dir + "/.env", dotenv, dotenv_errors,
                             false)) {
    for (auto& e : dotenv_errors)
      result.warnings.push_back(e + " (line ignored)");
  }
  for (auto& [k, v] : dotenv)
    env[k] = v;
  for (auto& [k, v] : process_env)
    env[k] = v;
  auto given = [&](const char* var) {
    auto i = env.find(var);
    return i != env.end() && !i->second.empty();
  };
  // Neither outranks the other: refused rather than one picked silently.
  if (given("HUBWATCH_BEARER_TOKEN") && given("HUBWATCH_BEARER_TOKEN_FILE"))
    errors.push_back("HUBWATCH_BEARER_TOKEN and HUBWATCH_BEARER_TOKEN_FILE "
                     "are both set; keep one");
  for (auto& s : settings_table()) {
    auto i = env.find(s.env);
    if (i == env.end())
      continue;
    auto origin = "from $" + std::string{s.env};
    if (!s.env_list) {
      apply(cfg, s, i->second, origin, errors);
      continue;
    }
    std::istringstream lines{i->second};
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      apply(cfg, s, line, origin + " line " + std::to_string(n), errors);
    }
  }
  for (auto& f : program_flags) {
    if (!f.also_setting)
      continue;
    auto name = flag_env_name(f.name);
    if (auto i = env.find(name); i != env.end())
      flag_settings[f.name] = {i->second, "from $" + name};
  }
  // The command line wins; a flag it does not give takes the file's or the
  // environment's value, checked like one given there.
  for (auto& [name, vo] : flag_settings) {
    if (result.has(name))
      continue;
    auto& [value, origin] = vo;
    auto* f = settable_flag(name);
    if (!f->takes_value) {
      bool on = false;
      if (!parse_bool(value, on))
        errors.push_back(name + " = " + value + " (" + origin +
                         "): not a boolean (true/false, 1/0, yes/no, on/off)");
      else if (on)
        result.flags[name] = {"true"};
      continue;
    }
    long long n = 0;
    if (f->max_number >= 0 &&
        (!parse_int(value, n) || n < 0 || n > f->max_number)) {
      errors.push_back(name + " = " + value + " (" + origin +
                       "): not a whole number in [0, " +
                       std::to_string(f->max_number) + "]");
      continue;
    }
    result.flags[name] = {value};
  }
  // Layer 4: flags.
  for (auto& [key, value] : cli_settings)
    apply(cfg, *find_setting(key), value, "from --" + key, errors);
  if (errors.empty())
    for (auto& e : validate(cfg))
      errors.push_back(e);
  return result;
}

std::string usage(const std::string& program, const std::string& summary,
                  const std::vector<program_flag>& program_flags,
                  const std::string& footer) {
  auto cl = make_command_line(program, summary, program_flags);
  if (!footer.empty())
    cl->app.footer(footer);
  return cl->app.help();
}

} // namespace hubwatch
