#include "hubwatch/messages/shared_text.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace hubwatch {

shared_text::block* shared_text::make_block(size_t capacity, bool packed) {
  // Offsets and sizes are 32 bits; frames are far smaller (max-frame-bytes).
  if (capacity > std::numeric_limits<uint32_t>::max())
    throw std::length_error("shared_text: more than 4 GiB of text");
  // The header's alignment is that of size_t; the bytes follow it.
  auto* mem = ::operator new(sizeof(block) + capacity);
  return new (mem) block{{1}, capacity, packed};
}

shared_text::shared_text(std::string_view bytes) {
  if (bytes.empty())
    return;
  block_ = make_block(bytes.size(), false);
  size_ = static_cast<uint32_t>(bytes.size());
  std::memcpy(this->bytes(), bytes.data(), bytes.size());
}

void shared_text::release() noexcept {
  if (block_ == nullptr)
    return;
  // acq_rel: the last holder must see every other holder's reads finished
  // before it frees the bytes.
  if (block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    block_->~block();
    ::operator delete(block_);
  }
}

shared_text shared_text_arena::copy(std::string_view bytes) {
  if (bytes.empty())
    return {};
  if (bytes.size() > block_bytes_ / 4)
    return shared_text{bytes};
  if (!current_ || current_.block_->capacity - used_ < bytes.size()) {
    current_.reset();
    current_.block_ = shared_text::make_block(block_bytes_, true);
    used_ = 0;
  }
  // The bytes past `used_` belong to no text yet: writing them races with
  // no reader of the texts handed out before (those bytes are distinct).
  std::memcpy(current_.bytes() + used_, bytes.data(), bytes.size());
  shared_text result{current_};
  result.offset_ = static_cast<uint32_t>(used_);
  result.size_ = static_cast<uint32_t>(bytes.size());
  used_ += bytes.size();
  return result;
}

} // namespace hubwatch
