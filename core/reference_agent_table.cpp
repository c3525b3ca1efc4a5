#include "hubwatch/core/reference_agent_table.hpp"

#include "hubwatch/core/agent_table.hpp"
#include "hubwatch/core/frame_parser.hpp"

namespace hubwatch {

namespace {

// "Newest" is the later timestamp when both parse, else the latest arrival
// (docs/wire-schema.md).
bool update_last_seen(agent_info& rec, const daemon_event& ev) {
  if (ev.timestamp.empty() || rec.last_seen == ev.timestamp)
    return false;
  if (rec.last_seen && ev.time) {
    auto current = parse_rfc3339(*rec.last_seen);
    if (current && *ev.time < *current)
      return false;
  }
  rec.last_seen = ev.timestamp;
  return true;
}

} // namespace

const agent_info* reference_agent_table::apply(const daemon_event& ev,
                                               caf::timestamp now) {
  if (ev.agent_id.empty())
    return nullptr;
  if (!drives_agent_status(ev.type)) {
    auto i = agents_.find(ev.agent_id);
    if (i == agents_.end())
      return nullptr;
    auto& rec = i->second;
    rec.last_seen_local = now;
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
    rec.id = ev.agent_id;
  apply_event(rec, ev);
  update_last_seen(rec, ev);
  rec.last_seen_local = now;
  rec.stale = false;
  return &rec;
}

} // namespace hubwatch
