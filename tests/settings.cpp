#define CAF_SUITE settings

#include "hubwatch/api/settings.hpp"

#include "hubwatch/api/observer.hpp"
#include "hubwatch/net/ws_session.hpp"

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "test_support.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

namespace fs = std::filesystem;

const std::vector<program_flag> flags = {
  {"json", false, false, "json lines", "", 'j'},
  {"remote", true, true, "a node", ""},
  {"exit-after-ms", true, false, "stop", ""},
  {"port", true, false, "a port", "", 'p', 65535},
};

/// A scratch working directory per test.
struct fixture {
  fs::path dir;

  fixture() {
    dir = fs::temp_directory_path() /
          ("hubwatch-settings-" + std::to_string(::getpid()) + "-" +
           std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(dir / "config");
  }

  ~fixture() {
    fs::remove_all(dir);
  }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream out{dir / rel};
    out << text;
  }

  loaded_settings load(std::vector<std::string> args, environment env = {}) {
    std::vector<const char*> argv{"prog"};
    for (auto& a : args)
      argv.push_back(a.c_str());
    // The system's config file is one in the scratch folder, so that what
    // this machine has in /etc cannot change the results.
    return load_settings(static_cast<int>(argv.size()), argv.data(), flags, env,
                         dir.string(), system_config().string());
  }

  fs::path system_config() const {
    return dir / "etc-hubwatch.conf";
  }
};

std::string joined(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs)
    result += x + "\n";
  return result;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(settings_tests, fixture)

CAF_TEST(defaults with nothing given) {
  auto s = load({});
  CAF_CHECK(s.errors.empty());
  CAF_CHECK(s.cfg == websocket_config{});
  CAF_CHECK_EQUAL(s.config_file, "");
}

CAF_TEST(precedence is file then environment then flag) {
  write("config/hubwatch.conf", "reconnect-delay-ms = 100\n"
                                "reconnect-multiplier = 2\n"
                                "event-history = 7\n"
                                "url = ws://file/ws\n");
  auto s = load({}, {});
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK_EQUAL(s.cfg.reconnect_delay, milliseconds(100));
  CAF_CHECK_EQUAL(s.cfg.url, "ws://file/ws");
  environment env{{"HUBWATCH_RECONNECT_DELAY_MS", "200"},
                  {"HUBWATCH_RECONNECT_MULTIPLIER", "3"},
                  {"DAEMON_HUB_WS_URL", "ws://env/ws"}};
  s = load({}, env);
  CAF_CHECK_EQUAL(s.cfg.reconnect_delay, milliseconds(200));
  CAF_CHECK_EQUAL(s.cfg.reconnect_multiplier, 3.0);
  CAF_CHECK_EQUAL(s.cfg.url, "ws://env/ws");
  CAF_CHECK_EQUAL(s.cfg.event_history, 7u); // only in the file
  s = load({"--reconnect-delay-ms", "300", "--url=ws://flag/ws"}, env);
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK_EQUAL(s.cfg.reconnect_delay, milliseconds(300));
  CAF_CHECK_EQUAL(s.cfg.url, "ws://flag/ws");
  CAF_CHECK_EQUAL(s.cfg.reconnect_multiplier, 3.0);
}

CAF_TEST(dot env sits under the real environment) {
  write(".env", "# comment\nDAEMON_HUB_WS_URL=ws://dotenv/ws\n"
                "export HUBWATCH_EVENT_HISTORY=\"5\"\n");
  auto s = load({});
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK_EQUAL(s.cfg.url, "ws://dotenv/ws");
  CAF_CHECK_EQUAL(s.cfg.event_history, 5u);
  s = load({}, {{"DAEMON_HUB_WS_URL", "ws://real/ws"}});
  CAF_CHECK_EQUAL(s.cfg.url, "ws://real/ws");
}

