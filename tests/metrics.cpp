#define CAF_SUITE metrics

#include "hubwatch/core/metrics_snapshot.hpp"
#include "hubwatch/core/prometheus_text.hpp"

#include <caf/test/unit_test.hpp>

#include <map>
#include <set>
#include <sstream>

#include <caf/config.hpp>

using namespace hubwatch;
using namespace std::chrono;

namespace {

caf::timestamp t0() {
  return caf::timestamp{} + hours(24 * 365 * 50);
}

agent_info agent(std::string id, agent_status st, caf::timespan silent,
                 uint64_t errors = 0, bool stale = false) {
  agent_info rec;
  rec.id = std::move(id);
  rec.name = "name of " + rec.id;
  rec.status = st;
  rec.last_seen_local = t0() - silent;
  rec.error_count = errors;
  rec.stale = stale;
  return rec;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

bool has_line(const std::string& text, const std::string& line) {
  for (auto& l : lines_of(text))
    if (l == line)
      return true;
  return false;
}

/// The structure the text format demands, checked line by line: every
/// family has HELP then TYPE before its samples, families do not
/// interleave, no series appears twice, every sample line is
/// `name{labels} value` with a name of the current family. Returns the
/// first problem, or an empty string.
std::string check_structure(const std::string& text) {
  if (text.empty() || text.back() != '\n')
    return "does not end with a line feed";
  std::set<std::string> families_seen;
  std::set<std::string> series_seen;
  std::string family;
  bool help = false;
  for (auto& l : lines_of(text)) {
    if (l.rfind("# HELP ", 0) == 0) {
      auto name = l.substr(7, l.find(' ', 7) - 7);
      if (!families_seen.insert(name).second)
        return "family twice: " + name;
      family = name;
      help = true;
      continue;
    }
    if (l.rfind("# TYPE ", 0) == 0) {
      auto rest = l.substr(7);
      if (!help || rest.rfind(family + " ", 0) != 0)
        return "TYPE without its HELP: " + l;
      auto type = rest.substr(family.size() + 1);
      if (type != "counter" && type != "gauge")
        return "unexpected type: " + l;
      if (type == "counter" &&
          (family.size() < 6 ||
           family.compare(family.size() - 6, 6, "_total") != 0))
        return "counter without _total: " + family;
      help = false;
      continue;
    }
    auto space = l.rfind(' ');
    if (space == std::string::npos)
      return "no value: " + l;
    auto series = l.substr(0, space);
    auto name = series.substr(0, series.find('{'));
    if (name != family)
      return "sample outside its family: " + l;
    if (series.find('{') != std::string::npos && series.back() != '}')
      return "labels not closed: " + l;
    if (!series_seen.insert(series).second)
      return "series twice: " + series;
    auto value = l.substr(space + 1);
    if (value.empty() ||
        value.find_first_not_of("0123456789.") != std::string::npos)
      return "not a plain number: " + l;
  }
  return {};
}

/// The value of the one sample whose series text is exactly `series`.
std::string value_of(const std::string& text, const std::string& series) {
  for (auto& l : lines_of(text))
    if (l.rfind(series + " ", 0) == 0)
      return l.substr(series.size() + 1);
  return "(absent)";
}

} // namespace

CAF_TEST(label values escape backslash quote and line feed only) {
  CAF_CHECK_EQUAL(escape_label_value("plain-id_1.2"), "plain-id_1.2");
  CAF_CHECK_EQUAL(escape_label_value(R"(a"b)"), R"(a\"b)");
  CAF_CHECK_EQUAL(escape_label_value(R"(a\b)"), R"(a\\b)");
  CAF_CHECK_EQUAL(escape_label_value("a\nb"), R"(a\nb)");
  // A backslash before a quote stays two escapes, not one.
  CAF_CHECK_EQUAL(escape_label_value(R"(\")"), R"(\\\")");
  CAF_CHECK_EQUAL(escape_label_value(R"(\n)"), R"(\\n)");
  // Other characters, tabs and carriage returns included, are allowed.
  CAF_CHECK_EQUAL(escape_label_value("a\tb\rc{}=,"), "a\tb\rc{}=,");
  // UTF-8 passes unchanged: 2, 3 and 4 byte sequences.
  CAF_CHECK_EQUAL(escape_label_value("ünï 日本 🚀"), "ünï 日本 🚀");
  CAF_CHECK_EQUAL(escape_label_value(""), "");
}

CAF_TEST(bytes that are not UTF - 8 become the replacement character) {
  const std::string fffd = "\xEF\xBF\xBD";
  CAF_CHECK_EQUAL(escape_label_value("a\xFF"
                                     "b"),
                  "a" + fffd + "b");
  // Overlong '/', a surrogate half, beyond U+10FFFF, truncated sequences:
  // each bad byte is replaced on its own and the rest kept.
  CAF_CHECK_EQUAL(escape_label_value("\xC0\xAF"), fffd + fffd);
  CAF_CHECK_EQUAL(escape_label_value("\xED\xA0\x80"), fffd + fffd + fffd);
  CAF_CHECK_EQUAL(escape_label_value("\xF4\x90\x80\x80"),
                  fffd + fffd + fffd + fffd);
  CAF_CHECK_EQUAL(escape_label_value("x\xE2\x82"), "x" + fffd + fffd);
  CAF_CHECK_EQUAL(escape_label_value("\xE2\x82\xAC\xE2"), "€" + fffd);
  // A quote right after a broken sequence is still escaped.
  CAF_CHECK_EQUAL(escape_label_value("\xC3\""), fffd + "\\\"");
}

CAF_TEST(counters and states carry over from the observer snapshot) {
  observer_snapshot snap;
  snap.taken_at = t0();
  snap.counters.events_by_type[static_cast<size_t>(event_type::heartbeat)] = 7;
  snap.counters.events_by_type[static_cast<size_t>(event_type::unknown)] = 2;
  snap.counters
    .parse_errors_by_kind[static_cast<size_t>(hub_errc::invalid_json)] = 3;
  snap.counters.reconnects = 4;
  snap.counters.history_dropped = 5;
  snap.counters.subscriber_dropped = 6;
  snap.status.state = connection_state::connected;
  snap.connected_since = t0() - milliseconds(90500);
  auto m = make_metrics_snapshot(snap, {5, 2}, 1000);
  CAF_CHECK_EQUAL(m.events_by_type.size(), event_type_count);
  CAF_CHECK_EQUAL(m.events_by_type[0], 7u);
  CAF_CHECK_EQUAL(m.reconnects, 4u);
  CAF_CHECK_EQUAL(m.history_dropped, 5u);
  CAF_CHECK_EQUAL(m.subscriber_dropped, 6u);
  CAF_CHECK_EQUAL(m.connected_seconds, 90.5);
  CAF_CHECK_EQUAL(m.local_subscribers, 3u);
  CAF_CHECK_EQUAL(m.remote_subscribers, 2u);
  CAF_CHECK_EQUAL(m.caf_version, std::to_string(CAF_MAJOR_VERSION) + "." +
                                   std::to_string(CAF_MINOR_VERSION) + "." +
                                   std::to_string(CAF_PATCH_VERSION));
  auto text = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(text), "");
  CAF_CHECK(has_line(text, R"(hubwatch_events_total{type="heartbeat"} 7)"));
  CAF_CHECK(has_line(text, R"(hubwatch_events_total{type="unknown"} 2)"));
  CAF_CHECK(has_line(text, R"(hubwatch_events_total{type="task_result"} 0)"));
  CAF_CHECK(
    has_line(text, R"(hubwatch_parse_errors_total{kind="invalid_json"} 3)"));
  CAF_CHECK(
    has_line(text, R"(hubwatch_parse_errors_total{kind="binary_frame"} 0)"));
  // Connection failures are not parse errors.
  CAF_CHECK_EQUAL(text.find("kind=\"connection_lost\""), std::string::npos);
  CAF_CHECK(has_line(text, "hubwatch_reconnects_total 4"));
  CAF_CHECK(has_line(text, "hubwatch_connected_seconds 90.500"));
  CAF_CHECK(has_line(text, "hubwatch_event_history_dropped_total 5"));
  CAF_CHECK(has_line(text, "hubwatch_subscriber_dropped_total 6"));
  // A node without TLS has no refusal series; one with TLS has.
  CAF_CHECK_EQUAL(text.find("hubwatch_node_tls_refused_total"),
                  std::string::npos);
  m.node_tls_refused = 3;
  auto with_tls = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(with_tls), "");
  CAF_CHECK(has_line(with_tls, "hubwatch_node_tls_refused_total 3"));
  CAF_CHECK(has_line(text, R"(hubwatch_subscribers{kind="local"} 3)"));
  CAF_CHECK(has_line(text, R"(hubwatch_subscribers{kind="remote"} 2)"));
  CAF_CHECK(has_line(text, "hubwatch_build_info{version=\"" + m.version +
                             "\",caf=\"" + m.caf_version + "\",boost=\"" +
                             m.boost_version + "\"} 1"));
  CAF_CHECK_EQUAL(m.boost_version.substr(0, 2), "1.");
  // Every family has its HELP and TYPE.
  for (auto name :
       {"hubwatch_events_total", "hubwatch_parse_errors_total",
        "hubwatch_reconnects_total", "hubwatch_connection_state",
        "hubwatch_connected_seconds", "hubwatch_event_history_dropped_total",
        "hubwatch_agents", "hubwatch_agents_folded", "hubwatch_agent_status",
        "hubwatch_agent_last_seen_seconds",
        "hubwatch_agent_last_seen_timestamp_seconds",
        "hubwatch_agent_uptime_seconds", "hubwatch_agent_errors_total",
        "hubwatch_agent_stale", "hubwatch_subscribers",
        "hubwatch_subscriber_dropped_total", "hubwatch_build_info"})
    CAF_CHECK(text.find(std::string{"# TYPE "} + name + " ") !=
              std::string::npos);
}

