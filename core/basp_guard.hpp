#pragma once

#include <cstddef>
#include <cstdint>

namespace hubwatch {

/// Size of a BASP header in CAF 0.17: operation (1), two padding bytes,
/// flags (1), payload_len (4), operation_data (8), source_actor (8),
/// dest_actor (8), integers big-endian (CAF's binary_serializer).
constexpr size_t basp_header_size = 32;

/// The largest BASP payload a node accepts from a peer. A node only hears
/// handshakes, subscribe/unsubscribe/snapshot/count requests, empty
/// acknowledgements and heartbeats, all far below this.
constexpr uint32_t default_max_inbound_basp_payload = 1024 * 1024;

/// Why a BASP header is refused before CAF sees it.
enum class basp_fault : uint8_t {
  none,
  /// CAF 0.17.6 refuses it as well (`caf::io::basp::valid`); closing early
  /// changes nothing but the log.
  invalid,
  /// A server or client handshake without payload: CAF 0.17.6 deserializes
  /// `*payload` with `payload == nullptr` (instance.cpp:305 and :360) and
  /// the process dies with SIGSEGV.
  handshake_without_payload,
  /// More than the limit: CAF 0.17.6 resizes the read buffer to
  /// `payload_len` (up to 4 GiB, zero-filled) before a byte arrives.
  payload_too_large,
};

const char* to_string(basp_fault x);

/// Checks one header (`basp_header_size` bytes) by CAF 0.17.6's rules
/// (header.cpp `valid`) plus the two that it lacks.
basp_fault check_basp_header(const uint8_t* bytes, uint32_t max_payload);

/// Follows a BASP byte stream (header, payload, header, ...) as it arrives
/// in chunks of any size and refuses it at the first bad header: the bytes
/// pass through here before CAF's broker reads them, so a refused header
/// never reaches it.
class basp_stream_guard {
public:
  explicit basp_stream_guard(
    uint32_t max_payload = default_max_inbound_basp_payload)
    : max_payload_(max_payload) {
    // nop
  }

  /// Takes the next `n` bytes; false once a header was refused (and for
  /// everything after).
  bool feed(const uint8_t* data, size_t n);

  basp_fault fault() const {
    return fault_;
  }

private:
  uint32_t max_payload_;
  uint8_t header_[basp_header_size] = {};
  size_t header_fill_ = 0;
  /// Payload bytes still to skip before the next header.
  uint64_t payload_left_ = 0;
  basp_fault fault_ = basp_fault::none;
};

} // namespace hubwatch
