#include "hubwatch/core/basic_auth.hpp"

#include <array>
#include <cctype>
#include <cstdint>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace hubwatch {

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

using digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

digest sha256(std::string_view text) {
  digest result;
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         result.data());
  return result;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace

bool decode_base64(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 != 0)
    return false;
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    size_t pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      auto c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) // data after padding
        return false;
      v[k] = base64_value(c);
      if (v[k] < 0)
        return false;
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) |
                 (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>((n >> 16) & 0xFF));
    if (pad < 2)
      out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1)
      out.push_back(static_cast<char>(n & 0xFF));
  }
  return true;
}

bool parse_basic_auth_file(std::string_view text,
                           std::vector<basic_credential>& out,
                           std::string& error) {
  out.clear();
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#')
      continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        colon + 1 == line.size()) {
      error = "line " + std::to_string(line_no) +
              " is not user:password (both non-empty)";
      return false;
    }
    out.push_back(basic_credential{std::string{line.substr(0, colon)},
                                   std::string{line.substr(colon + 1)}});
  }
  if (out.empty()) {
    error = "no user:password line";
    return false;
  }
  return true;
}

bool basic_auth_allows(std::string_view authorization,
                       const std::vector<basic_credential>& allowed) {
  authorization = trim(authorization);
  // The scheme is case-insensitive (RFC 7617).
  constexpr std::string_view scheme = "basic ";
  if (authorization.size() <= scheme.size())
    return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return false;
  std::string decoded;
  if (!decode_base64(trim(authorization.substr(scheme.size())), decoded))
    return false;
  auto colon = decoded.find(':');
  if (colon == std::string::npos)
    return false;
  auto user = sha256(std::string_view{decoded}.substr(0, colon));
  auto password = sha256(std::string_view{decoded}.substr(colon + 1));
  // No early exit: every credential is compared, user and password alike.
  bool found = false;
  for (auto& cred : allowed) {
    auto u = sha256(cred.user);
    auto p = sha256(cred.password);
    bool same = CRYPTO_memcmp(u.data(), user.data(), u.size()) == 0;
    same &= CRYPTO_memcmp(p.data(), password.data(), p.size()) == 0;
    found |= same;
  }
  return found;
}

} // namespace hubwatch