CAF_TEST(config path from flag or environment) {
  write("other.conf", "max-reconnect-attempts = 4\n");
  auto path = (dir / "other.conf").string();
  auto s = load({"--config", path});
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK_EQUAL(s.cfg.max_reconnect_attempts, 4u);
  CAF_CHECK_EQUAL(s.config_file, path);
  s = load({}, {{"HUBWATCH_CONFIG", path}});
  CAF_CHECK_EQUAL(s.cfg.max_reconnect_attempts, 4u);
  s = load({"--config", "/nonexistent.conf"});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "config = /nonexistent.conf: cannot be read\n");
}

CAF_TEST(config search goes from flag to variable to working dir to etc) {
  write("etc-hubwatch.conf", "event-history = 1\n");
  auto s = load({});
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK_EQUAL(s.cfg.event_history, 1u);
  CAF_CHECK_EQUAL(s.config_file, system_config().string());
  write("config/hubwatch.conf", "event-history = 2\n");
  s = load({});
  CAF_CHECK_EQUAL(s.cfg.event_history, 2u);
  CAF_CHECK_EQUAL(s.config_file, (dir / "config/hubwatch.conf").string());
  write("env.conf", "event-history = 3\n");
  write("flag.conf", "event-history = 4\n");
  environment env{{"HUBWATCH_CONFIG", (dir / "env.conf").string()}};
  CAF_CHECK_EQUAL(load({}, env).cfg.event_history, 3u);
  CAF_CHECK_EQUAL(
    load({"--config", (dir / "flag.conf").string()}, env).cfg.event_history,
    4u);
  // The files are alternatives, not layers: only one is read.
  write("flag.conf", "max-json-depth = 9\n");
  s = load({"-c", (dir / "flag.conf").string()});
  CAF_CHECK_EQUAL(s.cfg.event_history, websocket_config{}.event_history);
  CAF_CHECK_EQUAL(s.cfg.max_json_depth, 9u);
}

CAF_TEST(a bad line in a stray dot env is a warning naming file and line) {
  // Behaviour changed by #14: this stopped every program with exit code 2.
  write(".env", "DAEMON_HUB_WS_URL=ws://dotenv/ws\n"
                "s3cr3t-token-without-a-key\n"
                "HUBWATCH_EVENT_HISTORY=5\n");
  auto s = load({});
  CAF_CHECK_EQUAL(joined(s.errors), "");
  CAF_CHECK_EQUAL(s.cfg.url, "ws://dotenv/ws");
  CAF_CHECK_EQUAL(s.cfg.event_history, 5u);
  CAF_CHECK_EQUAL(joined(s.warnings), (dir / ".env").string() +
                                        ":2: expected KEY=VALUE (line "
                                        "ignored)\n");
  // The line may be a secret pasted without its key: never shown.
  CAF_CHECK(joined(s.warnings).find("s3cr3t") == std::string::npos);
}

CAF_TEST(an explicit env file replaces dot env and a bad line is fatal) {
  write(".env", "DAEMON_HUB_WS_URL=ws://dotenv/ws\n");
  write("secrets.env", "DAEMON_HUB_WS_URL=ws://explicit/ws\n");
  auto path = (dir / "secrets.env").string();
  auto s = load({"--env-file", path});
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_CHECK_EQUAL(s.cfg.url, "ws://explicit/ws");
  // Under the real environment, like .env.
  s = load({"--env-file", path}, {{"DAEMON_HUB_WS_URL", "ws://real/ws"}});
  CAF_CHECK_EQUAL(s.cfg.url, "ws://real/ws");
  write("secrets.env", "DAEMON_HUB_WS_URL=ws://explicit/ws\nhunter2\n");
  s = load({"--env-file", path});
  CAF_CHECK_EQUAL(joined(s.errors), path + ":2: expected KEY=VALUE\n");
  CAF_CHECK(s.warnings.empty());
  s = load({"--env-file", (dir / "missing.env").string()});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "env-file = " + (dir / "missing.env").string() +
                    ": cannot be read\n");
}

