/* SPDX-License-Identifier: MIT */
/* event_base_active_by_fd / _by_signal: which events they make active and
 * with which result flags (libevent's active_by_fd test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include <event2/event.h>
#include "compat-util.h"

#ifdef _WIN32
#define PAIR_FAMILY AF_INET
#else
#define PAIR_FAMILY AF_UNIX
#endif

/* Records what the callback got, plus a marker that it ran at all. */
static void record_cb(evutil_socket_t fd, short what, void *arg) {
  *(int *)arg = what | 0x10000;
}

static void bogus_descriptors_are_ignored(void **state) {
  struct event_base *base = event_base_new();
  event_base_active_by_fd(base, 1000, EV_READ);
  event_base_active_by_fd(base, -1, EV_READ);
  event_base_active_by_signal(base, 1000);
  event_base_active_by_signal(base, -1);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  event_base_free(base);
}

/* EV_TIMEOUT activates the events on that fd with a pending timeout, with
 * EV_TIMEOUT added to what they already have; the others stay as they are. */
static void timeout_flag_activates_events_with_timeouts(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tenmin = {600, 0};
  evutil_socket_t sv[2];
  struct event *ev1, *ev2, *ev3, *ev4;
  int e1 = 0, e2 = 0, e3 = 0, e4 = 0;
  assert_int_equal(evutil_socketpair(PAIR_FAMILY, SOCK_STREAM, 0, sv), 0);
  ev1 = event_new(base, sv[0], EV_READ, record_cb, &e1);
  ev2 = event_new(base, sv[0], EV_WRITE, record_cb, &e2);
  ev3 = event_new(base, sv[1], EV_READ, record_cb, &e3);
  ev4 = event_new(base, sv[1], EV_READ, record_cb, &e4);
  event_add(ev1, &tenmin);
  event_add(ev2, NULL);
  event_add(ev3, NULL);
  event_add(ev4, &tenmin);

  event_base_active_by_fd(base, sv[0], EV_WRITE);
  event_base_active_by_fd(base, sv[1], EV_READ);
  event_base_active_by_fd(base, sv[1], EV_TIMEOUT);
  event_base_loop(base, EVLOOP_ONCE);

  assert_int_equal(e1, 0);
  assert_int_equal(e2, EV_WRITE | 0x10000);
  assert_int_equal(e3, EV_READ | 0x10000);
  /* sv[1] may genuinely be writable: only EV_READ|EV_TIMEOUT is asserted */
  assert_int_equal(e4 & ~EV_WRITE, EV_READ | EV_TIMEOUT | 0x10000);
  event_free(ev1);
  event_free(ev2);
  event_free(ev3);
  event_free(ev4);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

/* EV_TIMEOUT alone does not make an I/O event without a timeout active. */
static void timeout_flag_skips_events_without_timeout(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct event *ev;
  int e = 0;
  assert_int_equal(evutil_socketpair(PAIR_FAMILY, SOCK_STREAM, 0, sv), 0);
  ev = event_new(base, sv[0], EV_READ, record_cb, &e);
  event_add(ev, NULL);
  event_base_active_by_fd(base, sv[0], EV_TIMEOUT | EV_READ);
  assert_int_equal(event_pending(ev, EV_READ | EV_TIMEOUT, NULL), EV_READ);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
  assert_int_equal(e, 0);
  event_free(ev);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

#ifndef _WIN32
static void signal_activation(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tenmin = {600, 0};
  int es = 0;
  struct event *ev = event_new(base, SIGHUP, EV_SIGNAL, record_cb, &es);
  event_add(ev, &tenmin);
  event_base_active_by_signal(base, SIGHUP);
  event_base_loop(base, EVLOOP_ONCE);
  assert_int_equal(es, EV_SIGNAL | 0x10000);
  event_free(ev);
  event_base_free(base);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bogus_descriptors_are_ignored),
      cmocka_unit_test(timeout_flag_activates_events_with_timeouts),
      cmocka_unit_test(timeout_flag_skips_events_without_timeout),
#ifndef _WIN32
      cmocka_unit_test(signal_activation),
#endif
  };
  return cmocka_run_group_tests_name("compat_event_active_by_fd (" COMPAT_IMPL_NAME ")", tests,
                                     NULL, NULL);
}
