#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hubwatch {

// Request headers and bearer tokens for the WebSocket upgrade. Plain logic:
// the settings, the config check and the session build on it. Every error
// text here names a header by its name at most, never by its value: header
// values are secrets (an API key, a token).

/// Splits `line` ("Name: value") at its first colon; the value loses the
/// spaces and tabs around it. Returns an error text, empty on success.
std::string parse_header_line(std::string_view line, std::string& name,
                              std::string& value);

/// Why `name` cannot be sent as a header of the upgrade; empty if it can.
/// Refused: what is not an RFC 7230 token (a space, a colon, CR, LF), and
/// the headers that make the upgrade itself (`Host`, `Upgrade`,
/// `Connection`, `Sec-WebSocket-*`) or frame the request (`Content-Length`,
/// `Transfer-Encoding`), whatever their case. The text names `name` only
/// when it is a valid token: an invalid one may be a value typed wrongly.
std::string check_header_name(std::string_view name);

/// Why `value` cannot be sent as a header value; empty if it can. Control
/// characters (CR and LF above all: header injection) and DEL are refused,
/// tab aside. The text does not repeat the value.
std::string check_header_value(std::string_view value);

/// Reads a token file: its whole content less trailing white space (the
/// newline an editor adds). Returns an error text naming `path`, empty on
/// success; an empty file and one of more than one line are refused.
std::string read_token_file(const std::string& path, std::string& token);

/// What must never be printed when these header values were sent: each
/// value, and for a value of the form `Scheme credentials` (Authorization)
/// the credentials alone. Empty values are left out.
std::vector<std::string>
secret_values(const std::vector<std::string>& header_values);

/// `text` with every occurrence of every secret replaced by `***`, longer
/// secrets first (one may contain another). For text that the hub sent back
/// and hubwatch prints: a careless hub echoes a token it refused.
std::string redact(std::string text, const std::vector<std::string>& secrets);

} // namespace hubwatch
