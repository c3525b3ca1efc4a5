#include "programs/dashboard/dashboard_model.hpp"

#include "hubwatch/core/frame_parser.hpp"

namespace hubwatch {

namespace {

caf::optional<int64_t> left_ms(const connection_status& st,
                               dashboard_model::clock::time_point at,
                               dashboard_model::clock::time_point now) {
  using clock = dashboard_model::clock;
  if (!st.next_delay)
    return caf::none;
  auto due = at + std::chrono::duration_cast<clock::duration>(*st.next_delay);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - now);
  return std::max<int64_t>(left.count(), 0);
}

// `s` in a column of `width`: padded, or cut with a `~`.
std::string column(std::string s, size_t width) {
  if (s.size() > width)
    s = s.substr(0, width > 1 ? width - 1 : 0) + "~";
  s.resize(width, ' ');
  return s;
}

} // namespace

std::string dashboard_model::hub_time(const caf::optional<inline_text>& x) {
  if (!x)
    return "-";
  if (parse_rfc3339(*x))
    return std::string{x->view().substr(11, 8)};
  return x->str();
}

std::string dashboard_model::event_line(const daemon_event& ev) {
  auto stamp = ev.timestamp.view();
  std::string ts{stamp.size() >= 19 ? stamp.substr(11, 8) : stamp};
  return column(ts, 9) + column(ev.type_name.str(), 22) +
         column(ev.agent_id, 11) + ev.payload.to_line();
}

void dashboard_model::apply(const observer_snapshot& x, clock::time_point now) {
  agents_.clear();
  events_.clear();
  for (auto& a : x.agents)
    agents_[a.id] = a;
  for (auto& ev : x.events) {
    events_.push_back(ev);
    if (events_.size() > max_events_)
      events_.pop_front();
  }
  events_seen_ = x.counters.events;
  parse_errors_ = x.counters.parse_errors;
  apply(hub_update{x.status}, now);
}

void dashboard_model::apply(const hub_update& x, clock::time_point now) {
  if (auto ev = caf::get_if<daemon_event>(&x)) {
    ++events_seen_;
    events_.push_back(*ev);
    if (events_.size() > max_events_)
      events_.pop_front();
  } else if (auto ag = caf::get_if<agent_info>(&x)) {
    agents_[ag->id] = *ag;
  } else if (auto err = caf::get_if<parse_error>(&x)) {
    ++parse_errors_;
    last_error_ = "bad frame: " + to_string(*err);
  } else if (auto st = caf::get_if<connection_status>(&x)) {
    status_ = *st;
    status_at_ = now;
    if (st->error_code != hub_errc::none)
      last_error_ =
        std::string{to_string(st->error_code)} + ": " + st->error_message;
  }
}

void dashboard_model::apply_link(const connection_status& x,
                                 clock::time_point now) {
  link_ = x;
  link_at_ = now;
  if (x.error_code != hub_errc::none &&
      x.error_code != hub_errc::closed_by_observer)
    last_error_ =
      std::string{"link: "} + to_string(x.error_code) + ": " + x.error_message;
}

caf::optional<int64_t>
dashboard_model::retry_in_ms(clock::time_point now) const {
  return left_ms(status_, status_at_, now);
}

caf::optional<int64_t>
dashboard_model::link_retry_in_ms(clock::time_point now) const {
  if (!link_)
    return caf::none;
  return left_ms(*link_, link_at_, now);
}

std::string dashboard_model::age(std::chrono::milliseconds x) {
  auto ms = x.count();
  if (ms < 0)
    ms = 0;
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(ms / 1000));
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds",
                  static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  else
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm",
                  static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  return buf;
}

} // namespace hubwatch