CAF_TEST(a node shows its remote subscriber cap and refusals) {
  observer_snapshot snap;
  snap.taken_at = t0();
  auto m = make_metrics_snapshot(snap, {3, 2}, 1000);
  // What request_metrics fills in from a gateway.
  m.remote_subscribers_max = 2;
  m.remote_subscribers_refused = 7;
  auto text = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(text), "");
  CAF_CHECK(has_line(text, R"(hubwatch_subscribers{kind="remote"} 2)"));
  CAF_CHECK(has_line(text, "hubwatch_remote_subscribers_max 2"));
  CAF_CHECK(has_line(text, "hubwatch_remote_subscribers_refused_total 7"));
  CAF_CHECK(text.find("# TYPE hubwatch_remote_subscribers_max gauge") !=
            std::string::npos);
  CAF_CHECK(
    text.find("# TYPE hubwatch_remote_subscribers_refused_total counter") !=
    std::string::npos);
  // Without a gateway there is no cap to show: no family at all rather
  // than a max of 0 that reads as "refuses everyone".
  auto plain =
    render_prometheus_text(make_metrics_snapshot(snap, {3, 0}, 1000));
  CAF_CHECK_EQUAL(plain.find("hubwatch_remote_subscribers_"),
                  std::string::npos);
}

CAF_TEST(the state gauge is 1 for the current state and 0 for the others) {
  for (auto st : {connection_state::connecting, connection_state::connected,
                  connection_state::disconnected, connection_state::error}) {
    observer_snapshot snap;
    snap.taken_at = t0();
    snap.status.state = st;
    auto text = render_prometheus_text(make_metrics_snapshot(snap, {}, 10));
    size_t ones = 0;
    for (auto other :
         {connection_state::connecting, connection_state::connected,
          connection_state::disconnected, connection_state::error}) {
      auto v =
        value_of(text, std::string{"hubwatch_connection_state{state=\""} +
                         to_string(other) + "\"}");
      CAF_CHECK_EQUAL(v, other == st ? "1" : "0");
      ones += v == "1" ? 1 : 0;
    }
    CAF_CHECK_EQUAL(ones, 1u);
  }
}