CAF_TEST(switches) {
  auto s = load({"--no-auto-reconnect", "--tls-no-verify", "--deflate",
                 "--retry-on-http-error"});
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK(!s.cfg.auto_reconnect);
  CAF_CHECK(!s.cfg.tls_verify);
  CAF_CHECK(s.cfg.deflate);
  CAF_CHECK(s.cfg.retry_on_http_error);
  s = load({}, {{"HUBWATCH_NO_AUTO_RECONNECT", "1"}});
  CAF_CHECK(!s.cfg.auto_reconnect);
  write("config/hubwatch.conf", "no-auto-reconnect = true\n");
  s = load({"--no-auto-reconnect=false"});
  CAF_CHECK(s.cfg.auto_reconnect);
}

CAF_TEST(program flags) {
  auto s = load({"--json", "--remote", "a:1", "--remote=b:2", "--exit-after-ms",
                 "5", "--exit-after-ms", "6"});
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK(s.has("json"));
  CAF_CHECK_EQUAL(s.flags["remote"], (std::vector<std::string>{"a:1", "b:2"}));
  CAF_CHECK_EQUAL(s.value("exit-after-ms"), "6");
  CAF_CHECK(!s.has("quiet"));
  CAF_CHECK(load({"--help"}).help);
  CAF_CHECK(load({"-h"}).help);
  CAF_CHECK(load({"--version"}).version);
  CAF_CHECK(load({"-V"}).version);
  CAF_CHECK(!load({}).version);
}

CAF_TEST(short flags and numbers) {
  auto s = load({"-j", "-u", "ws://short/ws", "-p", "8", "-c",
                 (dir / "none.conf").string()});
  CAF_CHECK(s.has("json"));
  CAF_CHECK_EQUAL(s.cfg.url, "ws://short/ws");
  CAF_CHECK_EQUAL(s.number("port", 0), 8);
  CAF_CHECK_EQUAL(s.number("exit-after-ms", 42), 42); // not given
  CAF_CHECK_EQUAL(joined(s.errors), "config = " + (dir / "none.conf").string() +
                                      ": cannot be read\n");
  // Switches given as off are not given.
  CAF_CHECK(!load({"--json=false"}).has("json"));
  // Numbers are checked like settings, naming the flag and the value.
  CAF_CHECK_EQUAL(joined(load({"--port", "70000"}).errors),
                  "--port = 70000: not a whole number in [0, 65535]\n");
  CAF_CHECK_EQUAL(joined(load({"-p", "x1"}).errors),
                  "--port = x1: not a whole number in [0, 65535]\n");
  CAF_CHECK_EQUAL(joined(load({"stray"}).errors),
                  "unexpected argument \"stray\" (see --help)\n");
}

CAF_TEST(every refusal names the key the value and where it came from) {
  write("config/hubwatch.conf", "reconnect-multiplier = abc\nbogus = 1\n"
                                "no equals sign\n");
  auto s = load({"--reconnect-delay-ms", "soon", "--frobnicate", "--url"},
                {{"HUBWATCH_EVENT_HISTORY", "-3"}});
  auto file = (dir / "config/hubwatch.conf").string();
  CAF_CHECK_EQUAL(
    joined(s.errors),
    "unknown flag --frobnicate (see --help)\n"
    "--url needs a value\n" +
      file +
      ":3: expected key = value, got \"no equals sign\"\n"
      "reconnect-multiplier = abc (from " +
      file +
      "): not a number\n"
      "unknown key \"bogus\" in " +
      file +
      "\n"
      "event-history = -3 (from $HUBWATCH_EVENT_HISTORY): not a whole number "
      ">= 0\n"
      "reconnect-delay-ms = soon (from --reconnect-delay-ms): not a whole "
      "number of milliseconds\n");
}

CAF_TEST(values that parse but make no sense are refused by validate) {
  auto s = load({"--reconnect-delay-ms", "-5", "--reconnect-multiplier", "0.5",
                 "--url", "ftp://x/", "--ca-file", "/nonexistent.pem"});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "url = \"ftp://x/\": the scheme must be ws:// or wss://\n"
                  "reconnect-delay-ms = -5 ms: must not be negative\n"
                  "reconnect-multiplier = 0.500000: must be a number >= 1\n"
                  "ca-file = \"/nonexistent.pem\": cannot be read\n");
}

