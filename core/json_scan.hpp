#pragma once

#include <string_view>

namespace hubwatch {

/// The exact bytes of the value of the object member `key` in `text`, a JSON
/// object that a JSON parser has already accepted (nothing is checked here;
/// it only finds where values begin and end); the last such member when the
/// key repeats, as in Boost.JSON's tree. `key` is an ASCII word; escaped
/// spellings of it (`"pay\u006coad"`) match too. Empty if there is none.
///
/// This is how the frame parsers keep a payload as the hub sent it: the
/// JSON parser validates and reads values, this finds their bytes.
std::string_view member_text(std::string_view text, std::string_view key);

} // namespace hubwatch
