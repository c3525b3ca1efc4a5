#include "hubwatch/core/agent_table.hpp"

#include "hubwatch/core/frame_parser.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

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

// What an agent_info holds, in about 150 bytes instead of about 300 plus a
// hash node, a second copy of the id and a heap buffer per timestamp.
struct agent_table::record {
  std::string id;
  // `current_task` when `has_task`: job ids are rarely shared, so interning
  // them would only add a pool entry per agent.
  std::string task;
  hub_time_text last_heartbeat;
  hub_time_text last_seen;
  caf::timestamp last_seen_local;
  double uptime = 0;
  uint64_t error_count = 0;
  string_pool::handle name = 0;
  string_pool::handle status_word = 0;
  string_pool::handle last_error = 0;
  agent_status status = agent_status::idle;
  bool has_task = false;
  bool has_uptime = false;
  bool has_error = false;
  bool stale = false;
};

namespace {

// 1024 records per block: about 150 KiB, one allocation.
constexpr uint32_t block_bits = 10;
constexpr uint32_t block_size = 1u << block_bits;

size_t hash_of(std::string_view id) {
  return std::hash<std::string_view>{}(id);
}

} // namespace

agent_table::agent_table() = default;
agent_table::~agent_table() = default;
agent_table::agent_table(agent_table&&) = default;
agent_table& agent_table::operator=(agent_table&&) = default;

agent_table::record& agent_table::at(uint32_t i) const {
  return blocks_[i >> block_bits][i & (block_size - 1)];
}

/// The record number of `id`, or size() if unknown.
uint32_t agent_table::lookup(std::string_view id) const {
  if (index_.empty())
    return static_cast<uint32_t>(size_);
  auto mask = index_.size() - 1;
  for (auto pos = hash_of(id) & mask;; pos = (pos + 1) & mask) {
    auto slot = index_[pos];
    if (slot == 0)
      return static_cast<uint32_t>(size_);
    if (at(slot - 1).id == id)
      return slot - 1;
  }
}

void agent_table::grow_index() {
  // At most half full: probes stay short, and 4 bytes per slot cost at most
  // 16 bytes per agent.
  std::vector<uint32_t> next(index_.empty() ? 64 : index_.size() * 2, 0);
  auto mask = next.size() - 1;
  for (uint32_t i = 0; i < size_; ++i) {
    auto pos = hash_of(at(i).id) & mask;
    while (next[pos] != 0)
      pos = (pos + 1) & mask;
    next[pos] = i + 1;
  }
  index_.swap(next);
}

uint32_t agent_table::insert(const std::string& id) {
  if ((size_ + 1) * 2 > index_.size())
    grow_index();
  auto i = static_cast<uint32_t>(size_);
  if ((i & (block_size - 1)) == 0)
    blocks_.emplace_back(new record[block_size]);
  ++size_;
  at(i).id = id;
  auto mask = index_.size() - 1;
  auto pos = hash_of(id) & mask;
  while (index_[pos] != 0)
    pos = (pos + 1) & mask;
  index_[pos] = i + 1;
  // Ordered by sorted(), the next time one is asked for.
  order_.push_back(i);
  return i;
}

namespace {

/// Eight bytes of `id` from `offset` as a big-endian integer, zero past the
/// end: integers compare as the bytes do (unsigned, as std::string's).
uint64_t chunk_at(const std::string& id, size_t offset) {
  unsigned char buf[8] = {};
  if (offset < id.size())
    std::memcpy(buf, id.data() + offset,
                std::min<size_t>(8, id.size() - offset));
  uint64_t result = 0;
  for (auto b : buf)
    result = (result << 8) | b;
  return result;
}

/// A record number with sixteen bytes of its id from the current depth.
struct id_key {
  uint64_t hi;
  uint64_t lo;
  // Bytes of the id left from the current offset, at most 17: among equal
  // chunks a shorter id is a prefix of a longer one (or ends in fewer NULs),
  // so it goes first; 17 means "more after these sixteen", to be looked at.
  uint32_t rest;
  uint32_t rec;

  bool operator<(const id_key& y) const {
    if (hi != y.hi)
      return hi < y.hi;
    if (lo != y.lo)
      return lo < y.lo;
    return rest < y.rest;
  }

  bool same_bytes(const id_key& y) const {
    return hi == y.hi && lo == y.lo && rest == y.rest;
  }
};

constexpr size_t key_bytes = 16;

} // namespace

