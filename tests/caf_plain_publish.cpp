// CAF 0.17.6 and nothing else: publishes one actor with io::publish on
// 127.0.0.1 (any free port), prints "port N", and runs until killed. What
// hubwatch-node does minus the guard, for hostile_basp_live.

#include <cstdio>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

int main() {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> caf::behavior {
    return {[](int x) {
      return x;
    }};
  });
  auto port = caf::io::publish(echo, 0, "127.0.0.1");
  if (!port)
    return 1;
  std::printf("port %u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(1));
}
