#define CAF_SUITE agent_table

#include "hubwatch/core/agent_table.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>

#include <caf/test/unit_test.hpp>

#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/core/reference_agent_table.hpp"
#include "test_support.hpp"

using namespace hubwatch;
using namespace std::chrono;

namespace {

struct fixture {
  frame_parser parser{1024 * 1024, 64};
  agent_table table;
  caf::timestamp now{seconds(1000)};

  daemon_event event(std::string_view frame) {
    daemon_event ev;
    parse_error err;
    if (!parser.parse(frame, ev, err))
      CAF_FAIL("bad test frame: " << to_string(err));
    return ev;
  }

  // The table builds records when asked; these keep them while a test case
  // looks at them.
  std::deque<agent_info> seen;

  const agent_info* apply(std::string_view frame) {
    agent_info rec;
    if (!table.apply(event(frame), now, rec))
      return nullptr;
    return &seen.emplace_back(std::move(rec));
  }

  const agent_info& agent(const std::string& id) {
    auto rec = table.find(id);
    if (!rec)
      CAF_FAIL("no agent " << id);
    return seen.emplace_back(std::move(*rec));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(agent_table_tests, fixture)

CAF_TEST(a heartbeat creates a running agent with its fields) {
  auto* rec = apply(R"({"type":"heartbeat","agentId":"inf-001",)"
                    R"("agentName":"inference","timestamp":"T1",)"
                    R"("payload":{"status":"running","currentTask":"job-1",)"
                    R"("uptimeSeconds":3605}})");
  CAF_REQUIRE(rec != nullptr);
  CAF_CHECK_EQUAL(rec->id, "inf-001");
  CAF_CHECK_EQUAL(rec->name, "inference");
  CAF_CHECK_EQUAL(rec->status, agent_status::running);
  CAF_CHECK_EQUAL(rec->status_word, "running");
  CAF_CHECK_EQUAL(rec->last_heartbeat, inline_text{"T1"});
  CAF_CHECK_EQUAL(rec->last_seen, inline_text{"T1"});
  CAF_CHECK_EQUAL(rec->current_task, std::string{"job-1"});
  CAF_CHECK_EQUAL(rec->uptime_seconds, 3605.0);
  CAF_CHECK_EQUAL(rec->error_count, 0u);
  CAF_CHECK(!rec->last_error);
  CAF_CHECK_EQUAL(rec->last_seen_local, now);
  CAF_CHECK(!rec->stale);
}

CAF_TEST(heartbeat status words) {
  auto status_of = [&](const std::string& word) {
    apply(R"({"type":"heartbeat","agentId":"a","payload":{"status":")" + word +
          "\"}}");
    return agent("a").status;
  };
  CAF_CHECK_EQUAL(status_of("idle"), agent_status::idle);
  CAF_CHECK_EQUAL(status_of("error"), agent_status::error);
  CAF_CHECK_EQUAL(status_of("stopped"), agent_status::stopped);
  CAF_CHECK_EQUAL(status_of("running"), agent_status::running);
  // Unknown words mean alive: running, with the word kept for display.
  CAF_CHECK_EQUAL(status_of("trading"), agent_status::running);
  CAF_CHECK_EQUAL(agent("a").status_word, "trading");
  CAF_CHECK_EQUAL(status_of("active"), agent_status::running);
  CAF_CHECK_EQUAL(agent("a").status_word, "active");
  // A heartbeat with no status word at all still means alive.
  apply(R"({"type":"heartbeat","agentId":"b","payload":{"activeJobs":3}})");
  CAF_CHECK_EQUAL(agent("b").status, agent_status::running);
  CAF_CHECK_EQUAL(agent("b").status_word, "");
  // A heartbeat saying error does not count as an error event.
  CAF_CHECK_EQUAL(agent("a").error_count, 0u);
}

CAF_TEST(snake case heartbeat fields) {
  apply(R"({"type":"heartbeat","agentId":"d","payload":{"status":"trading",)"
        R"("current_task":"swap-9","uptime_seconds":12.5}})");
  CAF_CHECK_EQUAL(agent("d").current_task, std::string{"swap-9"});
  CAF_CHECK_EQUAL(agent("d").uptime_seconds, 12.5);
}

CAF_TEST(a heartbeat without a task clears it; without uptime keeps it) {
  apply(R"({"type":"heartbeat","agentId":"a","payload":{"currentTask":"t",)"
        R"("uptimeSeconds":10}})");
  apply(R"({"type":"heartbeat","agentId":"a","payload":{}})");
  CAF_CHECK(!agent("a").current_task);
  CAF_CHECK_EQUAL(agent("a").uptime_seconds, 10.0);
  apply(R"({"type":"heartbeat","agentId":"a","payload":{"currentTask":null}})");
  CAF_CHECK(!agent("a").current_task);
}

CAF_TEST(lifecycle events) {
  apply(R"({"type":"agent_started","agentId":"x","agentName":"executor"})");
  CAF_CHECK_EQUAL(agent("x").status, agent_status::running);
  CAF_CHECK_EQUAL(agent("x").name, "executor");
  apply(R"({"type":"agent_error","agentId":"x","payload":{"error":"boom"}})");
  CAF_CHECK_EQUAL(agent("x").status, agent_status::error);
  CAF_CHECK_EQUAL(agent("x").error_count, 1u);
  CAF_CHECK_EQUAL(agent("x").last_error, std::string{"boom"});
  apply(R"({"type":"agent_error","agentId":"x"})");
  CAF_CHECK_EQUAL(agent("x").error_count, 2u);
  CAF_CHECK_EQUAL(agent("x").last_error, std::string{"Unknown error"});
  apply(R"({"type":"agent_error","agentId":"x","payload":{"error":7}})");
  CAF_CHECK_EQUAL(agent("x").last_error, std::string{"Unknown error"});
  apply(R"({"type":"agent_stopped","agentId":"x"})");
  CAF_CHECK_EQUAL(agent("x").status, agent_status::stopped);
  CAF_CHECK_EQUAL(agent("x").error_count, 3u);
  // The name of a record is not wiped by events that omit it.
  CAF_CHECK_EQUAL(agent("x").name, "executor");
}

CAF_TEST(an agent first seen through a lifecycle event starts blank) {
  apply(R"({"type":"agent_stopped","agentId":"y"})");
  auto& rec = agent("y");
  CAF_CHECK_EQUAL(rec.status, agent_status::stopped);
  CAF_CHECK(!rec.current_task);
  CAF_CHECK_EQUAL(rec.error_count, 0u);
  // What the hub never sent stays unset, never a made-up "" or 0.
  CAF_CHECK(!rec.last_heartbeat);
  CAF_CHECK(!rec.uptime_seconds);
  CAF_CHECK(!rec.last_seen);
  CAF_CHECK(rec.name.empty());
}

CAF_TEST(a real zero uptime stays zero) {
  apply(R"({"type":"heartbeat","agentId":"a","payload":{"uptimeSeconds":0}})");
  CAF_CHECK_EQUAL(agent("a").uptime_seconds, 0.0);
  apply(R"({"type":"heartbeat","agentId":"b","payload":{}})");
  CAF_CHECK(!agent("b").uptime_seconds);
}

CAF_TEST(other types never create agents but refresh last seen) {
  CAF_CHECK(apply(R"({"type":"task_result","agentId":"z"})") == nullptr);
  CAF_CHECK(apply(R"({"type":"mystery","agentId":"z"})") == nullptr);
  CAF_CHECK_EQUAL(table.size(), 0u);
  apply(R"({"type":"heartbeat","agentId":"z"})");
  now += seconds(3);
  // Known agent, nothing subscribers need: no update, but the local time
  // moves.
  CAF_CHECK(apply(R"({"type":"task_result","agentId":"z"})") == nullptr);
  CAF_CHECK_EQUAL(agent("z").last_seen_local, now);
  CAF_CHECK_EQUAL(agent("z").status, agent_status::running);
}

CAF_TEST(last seen is the hub time of the newest event of any type) {
  apply(R"({"type":"heartbeat","agentId":"a",)"
        R"("timestamp":"2026-11-25T18:00:00Z"})");
  CAF_CHECK_EQUAL(agent("a").last_seen, inline_text{"2026-11-25T18:00:00Z"});
  // Another type about a known agent with a newer time: the record changed,
  // so subscribers hear of it; lastHeartbeat stays the heartbeat's.
  auto* rec = apply(R"({"type":"task_result","agentId":"a",)"
                    R"("timestamp":"2026-11-25T18:00:07.5Z"})");
  CAF_REQUIRE(rec != nullptr);
  CAF_CHECK_EQUAL(rec->last_seen, inline_text{"2026-11-25T18:00:07.5Z"});
  CAF_CHECK_EQUAL(rec->last_heartbeat, inline_text{"2026-11-25T18:00:00Z"});
  // The same time again changes nothing: no update.
  CAF_CHECK(apply(R"({"type":"task_result","agentId":"a",)"
                  R"("timestamp":"2026-11-25T18:00:07.5Z"})") == nullptr);
  // Time going backwards: the later of the two stays.
  CAF_CHECK(apply(R"({"type":"task_result","agentId":"a",)"
                  R"("timestamp":"2026-11-25T17:59:00Z"})") == nullptr);
  apply(R"({"type":"heartbeat","agentId":"a",)"
        R"("timestamp":"2026-11-25T17:59:30Z"})");
  CAF_CHECK_EQUAL(agent("a").last_seen, inline_text{"2026-11-25T18:00:07.5Z"});
  CAF_CHECK_EQUAL(agent("a").last_heartbeat,
                  inline_text{"2026-11-25T17:59:30Z"});
  // The same instant in another zone is not older: the latest arrival.
  apply(R"({"type":"agent_started","agentId":"a",)"
        R"("timestamp":"2026-11-25T19:00:07.5+01:00"})");
  CAF_CHECK_EQUAL(agent("a").last_seen,
                  inline_text{"2026-11-25T19:00:07.5+01:00"});
  // A time that does not parse cannot be compared: the latest arrival wins,
  // and after it the next parsable time does too.
  apply(R"({"type":"heartbeat","agentId":"a","timestamp":"T9"})");
  CAF_CHECK_EQUAL(agent("a").last_seen, inline_text{"T9"});
  apply(R"({"type":"heartbeat","agentId":"a",)"
        R"("timestamp":"2026-11-25T10:00:00Z"})");
  CAF_CHECK_EQUAL(agent("a").last_seen, inline_text{"2026-11-25T10:00:00Z"});
  // No timestamp says nothing about time: lastSeen stays, but a heartbeat
  // without one has no time of its own.
  apply(R"({"type":"heartbeat","agentId":"a"})");
  CAF_CHECK_EQUAL(agent("a").last_seen, inline_text{"2026-11-25T10:00:00Z"});
  CAF_CHECK(!agent("a").last_heartbeat);
  // Other types still never create an agent.
  CAF_CHECK(apply(R"({"type":"task_result","agentId":"new",)"
                  R"("timestamp":"2026-11-25T18:00:00Z"})") == nullptr);
  CAF_CHECK(!table.find("new"));
}

CAF_TEST(records put from an upstream node are kept exactly as sent) {
  agent_info x;
  x.id = "b-2";
  x.name = "worker";
  x.status = agent_status::error;
  x.status_word = "trading";
  // One time that prints back from its value, one that does not, one none.
  x.last_heartbeat = std::string{"2026-11-25T19:00:01.5+01:00"};
  x.last_seen = std::string{"2026-11-25T18:00:02.250Z"};
  x.current_task = std::string{"job-7"};
  x.uptime_seconds = 0.0;
  x.error_count = 3;
  x.last_error = std::string{"boom"};
  x.last_seen_local = now - seconds(5);
  x.stale = true;
  agent_info y;
  y.id = "a-1";
  table.put(x);
  table.put(y);
  CAF_CHECK_EQUAL(agent("b-2"), x);
  CAF_CHECK_EQUAL(agent("a-1"), y);
  // A second put replaces the record of that id, fields that went away too.
  x.current_task = caf::none;
  x.last_error = caf::none;
  x.last_heartbeat = caf::none;
  table.put(x);
  CAF_CHECK_EQUAL(agent("b-2"), x);
  CAF_CHECK_EQUAL(table.size(), 2u);
  CAF_CHECK_EQUAL(table.sorted(), std::vector<agent_info>({y, x}));
  // A snapshot replaces every record.
  agent_info z;
  z.id = "c-3";
  z.status = agent_status::running;
  table.reset({z});
  CAF_CHECK_EQUAL(table.size(), 1u);
  CAF_CHECK(!table.find("b-2"));
  CAF_CHECK_EQUAL(table.sorted(), std::vector<agent_info>({z}));
  // Events go on from the records as put.
  auto* rec = apply(R"({"type":"agent_error","agentId":"c-3",)"
                    R"("timestamp":"T9","payload":{"error":"late"}})");
  CAF_REQUIRE(rec != nullptr);
  CAF_CHECK_EQUAL(rec->error_count, 1u);
  CAF_CHECK_EQUAL(rec->last_error, std::string{"late"});
}

CAF_TEST(hub wide events create no agent) {
  CAF_CHECK(apply(R"({"type":"heartbeat","agentId":""})") == nullptr);
  CAF_CHECK(apply(R"({"type":"agent_started"})") == nullptr);
  CAF_CHECK_EQUAL(table.size(), 0u);
}

CAF_TEST(staleness) {
  apply(R"({"type":"heartbeat","agentId":"a"})");
  now += seconds(10);
  apply(R"({"type":"heartbeat","agentId":"b"})");
  std::vector<agent_info> changed;
  table.mark_stale(now + seconds(5), seconds(15), changed);
  CAF_REQUIRE_EQUAL(changed.size(), 1u);
  CAF_CHECK_EQUAL(changed[0].id, "a");
  CAF_CHECK(changed[0].stale);
  CAF_CHECK_EQUAL(changed[0].status, agent_status::running);
  changed.clear();
  // Already stale agents are not reported again.
  table.mark_stale(now + seconds(5), seconds(15), changed);
  CAF_CHECK(changed.empty());
  // Any event about a stale agent makes it fresh; others report the change.
  auto* rec = apply(R"({"type":"task_result","agentId":"a"})");
  CAF_REQUIRE(rec != nullptr);
  CAF_CHECK(!rec->stale);
  table.mark_all_stale(changed);
  CAF_CHECK_EQUAL(changed.size(), 2u);
}

CAF_TEST(agents derived from the captured stream) {
  for (auto& frame : test::wire_frames("realhub-demo.jsonl"))
    apply(frame);
  CAF_REQUIRE_EQUAL(table.size(), 4u);
  auto all = table.sorted();
  CAF_CHECK_EQUAL(all[0].id, "coord-001");
  CAF_CHECK_EQUAL(all[1].id, "defi-001");
  CAF_CHECK_EQUAL(all[2].id, "exec-001");
  CAF_CHECK_EQUAL(all[3].id, "inf-001");
  CAF_CHECK_EQUAL(agent("coord-001").status, agent_status::running);
  CAF_CHECK_EQUAL(agent("coord-001").name, "coordinator");
  CAF_CHECK_EQUAL(agent("defi-001").status, agent_status::running);
  // inf-001's heartbeats carry no top-level status: alive, so running.
  CAF_CHECK_EQUAL(agent("inf-001").status, agent_status::running);
  CAF_CHECK_EQUAL(agent("inf-001").status_word, "");
  // exec-001 cycles started -> error -> stopped; the capture ends stopped
  // after its 14th error.
  auto& exec = agent("exec-001");
  CAF_CHECK_EQUAL(exec.status, agent_status::stopped);
  CAF_CHECK_EQUAL(exec.error_count, 14u);
  CAF_CHECK_EQUAL(exec.last_error,
                  std::string{"simulated failure #14: rpc timeout"});
  CAF_CHECK(!exec.last_heartbeat);
  // lastSeen is the newest timestamp about each agent, of any type.
  CAF_CHECK_EQUAL(exec.last_seen, inline_text{"2026-11-25T18:00:53Z"});
  for (auto& rec : all)
    if (rec.id != "exec-001")
      CAF_CHECK_EQUAL(rec.error_count, 0u);
}

namespace {

/// The reference table's records ordered by id (its map is unordered).
std::vector<agent_info*> ordered(reference_agent_table& t) {
  std::vector<agent_info*> result;
  for (auto& kvp : t.records())
    result.push_back(&kvp.second);
  std::sort(result.begin(), result.end(),
            [](auto* x, auto* y) { return x->id < y->id; });
  return result;
}

} // namespace

CAF_TEST(the compact table agrees with a map of full records) {
  // Many agents (so that new ids are merged into the ordered ones several
  // times) and every kind of value, from a fixed pseudo-random sequence.
  std::minstd_rand rng{16};
  auto pick = [&](size_t n) {
    return static_cast<size_t>(rng() % n);
  };
  const char* types[] = {"heartbeat", "agent_started", "agent_stopped",
                         "agent_error", "task_result"};
  const char* stamps[] = {"2026-11-25T18:00:00Z",
                          "2026-11-25T18:00:01Z",
                          "2026-11-25T18:00:01.5Z",
                          "2026-11-25T18:00:01.50Z",
                          "2026-11-25T17:00:00.123456789Z",
                          "2026-11-25T19:00:01.5+01:00",
                          "2026-11-25t18:00:02z",
                          "2026-11-25T23:59:60Z",
                          "T9",
                          ""};
  const char* names[] = {"", "worker", "inference", "coordinator"};
  const char* words[] = {"", "running", "idle", "error", "stopped", "trading"};
  reference_agent_table plain;
  agent_info rec;
  for (int i = 0; i < 20000; ++i) {
    now += milliseconds(pick(3) * 500);
    std::string frame = R"({"type":")" + std::string{types[pick(5)]} +
                        R"(","agentId":"a-)" + std::to_string(pick(3000)) + '"';
    if (auto name = names[pick(4)]; *name)
      frame += R"(,"agentName":")" + std::string{name} + '"';
    if (auto ts = stamps[pick(10)]; *ts)
      frame += R"(,"timestamp":")" + std::string{ts} + '"';
    frame += R"(,"payload":{)";
    if (auto word = words[pick(6)]; *word)
      frame += R"("status":")" + std::string{word} + "\",";
    if (pick(2) == 0)
      frame += R"("currentTask":"job-)" + std::to_string(pick(100)) + "\",";
    if (pick(3) == 0)
      frame += R"("uptimeSeconds":)" + std::to_string(pick(5000)) + ",";
    if (pick(2) == 0)
      frame += R"("error":"boom )" + std::to_string(pick(4)) + "\",";
    frame += R"("n":1}})";
    auto ev = event(frame);
    auto* expected = plain.apply(ev, now);
    bool changed = table.apply(ev, now, rec);
    CAF_REQUIRE_EQUAL(changed, expected != nullptr);
    if (changed)
      CAF_REQUIRE_EQUAL(rec, *expected);
    if (i % 5000 == 4999) {
      std::vector<agent_info> got;
      table.mark_stale(now, seconds(3), got);
      std::vector<agent_info> want;
      for (auto* x : ordered(plain))
        if (!x->stale && now - x->last_seen_local >= seconds(3)) {
          x->stale = true;
          want.push_back(*x);
        }
      std::sort(got.begin(), got.end(),
                [](auto& x, auto& y) { return x.id < y.id; });
      CAF_REQUIRE_EQUAL(got, want);
      // Ids added since the last call are merged into the order kept.
      std::vector<agent_info> all;
      for (auto* x : ordered(plain))
        all.push_back(*x);
      CAF_REQUIRE_EQUAL(table.sorted(), all);
    }
  }
  auto all = table.sorted();
  CAF_REQUIRE_EQUAL(all.size(), plain.records().size());
  size_t k = 0;
  for (auto* x : ordered(plain)) {
    CAF_REQUIRE_EQUAL(all[k], *x);
    CAF_REQUIRE_EQUAL(table.find(x->id), *x);
    ++k;
  }
  caf::optional<caf::timestamp> oldest;
  for (auto* x : ordered(plain))
    if (!x->stale && (!oldest || x->last_seen_local < *oldest))
      oldest = x->last_seen_local;
  CAF_CHECK_EQUAL(table.oldest_fresh(), oldest);
}