CAF_TEST(connected seconds are 0 unless connected) {
  observer_snapshot snap;
  snap.taken_at = t0();
  // A stale connected_since on a snapshot that says disconnected counts
  // for nothing.
  snap.connected_since = t0() - seconds(10);
  snap.status.state = connection_state::disconnected;
  CAF_CHECK_EQUAL(make_metrics_snapshot(snap, {}, 10).connected_seconds, 0.0);
  snap.status.state = connection_state::connected;
  CAF_CHECK_EQUAL(make_metrics_snapshot(snap, {}, 10).connected_seconds, 10.0);
  // Connected, but no time known (a hand-made snapshot): 0, not garbage.
  snap.connected_since = caf::none;
  CAF_CHECK_EQUAL(make_metrics_snapshot(snap, {}, 10).connected_seconds, 0.0);
}

CAF_TEST(every agent gets every status with 1 for its own) {
  observer_snapshot snap;
  snap.taken_at = t0();
  snap.agents = {agent("b", agent_status::error, seconds(3), 2, true),
                 agent("a", agent_status::running, milliseconds(1250))};
  auto m = make_metrics_snapshot(snap, {}, 1000);
  CAF_REQUIRE_EQUAL(m.agents.size(), 2u);
  CAF_CHECK_EQUAL(m.agents[0].id, "a"); // ordered by id
  CAF_CHECK_EQUAL(m.agents_folded, 0u);
  auto text = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(text), "");
  CAF_CHECK(has_line(text, "hubwatch_agent_status{agent_id=\"b\",agent_name="
                           "\"name of b\",status=\"error\"} 1"));
  CAF_CHECK(has_line(text, "hubwatch_agent_status{agent_id=\"b\",agent_name="
                           "\"name of b\",status=\"running\"} 0"));
  CAF_CHECK(has_line(text, "hubwatch_agent_status{agent_id=\"a\",agent_name="
                           "\"name of a\",status=\"stopped\"} 0"));
  CAF_CHECK(
    has_line(text, R"(hubwatch_agent_last_seen_seconds{agent_id="a"} 1.250)"));
  CAF_CHECK(
    has_line(text, R"(hubwatch_agent_last_seen_seconds{agent_id="b"} 3.000)"));
  CAF_CHECK(has_line(text, R"(hubwatch_agent_errors_total{agent_id="b"} 2)"));
  CAF_CHECK(has_line(text, R"(hubwatch_agent_stale{agent_id="b"} 1)"));
  CAF_CHECK(has_line(text, R"(hubwatch_agent_stale{agent_id="a"} 0)"));
  CAF_CHECK(has_line(text, "hubwatch_agents 2"));
  CAF_CHECK(has_line(text, "hubwatch_agents_folded 0"));
  // Nothing folded, no _other series.
  for (auto& l : lines_of(text))
    if (l[0] != '#')
      CAF_CHECK_EQUAL(l.find("_other"), std::string::npos);
}

