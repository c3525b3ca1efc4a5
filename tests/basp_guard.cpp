#define CAF_SUITE basp_guard

#include "hubwatch/core/basp_guard.hpp"

#include <caf/test/unit_test.hpp>

#include <caf/binary_serializer.hpp>
#include <caf/io/basp/header.hpp>

#include "basp_probe.hpp"

using namespace hubwatch;
using namespace hubwatch::test;

namespace {

namespace basp = caf::io::basp;

constexpr uint32_t limit = default_max_inbound_basp_payload;

basp_fault check(const bytes& data, uint32_t max_payload = limit) {
  CAF_REQUIRE_GREATER_OR_EQUAL(data.size(), basp_header_size);
  return check_basp_header(data.data(), max_payload);
}

// The header as CAF itself writes it.
bytes caf_bytes(basp::header hdr) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = sink(hdr))
    CAF_FAIL("cannot serialize a BASP header");
  return bytes(buf.begin(), buf.end());
}

} // namespace

CAF_TEST(the probe helper writes headers exactly as CAF does) {
  basp::header hdr{basp::message_type::direct_message,
                   0x02,
                   0x01020304,
                   0x05060708090a0b0c,
                   42,
                   0xfedcba9876543210};
  auto ours = basp_header(2, 0x01020304, 0x05060708090a0b0c, 42,
                          0xfedcba9876543210, 0x02);
  CAF_CHECK_EQUAL(caf_bytes(hdr).size(), basp_header_size);
  CAF_CHECK(caf_bytes(hdr) == ours);
}

CAF_TEST(valid and invalid agree with CAF for every operation and length) {
  // Our reading of a header must be CAF's: whatever CAF calls invalid, so
  // do we, and we refuse a valid one only for the two faults CAF lacks.
  for (int op = 0; op <= 7; ++op)
    for (uint32_t len : {0u, 1u, 100u, 0x7fffffffu, 0xffffffffu})
      for (uint64_t data : {uint64_t{0}, uint64_t{1}})
        for (uint64_t src : {uint64_t{0}, uint64_t{9}})
          for (uint64_t dst : {uint64_t{0}, uint64_t{9}}) {
            basp::header hdr{
              static_cast<basp::message_type>(op), 0, len, data, src, dst};
            auto fault = check(caf_bytes(hdr), 0xffffffffu);
            CAF_CHECK_EQUAL(fault == basp_fault::invalid, !basp::valid(hdr));
          }
}

CAF_TEST(a handshake without payload is refused and others are not ) {
  // The issue's probe: a server handshake, payload_len 0.
  std::minstd_rand rng{13};
  CAF_CHECK_EQUAL(to_string(check(issue_probe(rng))),
                  std::string{"handshake_without_payload"});
  CAF_CHECK(check(basp_header(1, 0, 0, 0, 0)) ==
            basp_fault::handshake_without_payload);
  // A real handshake carries a node id.
  CAF_CHECK(check(basp_header(0, 120, 1, 0, 0)) == basp_fault::none);
  CAF_CHECK(check(basp_header(1, 60, 0, 0, 0)) == basp_fault::none);
  // A heartbeat has no payload and needs none.
  CAF_CHECK(check(basp_header(6, 0, 0, 0, 0)) == basp_fault::none);
}

CAF_TEST(payloads beyond the limit are refused) {
  CAF_CHECK(check(basp_header(2, limit, 0, 1, 1)) == basp_fault::none);
  CAF_CHECK(check(basp_header(2, limit + 1, 0, 1, 1)) ==
            basp_fault::payload_too_large);
  CAF_CHECK(check(basp_header(2, 0xffffffffu, 0, 1, 1)) ==
            basp_fault::payload_too_large);
  CAF_CHECK(check(basp_header(0, 0x7fffffffu, 1, 0, 0)) ==
            basp_fault::payload_too_large);
}

CAF_TEST(every probe of the table is refused at its header) {
  std::minstd_rand rng{13};
  for (auto& c : basp_probe_table(rng)) {
    CAF_MESSAGE(c.name);
    basp_stream_guard guard;
    CAF_CHECK(!guard.feed(c.data.data(), c.data.size()));
    CAF_CHECK(guard.fault() != basp_fault::none);
  }
}

CAF_TEST(the stream guard follows frames in chunks of any size) {
  // handshake (40 bytes payload), heartbeat, direct message (5 bytes),
  // then a handshake without payload.
  bytes stream = basp_header(1, 40, 0, 0, 0);
  auto lookalike = basp_header(0, 0, 1, 0, 0);
  stream.insert(stream.end(), lookalike.begin(), lookalike.end());
  stream.insert(stream.end(), 8, 0xaa);
  auto hb = basp_header(6, 0, 0, 0, 0);
  stream.insert(stream.end(), hb.begin(), hb.end());
  auto msg = basp_header(2, 5, 0, 1, 1);
  stream.insert(stream.end(), msg.begin(), msg.end());
  stream.insert(stream.end(), 5, 0x00);
  auto good_size = stream.size();
  auto bad = basp_header(0, 0, 1, 0, 0);
  stream.insert(stream.end(), bad.begin(), bad.end());
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{31}, size_t{32}, size_t{33},
                       size_t{1000}}) {
    CAF_MESSAGE("chunks of " << chunk);
    basp_stream_guard guard;
    size_t pos = 0;
    size_t refused_at = 0;
    while (pos < stream.size()) {
      auto n = std::min(chunk, stream.size() - pos);
      if (!guard.feed(stream.data() + pos, n)) {
        refused_at = pos + n;
        break;
      }
      pos += n;
    }
    // Refused in the chunk that completed the bad header, not before.
    CAF_CHECK_GREATER(refused_at, good_size);
    CAF_CHECK(guard.fault() == basp_fault::handshake_without_payload);
    // Payload bytes that look like a bad header are payload, not a header.
    basp_stream_guard fresh;
    CAF_CHECK(fresh.feed(stream.data(), good_size));
  }
}
