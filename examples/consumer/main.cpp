// Prints every agent update of a hub: usage `consumer URL [SECONDS]`.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include <hubwatch/api/observer.hpp>

int main(int argc, char** argv) {
  caf::actor_system_config cfg;
  hubwatch::add_message_types(cfg);
  caf::actor_system sys{cfg};
  hubwatch::websocket_config wc;
  wc.url = argc > 1 ? argv[1] : wc.url;
  hubwatch::observer obs{sys, wc};
  hubwatch::subscriber_callbacks print_agents;
  print_agents.on_update = [](const hubwatch::hub_update& x) {
    if (auto agent = caf::get_if<hubwatch::agent_info>(&x))
      std::cout << to_string(*agent) << std::endl;
  };
  auto sub = obs.subscribe(print_agents);
  for (auto& e : obs.start())
    return std::cerr << e << '\n', 2;
  std::this_thread::sleep_for(
    std::chrono::seconds(argc > 2 ? std::stoi(argv[2]) : 5));
}
