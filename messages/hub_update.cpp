#include "hubwatch/messages/hub_update.hpp"

namespace hubwatch {

namespace {

struct update_printer {
  std::string operator()(const daemon_event& x) const {
    return "event " + to_string(x);
  }
  std::string operator()(const agent_info& x) const {
    return "agent " + to_string(x);
  }
  std::string operator()(const parse_error& x) const {
    return "parse_error " + to_string(x);
  }
  std::string operator()(const connection_status& x) const {
    return "status " + to_string(x);
  }
};

} // namespace

std::string describe(const hub_update& x) {
  update_printer f;
  return caf::visit(f, x);
}

update_batch::update_batch(items_type xs, uint64_t missed)
  : missed(missed), items_(std::make_shared<const items_type>(std::move(xs))) {
  // nop
}

update_batch::update_batch(std::shared_ptr<const items_type> xs,
                           uint64_t missed)
  : missed(missed), items_(std::move(xs)) {
  // nop
}

const update_batch::items_type& update_batch::items() const {
  static const items_type no_items;
  return items_ ? *items_ : no_items;
}

std::string to_string(const update_batch& x) {
  std::string result = "update_batch(";
  result += std::to_string(x.items().size());
  result += " items, missed=";
  result += std::to_string(x.missed);
  result += ')';
  return result;
}

} // namespace hubwatch
