#pragma once

#include <string>
#include <string_view>

#include "hubwatch/core/metrics_snapshot.hpp"

namespace hubwatch {

/// The Content-Type of `render_prometheus_text`'s output.
constexpr const char* prometheus_content_type =
  "text/plain; version=0.0.4; charset=utf-8";

/// `x` as a label value of the Prometheus text format 0.0.4, without the
/// quotes: backslash, double quote and line feed escaped (`\\`, `\"`, `\n`),
/// everything else as is, except bytes that are not valid UTF-8, which
/// become U+FFFD (Prometheus refuses the whole exposition otherwise, and
/// agent names come from the hub).
std::string escape_label_value(std::string_view x);

/// The whole exposition, every metric family with `# HELP` and `# TYPE`
/// lines, in the text format 0.0.4. Every event type, parse error kind,
/// connection state and agent status appears, with 0 where nothing was
/// counted, so that `rate()` and alerts see a series from the first scrape.
std::string render_prometheus_text(const metrics_snapshot& x);

} // namespace hubwatch