// Comparing ids through their record numbers missed the cache twice per
// comparison and made the first snapshot of 1M agents 17x the 100k one.
// Instead: a most-significant-first sort sixteen bytes at a time, on keys in
// one contiguous array, so that nearly every comparison is an integer one
// and each record is read once for ids of up to sixteen bytes. Only ids
// equal in all bytes so far are keyed again at the next sixteen.
void agent_table::order_new_ids() {
  if (ordered_ == order_.size())
    return;
  auto mid = order_.begin() + static_cast<ptrdiff_t>(ordered_);
  std::vector<id_key> keys;
  keys.reserve(order_.size() - ordered_);
  for (auto it = mid; it != order_.end(); ++it)
    keys.push_back({0, 0, 0, *it});
  struct range {
    size_t first;
    size_t last;
    size_t offset;
  };
  // A stack, not recursion: long shared prefixes would nest deeply.
  std::vector<range> todo{{0, keys.size(), 0}};
  while (!todo.empty()) {
    auto [first, last, offset] = todo.back();
    todo.pop_back();
    auto b = keys.begin() + static_cast<ptrdiff_t>(first);
    auto e = keys.begin() + static_cast<ptrdiff_t>(last);
    bool all_same = true;
    for (auto it = b; it != e; ++it) {
      auto& id = at(it->rec).id;
      it->hi = chunk_at(id, offset);
      it->lo = chunk_at(id, offset + 8);
      it->rest = static_cast<uint32_t>(
        id.size() > offset ? std::min(key_bytes + 1, id.size() - offset) : 0);
      all_same = all_same && it->same_bytes(*b);
    }
    if (!all_same)
      std::sort(b, e);
    for (auto i = first; i < last;) {
      auto j = i + 1;
      while (j < last && keys[j].same_bytes(keys[i]))
        ++j;
      if (j - i > 1 && keys[i].rest == key_bytes + 1)
        todo.push_back({i, j, offset + key_bytes});
      i = j;
    }
  }
  for (size_t k = 0; k < keys.size(); ++k)
    mid[static_cast<ptrdiff_t>(k)] = keys[k].rec;
  if (ordered_ > 0) {
    auto by_id = [this](uint32_t x, uint32_t y) {
      return at(x).id < at(y).id;
    };
    std::inplace_merge(order_.begin(), mid, order_.end(), by_id);
  }
  ordered_ = order_.size();
}

void agent_table::fill(const record& rec, agent_info& out) const {
  fill_except_times(rec, out);
  out.last_heartbeat = rec.last_heartbeat.text();
  out.last_seen = rec.last_seen.text();
}

void agent_table::fill_except_times(const record& rec, agent_info& out) const {
  out.id = rec.id;
  out.name = strings_.get(rec.name);
  out.status = rec.status;
  out.status_word = strings_.get(rec.status_word);
  if (rec.has_task)
    out.current_task = rec.task;
  else
    out.current_task = caf::none;
  if (rec.has_uptime)
    out.uptime_seconds = rec.uptime;
  else
    out.uptime_seconds = caf::none;
  out.error_count = rec.error_count;
  if (rec.has_error)
    out.last_error = strings_.get(rec.last_error);
  else
    out.last_error = caf::none;
  out.last_seen_local = rec.last_seen_local;
  out.stale = rec.stale;
}

/// Takes the fields of `info` that a record holds the same way whoever
/// derived them: all but the two hub times, the local time and staleness.
void agent_table::store_fields(record& rec, const agent_info& info) {
  strings_.assign(rec.name, info.name);
  rec.status = info.status;
  strings_.assign(rec.status_word, info.status_word);
  rec.has_task = static_cast<bool>(info.current_task);
  if (rec.has_task)
    rec.task = *info.current_task;
  else
    rec.task.clear();
  rec.has_uptime = static_cast<bool>(info.uptime_seconds);
  rec.uptime = rec.has_uptime ? *info.uptime_seconds : 0;
  rec.error_count = info.error_count;
  rec.has_error = static_cast<bool>(info.last_error);
  if (rec.has_error)
    strings_.assign(rec.last_error, *info.last_error);
  else
    strings_.release(rec.last_error);
}

/// Takes what apply_event derived in `info` back into `rec`.
void agent_table::store(record& rec, const agent_info& info,
                        const daemon_event& ev, const hub_time_form& ts) {
  store_fields(rec, info);
  if (!info.last_heartbeat)
    rec.last_heartbeat.clear();
  else if (*info.last_heartbeat == ev.timestamp)
    rec.last_heartbeat.assign(ts);
  // else: unchanged (apply_event sets it to the event's or to none).
}

/// Moves `rec.last_seen` to `ev`'s timestamp if that is newer; true if it
/// did.
bool agent_table::update_last_seen(record& rec, const daemon_event& ev,
                                   const hub_time_form& ts) {
  // An event without a timestamp says nothing about when it happened.
  if (ev.timestamp.empty() || rec.last_seen.equals(ts))
    return false;
  // Hub time may go backwards (clock steps, several hub processes): the
  // later of the two when both are times, else the latest arrival.
  if (!rec.last_seen.empty() && ev.time) {
    auto current = rec.last_seen.time();
    if (current && *ev.time < *current)
      return false;
  }
  rec.last_seen.assign(ts);
  return true;
}

