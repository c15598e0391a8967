/* SPDX-License-Identifier: MIT */
/* Timers: order, EV_PERSIST, deleting inside the callback, re-adding,
 * event_pending with timeouts, stack events, signals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include "compat-util.h"

static int fired[8], nfired;

static void record_cb(evutil_socket_t fd, short what, void *arg) {
  assert_int_equal(what, EV_TIMEOUT);
  fired[nfired++] = (int)(intptr_t)arg;
}

static void timers_fire_in_deadline_order(void **state) {
  struct event_base *base = event_base_new();
  struct event *ev[3];
  int ms[3] = {60, 10, 30};
  int i;
  nfired = 0;
  for (i = 0; i < 3; i++) {
    struct timeval tv = {0, ms[i] * 1000};
    ev[i] = evtimer_new(base, record_cb, (void *)(intptr_t)ms[i]);
    assert_int_equal(evtimer_add(ev[i], &tv), 0);
  }
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(nfired, 3);
  assert_int_equal(fired[0], 10);
  assert_int_equal(fired[1], 30);
  assert_int_equal(fired[2], 60);
  for (i = 0; i < 3; i++)
    event_free(ev[i]);
  event_base_free(base);
}

struct persist_state {
  struct event *ev;
  int calls;
};

static void persist_cb(evutil_socket_t fd, short what, void *arg) {
  struct persist_state *s = arg;
  s->calls++;
  assert_true(event_pending(s->ev, EV_TIMEOUT, NULL));
  if (s->calls == 3) event_del(s->ev);
}

static void persist_timer_repeats_until_deleted_in_callback(void **state) {
  struct event_base *base = event_base_new();
  struct persist_state s = {NULL, 0};
  struct timeval tv = {0, 5000};
  struct event *safety = cu_safety_timeout(base, 5000);
  s.ev = event_new(base, -1, EV_PERSIST, persist_cb, &s);
  event_add(s.ev, &tv);
  event_del(safety);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(s.calls, 3);
  assert_false(event_pending(s.ev, EV_TIMEOUT, NULL));
  event_free(s.ev);
  event_free(safety);
  event_base_free(base);
}

static void nonpersist_cb(evutil_socket_t fd, short what, void *arg) {
  struct persist_state *s = arg;
  s->calls = 1 + !!event_pending(s->ev, EV_TIMEOUT, NULL);
}

static void nonpersist_timer_is_not_pending_in_callback(void **state) {
  struct event_base *base = event_base_new();
  struct persist_state s = {NULL, 0};
  struct timeval tv = {0, 1000};
  s.ev = evtimer_new(base, nonpersist_cb, &s);
  evtimer_add(s.ev, &tv);
  assert_true(evtimer_pending(s.ev, NULL));
  event_base_dispatch(base);
  assert_int_equal(s.calls, 1);
  assert_false(evtimer_pending(s.ev, NULL));
  event_free(s.ev);
  event_base_free(base);
}

static void readd_reschedules_timeout(void **state) {
  struct event_base *base = event_base_new();
  struct timeval long_tv = {30, 0}, short_tv = {0, 10000};
  struct event *ev;
  long start;
  nfired = 0;
  ev = evtimer_new(base, record_cb, (void *)(intptr_t)7);
  evtimer_add(ev, &long_tv);
  evtimer_add(ev, &short_tv);
  start = cu_now_ms();
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(nfired, 1);
  assert_true(cu_now_ms() - start < 10000);
  event_free(ev);
  event_base_free(base);
}

static void pending_reports_expiry(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tv = {10, 0}, now, when;
  struct event *ev = evtimer_new(base, record_cb, NULL);
  assert_false(evtimer_pending(ev, NULL));
  evtimer_add(ev, &tv);
  evutil_gettimeofday(&now, NULL);
  assert_int_equal(event_pending(ev, EV_TIMEOUT | EV_READ, &when), EV_TIMEOUT);
  assert_true(when.tv_sec >= now.tv_sec + 8);
  assert_true(when.tv_sec <= now.tv_sec + 11);
  assert_int_equal(event_remove_timer(ev), 0);
  assert_false(evtimer_pending(ev, NULL));
  event_free(ev);
  event_base_free(base);
}

static void stack_event_assign_and_reuse(void **state) {
  struct event_base *base = event_base_new();
  struct event ev;
  struct timeval tv = {0, 1000};
  nfired = 0;
  assert_int_equal(evtimer_assign(&ev, base, record_cb, (void *)(intptr_t)1), 0);
  assert_true(evtimer_initialized(&ev));
  evtimer_add(&ev, &tv);
  event_base_dispatch(base);
  assert_int_equal(nfired, 1);
  /* deleted and re-assigned on the same memory at once */
  evtimer_add(&ev, &tv);
  event_del(&ev);
  assert_int_equal(evtimer_assign(&ev, base, record_cb, (void *)(intptr_t)2), 0);
  evtimer_add(&ev, &tv);
  event_base_dispatch(base);
  assert_int_equal(nfired, 2);
  assert_int_equal(fired[1], 2);
  event_base_free(base);
}