CAF_TEST(max remote subscribers from file environment and flag) {
  CAF_CHECK_EQUAL(load({}).cfg.max_remote_subscribers, 64u);
  write("config/hubwatch.conf", "max-remote-subscribers = 3\n");
  CAF_CHECK_EQUAL(load({}).cfg.max_remote_subscribers, 3u);
  environment env{{"HUBWATCH_MAX_REMOTE_SUBSCRIBERS", "5"}};
  CAF_CHECK_EQUAL(load({}, env).cfg.max_remote_subscribers, 5u);
  auto s = load({"--max-remote-subscribers", "7"}, env);
  CAF_REQUIRE(s.errors.empty());
  CAF_CHECK_EQUAL(s.cfg.max_remote_subscribers, 7u);
  // A node that serves nobody is a mistake, not a setting.
  CAF_CHECK_EQUAL(joined(load({"--max-remote-subscribers", "0"}).errors),
                  "max-remote-subscribers = 0: must be at least 1\n");
  CAF_CHECK_EQUAL(
    joined(load({"--max-remote-subscribers", "-1"}).errors),
    "max-remote-subscribers = -1 (from --max-remote-subscribers): "
    "not a whole number >= 0\n");
}

CAF_TEST(the documented config file states the built in defaults) {
  // Uncomment every `# key = value` line of config/hubwatch.conf: the result
  // must be exactly the defaults, so the file cannot drift from the code.
  std::ifstream in{std::string{HUBWATCH_SOURCE_DIR} + "/config/hubwatch.conf"};
  CAF_REQUIRE(in.good());
  std::string text, line;
  size_t keys = 0;
  // The programs' flags that are also keys (programs/program_tls.hpp,
  // hubwatch-node's) are documented there too; they are no library setting.
  std::set<std::string> flag_keys{
    "tls-cert",        "tls-key",  "tls-ca",   "tls-key-passphrase-file",
    "allow-plaintext", "upstream", "node-name"};
  std::set<std::string> flag_keys_seen;
  auto flag_key = [&](const std::string& l) {
    auto key = l.substr(2, l.find(" =") - 2);
    if (flag_keys.count(key) == 0)
      return false;
    flag_keys_seen.insert(key);
    return true;
  };
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos &&
        line.find(' ', 2) == line.find(" = ")) {
      if (flag_key(line))
        continue;
      text += line.substr(2) + "\n";
      ++keys;
    } else if (line.rfind("# ", 0) == 0 && line.size() > 2 &&
               line.back() == '=') {
      if (flag_key(line))
        continue;
      ++keys; // `# ca-file =`: empty default
    }
  }
  CAF_CHECK_EQUAL(keys, setting_keys().size());
  CAF_CHECK_EQUAL(flag_keys_seen.size(), flag_keys.size());
  write("config/hubwatch.conf", text);
  auto s = load({});
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_CHECK(s.cfg == websocket_config{});
}

CAF_TEST(help lists every setting with its environment variable) {
  auto text = usage("prog", "summary", flags);
  for (auto& key : setting_keys())
    CAF_CHECK(text.find("--" + key) != std::string::npos);
  CAF_CHECK(text.find("$DAEMON_HUB_WS_URL") != std::string::npos);
  CAF_CHECK(text.find("(default: 2000)") != std::string::npos);
  CAF_CHECK(text.find("--remote VALUE") != std::string::npos);
  CAF_CHECK(text.find("-j,--json") != std::string::npos);
  CAF_CHECK(text.find("json lines") != std::string::npos);
  CAF_CHECK(text.find("--version") != std::string::npos);
  CAF_CHECK(usage("prog", "summary", flags, "Exit codes: ...")
              .find("Exit codes: ...") != std::string::npos);
}