CAF_TEST(hub time and uptime are exported only when the hub sent them) {
  observer_snapshot snap;
  snap.taken_at = t0();
  auto a = agent("a", agent_status::running, seconds(1));
  a.last_seen = std::string{"2026-11-25T17:30:05.250Z"};
  a.uptime_seconds = 0.0; // a real 0 is exported
  auto b = agent("b", agent_status::idle, seconds(1));
  b.last_seen = std::string{"not a time"};
  auto c = agent("c", agent_status::idle, seconds(1)); // nothing sent
  snap.agents = {a, b, c};
  auto m = make_metrics_snapshot(snap, {}, 1000);
  CAF_REQUIRE_EQUAL(m.agents.size(), 3u);
  CAF_REQUIRE(m.agents[0].last_seen_timestamp);
  CAF_CHECK_EQUAL(*m.agents[0].last_seen_timestamp, 1795627805.25);
  CAF_CHECK(!m.agents[1].last_seen_timestamp);
  CAF_CHECK(!m.agents[2].uptime_seconds);
  auto text = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(text), "");
  CAF_CHECK(has_line(
    text,
    R"(hubwatch_agent_last_seen_timestamp_seconds{agent_id="a"} 1795627805.250)"));
  CAF_CHECK(
    has_line(text, R"(hubwatch_agent_uptime_seconds{agent_id="a"} 0.000)"));
  for (auto id : {"b", "c"}) {
    CAF_CHECK(
      text.find(
        std::string{"hubwatch_agent_last_seen_timestamp_seconds{agent_id=\""} +
        id) == std::string::npos);
    CAF_CHECK(
      text.find(std::string{"hubwatch_agent_uptime_seconds{agent_id=\""} +
                id) == std::string::npos);
  }
  // Folded agents: the newest hub time, never an uptime.
  auto m2 = make_metrics_snapshot(snap, {}, 0);
  CAF_REQUIRE_EQUAL(m2.agents.size(), 1u);
  CAF_REQUIRE(m2.agents[0].last_seen_timestamp);
  CAF_CHECK_EQUAL(*m2.agents[0].last_seen_timestamp, 1795627805.25);
  CAF_CHECK(!m2.agents[0].uptime_seconds);
}

