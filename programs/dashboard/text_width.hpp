#pragma once

// Terminal columns of UTF-8 text, so that the dashboard cuts and pads by what
// a person sees, never inside a character: agent names and errors come from
// the hub and can hold Greek, CJK, emoji, control characters or bytes that
// are not UTF-8 at all.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hubwatch {

/// Columns a code point takes on a terminal: 0 (combining marks, zero-width
/// characters and variation selectors), 2 (East Asian wide and fullwidth
/// forms, emoji), else 1. A table of its own rather than wcwidth(3), whose
/// answer depends on the process's locale.
int column_width(uint32_t cp);

/// Columns `s` takes once made safe as `fit_columns` does.
size_t text_columns(std::string_view s);

/// `s` exactly `width` columns wide: bytes that are not UTF-8 and control
/// characters (C0, DEL, C1: a hub must not move the cursor or change the
/// terminal) become U+FFFD; longer text is cut at a character boundary with
/// `~` in its last column (a wide character that would straddle the cut
/// leaves a space instead); shorter text is padded with spaces.
std::string fit_columns(std::string_view s, size_t width);

} // namespace hubwatch
