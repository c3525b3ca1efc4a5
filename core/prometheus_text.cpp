#include "hubwatch/core/prometheus_text.hpp"

#include <charconv>
#include <cstdint>

#include "hubwatch/core/utf8.hpp"
#include "hubwatch/messages/event_type.hpp"
#include "hubwatch/messages/hub_errc.hpp"

namespace hubwatch {

namespace {

std::string number(uint64_t x) {
  return std::to_string(x);
}

// Seconds with millisecond resolution, independent of the C locale (a
// program that calls setlocale must not get "1,5").
std::string number(double x) {
  char buf[64];
  auto res =
    std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed, 3);
  return std::string(buf, res.ptr);
}

/// Appends one metric family at a time: HELP and TYPE, then its samples.
class exposition {
public:
  void family(const char* name, const char* type, const char* help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  /// Starts a sample of the current family; add labels, then `value`.
  exposition& sample() {
    out_ += name_;
    first_label_ = true;
    return *this;
  }

  exposition& label(const char* key, std::string_view value) {
    out_ += first_label_ ? '{' : ',';
    first_label_ = false;
    out_ += key;
    out_ += "=\"";
    out_ += escape_label_value(value);
    out_ += '"';
    return *this;
  }

  template <class T>
  void value(T x) {
    if (!first_label_)
      out_ += '}';
    out_ += ' ';
    out_ += number(x);
    out_ += '\n';
  }

  std::string take() {
    return std::move(out_);
  }

private:
  std::string out_;
  const char* name_ = "";
  bool first_label_ = true;
};

uint64_t at(const std::vector<uint64_t>& xs, size_t i) {
  return i < xs.size() ? xs[i] : 0;
}

} // namespace

std::string escape_label_value(std::string_view x) {
  std::string result;
  result.reserve(x.size());
  size_t i = 0;
  while (i < x.size()) {
    auto c = x[i];
    if (c == '\\') {
      result += "\\\\";
    } else if (c == '"') {
      result += "\\\"";
    } else if (c == '\n') {
      result += "\\n";
    } else {
      uint32_t cp = 0;
      auto n = utf8_length(x, i, cp);
      if (n == 0) {
        result += "\xEF\xBF\xBD"; // U+FFFD for one bad byte
        ++i;
        continue;
      }
      result.append(x.data() + i, n);
      i += n;
      continue;
    }
    ++i;
  }
  return result;
}

std::string render_prometheus_text(const metrics_snapshot& x) {
  exposition e;
  e.family("hubwatch_events_total", "counter",
           "Valid events received from the hub, by type (types the observer "
           "does not know count as unknown).");
  for (size_t i = 0; i < event_type_count; ++i)
    e.sample()
      .label("type", to_string(static_cast<event_type>(i)))
      .value(at(x.events_by_type, i));
  e.family("hubwatch_parse_errors_total", "counter",
           "Frames refused by the parser, by kind.");
  for (size_t i = 0; i < hub_errc_count; ++i) {
    auto kind = static_cast<hub_errc>(i);
    if (is_parse_error(kind))
      e.sample()
        .label("kind", to_string(kind))
        .value(at(x.parse_errors_by_kind, i));
  }
  e.family("hubwatch_reconnects_total", "counter",
           "Successful connections to the hub after the first.");
  e.sample().value(x.reconnects);
  e.family("hubwatch_connection_state", "gauge",
           "1 for the current state of the hub connection, 0 for the others.");
  for (auto st : {connection_state::connecting, connection_state::connected,
                  connection_state::disconnected, connection_state::error})
    e.sample()
      .label("state", to_string(st))
      .value(uint64_t{x.state == st ? 1u : 0u});
  e.family("hubwatch_connected_seconds", "gauge",
           "Uptime of the current hub connection; 0 when not connected.");
  e.sample().value(x.connected_seconds);
  e.family("hubwatch_event_history_dropped_total", "counter",
           "Events evicted from the history ring to keep it bounded.");
  e.sample().value(x.history_dropped);
  e.family("hubwatch_agents", "gauge",
           "Agents known to the observer (they are never forgotten).");
  e.sample().value(x.agents_known);
  e.family("hubwatch_agents_folded", "gauge",
           "Agents beyond the per-agent series cap, folded into "
           "agent_id=\"_other\".");
  e.sample().value(x.agents_folded);
  e.family("hubwatch_agent_status", "gauge",
           "1 for the agent's current status, 0 for the others; for "
           "agent_id=\"_other\" the number of folded agents with that status.");
  for (auto& a : x.agents)
    for (size_t i = 0; i < agent_status_count; ++i)
      e.sample()
        .label("agent_id", a.id)
        .label("agent_name", a.name)
        .label("status", to_string(static_cast<agent_status>(i)))
        .value(at(a.status_counts, i));
  e.family("hubwatch_agent_last_seen_seconds", "gauge",
           "Seconds since the observer last heard of the agent; for "
           "agent_id=\"_other\" the longest silence among folded agents.");
  for (auto& a : x.agents)
    e.sample().label("agent_id", a.id).value(a.last_seen_seconds);
  // Omitted rather than 0 for an agent whose hub never sent the figure: a 0
  // would chart as 1970, or as an agent that just started.
  e.family("hubwatch_agent_last_seen_timestamp_seconds", "gauge",
           "The hub's time of the newest event about the agent, in seconds "
           "since the epoch; absent while the hub sent none that parses. For "
           "agent_id=\"_other\" the newest among folded agents.");
  for (auto& a : x.agents)
    if (a.last_seen_timestamp)
      e.sample().label("agent_id", a.id).value(*a.last_seen_timestamp);
  e.family("hubwatch_agent_uptime_seconds", "gauge",
           "The uptime the agent's last heartbeat reported; absent while none "
           "did, and for agent_id=\"_other\".");
  for (auto& a : x.agents)
    if (a.uptime_seconds)
      e.sample().label("agent_id", a.id).value(*a.uptime_seconds);
  e.family("hubwatch_agent_errors_total", "counter",
           "agent_error events of the agent; for agent_id=\"_other\" the sum "
           "over folded agents.");
  for (auto& a : x.agents)
    e.sample().label("agent_id", a.id).value(a.errors);
  e.family("hubwatch_agent_stale", "gauge",
           "1 when nothing was heard of the agent for stale-after-ms or the "
           "hub connection is down; for agent_id=\"_other\" the number of "
           "stale folded agents.");
  for (auto& a : x.agents)
    e.sample().label("agent_id", a.id).value(a.stale);
  e.family("hubwatch_subscribers", "gauge",
           "Subscribers of the observer: in this process (local) and on "
           "other machines through the node (remote).");
  e.sample().label("kind", "local").value(x.local_subscribers);
  e.sample().label("kind", "remote").value(x.remote_subscribers);
  e.family("hubwatch_subscriber_dropped_total", "counter",
           "Updates dropped from subscriber queues that overflowed.");
  e.sample().value(x.subscriber_dropped);
  // Only a node has a gateway, and only a gateway has a cap.
  if (x.remote_subscribers_max) {
    e.family("hubwatch_remote_subscribers_max", "gauge",
             "Remote subscribers the node serves at once "
             "(max-remote-subscribers); compare "
             "hubwatch_subscribers{kind=\"remote\"}.");
    e.sample().value(*x.remote_subscribers_max);
    e.family("hubwatch_remote_subscribers_refused_total", "counter",
             "Remote subscribers refused because the node served "
             "max-remote-subscribers already (each retry counts again).");
    e.sample().value(x.remote_subscribers_refused);
  }
  if (x.node_tls_refused) {
    e.family("hubwatch_node_tls_refused_total", "counter",
             "Peers refused in the TLS handshake of the node's port (no "
             "certificate, one from another CA, expired, plain BASP, "
             "other bytes).");
    e.sample().value(*x.node_tls_refused);
  }
  e.family("hubwatch_build_info", "gauge",
           "Always 1; the labels say what this build was made from.");
  e.sample()
    .label("version", x.version)
    .label("caf", x.caf_version)
    .label("boost", x.boost_version)
    .value(uint64_t{1});
  return e.take();
}

} // namespace hubwatch
