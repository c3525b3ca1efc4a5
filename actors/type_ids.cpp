#include <caf/actor_system_config.hpp>

#include "hubwatch/actors/agent_registry.hpp"
#include "hubwatch/actors/node_gateway.hpp"
#include "hubwatch/actors/subscriber.hpp"
#include "hubwatch/messages/fwd.hpp"
#include "hubwatch/messages/hub_errc.hpp"
#include "hubwatch/messages/hub_update.hpp"
#include "hubwatch/messages/observer_snapshot.hpp"
#include "hubwatch/messages/session_result.hpp"
#include "hubwatch/messages/websocket_config.hpp"

namespace hubwatch {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<daemon_event>("hubwatch::daemon_event")
    .add_message_type<agent_info>("hubwatch::agent_info")
    .add_message_type<parse_error>("hubwatch::parse_error")
    .add_message_type<connection_status>("hubwatch::connection_status")
    .add_message_type<observer_counters>("hubwatch::observer_counters")
    .add_message_type<observer_snapshot>("hubwatch::observer_snapshot")
    .add_message_type<update_batch>("hubwatch::update_batch")
    .add_message_type<std::vector<hub_update>>("hubwatch::hub_updates")
    .add_message_type<session_result>("hubwatch::session_result")
    .add_message_type<websocket_config>("hubwatch::websocket_config")
    .add_message_type<subscriber_actor>("hubwatch::subscriber_actor")
    .add_message_type<agent_registry_actor>("hubwatch::agent_registry_actor")
    .add_message_type<node_gateway_actor>("hubwatch::node_gateway_actor")
    .add_error_category(
      hubwatch_category::value,
      [](uint8_t code, caf::atom_value, const caf::message& ctx) {
        std::string result = "hubwatch: ";
        result += to_string(static_cast<hub_errc>(code));
        if (ctx.match_elements<std::string>()) {
          result += " (";
          result += ctx.get_as<std::string>(0);
          result += ')';
        }
        return result;
      });
}

} // namespace hubwatch
