#include "hubwatch/core/json_scan.hpp"

namespace hubwatch {

namespace {

// The scanner below walks text that Boost.JSON has already accepted, so it
// checks nothing; it only finds where values begin and end.

size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() &&
         (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    ++i;
  return i;
}

// `i` at the opening quote; returns the index after the closing one.
size_t skip_string(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && s[i] != '"')
    i += s[i] == '\\' ? 2 : 1;
  return i + 1;
}

// `i` at the first byte of a value; returns the index after its last byte.
// Iterative, so the depth limit, not the stack, bounds the nesting.
size_t skip_value(std::string_view s, size_t i) {
  size_t depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = skip_string(s, i);
      if (depth == 0)
        return i;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++i;
    } else if (c == '}' || c == ']') {
      ++i;
      if (--depth == 0)
        return i;
    } else if (depth == 0) {
      // A number, true, false or null: up to the next delimiter.
      while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
             s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
        ++i;
      return i;
    } else {
      ++i;
    }
  }
  return i;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Whether the JSON string `raw` (quotes included) means `key`, an ASCII
// word: `"pay\u006coad"` is `payload` to any JSON reader, Boost.JSON's too.
bool key_is(std::string_view raw, std::string_view key) {
  auto inner = raw.substr(1, raw.size() - 2);
  if (inner.find('\\') == std::string_view::npos)
    return inner == key;
  size_t k = 0;
  for (size_t i = 0; i < inner.size(); ++k) {
    if (k >= key.size())
      return false;
    char c = inner[i];
    if (c != '\\') {
      if (c != key[k])
        return false;
      ++i;
      continue;
    }
    if (i + 1 >= inner.size())
      return false;
    char e = inner[i + 1];
    i += 2;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      c = e;
      break;
    case 'u': {
      if (i + 4 > inner.size())
        return false;
      int cp = 0;
      for (size_t j = 0; j < 4; ++j) {
        auto d = hex_digit(inner[i + j]);
        if (d < 0)
          return false;
        cp = cp * 16 + d;
      }
      i += 4;
      // Anything outside ASCII cannot match an ASCII key.
      if (cp >= 0x80)
        return false;
      c = static_cast<char>(cp);
      break;
    }
    default:
      // \b \f \n \r \t: control characters, in no key we look for.
      return false;
    }
    if (c != key[k])
      return false;
  }
  return k == key.size();
}

} // namespace

std::string_view member_text(std::string_view text, std::string_view key) {
  std::string_view result;
  auto i = skip_ws(text, 0);
  if (i >= text.size() || text[i] != '{')
    return result;
  i = skip_ws(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    auto key_end = skip_string(text, i);
    bool match = key_is(text.substr(i, key_end - i), key);
    i = skip_ws(text, key_end);
    if (i >= text.size() || text[i] != ':')
      return {};
    i = skip_ws(text, i + 1);
    auto end = skip_value(text, i);
    if (match)
      result = text.substr(i, end - i);
    i = skip_ws(text, end);
    if (i >= text.size() || text[i] != ',')
      break;
    i = skip_ws(text, i + 1);
  }
  return result;
}

} // namespace hubwatch
