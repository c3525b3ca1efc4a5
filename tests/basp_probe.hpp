#pragma once

// Raw TCP probes for a BASP port (CAF 0.17's io middleman), generic over
// host, port and bytes so that tests of a plain node and of a TLS node can
// send the same things. Blocking POSIX sockets; for tests only.

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace hubwatch::test {

using bytes = std::vector<uint8_t>;

/// A BASP header as CAF 0.17's binary_serializer writes it: operation,
/// two padding bytes, flags, then payload_len, operation_data, source_actor
/// and dest_actor big-endian (32 bytes).
inline bytes basp_header(uint8_t operation, uint32_t payload_len,
                         uint64_t operation_data, uint64_t source_actor,
                         uint64_t dest_actor, uint8_t flags = 0) {
  bytes out{operation, 0, 0, flags};
  auto put = [&out](uint64_t x, int n) {
    for (int i = n - 1; i >= 0; --i)
      out.push_back(static_cast<uint8_t>(x >> (8 * i)));
  };
  put(payload_len, 4);
  put(operation_data, 8);
  put(source_actor, 8);
  put(dest_actor, 8);
  return out;
}

inline bytes random_bytes(std::minstd_rand& rng, size_t n) {
  bytes out(n);
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

/// The probe of issue #13: 8 zero bytes, the 4-byte length 0x7fffffff and 64
/// random bytes. Read as a BASP header it is a server handshake with
/// payload_len 0 (the 8 zero bytes) and a non-zero operation_data, which
/// CAF 0.17.6 accepts as valid and then deserializes from a null payload.
inline bytes issue_probe(std::minstd_rand& rng) {
  bytes out(8, 0);
  for (uint8_t b : {0x7f, 0xff, 0xff, 0xff})
    out.push_back(b);
  auto tail = random_bytes(rng, 64);
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

struct probe_case {
  std::string name;
  bytes data;
};

/// Every BASP operation code (0-6, and 7 and 255, which no version knows)
/// with payload_len 0, 0x7fffffff and 0xffffffff, the other fields set so
/// that CAF's own header check passes where it can (a server handshake has
/// operation_data, a direct message a receiver, ...), each followed by 64
/// random bytes.
inline std::vector<probe_case> basp_probe_table(std::minstd_rand& rng) {
  struct op_fields {
    uint8_t op;
    const char* name;
    uint64_t operation_data, source_actor, dest_actor;
  };
  const op_fields ops[] = {
    {0, "server_handshake", 1, 7, 7}, {1, "client_handshake", 1, 0, 0},
    {2, "direct_message", 0, 1, 1},   {3, "routed_message", 0, 1, 1},
    {4, "monitor_message", 0, 1, 1},  {5, "down_message", 0, 1, 0},
    {6, "heartbeat", 0, 0, 0},        {7, "unknown_7", 1, 1, 1},
    {255, "unknown_255", 1, 1, 1},
  };
  std::vector<probe_case> out;
  for (auto& o : ops)
    for (uint32_t len : {0u, 0x7fffffffu, 0xffffffffu}) {
      auto data =
        basp_header(o.op, len, o.operation_data, o.source_actor, o.dest_actor);
      auto tail = random_bytes(rng, 64);
      data.insert(data.end(), tail.begin(), tail.end());
      char suffix[24];
      std::snprintf(suffix, sizeof(suffix), " payload_len=0x%x", len);
      out.push_back({std::string{o.name} + suffix, std::move(data)});
    }
  return out;
}

/// Connects to `host`:`port`; -1 on failure.
inline int tcp_connect(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) !=
      0)
    return -1;
  int fd = -1;
  for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0)
      continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
      break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

/// What became of one probe connection.
enum class probe_outcome {
  /// The connect failed: nobody listens (any more).
  refused,
  /// The peer closed (or reset) the connection within the linger time.
  closed_by_peer,
  /// Still open when the linger time was up; we closed it.
  still_open,
};

/// Sends `data` on a fresh connection, then waits up to `linger` for the
/// peer to close it, reading and discarding whatever it sends.
inline probe_outcome
send_probe(const std::string& host, uint16_t port, const bytes& data,
           std::chrono::milliseconds linger = std::chrono::milliseconds(300)) {
  auto fd = tcp_connect(host, port);
  if (fd < 0)
    return probe_outcome::refused;
  size_t sent = 0;
  while (sent < data.size()) {
    auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<size_t>(n);
  }
  auto deadline = std::chrono::steady_clock::now() + linger;
  auto outcome = probe_outcome::still_open;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0)
      break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0)
      continue;
    char buf[512];
    if (::recv(fd, buf, sizeof(buf), 0) <= 0) {
      outcome = probe_outcome::closed_by_peer;
      break;
    }
  }
  ::close(fd);
  return outcome;
}

/// Connections that connect and then say nothing, held until destroyed.
class half_open_connections {
public:
  half_open_connections(const std::string& host, uint16_t port, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto fd = tcp_connect(host, port);
      if (fd >= 0)
        fds_.push_back(fd);
    }
  }

  ~half_open_connections() {
    for (auto fd : fds_)
      ::close(fd);
  }

  half_open_connections(const half_open_connections&) = delete;
  half_open_connections& operator=(const half_open_connections&) = delete;

  size_t size() const {
    return fds_.size();
  }

private:
  std::vector<int> fds_;
};

} // namespace hubwatch::test
