#include "examples/hub/test_cert.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>

namespace hubwatch::hub {

namespace {

// Single quotes survive anything but a single quote, which gets spliced.
std::string shell_quote(const std::string& str) {
  std::string result = "'";
  for (auto c : str) {
    if (c == '\'')
      result += "'\\''";
    else
      result += c;
  }
  result += '\'';
  return result;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

cert_files make_test_cert(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw std::runtime_error("make_test_cert: '" + dir +
                             "' is not a directory");
  cert_files result{dir + "/localhost.crt", dir + "/localhost.key"};
  auto log = dir + "/openssl.log";
  auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1"
             " -subj /CN=localhost"
             " -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
             " -keyout " +
             shell_quote(result.key_file) + " -out " +
             shell_quote(result.cert_file) + " >" + shell_quote(log) + " 2>&1";
  auto status = std::system(cmd.c_str());
  if (status == 0)
    return result;
  std::string why;
  if (status == -1)
    why = "could not start a shell";
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    why = "the openssl command was not found";
  else if (WIFEXITED(status))
    why = "openssl exited with " + std::to_string(WEXITSTATUS(status));
  else
    why = "openssl was killed by a signal";
  auto output = slurp(log);
  throw std::runtime_error("make_test_cert: cannot create a certificate in '" +
                           dir + "': " + why +
                           (output.empty() ? "" : ":\n" + output));
}

} // namespace hubwatch::hub