static void accessors_return_assignment(void **state) {
  struct event_base *base = event_base_new(), *b_out;
  struct event *ev = event_new(base, 5, EV_READ | EV_PERSIST, record_cb, (void *)&nfired);
  evutil_socket_t fd;
  short events;
  event_callback_fn cb;
  void *arg;
  struct event *self = event_new(base, -1, 0, record_cb, event_self_cbarg());
  assert_ptr_equal(event_get_base(ev), base);
  assert_int_equal(event_get_fd(ev), 5);
  assert_int_equal(event_get_events(ev), EV_READ | EV_PERSIST);
  assert_ptr_equal(event_get_callback(ev), record_cb);
  assert_ptr_equal(event_get_callback_arg(ev), &nfired);
  event_get_assignment(ev, &b_out, &fd, &events, &cb, &arg);
  assert_ptr_equal(b_out, base);
  assert_int_equal(fd, 5);
  assert_ptr_equal(arg, &nfired);
  assert_ptr_equal(event_get_callback_arg(self), self);
  assert_true(event_get_struct_event_size() >= sizeof(void *));
  event_free(ev);
  event_free(self);
  event_base_free(base);
}

#ifndef _WIN32
struct signal_state {
  struct event_base *base;
  int calls;
  short what;
};

static void signal_cb(evutil_socket_t sig, short what, void *arg) {
  struct signal_state *s = arg;
  assert_int_equal(sig, SIGUSR1);
  s->calls++;
  s->what = what;
  event_base_loopexit(s->base, NULL);
}

static void raise_cb(evutil_socket_t fd, short what, void *arg) {
  raise(SIGUSR1);
}

static void signal_event_fires_on_raise(void **state) {
  struct signal_state s = {event_base_new(), 0, 0};
  struct event *sig = evsignal_new(s.base, SIGUSR1, signal_cb, &s);
  struct event *safety = cu_safety_timeout(s.base, 5000);
  struct timeval tv = {0, 10000};
  assert_int_equal(evsignal_add(sig, NULL), 0);
  assert_true(evsignal_pending(sig, NULL));
  event_base_once(s.base, -1, EV_TIMEOUT, raise_cb, NULL, &tv);
  assert_int_equal(event_base_dispatch(s.base), 0);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.what, EV_SIGNAL);
  event_free(sig);
  event_free(safety);
  event_base_free(s.base);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(timers_fire_in_deadline_order),
      cmocka_unit_test(persist_timer_repeats_until_deleted_in_callback),
      cmocka_unit_test(nonpersist_timer_is_not_pending_in_callback),
      cmocka_unit_test(readd_reschedules_timeout),
      cmocka_unit_test(pending_reports_expiry),
      cmocka_unit_test(stack_event_assign_and_reuse),
      cmocka_unit_test(accessors_return_assignment),
#ifndef _WIN32
      cmocka_unit_test(signal_event_fires_on_raise),
#endif
  };
  return cmocka_run_group_tests_name("compat_event_timers (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
