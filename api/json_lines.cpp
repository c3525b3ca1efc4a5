#include "hubwatch/api/json_lines.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace hubwatch {

namespace {

namespace json = boost::json;

json::object head(const char* kind, int64_t t_ms, const std::string& node,
                  const std::vector<std::string>& via) {
  json::object obj;
  obj["kind"] = kind;
  obj["t_ms"] = t_ms;
  if (!node.empty())
    obj["node"] = node;
  if (!via.empty()) {
    json::array path;
    for (auto& x : via)
      path.emplace_back(x);
    obj["via"] = std::move(path);
  }
  return obj;
}

template <class T>
json::value or_null(const caf::optional<T>& x) {
  if (x)
    return json::value(*x);
  return nullptr;
}

json::value or_null(const caf::optional<inline_text>& x) {
  if (x)
    return json::value(x->view());
  return nullptr;
}

// Boost.JSON 1.81 writes every double in exponent form (77.4 -> 7.74E1);
// people read these lines, so doubles go out in their shortest round-trip
// form instead. Everything else is Boost.JSON's own output.
void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
  case json::kind::double_: {
    char buf[32];
    auto d = v.get_double();
    auto res = std::to_chars(buf, buf + sizeof(buf), d);
    out.append(buf, res.ptr);
    // Keep it recognisably a float for readers that care.
    if (std::find_if(buf, res.ptr, [](char c) {
          return c == '.' || c == 'e' || c == 'n' || c == 'i';
        }) == res.ptr)
      out += ".0";
    break;
  }
  case json::kind::object: {
    out += '{';
    bool first = true;
    for (auto& kvp : v.get_object()) {
      if (!first)
        out += ',';
      first = false;
      out += json::serialize(json::string_view{kvp.key()});
      out += ':';
      write(out, kvp.value());
    }
    out += '}';
    break;
  }
  case json::kind::array: {
    out += '[';
    bool first = true;
    for (auto& x : v.get_array()) {
      if (!first)
        out += ',';
      first = false;
      write(out, x);
    }
    out += ']';
    break;
  }
  default:
    out += json::serialize(v);
  }
}

std::string line(const json::object& obj) {
  std::string result;
  write(result, obj);
  result += '\n';
  return result;
}

// `obj`'s line with one more member whose value is JSON text written as it
// is: a payload goes out byte for byte as the hub sent it. The text is
// checked JSON, and `to_line()` has turned the only bytes that could break
// the line (CR, LF between tokens) into spaces.
std::string line(const json::object& obj, const char* key,
                 const std::string& json_text) {
  std::string result;
  write(result, obj);
  result.pop_back(); // the closing brace
  if (!obj.empty())
    result += ',';
  result += json::serialize(json::string_view{key});
  result += ':';
  result += json_text;
  result += "}\n";
  return result;
}

json::object status_object(int64_t t_ms, const connection_status& x,
                           const std::string& node,
                           const std::vector<std::string>& via,
                           const char* scope) {
  auto obj = head("status", t_ms, node, via);
  if (scope != nullptr)
    obj["scope"] = scope;
  obj["state"] = to_string(x.state);
  obj["attempt"] = x.attempt;
  if (x.next_delay)
    obj["next_delay_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(*x.next_delay)
        .count();
  if (x.close_code)
    obj["close_code"] = *x.close_code;
  if (!x.close_reason.empty())
    obj["close_reason"] = x.close_reason;
  if (x.http_status)
    obj["http_status"] = *x.http_status;
  if (x.error_code != hub_errc::none) {
    obj["error_code"] = to_string(x.error_code);
    obj["error"] = x.error_message;
  }
  obj["reconnects"] = x.reconnects;
  // Only when asked for: false says the hub refused it (see `error`).
  if (x.deflate)
    obj["deflate"] = *x.deflate;
  return obj;
}

} // namespace

std::string json_lines::status(int64_t t_ms, const connection_status& x) const {
  return line(status_object(t_ms, x, node_, via_, nullptr));
}

std::string json_lines::link_status(int64_t t_ms,
                                    const connection_status& x) const {
  return line(status_object(t_ms, x, node_, {}, "link"));
}

std::string json_lines::snapshot(int64_t t_ms,
                                 const observer_snapshot& x) const {
  auto obj = head("snapshot", t_ms, node_, via_);
  obj["events"] = x.events.size();
  obj["agents"] = x.agents.size();
  obj["events_total"] = x.counters.events;
  obj["parse_errors"] = x.counters.parse_errors;
  obj["reconnects"] = x.counters.reconnects;
  return line(obj);
}

std::string json_lines::event(int64_t t_ms, const daemon_event& x) const {
  auto obj = head("event", t_ms, node_, via_);
  obj["seq"] = x.seq;
  obj["type"] = x.type_name.view();
  obj["agentId"] = x.agent_id;
  obj["agentName"] = x.agent_name;
  obj["timestamp"] = x.timestamp.view();
  return line(obj, "payload", x.payload.to_line());
}

std::string json_lines::agent(int64_t t_ms, const agent_info& x) const {
  auto obj = head("agent", t_ms, node_, via_);
  obj["id"] = x.id;
  // What the hub never sent is null, never a made-up "" or 0.
  if (x.name.empty())
    obj["name"] = nullptr;
  else
    obj["name"] = x.name;
  obj["status"] = to_string(x.status);
  if (!x.status_word.empty())
    obj["statusWord"] = x.status_word;
  obj["lastHeartbeat"] = or_null(x.last_heartbeat);
  obj["lastSeen"] = or_null(x.last_seen);
  obj["currentTask"] = or_null(x.current_task);
  obj["uptimeSeconds"] = or_null(x.uptime_seconds);
  obj["errorCount"] = x.error_count;
  obj["lastError"] = or_null(x.last_error);
  obj["stale"] = x.stale;
  return line(obj);
}

std::string json_lines::parse_error(int64_t t_ms,
                                    const hubwatch::parse_error& x) const {
  auto obj = head("parse_error", t_ms, node_, via_);
  obj["error"] = to_string(x.kind);
  obj["message"] = x.message;
  obj["excerpt"] = x.excerpt;
  return line(obj);
}

std::string json_lines::missed(int64_t t_ms, uint64_t count) const {
  auto obj = head("missed", t_ms, node_, via_);
  obj["count"] = count;
  return line(obj);
}

std::string json_lines::update(int64_t t_ms, const hub_update& x) const {
  if (auto ev = caf::get_if<daemon_event>(&x))
    return event(t_ms, *ev);
  if (auto ag = caf::get_if<agent_info>(&x))
    return agent(t_ms, *ag);
  if (auto err = caf::get_if<hubwatch::parse_error>(&x))
    return parse_error(t_ms, *err);
  return status(t_ms, caf::get<connection_status>(x));
}

std::string json_lines::summary(int64_t t_ms, const observer_counters& c,
                                double seconds) const {
  auto obj = head("summary", t_ms, node_, via_);
  obj["events"] = c.events;
  obj["parse_errors"] = c.parse_errors;
  obj["reconnects"] = c.reconnects;
  obj["missed"] = c.subscriber_dropped;
  obj["seconds"] = seconds;
  obj["events_per_s"] =
    seconds > 0 ? static_cast<double>(c.events) / seconds : 0.0;
  return line(obj);
}

} // namespace hubwatch
