#pragma once

#include <string>
#include <vector>

#include "programs/dashboard/dashboard_model.hpp"

namespace hubwatch {

/// One node's part of a dashboard that shows several.
struct dashboard_panel {
  std::string title;
  const dashboard_model* model;
};

/// Draws a `dashboard_model` with ncurses, in place. Owns the terminal from
/// construction to destruction and leaves it as it found it.
class dashboard_view {
public:
  /// `title` heads the screen (the hub's URL, or the nodes watched).
  explicit dashboard_view(std::string title);

  ~dashboard_view();

  dashboard_view(const dashboard_view&) = delete;
  dashboard_view& operator=(const dashboard_view&) = delete;

  void draw(const dashboard_model& model);

  /// Several nodes one after another, each with its link status.
  void draw(const std::vector<dashboard_panel>& panels);

  /// True when the user pressed `q`.
  bool quit_requested();

  /// True when the terminal can show the dashboard (stdout is a terminal
  /// and TERM is set and not `dumb`).
  static bool usable();

private:
  std::string url_;
};

} // namespace hubwatch