namespace {

/// The ids of `table.sorted()`, in its order.
std::vector<std::string> sorted_ids(agent_table& table) {
  std::vector<std::string> result;
  for (auto& rec : table.sorted())
    result.push_back(rec.id);
  return result;
}

/// `ids` as std::string's operator< orders them.
std::vector<std::string> by_operator_less(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

void put_ids(agent_table& table, const std::vector<std::string>& ids) {
  for (auto& id : ids) {
    agent_info rec;
    rec.id = id;
    table.put(rec);
  }
}

using namespace std::string_literals;

/// Ids that differ only where a key of 8 or 16 bytes of the id can tie:
/// shared prefixes of 8, 16 and 32 bytes, ids of 0 to 17 bytes, bytes >=
/// 0x80, embedded and trailing NULs (JSON's \u0000 decodes to one).
std::vector<std::string> tricky_ids() {
  return {"agent-00",
          "agent-000",
          "agent-0000001",
          "agent-0000010",
          "agent-0000002",
          "agent-00\0"s,
          "agent-00\0\0"s,
          "agent-00\0a"s,
          "agent-00\x01"s,
          "agent-0\xff"s,
          "agent-0\x80z"s,
          "agent-0\x7f"s,
          "",
          "\0"s,
          "\0\0"s,
          "a",
          "a\0"s,
          "a\0\0\0\0\0\0\0"s,
          "a\0\0\0\0\0\0\0\0"s,
          "a\0\0\0\0\0\0\0\0\x01"s,
          "ab",
          "abcdefgh",
          "abcdefg",
          "abcdefghi",
          "\xff\xff\xff\xff\xff\xff\xff\xff",
          "\xff\xff\xff\xff\xff\xff\xff\xff\xff",
          "\xff\xff\xff\xff\xff\xff\xff\xfe\xff",
          "\x80",
          "\x7f",
          "0123456789abcdef",
          "0123456789abcdefX",
          "0123456789abcdef\0"s,
          "0123456789abcdeg",
          "0123456789abcdef0123456789abcdef-1",
          "0123456789abcdef0123456789abcdef-0",
          "0123456789abcdef0123456789abcdef"};
}

} // namespace

CAF_TEST(sorted orders ids bytewise like std::string) {
  auto ids = tricky_ids();
  put_ids(table, ids);
  CAF_REQUIRE_EQUAL(table.size(), ids.size());
  CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(ids));
  // A second call keeps that order (nothing new to merge).
  CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(ids));
}

