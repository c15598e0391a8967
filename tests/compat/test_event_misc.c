/* SPDX-License-Identifier: MIT */
/* event_base_foreach_event visits every added event with its own fields, and
 * stops when the callback returns non-zero; event_reinit keeps added events
 * working.  Libevent API only: built against uvbev and libevent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/util.h>

#include "compat-util.h"

static void never(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  fail_msg("this event must not fire");
}

struct visit {
  int seen;
  int stop_after;
  int saw_timer, saw_read;
  void *wrong_arg;
};

static int count_event(const struct event_base *base, const struct event *ev, void *arg) {
  struct visit *v = arg;
  (void)base;
  v->seen++;
  if (event_get_callback_arg(ev) != v) v->wrong_arg = event_get_callback_arg(ev);
  if (event_get_events(ev) & EV_READ) v->saw_read++;
  if (event_get_fd(ev) == -1) v->saw_timer++;
  return v->stop_after && v->seen >= v->stop_after;
}

static void foreach_event_visits_every_added_event(void **state) {
  struct event_base *base = event_base_new();
  struct visit v = {0, 0, 0, 0, NULL};
  struct timeval ten_s = {10, 0};
  evutil_socket_t sv[2];
  struct event *t1, *t2, *rd, *idle;
  (void)state;
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  t1 = evtimer_new(base, never, &v);
  t2 = evtimer_new(base, never, &v);
  rd = event_new(base, sv[0], EV_READ | EV_PERSIST, never, &v);
  idle = evtimer_new(base, never, &v); /* never added: not visited */
  evtimer_add(t1, &ten_s);
  evtimer_add(t2, &ten_s);
  event_add(rd, NULL);
  assert_int_equal(event_base_foreach_event(base, count_event, &v), 0);
  assert_int_equal(v.seen, 3);
  assert_int_equal(v.saw_timer, 2);
  assert_int_equal(v.saw_read, 1);
  assert_null(v.wrong_arg);
  /* a non-zero return stops the walk and is returned */
  v.seen = 0;
  v.stop_after = 1;
  assert_int_equal(event_base_foreach_event(base, count_event, &v), 1);
  assert_int_equal(v.seen, 1);
  event_free(t1);
  event_free(t2);
  event_free(rd);
  event_free(idle);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  ++*(int *)arg;
}

static void reinit_keeps_added_events_working(void **state) {
  struct event_base *base = event_base_new();
  struct timeval short_tv = {0, 20000};
  int fired = 0;
  struct event *t = evtimer_new(base, on_timer, &fired);
  struct event *safety = cu_safety_timeout(base, 5000);
  (void)state;
  evtimer_add(t, &short_tv);
  assert_int_equal(event_reinit(base), 0);
  assert_true(event_pending(t, EV_TIMEOUT, NULL));
  event_base_loop(base, EVLOOP_ONCE);
  assert_int_equal(fired, 1);
  event_free(t);
  event_free(safety);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(foreach_event_visits_every_added_event),
      cmocka_unit_test(reinit_keeps_added_events_working),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
