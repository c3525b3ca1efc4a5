#include "programs/dashboard/dashboard_view.hpp"

#include <clocale>
#include <cstdlib>
#include <cstring>

#include <curses.h>
#include <unistd.h>

#include "programs/dashboard/text_width.hpp"

namespace hubwatch {

namespace {

enum color_pair : short {
  green = 1,
  cyan,
  red,
  yellow,
  header,
};

short color_of(agent_status x) {
  switch (x) {
  case agent_status::running:
    return green;
  case agent_status::idle:
    return cyan;
  case agent_status::error:
    return red;
  case agent_status::stopped:
    return yellow;
  }
  return 0;
}

short color_of(connection_state x) {
  switch (x) {
  case connection_state::connected:
    return green;
  case connection_state::connecting:
    return yellow;
  case connection_state::disconnected:
    return yellow;
  case connection_state::error:
    return red;
  }
  return 0;
}

// By terminal columns, never inside a character (text_width.hpp).
std::string fit(const std::string& s, size_t width) {
  return fit_columns(s, width);
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

bool dashboard_view::usable() {
  auto term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && term != nullptr && *term != '\0' &&
         std::strcmp(term, "dumb") != 0;
}

dashboard_view::dashboard_view(std::string url) : url_(std::move(url)) {
  // ncursesw writes multibyte text only in the user's locale (UTF-8 for
  // Greek, CJK and emoji); numbers keep the C locale's decimal point, since
  // the summary and JSON lines are printed with printf after the dashboard.
  std::setlocale(LC_ALL, "");
  std::setlocale(LC_NUMERIC, "C");
  initscr();
  cbreak();
  noecho();
  curs_set(0);
  nodelay(stdscr, TRUE);
  keypad(stdscr, TRUE);
  // NO_COLOR (no-color.org): present and not empty means no colours at all;
  // without start_color() ncurses writes no colour codes, bold and dim stay.
  auto no_color = std::getenv("NO_COLOR");
  if (has_colors() && (no_color == nullptr || *no_color == '\0')) {
    start_color();
    use_default_colors();
    init_pair(green, COLOR_GREEN, -1);
    init_pair(cyan, COLOR_CYAN, -1);
    init_pair(red, COLOR_RED, -1);
    init_pair(yellow, COLOR_YELLOW, -1);
    init_pair(header, COLOR_BLACK, COLOR_WHITE);
  }
}

dashboard_view::~dashboard_view() {
  endwin();
}

bool dashboard_view::quit_requested() {
  int ch;
  while ((ch = getch()) != ERR)
    if (ch == 'q' || ch == 'Q')
      return true;
  return false;
}

namespace {

/// State word, attempt, retry countdown, close code, HTTP status.
void print_status(const connection_status& st, caf::optional<int64_t> left) {
  attron(COLOR_PAIR(color_of(st.state)) | A_BOLD);
  printw("%s", upper(to_string(st.state)).c_str());
  attroff(COLOR_PAIR(color_of(st.state)) | A_BOLD);
  printw("  attempt %u", st.attempt);
  if (left)
    printw("  next retry in %.1f s", static_cast<double>(*left) / 1000.0);
  if (st.close_code)
    printw("  close %u", static_cast<unsigned>(*st.close_code));
  if (st.http_status)
    printw("  HTTP %u", static_cast<unsigned>(*st.http_status));
}

void print_counters(int row, const dashboard_model& m) {
  mvprintw(row, 1,
           "events %llu   parse errors %llu   reconnects %llu   missed %llu",
           static_cast<unsigned long long>(m.events_seen()),
           static_cast<unsigned long long>(m.parse_errors()),
           static_cast<unsigned long long>(m.status().reconnects),
           static_cast<unsigned long long>(m.missed()));
}

/// The agent table from `row`, stopping before `end`; returns the next row.
int draw_agents(int row, int end, const dashboard_model& m, int cols) {
  attron(A_BOLD | A_UNDERLINE);
  mvprintw(row++, 1, "%s",
           fit("AGENT        NAME          STATUS    TASK          "
               "LAST SEEN ERRORS  LAST ERROR",
               static_cast<size_t>(std::max(cols - 2, 10)))
             .c_str());
  attroff(A_BOLD | A_UNDERLINE);
  for (auto& [id, a] : m.agents()) {
    if (row >= end)
      break;
    if (a.stale)
      attron(A_DIM);
    mvprintw(row, 1, "%s%s", fit(a.id, 13).c_str(),
             fit(a.name.empty() ? "-" : a.name, 14).c_str());
    auto status = std::string{to_string(a.status)};
    attron(COLOR_PAIR(color_of(a.status)));
    printw("%s", fit(a.stale ? "stale" : status, 10).c_str());
    attroff(COLOR_PAIR(color_of(a.status)));
    printw("%s%s%s", fit(a.current_task ? *a.current_task : "-", 14).c_str(),
           fit(dashboard_model::hub_time(a.last_seen), 10).c_str(),
           fit(std::to_string(a.error_count), 8).c_str());
    int used = 1 + 13 + 14 + 10 + 14 + 10 + 8;
    printw("%s", fit(a.last_error ? *a.last_error : "-",
                     static_cast<size_t>(std::max(cols - used - 1, 1)))
                   .c_str());
    if (a.stale)
      attroff(A_DIM);
    ++row;
  }
  return row;
}

/// The newest events that fit between `row` and `end`, newest at the
/// bottom, under a heading.
void draw_events(int row, int end, const dashboard_model& m, int cols) {
  attron(A_BOLD | A_UNDERLINE);
  mvprintw(
    row++, 1, "%s",
    fit("RECENT EVENTS", static_cast<size_t>(std::max(cols - 2, 10))).c_str());
  attroff(A_BOLD | A_UNDERLINE);
  auto room = static_cast<size_t>(std::max(end - row, 0));
  auto& evs = m.events();
  size_t start = evs.size() > room ? evs.size() - room : 0;
  for (size_t i = start; i < evs.size() && row < end; ++i, ++row) {
    auto text = dashboard_model::event_line(evs[i]);
    mvprintw(row, 1, "%s",
             fit(text, static_cast<size_t>(std::max(cols - 2, 10))).c_str());
  }
}

void draw_header(const std::string& title, int cols) {
  attron(COLOR_PAIR(header) | A_BOLD);
  mvhline(0, 0, ' ', cols);
  mvprintw(0, 1, "hubwatch  %s", title.c_str());
  attroff(COLOR_PAIR(header) | A_BOLD);
}

void draw_footer(int rows) {
  attron(A_DIM);
  mvprintw(rows - 1, 1, "q or Ctrl-C to quit");
  attroff(A_DIM);
}

} // namespace

void dashboard_view::draw(const dashboard_model& m) {
  auto now = dashboard_model::clock::now();
  int rows = LINES;
  int cols = COLS;
  erase();
  draw_header(url_, cols);
  move(1, 1);
  print_status(m.status(), m.retry_in_ms(now));
  print_counters(2, m);
  mvprintw(3, 1, "last error: %s",
           fit(m.last_error().empty() ? "-" : m.last_error(),
               static_cast<size_t>(std::max(cols - 14, 10)))
             .c_str());
  auto row = draw_agents(5, rows - 4, m, cols);
  draw_events(row + 1, rows - 1, m, cols);
  draw_footer(rows);
  refresh();
}

void dashboard_view::draw(const std::vector<dashboard_panel>& panels) {
  auto now = dashboard_model::clock::now();
  int rows = LINES;
  int cols = COLS;
  erase();
  draw_header(url_, cols);
  // Each node gets an equal share of the screen: its link and hub status,
  // its counters and last error, its agents, then its newest events.
  int share = panels.empty() ? 0 : (rows - 2) / static_cast<int>(panels.size());
  int top = 1;
  for (auto& p : panels) {
    auto& m = *p.model;
    int end = top + share;
    attron(A_BOLD);
    mvprintw(top, 1, "%s", p.title.c_str());
    attroff(A_BOLD);
    printw("  link ");
    if (m.link())
      print_status(*m.link(), m.link_retry_in_ms(now));
    else
      printw("-");
    mvprintw(top + 1, 3, "hub ");
    print_status(m.status(), m.retry_in_ms(now));
    print_counters(top + 2, m);
    if (!m.last_error().empty())
      printw("   last error: %s",
             fit(m.last_error(), static_cast<size_t>(std::max(cols - 80, 10)))
               .c_str());
    // Agents take what the events leave, events at least a third.
    int agents_end = std::max(top + 4, end - std::max(share / 3, 2));
    auto row = draw_agents(top + 3, agents_end, m, cols);
    if (row + 1 < end - 1)
      draw_events(row, end - 1, m, cols);
    top = end;
  }
  draw_footer(rows);
  refresh();
}

} // namespace hubwatch