CAF_TEST(hostile agent names and ids are escaped in every series) {
  observer_snapshot snap;
  snap.taken_at = t0();
  auto rec = agent("id\"with\\quote", agent_status::running, seconds(0));
  rec.name = "evil \"name\" \\ with\nnewline ünï 🚀 } ,x=\"y\"";
  snap.agents = {rec};
  auto text = render_prometheus_text(make_metrics_snapshot(snap, {}, 10));
  CAF_CHECK_EQUAL(check_structure(text), "");
  CAF_CHECK(has_line(
    text,
    R"(hubwatch_agent_status{agent_id="id\"with\\quote",agent_name="evil \"name\" \\ with\nnewline ünï 🚀 } ,x=\"y\"",status="running"} 1)"));
  CAF_CHECK(has_line(
    text, R"(hubwatch_agent_errors_total{agent_id="id\"with\\quote"} 0)"));
  // The raw newline never reaches the output: one line per sample.
  CAF_CHECK_EQUAL(text.find("with\nnewline"), std::string::npos);
}

CAF_TEST(agents beyond the cap fold into one other series) {
  observer_snapshot snap;
  snap.taken_at = t0();
  snap.agents = {
    agent("d", agent_status::stopped, seconds(40), 1, true),
    agent("a", agent_status::running, seconds(1)),
    agent("c", agent_status::error, seconds(70), 3, true),
    agent("b", agent_status::idle, seconds(2), 5),
    agent("e", agent_status::error, seconds(5), 4),
  };
  auto m = make_metrics_snapshot(snap, {}, 2);
  CAF_REQUIRE_EQUAL(m.agents.size(), 3u);
  CAF_CHECK_EQUAL(m.agents[0].id, "a");
  CAF_CHECK_EQUAL(m.agents[1].id, "b");
  auto& other = m.agents[2];
  CAF_CHECK_EQUAL(other.id, "_other");
  CAF_CHECK_EQUAL(other.name, "");
  CAF_CHECK_EQUAL(m.agents_folded, 3u);
  CAF_CHECK_EQUAL(m.agents_known, 5u);
  // c, d, e: counts per status, summed errors, stale count, and the longest
  // silence (so "not seen for a minute" still fires for a folded agent).
  CAF_CHECK_EQUAL(other.status_counts, (std::vector<uint64_t>{0, 0, 2, 1}));
  CAF_CHECK_EQUAL(other.errors, 8u);
  CAF_CHECK_EQUAL(other.stale, 2u);
  CAF_CHECK_EQUAL(other.last_seen_seconds, 70.0);
  auto text = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(text), "");
  CAF_CHECK(has_line(text, "hubwatch_agents_folded 3"));
  CAF_CHECK(has_line(text, "hubwatch_agents 5"));
  CAF_CHECK(has_line(text, "hubwatch_agent_status{agent_id=\"_other\","
                           "agent_name=\"\",status=\"error\"} 2"));
  CAF_CHECK(
    has_line(text, R"(hubwatch_agent_errors_total{agent_id="_other"} 8)"));
  CAF_CHECK(has_line(
    text, R"(hubwatch_agent_last_seen_seconds{agent_id="_other"} 70.000)"));
  CAF_CHECK_EQUAL(text.find("agent_id=\"c\""), std::string::npos);
  CAF_CHECK_EQUAL(text.find("agent_id=\"e\""), std::string::npos);
  // The number of series is bounded by the cap, not by the agents: 10,000
  // agents with a cap of 2 still give 3 agent series per family.
  std::vector<agent_info> many;
  for (int i = 0; i < 10000; ++i)
    many.push_back(agent("x" + std::to_string(10000 + i), agent_status::running,
                         seconds(1)));
  snap.agents = std::move(many);
  auto big = render_prometheus_text(make_metrics_snapshot(snap, {}, 2));
  size_t series = 0;
  for (auto& l : lines_of(big))
    if (l.rfind("hubwatch_agent_stale{", 0) == 0)
      ++series;
  CAF_CHECK_EQUAL(series, 3u);
  CAF_CHECK(has_line(big, "hubwatch_agents_folded 9998"));
  // A cap of 0 folds everyone.
  auto none = make_metrics_snapshot(snap, {}, 0);
  CAF_REQUIRE_EQUAL(none.agents.size(), 1u);
  CAF_CHECK_EQUAL(none.agents[0].id, "_other");
  CAF_CHECK_EQUAL(none.agents[0].status_counts[0], 10000u);
}