CAF_TEST(ids added between calls are merged into the order) {
  auto ids = tricky_ids();
  std::vector<std::string> known;
  // Every third id, then the rest one by one and in pairs, each time
  // asking for the order, so that new ids land before, between and after
  // those already ordered.
  for (size_t i = 0; i < ids.size(); i += 3)
    known.push_back(ids[i]);
  put_ids(table, known);
  CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(known));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i % 3 == 0)
      continue;
    known.push_back(ids[i]);
    put_ids(table, {ids[i]});
    if (i % 2 == 0)
      CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(known));
  }
  CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(known));
  // An id put again is no new id.
  put_ids(table, {ids[0]});
  CAF_CHECK_EQUAL(table.size(), ids.size());
  CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(ids));
}

CAF_TEST(sorted orders many random ids with long shared prefixes) {
  // Ids from a small alphabet (NUL and 0xff included) of random lengths
  // after one of a few long prefixes: runs of equal eight-byte chunks at
  // several depths.
  std::minstd_rand rng{42};
  const std::string alphabet = "\0\x01"
                               "a\x7f\x80\xff"s;
  const std::string prefixes[] = {"", "agent-", "agent-00000000",
                                  "agent-0000000000000000-"};
  std::vector<std::string> ids;
  std::set<std::string> seen_ids;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> fresh;
    for (int i = 0; i < 2000; ++i) {
      auto id = prefixes[rng() % 4];
      for (auto n = rng() % 20; n > 0; --n)
        id += alphabet[rng() % alphabet.size()];
      if (seen_ids.insert(id).second)
        fresh.push_back(id);
    }
    put_ids(table, fresh);
    ids.insert(ids.end(), fresh.begin(), fresh.end());
    CAF_REQUIRE_EQUAL(table.size(), ids.size());
    CAF_CHECK_EQUAL(sorted_ids(table), by_operator_less(ids));
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
