#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/serializer.hpp>

namespace hubwatch {

/// Text that keeps up to `inline_capacity` bytes inside the object and goes
/// to the heap only beyond that. Hub timestamps (`2026-11-25T18:00:13Z` is
/// 20 bytes, the longest RFC 3339 form 35) and event type names
/// (`risk_check_requested`) are longer than libstdc++'s 15-byte small-string
/// buffer, so as `std::string`s each cost a heap allocation per event and per
/// changed agent record. Any length is kept exactly; only the rare long text
/// pays for a heap buffer. 40 bytes, 8 more than a `std::string`.
///
/// On the wire it is a string: a serializer's output is byte for byte that
/// of a `std::string` with the same bytes.
class inline_text {
public:
  static constexpr size_t inline_capacity = 39;

  inline_text() noexcept {
    set_inline_size(0);
  }

  inline_text(std::string_view text) {
    set_inline_size(0);
    assign(text.data(), text.size());
  }

  inline_text(const std::string& text) : inline_text(std::string_view{text}) {
    // nop
  }

  inline_text(const char* text) : inline_text(std::string_view{text}) {
    // nop
  }

  inline_text(const inline_text& other) : inline_text(other.view()) {
    // nop
  }

  inline_text(inline_text&& other) noexcept {
    std::memcpy(raw_, other.raw_, sizeof(raw_));
    other.set_inline_size(0);
  }

  ~inline_text() {
    release();
  }

  /// Reuses the object's storage: no allocation when `other` fits inline,
  /// or fits the heap buffer this already has.
  inline_text& operator=(const inline_text& other) {
    assign(other.data(), other.size());
    return *this;
  }

  inline_text& operator=(inline_text&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(raw_, other.raw_, sizeof(raw_));
      other.set_inline_size(0);
    }
    return *this;
  }

  inline_text& operator=(std::string_view text) {
    assign(text.data(), text.size());
    return *this;
  }

  inline_text& operator=(const std::string& text) {
    assign(text.data(), text.size());
    return *this;
  }

  inline_text& operator=(const char* text) {
    return *this = std::string_view{text};
  }

  /// Copies `n` bytes from `text`, which may point into this object.
  void assign(const char* text, size_t n);

  void assign(std::string_view text) {
    assign(text.data(), text.size());
  }

  void clear() noexcept {
    release();
    set_inline_size(0);
  }

  const char* data() const noexcept {
    return is_inline() ? raw_ : heap_ptr();
  }

  size_t size() const noexcept {
    return is_inline() ? inline_size() : load_field(size_offset);
  }

  bool empty() const noexcept {
    return size() == 0;
  }

  std::string_view view() const noexcept {
    return {data(), size()};
  }

  /// Like std::string's: wherever a view is taken, this text can go.
  operator std::string_view() const noexcept {
    return view();
  }

  std::string str() const {
    return std::string{view()};
  }

  /// True while the bytes live inside the object. For tests.
  bool is_inline() const noexcept {
    return static_cast<unsigned char>(raw_[tag_offset]) != heap_tag;
  }

  void swap(inline_text& other) noexcept {
    char tmp[sizeof(raw_)];
    std::memcpy(tmp, raw_, sizeof(raw_));
    std::memcpy(raw_, other.raw_, sizeof(raw_));
    std::memcpy(other.raw_, tmp, sizeof(raw_));
  }

  /// Writes the bytes as a `std::string` would.
  caf::error save(caf::serializer& f) const;

  /// Replaces the contents with a string read as a `std::string` would be.
  /// Text beyond the inline capacity is read in steps, so a forged length
  /// never reserves more than the bytes that actually arrive.
  caf::error load(caf::deserializer& f);

  // Hidden friends, found only when one side is an inline_text: a
  // namespace-level overload would make `std::string == std::string_view`
  // ambiguous anywhere in hubwatch. One for each kind of text, so that
  // comparing with a `std::string` or a literal is an exact match.

  friend bool operator==(const inline_text& x, const inline_text& y) noexcept {
    return x.view() == y.view();
  }

  friend bool operator!=(const inline_text& x, const inline_text& y) noexcept {
    return !(x == y);
  }

  friend bool operator<(const inline_text& x, const inline_text& y) noexcept {
    return x.view() < y.view();
  }

#define HUBWATCH_INLINE_TEXT_COMPARE(other_type)                               \
  friend bool operator==(const inline_text& x, other_type y) noexcept {        \
    return x.view() == std::string_view{y};                                    \
  }                                                                            \
  friend bool operator==(other_type x, const inline_text& y) noexcept {        \
    return std::string_view{x} == y.view();                                    \
  }                                                                            \
  friend bool operator!=(const inline_text& x, other_type y) noexcept {        \
    return !(x == y);                                                          \
  }                                                                            \
  friend bool operator!=(other_type x, const inline_text& y) noexcept {        \
    return !(x == y);                                                          \
  }                                                                            \
  friend bool operator<(const inline_text& x, other_type y) noexcept {         \
    return x.view() < std::string_view{y};                                     \
  }                                                                            \
  friend bool operator<(other_type x, const inline_text& y) noexcept {         \
    return std::string_view{x} < y.view();                                     \
  }

  HUBWATCH_INLINE_TEXT_COMPARE(std::string_view)
  HUBWATCH_INLINE_TEXT_COMPARE(const std::string&)
  HUBWATCH_INLINE_TEXT_COMPARE(const char*)

#undef HUBWATCH_INLINE_TEXT_COMPARE

private:
  // Inline: the bytes from offset 0, the size in the last byte. Heap: a
  // pointer, the size and the capacity at offsets 0, 8 and 16, and
  // `heap_tag` in the last byte. Raw bytes and memcpy instead of a union:
  // the tag is read in both states.
  static constexpr size_t tag_offset = inline_capacity;
  static constexpr unsigned char heap_tag = 0xFF;
  static constexpr size_t size_offset = sizeof(char*);
  static constexpr size_t capacity_offset = size_offset + sizeof(size_t);

  size_t inline_size() const noexcept {
    return static_cast<unsigned char>(raw_[tag_offset]);
  }

  void set_inline_size(size_t n) noexcept {
    raw_[tag_offset] = static_cast<char>(n);
  }

  char* heap_ptr() const noexcept {
    char* result;
    std::memcpy(&result, raw_, sizeof(result));
    return result;
  }

  size_t load_field(size_t offset) const noexcept {
    size_t result;
    std::memcpy(&result, raw_ + offset, sizeof(result));
    return result;
  }

  void set_heap(char* ptr, size_t size, size_t capacity) noexcept {
    std::memcpy(raw_, &ptr, sizeof(ptr));
    std::memcpy(raw_ + size_offset, &size, sizeof(size));
    std::memcpy(raw_ + capacity_offset, &capacity, sizeof(capacity));
    raw_[tag_offset] = static_cast<char>(heap_tag);
  }

  void release() noexcept {
    if (!is_inline())
      delete[] heap_ptr();
  }

  alignas(char*) char raw_[inline_capacity + 1];
};

static_assert(sizeof(inline_text) == 40);
static_assert(inline_text::inline_capacity < 0xFF);

/// The bytes as they are, unquoted.
std::string to_string(const inline_text& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inline_text& x) {
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    return x.save(f);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    return x.load(f);
  } else {
    // Any other inspector (CAF's stringification) sees a std::string.
    std::string tmp = x.str();
    auto load = [&]() -> caf::error {
      x = tmp;
      return caf::none;
    };
    return f(tmp, caf::meta::load_callback(load));
  }
}

} // namespace hubwatch
