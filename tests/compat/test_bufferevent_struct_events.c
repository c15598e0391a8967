/* SPDX-License-Identifier: MIT */
/* struct bufferevent has libevent's ev_read/ev_write members (libevent's own
 * tests call event_pending() on them), and they are not pending while the
 * direction is disabled. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "compat-util.h"

static void pair_events_not_pending(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *pair[2];
  (void)state;
  assert_non_null(base);
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  bufferevent_disable(pair[0], EV_READ | EV_WRITE);
  assert_int_equal(event_pending(&pair[0]->ev_read, EV_READ, NULL), 0);
  assert_int_equal(event_pending(&pair[0]->ev_write, EV_WRITE, NULL), 0);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  event_base_free(base);
}

static void socket_events_not_pending_when_disabled(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t fds[2];
  struct bufferevent *bev;
  (void)state;
  assert_non_null(base);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  bufferevent_disable(bev, EV_READ | EV_WRITE);
  assert_int_equal(event_pending(&bev->ev_read, EV_READ, NULL), 0);
  assert_int_equal(event_pending(&bev->ev_write, EV_WRITE, NULL), 0);
  bufferevent_free(bev);
  evutil_closesocket(fds[1]);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pair_events_not_pending),
      cmocka_unit_test(socket_events_not_pending_when_disabled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
