/* SPDX-License-Identifier: MIT */
/* Several timed event_base_loopexit calls: the earliest deadline ends the
 * loop, and each later one stays pending and ends a later loop, as each is
 * a one-shot timer of its own (libevent's loopexit_multiple test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include "compat-util.h"

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (*(int *)arg)++;
}

static void earliest_loopexit_wins(void **state) {
  struct event_base *base = event_base_new();
  struct timeval early = {0, 20000}, marker_tv = {1, 0}, late = {1, 500000};
  int marker = 0;
  struct event *ev = evtimer_new(base, count_cb, &marker);
  assert_int_equal(event_base_loopexit(base, &early), 0);
  assert_int_equal(event_base_loopexit(base, &late), 0);
  assert_int_equal(evtimer_add(ev, &marker_tv), 0);

  /* the 20 ms exit ends the loop before the 1 s timer */
  assert_int_equal(event_base_dispatch(base), 0);
  assert_true(event_base_got_exit(base));
  assert_false(event_base_got_break(base));
  assert_int_equal(marker, 0);

  /* the 1.5 s exit is still pending: the next loop runs the timer, then ends
   * at it rather than for lack of events */
  assert_int_equal(event_base_dispatch(base), 0);
  assert_true(event_base_got_exit(base));
  assert_int_equal(marker, 1);
  assert_int_equal(event_base_dispatch(base), 1);
  event_free(ev);
  event_base_free(base);
}

/* The order of the calls does not matter: the later call may be earlier. */
static void later_call_with_earlier_deadline_wins(void **state) {
  struct event_base *base = event_base_new();
  struct timeval early = {0, 20000}, marker_tv = {1, 0}, late = {30, 0};
  int marker = 0;
  struct event *ev = evtimer_new(base, count_cb, &marker);
  assert_int_equal(event_base_loopexit(base, &late), 0);
  assert_int_equal(event_base_loopexit(base, &early), 0);
  assert_int_equal(evtimer_add(ev, &marker_tv), 0);
  assert_int_equal(event_base_dispatch(base), 0);
  assert_true(event_base_got_exit(base));
  assert_int_equal(marker, 0);
  event_free(ev);
  /* the base may be freed with the 30 s exit pending */
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(earliest_loopexit_wins),
      cmocka_unit_test(later_call_with_earlier_deadline_wins),
  };
  return cmocka_run_group_tests_name("compat_event_loopexit (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
