#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hubwatch {

/// Decodes one UTF-8 sequence at `s[i]` strictly (no overlong forms, no
/// surrogates, nothing above U+10FFFF); returns its length or 0 if invalid.
inline size_t utf8_length(std::string_view s, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) {
    return static_cast<unsigned char>(s[i + k]);
  };
  auto c = byte(0);
  size_t len;
  uint32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/// True when every byte of `s` belongs to a valid UTF-8 sequence.
inline bool is_utf8(std::string_view s) {
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    auto len = utf8_length(s, i, cp);
    if (len == 0)
      return false;
    i += len;
  }
  return true;
}

} // namespace hubwatch
