#include "hubwatch/core/string_pool.hpp"

namespace hubwatch {

void string_pool::assign(handle& slot, std::string_view text) {
  if (get(slot) == text)
    return;
  handle next = 0;
  if (!text.empty()) {
    auto i = index_.find(text);
    if (i != index_.end()) {
      next = i->second;
    } else {
      if (free_.empty()) {
        entries_.emplace_back();
        next = static_cast<handle>(entries_.size());
      } else {
        next = free_.back();
        free_.pop_back();
      }
      auto& e = entries_[next - 1];
      e.text.assign(text);
      index_.emplace(std::string_view{e.text}, next);
    }
    ++entries_[next - 1].refs;
  }
  release(slot);
  slot = next;
}

void string_pool::release(handle& slot) {
  if (slot == 0)
    return;
  auto& e = entries_[slot - 1];
  if (--e.refs == 0) {
    index_.erase(std::string_view{e.text});
    // The slot is reused; its text's buffer goes now, not with the next
    // string.
    std::string{}.swap(e.text);
    free_.push_back(slot);
  }
  slot = 0;
}

} // namespace hubwatch