CAF_TEST(env example lists every environment variable) {
  std::ifstream in{std::string{HUBWATCH_SOURCE_DIR} + "/.env.example"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  auto help = usage("prog", "summary", flags);
  size_t pos = 0;
  while ((pos = help.find("[$", pos)) != std::string::npos) {
    auto end = help.find(']', pos);
    auto var = help.substr(pos + 2, end - pos - 2);
    if (text.find(var + "=") == std::string::npos)
      CAF_ERROR(var << " is not in .env.example");
    pos = end;
  }
}

// -- hub credentials ----------------------------------------------------------

CAF_TEST(headers come from flag config key and environment) {
  write("config/hubwatch.conf", "header = X-Team: file\n"
                                "header = X-File-Only: f; a=b, c\n");
  auto s = load({});
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_REQUIRE_EQUAL(s.cfg.headers.size(), 2u);
  CAF_CHECK_EQUAL(s.cfg.headers[1].value.reveal(), "f; a=b, c");
  // The variable: one header per line, CRLF too; a name given again
  // (any case) replaces the earlier one, the others stay.
  environment env{{"HUBWATCH_HEADERS", "x-team: env\r\nX-Env: e1\n\n"}};
  s = load({}, env);
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_REQUIRE_EQUAL(s.cfg.headers.size(), 3u);
  CAF_CHECK_EQUAL(s.cfg.headers[0].name, "X-File-Only");
  CAF_CHECK_EQUAL(s.cfg.headers[1].name, "x-team");
  CAF_CHECK_EQUAL(s.cfg.headers[1].value.reveal(), "env");
  CAF_CHECK_EQUAL(s.cfg.headers[2].value.reveal(), "e1");
  s = load({"--header", "X-Team: flag", "--header=X-Flag: a:b"}, env);
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_REQUIRE_EQUAL(s.cfg.headers.size(), 4u);
  CAF_CHECK_EQUAL(s.cfg.headers[2].name, "X-Team");
  CAF_CHECK_EQUAL(s.cfg.headers[2].value.reveal(), "flag");
  CAF_CHECK_EQUAL(s.cfg.headers[3].value.reveal(), "a:b");
}

CAF_TEST(the bearer token comes from a file or the environment) {
  write("token", "tok-from-file\n");
  auto file = (dir / "token").string();
  auto s = load({"--bearer-token-file", file});
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_CHECK_EQUAL(s.cfg.bearer_token_file, file);
  std::vector<request_header> sent;
  CAF_REQUIRE_EQUAL(upgrade_headers(s.cfg, sent), "");
  CAF_REQUIRE_EQUAL(sent.size(), 1u);
  CAF_CHECK_EQUAL(sent[0].value.reveal(), "Bearer tok-from-file");
  write("config/hubwatch.conf", "bearer-token-file = " + file + "\n");
  s = load({});
  CAF_CHECK_EQUAL(s.cfg.bearer_token_file, file);
  s = load({}, {{"HUBWATCH_BEARER_TOKEN_FILE", file}});
  CAF_CHECK_EQUAL(s.cfg.bearer_token_file, file);
  // The token itself from the environment outranks the config file's file,
  // and a file given as a flag outranks the environment's token.
  s = load({}, {{"HUBWATCH_BEARER_TOKEN", "tok-from-env"}});
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_CHECK_EQUAL(s.cfg.bearer_token.reveal(), "tok-from-env");
  CAF_CHECK_EQUAL(s.cfg.bearer_token_file, "");
  s = load({"--bearer-token-file", file},
           {{"HUBWATCH_BEARER_TOKEN", "tok-from-env"}});
  CAF_REQUIRE_EQUAL(joined(s.errors), "");
  CAF_CHECK(s.cfg.bearer_token.empty());
  CAF_CHECK_EQUAL(s.cfg.bearer_token_file, file);
  // An empty variable (an unfilled .env line) is no token.
  s = load({}, {{"HUBWATCH_BEARER_TOKEN", ""}});
  CAF_CHECK_EQUAL(s.cfg.bearer_token_file, file);
}

CAF_TEST(both token variables at once are refused without the token) {
  write("token", "tok-from-file\n");
  auto s = load({}, {{"HUBWATCH_BEARER_TOKEN", "tok-3f9a1c77e2"},
                     {"HUBWATCH_BEARER_TOKEN_FILE", (dir / "token").string()}});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "HUBWATCH_BEARER_TOKEN and HUBWATCH_BEARER_TOKEN_FILE are "
                  "both set; keep one\n");
}

