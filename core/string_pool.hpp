#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hubwatch {

/// Interned strings with reference counts: many holders of the same short
/// text (agent names, status words, error messages) share one copy and hold
/// a 4-byte handle. A string whose last holder lets go is freed, so the pool
/// never holds more than its holders do.
class string_pool {
public:
  /// 0 is the empty string, which is never stored.
  using handle = uint32_t;

  string_pool() = default;
  string_pool(const string_pool&) = delete;
  string_pool& operator=(const string_pool&) = delete;
  string_pool(string_pool&&) = default;
  string_pool& operator=(string_pool&&) = default;

  /// Makes `slot` (held by the caller, 0 or from this pool) name `text`.
  void assign(handle& slot, std::string_view text);

  /// Lets go of `slot` and sets it to 0.
  void release(handle& slot);

  const std::string& get(handle x) const {
    return x == 0 ? empty_ : entries_[x - 1].text;
  }

  /// Distinct strings held.
  size_t size() const {
    return index_.size();
  }

private:
  struct entry {
    std::string text;
    uint32_t refs = 0;
  };

  std::string empty_;
  // A deque never moves its elements, so the index's views stay valid.
  std::deque<entry> entries_;
  std::vector<handle> free_;
  std::unordered_map<std::string_view, handle> index_;
};

} // namespace hubwatch
