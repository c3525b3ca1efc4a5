#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hubwatch {

/// One user allowed to read a guarded endpoint (HTTP basic auth).
struct basic_credential {
  std::string user;
  std::string password;
};

/// Reads a credentials file: one `user:password` per line (the password is
/// everything after the first colon), blank lines and lines starting with
/// `#` skipped. On a bad line returns false and says in `error` which line
/// and why — never what it holds, since it holds a secret.
bool parse_basic_auth_file(std::string_view text,
                           std::vector<basic_credential>& out,
                           std::string& error);

/// True when `authorization` (the value of an `Authorization` header) is
/// `Basic base64(user:password)` for one of `allowed`. Compares every
/// credential, each through a fixed-size digest, so the time taken says
/// nothing about how much of a guess was right, nor which user matched.
bool basic_auth_allows(std::string_view authorization,
                       const std::vector<basic_credential>& allowed);

/// Strict base64 (RFC 4648, with padding); false on any other byte.
bool decode_base64(std::string_view in, std::string& out);

} // namespace hubwatch
