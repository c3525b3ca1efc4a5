#include "hubwatch/core/credentials.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

namespace hubwatch {

namespace {

bool is_tchar(char c) {
  // RFC 7230, 3.2.6: tchar.
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string result{s};
  for (auto& c : result)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return result;
}

std::string_view trim_blanks(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

} // namespace

std::string parse_header_line(std::string_view line, std::string& name,
                              std::string& value) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos)
    return "expected \"Name: value\"";
  name = std::string{trim_blanks(line.substr(0, colon))};
  value = std::string{trim_blanks(line.substr(colon + 1))};
  if (name.empty())
    return "expected \"Name: value\", the name is missing";
  return {};
}

std::string check_header_name(std::string_view name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_tchar))
    return "the name is not a valid HTTP header name (letters, digits and "
           "!#$%&'*+-.^_`|~ only)";
  auto n = lower(name);
  // What Beast writes for the upgrade: a second one would break it, or
  // make the hub answer something hubwatch did not ask for.
  if (n == "host" || n == "upgrade" || n == "connection" ||
      n.rfind("sec-websocket-", 0) == 0)
    return "\"" + std::string{name} +
           "\" is part of the WebSocket upgrade hubwatch makes; it cannot be "
           "set";
  // The upgrade is a GET without a body: these would desynchronise it.
  if (n == "content-length" || n == "transfer-encoding")
    return "\"" + std::string{name} +
           "\" would change how the upgrade request is framed; it cannot be "
           "set";
  return {};
}

std::string check_header_value(std::string_view value) {
  for (auto c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F)
      return "the value holds a control character (CR, LF or another); "
             "refused, since it could end the header early";
  }
  return {};
}

std::string read_token_file(const std::string& path, std::string& token) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return "\"" + path + "\": cannot be read";
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  if (in.bad())
    return "\"" + path + "\": cannot be read";
  auto end = text.find_last_not_of(" \t\r\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  auto begin = text.find_first_not_of(" \t\r\n");
  text.erase(0, begin == std::string::npos ? text.size() : begin);
  if (text.empty())
    return "\"" + path + "\": the file is empty";
  if (text.find_first_of("\r\n") != std::string::npos)
    return "\"" + path + "\": expected one line (the token), found more";
  if (!check_header_value(text).empty())
    return "\"" + path + "\": the token holds a control character";
  token = std::move(text);
  return {};
}

std::vector<std::string>
secret_values(const std::vector<std::string>& header_values) {
  std::vector<std::string> result;
  for (auto& v : header_values) {
    if (v.empty())
      continue;
    result.push_back(v);
    // "Bearer abc": the token alone may come back without its scheme.
    auto sp = v.find(' ');
    if (sp != std::string::npos) {
      auto rest = trim_blanks(std::string_view{v}.substr(sp + 1));
      if (!rest.empty())
        result.emplace_back(rest);
    }
  }
  return result;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  std::vector<const std::string*> order;
  for (auto& s : secrets)
    if (!s.empty())
      order.push_back(&s);
  std::stable_sort(order.begin(), order.end(),
                   [](auto* a, auto* b) { return a->size() > b->size(); });
  for (auto* s : order) {
    for (auto pos = text.find(*s); pos != std::string::npos;
         pos = text.find(*s, pos + 3))
      text.replace(pos, s->size(), "***");
  }
  return text;
}

} // namespace hubwatch
