/* SPDX-License-Identifier: MIT */
/* Cross-thread wake-ups: event_active, deferred scheduling and loopbreak from
 * another thread wake a loop blocked in poll (through the base's uv_async_t). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <uv.h>
#include <event2/event.h>
#include <event2/thread.h>
#include "event-internal.h"
#include "base-internal.h"

struct shared {
  struct event_base *base;
  struct event *ev;
  struct uvbev_deferred d;
  int event_calls;
  int deferred_calls;
};

static void safety_cb(evutil_socket_t fd, short what, void *arg) {
  fail_msg("safety timeout: cross-thread wake-up did not arrive");
}

static struct event *safety(struct event_base *base) {
  struct timeval tv = {5, 0};
  struct event *ev = evtimer_new(base, safety_cb, NULL);
  evtimer_add(ev, &tv);
  return ev;
}

static void on_event(evutil_socket_t fd, short what, void *arg) {
  struct shared *s = arg;
  s->event_calls++;
  event_base_loopexit(s->base, NULL);
}

static void sleep_then_activate(void *arg) {
  struct shared *s = arg;
  uv_sleep(50);
  event_active(s->ev, EV_READ, 1);
}

static void event_active_from_other_thread_wakes_loop(void **state) {
  struct shared s;
  uv_thread_t t;
  struct event *guard;
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  assert_non_null(s.base->lock); /* the base is thread-aware */
  s.ev = event_new(s.base, -1, 0, on_event, &s);
  guard = safety(s.base);
  assert_int_equal(uv_thread_create(&t, sleep_then_activate, &s), 0);
  assert_int_equal(event_base_dispatch(s.base), 0);
  uv_thread_join(&t);
  assert_int_equal(s.event_calls, 1);
  event_free(s.ev);
  event_free(guard);
  event_base_free(s.base);
}

static void on_deferred(struct uvbev_deferred *d, void *arg) {
  struct shared *s = arg;
  s->deferred_calls++;
  event_base_loopexit(s->base, NULL);
}

static void sleep_then_schedule(void *arg) {
  struct shared *s = arg;
  uv_sleep(50);
  uvbev_deferred_schedule_(s->base, &s->d);
}

static void deferred_from_other_thread_wakes_loop(void **state) {
  struct shared s;
  uv_thread_t t;
  struct event *guard;
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  uvbev_deferred_init_(&s.d, on_deferred, &s);
  guard = safety(s.base);
  assert_int_equal(uv_thread_create(&t, sleep_then_schedule, &s), 0);
  assert_int_equal(event_base_dispatch(s.base), 0);
  uv_thread_join(&t);
  assert_int_equal(s.deferred_calls, 1);
  event_free(guard);
  event_base_free(s.base);
}

static void sleep_then_break(void *arg) {
  struct shared *s = arg;
  uv_sleep(50);
  event_base_loopbreak(s->base);
}

static void loopbreak_from_other_thread_stops_loop(void **state) {
  struct shared s;
  uv_thread_t t;
  struct event *guard;
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  guard = safety(s.base);
  assert_int_equal(uv_thread_create(&t, sleep_then_break, &s), 0);
  assert_int_equal(event_base_dispatch(s.base), 0);
  uv_thread_join(&t);
  assert_true(event_base_got_break(s.base));
  event_free(guard);
  event_base_free(s.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(event_active_from_other_thread_wakes_loop),
      cmocka_unit_test(deferred_from_other_thread_wakes_loop),
      cmocka_unit_test(loopbreak_from_other_thread_stops_loop),
  };
  evthread_use_pthreads();
  return cmocka_run_group_tests_name("unit_base_thread", tests, NULL, NULL);
}
