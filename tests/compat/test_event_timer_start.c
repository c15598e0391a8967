/* SPDX-License-Identifier: MIT */
/* A timeout counts from the moment it is added, also when the loop is not
 * running (before the first dispatch, between dispatches): no timeout fires
 * before its duration has passed since the call that set it.  The loop
 * being idle for a while before must not make it fire early. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include "compat-util.h"
#include "thread-util.h"

#define IDLE_MS 300
#define TIMEOUT_MS 200

static void note_time(evutil_socket_t fd, short what, void *arg) {
  *(long *)arg = cu_now_ms();
}

/* Adds a TIMEOUT_MS timer, dispatches, returns the ms from add to firing. */
static long timer_delay_from_add(struct event_base *base) {
  struct timeval tv = {0, TIMEOUT_MS * 1000};
  long fired = -1, start;
  struct event *ev = evtimer_new(base, note_time, &fired);
  start = cu_now_ms();
  assert_int_equal(evtimer_add(ev, &tv), 0);
  assert_int_equal(event_base_dispatch(base), 1);
  event_free(ev);
  assert_true(fired >= 0);
  return fired - start;
}

static void timer_added_before_first_dispatch(void **state) {
  struct event_base *base = event_base_new();
  tu_sleep_ms(IDLE_MS);
  assert_in_range(timer_delay_from_add(base), TIMEOUT_MS, TIMEOUT_MS + 60000);
  event_base_free(base);
}

static void timer_added_between_dispatches(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tv = {0, 1000};
  long fired = -1;
  struct event *ev = evtimer_new(base, note_time, &fired);
  evtimer_add(ev, &tv);
  assert_int_equal(event_base_dispatch(base), 1);
  event_free(ev);
  tu_sleep_ms(IDLE_MS);
  assert_in_range(timer_delay_from_add(base), TIMEOUT_MS, TIMEOUT_MS + 60000);
  event_base_free(base);
}

/* event_base_loopexit with a timeout is a timer too. */
static void loopexit_set_after_idle(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tv = {0, TIMEOUT_MS * 1000};
  long start;
  tu_sleep_ms(IDLE_MS);
  start = cu_now_ms();
  assert_int_equal(event_base_loopexit(base, &tv), 0);
  assert_int_equal(event_base_dispatch(base), 0);
  assert_in_range(cu_now_ms() - start, TIMEOUT_MS, TIMEOUT_MS + 60000);
  event_base_free(base);
}

static void on_bev_event(struct bufferevent *bev, short what, void *arg) {
  long *at = arg;
  at[0] = cu_now_ms();
  at[1] = what;
  event_base_loopexit(bufferevent_get_base(bev), NULL);
}

/* A bufferevent's read timeout, set while the loop is idle, too. */
static void bufferevent_timeout_set_after_idle(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tv = {0, TIMEOUT_MS * 1000};
  evutil_socket_t sv[2];
  struct bufferevent *bev;
  long at[2] = {-1, 0}, start;
  assert_int_equal(cu_tcp_pair(sv), 0);
  bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, on_bev_event, at);
  tu_sleep_ms(IDLE_MS);
  start = cu_now_ms();
  bufferevent_set_timeouts(bev, &tv, NULL);
  bufferevent_enable(bev, EV_READ);
  cu_dispatch_bounded(base, 10000);
  assert_int_equal(at[1], BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  assert_in_range(at[0] - start, TIMEOUT_MS, TIMEOUT_MS + 60000);
  bufferevent_free(bev);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(timer_added_before_first_dispatch),
      cmocka_unit_test(timer_added_between_dispatches),
      cmocka_unit_test(loopexit_set_after_idle),
      cmocka_unit_test(bufferevent_timeout_set_after_idle),
  };
  return cmocka_run_group_tests_name("compat_event_timer_start (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
