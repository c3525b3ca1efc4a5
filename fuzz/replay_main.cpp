// Runs LLVMFuzzerTestOneInput on every file given (directories are read one
// level deep), without libFuzzer, so that the fuzz corpus is a regression
// test in the ordinary gcc build: an input that ever crashed the fuzzer
// stays in fuzz/corpus and keeps failing here until the bug is fixed.
//
// Usage: frame-fuzz-replay PATH...

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Present only in a sanitizer build. ASan exits without a signal unless
// abort_on_error is set, so the crash handler below would not run; the death
// callback names the input instead. (GCC 12's UBSan skips the callback when
// it halts: scripts/sanitize sets abort_on_error for it too.)
extern "C" void __sanitizer_set_death_callback(void (*callback)(void))
  __attribute__((weak));

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash handler: a crash in the replay must name
// its input, or the ctest log says nothing useful. Fixed-size so the handler
// only reads memory that is always valid.
char current_input[4096];

constexpr int crash_signals[] = {SIGILL, SIGABRT, SIGSEGV, SIGBUS, SIGFPE};

struct sigaction previous[sizeof(crash_signals) / sizeof(crash_signals[0])];

void print_current_input() {
  // Only async-signal-safe calls here.
  const char prefix[] = "\nframe-fuzz-replay: crashed on input ";
  ssize_t ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  ignored = write(STDERR_FILENO, current_input, strlen(current_input));
  ignored = write(STDERR_FILENO, "\n", 1);
  static_cast<void>(ignored);
}

void on_crash(int sig) {
  print_current_input();
  // Hand over to whoever handled the signal before (a sanitizer's report, or
  // the default action). A fault re-executes the faulting instruction on
  // return and reaches that handler; abort() needs the signal raised again.
  for (size_t i = 0; i < std::size(crash_signals); ++i)
    if (crash_signals[i] == sig)
      sigaction(sig, &previous[i], nullptr);
  if (sig == SIGABRT)
    raise(sig);
}

void install_crash_handler() {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_crash;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < std::size(crash_signals); ++i)
    sigaction(crash_signals[i], &sa, &previous[i]);
  if (__sanitizer_set_death_callback != nullptr)
    __sanitizer_set_death_callback(print_current_input);
}

bool read_file(const fs::path& path, std::vector<uint8_t>& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>{in},
             std::istreambuf_iterator<char>{});
  return !in.bad();
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    fs::path arg{argv[i]};
    if (fs::is_directory(arg, ec)) {
      for (auto& entry : fs::directory_iterator{arg, ec})
        if (entry.is_regular_file())
          inputs.push_back(entry.path());
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      fprintf(stderr, "frame-fuzz-replay: no such file or directory: %s\n",
              argv[i]);
      return 2;
    }
  }
  // Sorted, so that a failure reproduces in the same order everywhere.
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    // An empty corpus would make this test pass without testing anything.
    fprintf(stderr, "frame-fuzz-replay: no inputs found\n");
    return 1;
  }
  install_crash_handler();
  std::vector<uint8_t> data;
  for (auto& path : inputs) {
    auto name = path.string();
    snprintf(current_input, sizeof(current_input), "%s", name.c_str());
    if (!read_file(path, data)) {
      fprintf(stderr, "frame-fuzz-replay: cannot read %s\n", name.c_str());
      return 1;
    }
    // A copy of exactly the input's size, so that a sanitizer sees any read
    // past its end.
    std::unique_ptr<uint8_t[]> copy{new uint8_t[data.size()]};
    std::copy(data.begin(), data.end(), copy.get());
    LLVMFuzzerTestOneInput(copy.get(), data.size());
  }
  printf("frame-fuzz-replay: ran %zu inputs, all passed\n", inputs.size());
  return 0;
}
