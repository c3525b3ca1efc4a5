#define CAF_SUITE shared_text

#include "hubwatch/messages/shared_text.hpp"

#include <string>
#include <utility>

#include <caf/test/unit_test.hpp>

using namespace hubwatch;

CAF_TEST(the bytes are kept as given) {
  std::string src{"{\"a\":1.8446744073709517976157e38}"};
  shared_text x{src};
  src[0] = 'X';
  CAF_CHECK_EQUAL(x.view(), "{\"a\":1.8446744073709517976157e38}");
  CAF_CHECK(static_cast<bool>(x));
  CAF_CHECK_EQUAL(x.use_count(), 1u);
}

CAF_TEST(the empty view and the default hold nothing) {
  shared_text none;
  shared_text empty{std::string_view{}};
  CAF_CHECK(!none);
  CAF_CHECK(!empty);
  CAF_CHECK(none.view().empty());
  CAF_CHECK_EQUAL(empty.use_count(), 0u);
  CAF_CHECK(none.same_block(empty));
}

CAF_TEST(copies share one block and count it) {
  shared_text a{"payload bytes"};
  {
    auto b = a;
    shared_text c;
    c = b;
    CAF_CHECK(a.same_block(b));
    CAF_CHECK(a.same_block(c));
    CAF_CHECK_EQUAL(a.view().data(), c.view().data());
    CAF_CHECK_EQUAL(a.use_count(), 3u);
  }
  CAF_CHECK_EQUAL(a.use_count(), 1u);
  CAF_CHECK_EQUAL(a.view(), "payload bytes");
}

CAF_TEST(a move takes the block and leaves nothing behind) {
  shared_text a{"abc"};
  auto* bytes = a.view().data();
  shared_text b{std::move(a)};
  CAF_CHECK(!a);
  CAF_CHECK_EQUAL(b.view().data(), bytes);
  CAF_CHECK_EQUAL(b.use_count(), 1u);
  shared_text c{"other"};
  c = std::move(b);
  CAF_CHECK(!b);
  CAF_CHECK_EQUAL(c.view(), "abc");
  CAF_CHECK_EQUAL(c.use_count(), 1u);
}

CAF_TEST(assigning to itself or resetting keeps the count right) {
  shared_text a{"abc"};
  auto& alias = a;
  a = alias;
  CAF_CHECK_EQUAL(a.use_count(), 1u);
  CAF_CHECK_EQUAL(a.view(), "abc");
  auto b = a;
  b.reset();
  CAF_CHECK(!b);
  CAF_CHECK_EQUAL(a.use_count(), 1u);
}

CAF_TEST(an arena packs many texts into one block) {
  shared_text a;
  shared_text b;
  {
    shared_text_arena arena{64};
    a = arena.copy("{\"a\":1}");
    b = arena.copy("{\"b\":22}");
    CAF_CHECK(a.packed() && b.packed());
    CAF_CHECK(a.same_block(b));
    CAF_CHECK(!a.same_bytes(b));
    // a, b and the arena's own hold on its current block.
    CAF_CHECK_EQUAL(a.use_count(), 3u);
    CAF_CHECK(!arena.copy({}));
  }
  // The texts outlive the arena, with their own bytes.
  CAF_CHECK_EQUAL(a.use_count(), 2u);
  CAF_CHECK_EQUAL(a.view(), "{\"a\":1}");
  CAF_CHECK_EQUAL(b.view(), "{\"b\":22}");
  auto c = b;
  CAF_CHECK(c.same_bytes(b));
  CAF_CHECK_EQUAL(c.view(), "{\"b\":22}");
}

CAF_TEST(a full block starts another and a long text gets its own) {
  shared_text_arena arena{64};
  auto x = arena.copy(std::string(16, 'x'));
  auto y = arena.copy(std::string(16, 'y'));
  auto z = arena.copy(std::string(16, 'z'));
  auto w = arena.copy(std::string(16, 'w'));
  CAF_CHECK(x.same_block(w));
  // 64 bytes used: the next text opens a new block.
  auto v = arena.copy("v");
  CAF_CHECK(!v.same_block(w));
  CAF_CHECK_EQUAL(w.view(), std::string(16, 'w'));
  CAF_CHECK_EQUAL(v.view(), "v");
  // Over a quarter of a block: a block of its own, not packed.
  auto big = arena.copy(std::string(17, 'b'));
  CAF_CHECK(!big.packed());
  CAF_CHECK_EQUAL(big.use_count(), 1u);
  CAF_CHECK_EQUAL(big.view(), std::string(17, 'b'));
  // The arena went on in its block after the long one.
  CAF_CHECK(arena.copy("u").same_block(v));
}
