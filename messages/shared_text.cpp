#include "hubwatch/messages/shared_text.hpp"

#include <cstring>
#include <new>

namespace hubwatch {

shared_text::shared_text(std::string_view bytes) {
  if (bytes.empty())
    return;
  // The header's alignment is that of size_t; the bytes follow it.
  auto* mem = ::operator new(sizeof(block) + bytes.size());
  block_ = new (mem) block{{1}, bytes.size()};
  std::memcpy(block_ + 1, bytes.data(), bytes.size());
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

} // namespace hubwatch
