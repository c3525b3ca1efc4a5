#include "programs/dashboard/text_width.hpp"

#include <vector>

#include "hubwatch/core/utf8.hpp"

namespace hubwatch {

namespace {

struct range {
  uint32_t first;
  uint32_t last;
};

template <size_t N>
bool in(const range (&table)[N], uint32_t cp) {
  for (auto& r : table)
    if (cp >= r.first && cp <= r.last)
      return true;
  return false;
}

// Combining marks and zero-width characters: they join the character
// before them.
constexpr range zero_width[] = {
  {0x0300, 0x036F},   {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
  {0x064B, 0x065F},   {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF},
  {0x1DC0, 0x1DFF},   {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064},
  {0x20D0, 0x20FF},   {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
  {0xE0100, 0xE01EF},
};

// East Asian wide and fullwidth characters, and emoji presented as such.
constexpr range wide[] = {
  {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},
  {0x23E9, 0x23EC},   {0x23F0, 0x23F0},   {0x23F3, 0x23F3},
  {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},
  {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
  {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
  {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},
  {0x26F2, 0x26F3},   {0x26F5, 0x26F5},   {0x26FA, 0x26FA},
  {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
  {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},
  {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
  {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},
  {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
  {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
  {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
  {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
  {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
  {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004},
  {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
  {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
  {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
  {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

constexpr uint32_t replacement = 0xFFFD;

/// One character as it will be drawn: its bytes and its columns.
struct glyph {
  std::string_view bytes;
  int columns;
};

constexpr std::string_view replacement_bytes = "\xEF\xBF\xBD";

std::vector<glyph> glyphs(std::string_view s) {
  std::vector<glyph> result;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    auto len = utf8_length(s, i, cp);
    if (len == 0) {
      // Not UTF-8: one replacement character per bad byte.
      result.push_back({replacement_bytes, 1});
      ++i;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
      result.push_back({replacement_bytes, 1});
    else
      result.push_back({s.substr(i, len), column_width(cp)});
    i += len;
  }
  return result;
}

} // namespace

int column_width(uint32_t cp) {
  if (cp == replacement)
    return 1;
  if (in(zero_width, cp))
    return 0;
  if (in(wide, cp))
    return 2;
  return 1;
}

size_t text_columns(std::string_view s) {
  size_t n = 0;
  for (auto& g : glyphs(s))
    n += static_cast<size_t>(g.columns);
  return n;
}

std::string fit_columns(std::string_view s, size_t width) {
  auto gs = glyphs(s);
  size_t total = 0;
  for (auto& g : gs)
    total += static_cast<size_t>(g.columns);
  std::string out;
  size_t used = 0;
  if (total <= width) {
    for (auto& g : gs)
      out += g.bytes;
    used = total;
  } else if (width > 0) {
    // Room for the text and the `~` that says it was cut.
    size_t room = width - 1;
    for (auto& g : gs) {
      if (used + static_cast<size_t>(g.columns) > room)
        break;
      out += g.bytes;
      used += static_cast<size_t>(g.columns);
    }
    out.append(room - used, ' ');
    out += '~';
    used = width;
  }
  out.append(width - used, ' ');
  return out;
}

} // namespace hubwatch
