#include "bench/remote_child.hpp"

#include <algorithm>
#include <string>

#include <unistd.h>

namespace hubwatch::bench {

namespace {

std::string own_executable() {
  char buf[4096];
  auto n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return {};
  return std::string(buf, static_cast<size_t>(n));
}

} // namespace

websocket_config link_config() {
  websocket_config wc;
  wc.auto_reconnect = false;
  wc.idle_timeout = caf::timespan{0};
  wc.stale_after = caf::timespan{0};
  return wc;
}

remote_system_config::remote_system_config(const websocket_config& wc,
                                           size_t threads, bool event_driven) {
  hubwatch::add_message_types(*this);
  enable_remote(*this, wc);
  set("scheduler.max-threads", threads);
  if (event_driven)
    set("work-stealing.moderate-poll-attempts", size_t{0});
}

double median(std::vector<double> xs) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

subscriber_child::~subscriber_child() {
  close();
}

bool subscriber_child::start(const std::vector<uint16_t>& ports, size_t n,
                             uint64_t count, bool latency) {
  n_ = n;
  auto exe = own_executable();
  if (exe.empty()) {
    std::fprintf(stderr, "bench: cannot find the bench's executable\n");
    return false;
  }
  std::string list;
  for (auto p : ports)
    list += (list.empty() ? "" : ",") + std::to_string(p);
  auto cmd = exe + " --remote-child " + list + " " + std::to_string(n) + " " +
             std::to_string(count) + " " + (latency ? "1" : "0");
  pipe_ = popen(cmd.c_str(), "r");
  if (pipe_ == nullptr) {
    std::fprintf(stderr, "bench: cannot start %s\n", cmd.c_str());
    return false;
  }
  char line[256];
  size_t attached = 0;
  if (std::fgets(line, sizeof(line), pipe_) != nullptr)
    std::sscanf(line, "attached %zu", &attached);
  if (attached != n) {
    std::fprintf(stderr, "bench: %zu of %zu subscribers attached\n", attached,
                 n);
    close();
    return false;
  }
  return true;
}

bool subscriber_child::finish() {
  if (pipe_ == nullptr)
    return false;
  char line[256];
  while (std::fgets(line, sizeof(line), pipe_) != nullptr) {
    child_line x;
    unsigned long long seen = 0, lost = 0, dup = 0, missed = 0;
    if (std::sscanf(line, "sub %llu %llu %llu %llu %lf %lf %lf", &seen, &lost,
                    &dup, &missed, &x.secs, &x.p50_us, &x.p99_us) == 7) {
      x.seen = seen;
      x.lost_or_reordered = lost;
      x.duplicated = dup;
      x.missed = missed;
      subs.push_back(x);
    } else {
      std::sscanf(line, "cpu %lf", &cpu_s);
    }
  }
  return subs.size() == n_;
}

void subscriber_child::close() {
  if (pipe_ != nullptr)
    pclose(pipe_);
  pipe_ = nullptr;
}

} // namespace hubwatch::bench