bool agent_table::apply(const daemon_event& ev, caf::timestamp now,
                        agent_info& changed) {
  // Hub-wide events have no agent to attach to.
  if (ev.agent_id.empty())
    return false;
  auto i = lookup(ev.agent_id);
  if (!drives_agent_status(ev.type) && i == size_)
    return false;
  // Whether the event's timestamp prints back from its time, worked out
  // once for every field it sets or is compared with.
  hub_time_form ts{ev.timestamp.view(), ev.time};
  if (!drives_agent_status(ev.type)) {
    auto& rec = at(i);
    rec.last_seen_local = now;
    // Subscribers hear of the record only when what they see of it changed:
    // its hub time or its staleness. Events in the same second as the last
    // one about the agent carry the same timestamp and change nothing.
    bool moved = update_last_seen(rec, ev, ts);
    bool result = moved || rec.stale;
    rec.stale = false;
    if (result) {
      // The new last_seen is the event's own string: no need to print it.
      fill_except_times(rec, changed);
      changed.last_heartbeat = rec.last_heartbeat.text();
      if (moved)
        changed.last_seen = ev.timestamp;
      else
        changed.last_seen = rec.last_seen.text();
    }
    return result;
  }
  if (i == size_)
    i = insert(ev.agent_id); // blank record: idle, no task, no errors
  auto& rec = at(i);
  // One implementation of the rules: on the full record, then back. A hub
  // time is printed back from the record only when the event does not
  // replace it (apply_event reads neither): printing was a tenth of the
  // worker's time when every heartbeat printed both.
  fill_except_times(rec, changed);
  apply_event(changed, ev);
  if (ev.type != event_type::heartbeat)
    changed.last_heartbeat = rec.last_heartbeat.text();
  store(rec, changed, ev, ts);
  if (update_last_seen(rec, ev, ts))
    changed.last_seen = ev.timestamp;
  else
    changed.last_seen = rec.last_seen.text();
  rec.last_seen_local = now;
  rec.stale = false;
  changed.last_seen_local = now;
  changed.stale = false;
  return true;
}

void agent_table::mark_stale(caf::timestamp now, caf::timespan stale_after,
                             std::vector<agent_info>& changed) {
  for (uint32_t i = 0; i < size_; ++i) {
    auto& rec = at(i);
    if (!rec.stale && now - rec.last_seen_local >= stale_after) {
      rec.stale = true;
      fill(rec, changed.emplace_back());
    }
  }
}

void agent_table::mark_all_stale(std::vector<agent_info>& changed) {
  for (uint32_t i = 0; i < size_; ++i) {
    auto& rec = at(i);
    if (!rec.stale) {
      rec.stale = true;
      fill(rec, changed.emplace_back());
    }
  }
}

caf::optional<caf::timestamp> agent_table::oldest_fresh() const {
  caf::optional<caf::timestamp> result;
  for (uint32_t i = 0; i < size_; ++i) {
    auto& rec = at(i);
    if (!rec.stale && (!result || rec.last_seen_local < *result))
      result = rec.last_seen_local;
  }
  return result;
}

caf::optional<agent_info> agent_table::find(const std::string& id) const {
  auto i = lookup(id);
  if (i == size_)
    return caf::none;
  agent_info result;
  fill(at(i), result);
  return result;
}

std::vector<agent_info> agent_table::sorted() {
  order_new_ids();
  // Each record built where it stays, in one pass: constructing all of them
  // first and filling them after walked 300 MB twice at 1M agents.
  std::vector<agent_info> result;
  result.reserve(size_);
  for (size_t k = 0; k < size_; ++k)
    fill(at(order_[k]), result.emplace_back());
  return result;
}

void agent_table::put(const agent_info& info) {
  auto i = lookup(info.id);
  if (i == size_)
    i = insert(info.id);
  auto& rec = at(i);
  store_fields(rec, info);
  auto assign_time = [](hub_time_text& dst,
                        const caf::optional<inline_text>& text) {
    if (text)
      dst.assign(*text, parse_rfc3339(*text));
    else
      dst.clear();
  };
  assign_time(rec.last_heartbeat, info.last_heartbeat);
  assign_time(rec.last_seen, info.last_seen);
  rec.last_seen_local = info.last_seen_local;
  rec.stale = info.stale;
}

void agent_table::reset(const std::vector<agent_info>& infos) {
  *this = agent_table{};
  for (auto& info : infos)
    put(info);
}

} // namespace hubwatch