CAF_TEST(a token file that cannot be used is refused naming the file) {
  auto missing = (dir / "missing-token").string();
  auto s = load({"--bearer-token-file", missing});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "bearer-token-file = \"" + missing + "\": cannot be read\n");
  write("empty-token", "");
  auto empty = (dir / "empty-token").string();
  s = load({}, {{"HUBWATCH_BEARER_TOKEN_FILE", empty}});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "bearer-token-file = \"" + empty + "\": the file is empty\n");
}

CAF_TEST(protocol headers and injection are refused and no secret is shown) {
  const std::string secret = "tok-3f9a1c77e2";
  auto s = load({"--header", "Host: " + secret, "--header",
                 "sec-websocket-key: " + secret, "--header",
                 "X-A: " + secret + "\r\nInjected: 1"});
  CAF_CHECK_EQUAL(
    joined(s.errors),
    "header #1: \"Host\" is part of the WebSocket upgrade hubwatch makes; it "
    "cannot be set\n"
    "header #2: \"sec-websocket-key\" is part of the WebSocket upgrade "
    "hubwatch makes; it cannot be set\n"
    "header #3 (X-A): the value holds a control character (CR, LF or "
    "another); refused, since it could end the header early\n");
  // In the variable, CR LF separates headers: the injected one is refused
  // by its name.
  s = load({}, {{"HUBWATCH_HEADERS", "X-A: " + secret + "\r\nHost: evil"}});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "header #2: \"Host\" is part of the WebSocket upgrade "
                  "hubwatch makes; it cannot be set\n");
  // A header without a colon may be a value typed alone: not repeated.
  s = load({"--header", secret});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "header (from --header): expected \"Name: value\"\n");
  s = load({}, {{"HUBWATCH_HEADERS", "X-Ok: 1\n" + secret}});
  CAF_CHECK_EQUAL(joined(s.errors), "header (from $HUBWATCH_HEADERS line 2): "
                                    "expected \"Name: value\"\n");
  // A token as a flag or config key is not offered, and not repeated.
  s = load({"--bearer-token", secret});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "unknown flag --bearer-token (see --help)\n");
  s = load({"--bearer-token=" + secret});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "unknown flag --bearer-token (see --help)\n");
  write("config/hubwatch.conf", "bearer-token = " + secret + "\n");
  s = load({});
  CAF_REQUIRE_EQUAL(s.errors.size(), 1u);
  CAF_CHECK(s.errors[0].find("unknown key \"bearer-token\"") == 0);
  // Both a bearer token and an Authorization header: which one to send?
  fs::remove(dir / "config/hubwatch.conf");
  s = load({"--header", "Authorization: Basic " + secret},
           {{"HUBWATCH_BEARER_TOKEN", secret}});
  CAF_CHECK_EQUAL(joined(s.errors),
                  "header Authorization: a bearer token is configured too; "
                  "give one of them\n");
}

CAF_TEST(help offers header and token file but no token and no secret) {
  auto text = usage("prog", "summary", flags);
  CAF_CHECK(text.find("--header") != std::string::npos);
  CAF_CHECK(text.find("[$HUBWATCH_HEADERS]") != std::string::npos);
  CAF_CHECK(text.find("--bearer-token-file") != std::string::npos);
  CAF_CHECK(text.find("$HUBWATCH_BEARER_TOKEN;") != std::string::npos);
  CAF_CHECK(text.find("--bearer-token ") == std::string::npos);
  CAF_CHECK(text.find("--bearer-token,") == std::string::npos);
}

