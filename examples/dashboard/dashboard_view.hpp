#pragma once

#include <string>

#include "examples/dashboard/dashboard_model.hpp"

namespace hubwatch {

/// Draws a `dashboard_model` with ncurses, in place. Owns the terminal from
/// construction to destruction and leaves it as it found it.
class dashboard_view {
public:
  explicit dashboard_view(std::string url);

  ~dashboard_view();

  dashboard_view(const dashboard_view&) = delete;
  dashboard_view& operator=(const dashboard_view&) = delete;

  void draw(const dashboard_model& model);

  /// True when the user pressed `q`.
  bool quit_requested();

  /// True when the terminal can show the dashboard (stdout is a terminal
  /// and TERM is set and not `dumb`).
  static bool usable();

private:
  std::string url_;
};

} // namespace hubwatch
