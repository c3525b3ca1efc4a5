#include "hubwatch/core/agent_table.hpp"

#include <algorithm>

#include "hubwatch/core/frame_parser.hpp"

namespace hubwatch {

bool drives_agent_status(event_type x) {
  switch (x) {
  case event_type::heartbeat:
  case event_type::agent_started:
  case event_type::agent_stopped:
  case event_type::agent_error:
    return true;
  default:
    return false;
  }
}

void apply_event(agent_info& rec, const daemon_event& ev) {
  if (!ev.agent_name.empty())
    rec.name = ev.agent_name;
  // What the payload says was read by the frame parser (ev.fields): the
  // payload itself is text and is never parsed again here.
  auto& fields = ev.fields;
  switch (ev.type) {
  case event_type::heartbeat: {
    if (ev.timestamp.empty())
      rec.last_heartbeat = caf::none;
    else
      rec.last_heartbeat = ev.timestamp;
    rec.status = agent_status::running;
    rec.status_word.clear();
    if (auto& word = fields.status) {
      rec.status_word = *word;
      if (*word == "idle")
        rec.status = agent_status::idle;
      else if (*word == "error")
        rec.status = agent_status::error;
      else if (*word == "stopped")
        rec.status = agent_status::stopped;
      // "running" and any word we do not know: the agent is alive.
    }
    // A heartbeat states the current task; without one there is none.
    rec.current_task = fields.current_task;
    // Uptime is a reading: a heartbeat that omits it keeps the last one.
    if (fields.uptime_seconds)
      rec.uptime_seconds = fields.uptime_seconds;
    break;
  }
  case event_type::agent_started:
    rec.status = agent_status::running;
    rec.status_word.clear();
    break;
  case event_type::agent_stopped:
    rec.status = agent_status::stopped;
    rec.status_word.clear();
    break;
  case event_type::agent_error: {
    rec.status = agent_status::error;
    rec.status_word.clear();
    rec.error_count += 1;
    rec.last_error =
      fields.error ? *fields.error : std::string{"Unknown error"};
    break;
  }
  default:
    break;
  }
}

namespace {

/// Moves `rec.last_seen` to `ev`'s timestamp if that is newer; true if it
/// did.
bool update_last_seen(agent_info& rec, const daemon_event& ev) {
  // An event without a timestamp says nothing about when it happened.
  if (ev.timestamp.empty() || rec.last_seen == ev.timestamp)
    return false;
  // Hub time may go backwards (clock steps, several hub processes): the
  // later of the two when both are times, else the latest arrival.
  if (rec.last_seen && ev.time) {
    auto current = parse_rfc3339(*rec.last_seen);
    if (current && *ev.time < *current)
      return false;
  }
  rec.last_seen = ev.timestamp;
  return true;
}

} // namespace

const agent_info* agent_table::apply(const daemon_event& ev,
                                     caf::timestamp now) {
  // Hub-wide events have no agent to attach to.
  if (ev.agent_id.empty())
    return nullptr;
  if (!drives_agent_status(ev.type)) {
    auto i = agents_.find(ev.agent_id);
    if (i == agents_.end())
      return nullptr;
    auto& rec = i->second;
    rec.last_seen_local = now;
    // Subscribers hear of the record only when what they see of it changed:
    // its hub time or its staleness. Events in the same second as the last
    // one about the agent carry the same timestamp and change nothing.
    bool changed = update_last_seen(rec, ev);
    if (rec.stale) {
      rec.stale = false;
      changed = true;
    }
    return changed ? &rec : nullptr;
  }
  auto [i, added] = agents_.try_emplace(ev.agent_id);
  auto& rec = i->second;
  if (added)
    rec.id = ev.agent_id; // blank record: idle, no task, no errors
  apply_event(rec, ev);
  update_last_seen(rec, ev);
  rec.last_seen_local = now;
  rec.stale = false;
  return &rec;
}

void agent_table::mark_stale(caf::timestamp now, caf::timespan stale_after,
                             std::vector<agent_info>& changed) {
  for (auto& [id, rec] : agents_)
    if (!rec.stale && now - rec.last_seen_local >= stale_after) {
      rec.stale = true;
      changed.push_back(rec);
    }
}

void agent_table::mark_all_stale(std::vector<agent_info>& changed) {
  for (auto& [id, rec] : agents_)
    if (!rec.stale) {
      rec.stale = true;
      changed.push_back(rec);
    }
}

caf::optional<caf::timestamp> agent_table::oldest_fresh() const {
  caf::optional<caf::timestamp> result;
  for (auto& kvp : agents_)
    if (!kvp.second.stale && (!result || kvp.second.last_seen_local < *result))
      result = kvp.second.last_seen_local;
  return result;
}

const agent_info* agent_table::find(const std::string& id) const {
  auto i = agents_.find(id);
  return i != agents_.end() ? &i->second : nullptr;
}

std::vector<agent_info> agent_table::sorted() const {
  std::vector<agent_info> result;
  result.reserve(agents_.size());
  for (auto& kvp : agents_)
    result.push_back(kvp.second);
  std::sort(
    result.begin(), result.end(),
    [](const agent_info& x, const agent_info& y) { return x.id < y.id; });
  return result;
}

void agent_table::put(agent_info rec) {
  auto id = rec.id;
  agents_[std::move(id)] = std::move(rec);
}

void agent_table::reset(std::vector<agent_info> recs) {
  agents_.clear();
  for (auto& rec : recs)
    put(std::move(rec));
}

} // namespace hubwatch