CAF_TEST(an agent the hub calls _other goes into the fold) {
  observer_snapshot snap;
  snap.taken_at = t0();
  snap.agents = {
    agent("_other", agent_status::running, seconds(3), 2),
    agent("a", agent_status::idle, seconds(1)),
  };
  // Room for both, yet a series of its own would repeat the fold's labels.
  auto m = make_metrics_snapshot(snap, {}, 1000);
  CAF_REQUIRE_EQUAL(m.agents.size(), 2u);
  CAF_CHECK_EQUAL(m.agents[0].id, "a");
  CAF_CHECK_EQUAL(m.agents[1].id, "_other");
  CAF_CHECK_EQUAL(m.agents[1].errors, 2u);
  CAF_CHECK_EQUAL(m.agents_folded, 1u);
  CAF_CHECK_EQUAL(m.agents_known, 2u);
  auto text = render_prometheus_text(m);
  CAF_CHECK_EQUAL(check_structure(text), "");
  size_t series = 0;
  for (auto& l : lines_of(text))
    if (l.rfind(R"(hubwatch_agent_stale{agent_id="_other"})", 0) == 0)
      ++series;
  CAF_CHECK_EQUAL(series, 1u);
}

CAF_TEST(subscriber counts never go negative) {
  observer_snapshot snap;
  // A relay the gateway counts before it reached the registry.
  auto m = make_metrics_snapshot(snap, {1, 2}, 10);
  CAF_CHECK_EQUAL(m.remote_subscribers, 1u);
  CAF_CHECK_EQUAL(m.local_subscribers, 0u);
}

CAF_TEST(ages are never negative) {
  observer_snapshot snap;
  snap.taken_at = t0();
  snap.agents = {agent("a", agent_status::running, seconds(-5))};
  auto m = make_metrics_snapshot(snap, {}, 10);
  CAF_CHECK_EQUAL(m.agents.at(0).last_seen_seconds, 0.0);
}
