#define CAF_SUITE program_support

#include "programs/program_support.hpp"

#include <caf/test/unit_test.hpp>

using namespace hubwatch;
using namespace std::chrono;

namespace {

connection_status disconnected(hub_errc code) {
  connection_status st;
  st.state = connection_state::disconnected;
  st.error_code = code;
  return st;
}

} // namespace

CAF_TEST(states the observer leaves by itself do not end the run) {
  connection_status st;
  st.state = connection_state::connecting;
  CAF_CHECK(!end_of_run(st));
  st.state = connection_state::connected;
  CAF_CHECK(!end_of_run(st));
  // Before the first attempt: disconnected, nothing went wrong yet.
  CAF_CHECK(!end_of_run(disconnected(hub_errc::none)));
  // A retry is scheduled, whatever ended the connection.
  for (auto code : {hub_errc::connection_lost, hub_errc::closed_by_hub,
                    hub_errc::connect_failed, hub_errc::idle_timeout}) {
    auto lost = disconnected(code);
    lost.next_delay = milliseconds(2000);
    CAF_CHECK(!end_of_run(lost));
  }
  // We closed it (SIGTERM, q): the caller decides the exit code.
  auto ours = disconnected(hub_errc::closed_by_observer);
  ours.close_code = uint16_t{1000};
  CAF_CHECK(!end_of_run(ours));
}

CAF_TEST(giving up and a refused upgrade end the run with 3) {
  connection_status st;
  st.state = connection_state::error;
  st.error_code = hub_errc::gave_up;
  CAF_CHECK_EQUAL(end_of_run(st).value_or(-1), exit_stuck);
  st.error_code = hub_errc::handshake_rejected;
  st.http_status = uint16_t{404};
  CAF_CHECK_EQUAL(end_of_run(st).value_or(-1), exit_stuck);
}

CAF_TEST(without auto reconnect the end of the connection ends the run) {
  // The hub closed politely: a normal end.
  auto polite = disconnected(hub_errc::closed_by_hub);
  polite.close_code = uint16_t{1000};
  CAF_CHECK_EQUAL(end_of_run(polite).value_or(-1), exit_stopped);
  // Any other close code, or no close frame at all: a failure.
  auto going_away = disconnected(hub_errc::closed_by_hub);
  going_away.close_code = uint16_t{1001};
  CAF_CHECK_EQUAL(end_of_run(going_away).value_or(-1), exit_stuck);
  auto lost = disconnected(hub_errc::connection_lost);
  lost.close_code = uint16_t{1006};
  CAF_CHECK_EQUAL(end_of_run(lost).value_or(-1), exit_stuck);
  CAF_CHECK_EQUAL(
    end_of_run(disconnected(hub_errc::connect_failed)).value_or(-1),
    exit_stuck);
  // 1000 without a close from the hub (our own close) is not the hub's.
  auto too_large = disconnected(hub_errc::too_large);
  too_large.close_code = uint16_t{1009};
  CAF_CHECK_EQUAL(end_of_run(too_large).value_or(-1), exit_stuck);
}

CAF_TEST(the first state that ends the run is kept) {
  run_end ended;
  CAF_CHECK(!ended.code());
  connection_status connected;
  connected.state = connection_state::connected;
  CAF_CHECK(!ended.observe(connected));
  CAF_CHECK(!ended.code());
  connection_status gave_up;
  gave_up.state = connection_state::error;
  gave_up.error_code = hub_errc::gave_up;
  CAF_CHECK(ended.observe(gave_up));
  auto polite = disconnected(hub_errc::closed_by_hub);
  polite.close_code = uint16_t{1000};
  CAF_CHECK(ended.observe(polite));
  CAF_CHECK_EQUAL(ended.code().value_or(-1), exit_stuck);
  CAF_CHECK_EQUAL(ended.status().error_code, hub_errc::gave_up);
}

CAF_TEST(the version names hubwatch and the libraries) {
  auto text = version_text("hubwatch-test", "CAF 0.17.6, ");
  CAF_CHECK_EQUAL(text.rfind("hubwatch-test " HUBWATCH_VERSION, 0), 0u);
  CAF_CHECK(text.find("CAF 0.17.6, Boost 1.") != std::string::npos);
  CAF_CHECK(text.find("OpenSSL ") != std::string::npos);
  // A build from a checkout names its commit.
  if (std::string{HUBWATCH_GIT_REVISION}.empty())
    CAF_CHECK(text.find("(git ") == std::string::npos);
  else
    CAF_CHECK(text.find("(git " HUBWATCH_GIT_REVISION ")") !=
              std::string::npos);
}
