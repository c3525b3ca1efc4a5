#include "hubwatch/core/reference_frame_parser.hpp"

#include <cmath>

#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "hubwatch/core/frame_parser.hpp"
#include "hubwatch/core/json_scan.hpp"

namespace hubwatch {

namespace {

boost::json::parse_options make_options(size_t max_depth) {
  boost::json::parse_options opts;
  opts.max_depth = max_depth;
  return opts;
}

// JSON has no infinities, but Boost.JSON reads 1e400 as one; such a payload
// could not be passed on as JSON.
bool all_finite(const boost::json::value& v) {
  switch (v.kind()) {
  case boost::json::kind::double_:
    return std::isfinite(v.get_double());
  case boost::json::kind::array:
    for (auto& x : v.get_array())
      if (!all_finite(x))
        return false;
    return true;
  case boost::json::kind::object:
    for (auto& kvp : v.get_object())
      if (!all_finite(kvp.value()))
        return false;
    return true;
  default:
    return true;
  }
}

const boost::json::value* field(const boost::json::object& obj,
                                const char* camel, const char* snake) {
  if (auto* v = obj.if_contains(camel))
    return v;
  return obj.if_contains(snake);
}

caf::optional<std::string> string_field(const boost::json::value* v) {
  if (v == nullptr || !v->is_string())
    return caf::none;
  auto& str = v->get_string();
  return std::string{str.data(), str.size()};
}

agent_fields read_agent_fields(const boost::json::object& payload) {
  agent_fields result;
  result.status = string_field(payload.if_contains("status"));
  result.current_task =
    string_field(field(payload, "currentTask", "current_task"));
  if (auto* up = field(payload, "uptimeSeconds", "uptime_seconds");
      up != nullptr && up->is_number())
    result.uptime_seconds = up->to_number<double>();
  result.error = string_field(payload.if_contains("error"));
  return result;
}

} // namespace

reference_frame_parser::reference_frame_parser(size_t max_bytes,
                                               size_t max_depth)
  : max_bytes_(max_bytes),
    parser_(boost::json::storage_ptr{}, make_options(max_depth)) {
  // nop
}

bool reference_frame_parser::parse(std::string_view frame, daemon_event& ev,
                                   parse_error& err) {
  if (!frame_size_ok(frame, max_bytes_, err))
    return false;
  boost::json::error_code ec;
  // The tree only validates the frame and yields its fields; it dies with
  // this call, since the payload keeps its text, not the tree. It lives in
  // an arena that starts in the parser's own buffer (no allocation for
  // frames of a few KiB) and frees everything at once. The parser points at
  // the arena without owning it, so the tree's storage counts as trivially
  // deallocated and destroying it skips the walk over every node.
  boost::json::monotonic_resource arena{arena_buffer_, sizeof(arena_buffer_)};
  // Runs before `arena` dies on every path: the parser must not keep a
  // pointer into a freed arena (a failed parse leaves nodes in it).
  struct detach {
    boost::json::parser& p;
    ~detach() {
      p.reset();
    }
  } guard{parser_};
  parser_.reset(boost::json::storage_ptr{&arena});
  parser_.write(frame.data(), frame.size(), ec);
  if (ec)
    return refuse_json_error(err, ec, frame);
  // Constructed from the parser's result: a move *assignment* would copy the
  // tree onto the heap, as an assigned value keeps its own storage. (Not
  // braces: those would make an array of one element.)
  const boost::json::value root_value(parser_.release());
  auto* root = &root_value;
  auto* obj = root->if_object();
  if (obj == nullptr)
    return refuse_frame(err, hub_errc::not_an_object,
                        std::string{"expected a JSON object, got "} +
                          to_string(root->kind()).data(),
                        frame);
  auto* type = obj->if_contains("type");
  if (type == nullptr)
    return refuse_frame(err, hub_errc::missing_type,
                        "object has no \"type\" field", frame);
  if (!type->is_string())
    return refuse_frame(err, hub_errc::type_not_string,
                        std::string{"\"type\" is a "} +
                          to_string(type->kind()).data() + ", not a string",
                        frame);
  // An empty type names no event: nothing could tell it from a frame that
  // lost its type on the way.
  if (type->get_string().empty())
    return refuse_frame(err, hub_errc::missing_type, "\"type\" is empty",
                        frame);
  // Optional string fields: absent is fine, any other type is not.
  ev.agent_id.clear();
  ev.agent_name.clear();
  ev.timestamp.clear();
  auto take = [&](const char* key, auto& out) {
    auto* v = obj->if_contains(key);
    if (v == nullptr || v->is_null())
      return true;
    if (!v->is_string())
      return refuse_frame(err, hub_errc::field_not_string,
                          std::string{"\""} + key + "\" is a " +
                            to_string(v->kind()).data() + ", not a string",
                          frame);
    auto& str = v->get_string();
    out.assign(str.data(), str.size());
    return true;
  };
  if (!take("agentId", ev.agent_id) || !take("agentName", ev.agent_name) ||
      !take("timestamp", ev.timestamp))
    return false;
  auto* payload = obj->if_contains("payload");
  if (payload != nullptr && !payload->is_null() && !payload->is_object())
    return refuse_frame(err, hub_errc::payload_not_object,
                        std::string{"\"payload\" is a "} +
                          to_string(payload->kind()).data() + ", not an object",
                        frame);
  if (payload != nullptr && payload->is_object() && !all_finite(*payload))
    return refuse_frame(err, hub_errc::invalid_json,
                        "a number in \"payload\" is out of range", frame);
  auto& type_str = type->get_string();
  ev.type_name.assign(type_str.data(), type_str.size());
  ev.type = event_type_from_wire(ev.type_name);
  ev.time = parse_rfc3339(ev.timestamp);
  if (payload != nullptr && payload->is_object()) {
    // The payload's bytes as sent, found in the frame the tree came from.
    // The scanner and the tree must agree on which bytes those are; should
    // they ever not, the tree's own text is better than a wrong value.
    auto text = member_text(frame, "payload");
    if (text.empty() || text.front() != '{')
      ev.payload = json_payload::from_validated(
        boost::json::serialize(payload->get_object()));
    else
      ev.payload = json_payload::from_validated(text);
    ev.fields = read_agent_fields(payload->get_object());
  } else {
    ev.payload = json_payload{};
    ev.fields = agent_fields{};
  }
  return true;
}

} // namespace hubwatch