CAF_TEST(the recommended scheduler leaves a core to the io thread) {
  CAF_CHECK_EQUAL(recommended_caf_workers(0), 1u); // unknown
  CAF_CHECK_EQUAL(recommended_caf_workers(1), 1u);
  CAF_CHECK_EQUAL(recommended_caf_workers(2), 1u);
  CAF_CHECK_EQUAL(recommended_caf_workers(8), 7u);
  caf::actor_system_config cfg;
  use_recommended_scheduler(cfg);
  auto n = caf::get_or(cfg, "scheduler.max-threads", size_t{0});
  CAF_CHECK_EQUAL(n,
                  recommended_caf_workers(std::thread::hardware_concurrency()));
  // Idle workers wait instead of polling every 50 us.
  CAF_CHECK_EQUAL(
    caf::get_or(cfg, "work-stealing.moderate-poll-attempts", size_t{500}), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(session settings follow the config) {
  // The defaults of both agree.
  session_settings plain;
  CAF_REQUIRE_EQUAL(make_session_settings(websocket_config{}, plain), "");
  session_settings fresh;
  CAF_CHECK_EQUAL(plain.url.host, "localhost");
  CAF_CHECK_EQUAL(plain.url.port, 8080u);
  CAF_CHECK_EQUAL(plain.url.target, "/ws");
  CAF_CHECK_EQUAL(plain.connect_timeout, fresh.connect_timeout);
  CAF_CHECK_EQUAL(plain.idle_timeout, fresh.idle_timeout);
  CAF_CHECK_EQUAL(plain.max_frame_bytes, fresh.max_frame_bytes);
  CAF_CHECK_EQUAL(plain.tls_verify, fresh.tls_verify);
  CAF_CHECK_EQUAL(plain.deflate, fresh.deflate);
  CAF_CHECK(plain.headers.empty());
  // Every setting a session uses is taken over.
  websocket_config cfg;
  cfg.url = "wss://hub.example:9443/events?x=1";
  cfg.connect_timeout = milliseconds(1500);
  cfg.idle_timeout = seconds(0);
  cfg.max_frame_bytes = 4096;
  cfg.ca_file = "/etc/hub-ca.pem";
  cfg.tls_verify = false;
  cfg.deflate = true;
  cfg.headers.push_back({"X-Team", secret_string{"blue"}});
  cfg.bearer_token = secret_string{"t0ken"};
  session_settings s;
  CAF_REQUIRE_EQUAL(make_session_settings(cfg, s), "");
  CAF_CHECK(s.url.tls);
  CAF_CHECK_EQUAL(s.url.host, "hub.example");
  CAF_CHECK_EQUAL(s.url.port, 9443u);
  CAF_CHECK_EQUAL(s.url.target, "/events?x=1");
  CAF_CHECK_EQUAL(s.connect_timeout, milliseconds(1500));
  CAF_CHECK_EQUAL(s.idle_timeout, seconds(0));
  CAF_CHECK_EQUAL(s.max_frame_bytes, 4096u);
  CAF_CHECK_EQUAL(s.ca_file, "/etc/hub-ca.pem");
  CAF_CHECK(!s.tls_verify);
  CAF_CHECK(s.deflate);
  CAF_CHECK(!s.single_threaded_io);
  CAF_REQUIRE_EQUAL(s.headers.size(), 2u);
  CAF_CHECK_EQUAL(s.headers[0].name, "X-Team");
  CAF_CHECK_EQUAL(s.headers[1].name, "Authorization");
  // A URL that does not parse leaves `out` alone and says so.
  cfg.url = "http://hub.example/ws";
  session_settings untouched;
  auto err = make_session_settings(cfg, untouched);
  CAF_CHECK_NOT_EQUAL(err.find("http://hub.example/ws"), std::string::npos);
  CAF_CHECK(untouched.headers.empty());
}
