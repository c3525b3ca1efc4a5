#include "hubwatch/core/basp_guard.hpp"

#include <algorithm>

namespace hubwatch {

namespace {

uint64_t big_endian(const uint8_t* p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i)
    x = (x << 8) | p[i];
  return x;
}

// The operation codes of CAF 0.17's caf::io::basp::message_type.
enum op : uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

} // namespace

const char* to_string(basp_fault x) {
  switch (x) {
  case basp_fault::none:
    return "none";
  case basp_fault::invalid:
    return "invalid";
  case basp_fault::handshake_without_payload:
    return "handshake_without_payload";
  case basp_fault::payload_too_large:
    return "payload_too_large";
  }
  return "unknown";
}

basp_fault check_basp_header(const uint8_t* bytes, uint32_t max_payload) {
  auto operation = bytes[0];
  auto payload_len = static_cast<uint32_t>(big_endian(bytes + 4, 4));
  auto operation_data = big_endian(bytes + 8, 8);
  auto source_actor = big_endian(bytes + 16, 8);
  auto dest_actor = big_endian(bytes + 24, 8);
  // CAF's own rules first (libcaf_io/src/io/basp/header.cpp).
  bool valid = false;
  switch (operation) {
  case server_handshake:
    valid = operation_data != 0;
    break;
  case client_handshake:
    valid = source_actor == 0 && dest_actor == 0;
    break;
  case direct_message:
  case routed_message:
    valid = dest_actor != 0 && payload_len != 0;
    break;
  case monitor_message:
    valid = payload_len != 0 && operation_data == 0;
    break;
  case down_message:
    valid = source_actor != 0 && dest_actor == 0 && payload_len != 0 &&
            operation_data == 0;
    break;
  case heartbeat:
    valid = source_actor == 0 && dest_actor == 0 && payload_len == 0 &&
            operation_data == 0;
    break;
  default:
    break;
  }
  if (!valid)
    return basp_fault::invalid;
  // Both handshakes carry a node id at least: an empty one is never real.
  if ((operation == server_handshake || operation == client_handshake) &&
      payload_len == 0)
    return basp_fault::handshake_without_payload;
  if (payload_len > max_payload)
    return basp_fault::payload_too_large;
  return basp_fault::none;
}

bool basp_stream_guard::feed(const uint8_t* data, size_t n) {
  while (n > 0 && fault_ == basp_fault::none) {
    if (payload_left_ > 0) {
      auto skip = static_cast<size_t>(std::min<uint64_t>(payload_left_, n));
      payload_left_ -= skip;
      data += skip;
      n -= skip;
      continue;
    }
    auto take = std::min(n, basp_header_size - header_fill_);
    std::copy(data, data + take, header_ + header_fill_);
    header_fill_ += take;
    data += take;
    n -= take;
    if (header_fill_ < basp_header_size)
      break;
    header_fill_ = 0;
    fault_ = check_basp_header(header_, max_payload_);
    payload_left_ = big_endian(header_ + 4, 4);
  }
  return fault_ == basp_fault::none;
}

} // namespace hubwatch
