/* SPDX-License-Identifier: MIT */
/* Signal events as libevent 2.1 has them (its regress tests signal_restore,
 * signal_switchbase, signal_while_processing, signal_dealloc): removing the
 * last event for a signal puts back the application's handler; with two
 * bases, a signal goes to the base that added its event (or entered its loop)
 * last; a callback may raise its own signal again.  Libevent API only: built
 * against uvbev and libevent.  Unix only: Windows has no sigaction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#include "compat-util.h"
#include "sig-util.h"
#include "skip-all.h"

#ifndef _WIN32

/* Installs cu_app_handler for sig (the application's own handler). */
static void install_app_handler(int sig) {
  cu_set_disposition(sig, cu_app_handler);
  cu_app_handler_calls = 0;
}

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  assert_int_equal(what, EV_SIGNAL);
  ++*(int *)arg;
}

static void signal_del_restores_application_handler(void **state) {
  struct event_base *base = event_base_new();
  int calls = 0;
  struct event *ev = evsignal_new(base, SIGUSR1, count_cb, &calls);
  (void)state;
  install_app_handler(SIGUSR1);
  assert_int_equal(evsignal_add(ev, NULL), 0);
  assert_int_equal(evsignal_del(ev), 0);
  raise(SIGUSR1);
  assert_int_equal(cu_app_handler_calls, 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(calls, 0);
  event_free(ev);
  event_base_free(base);
  cu_set_disposition(SIGUSR1, SIG_DFL);
}

static void event_free_and_base_free_restore_application_handler(void **state) {
  struct event_base *base = event_base_new();
  struct event *ev = evsignal_new(base, SIGUSR1, count_cb, NULL);
  struct event left; /* still added when the base is freed: not touched after */
  (void)state;
  evsignal_assign(&left, base, SIGUSR2, count_cb, NULL);
  install_app_handler(SIGUSR1);
  cu_set_disposition(SIGUSR2, SIG_IGN);
  assert_int_equal(evsignal_add(ev, NULL), 0);
  assert_int_equal(evsignal_add(&left, NULL), 0);
  assert_true(cu_current_handler(SIGUSR1) != cu_app_handler);
  assert_true(cu_current_handler(SIGUSR2) != SIG_IGN);
  event_free(ev); /* deletes the event */
  assert_true(cu_current_handler(SIGUSR1) == cu_app_handler);
  event_base_free(base); /* deletes `left`, still added */
  assert_true(cu_current_handler(SIGUSR2) == SIG_IGN);
  cu_set_disposition(SIGUSR1, SIG_DFL);
  cu_set_disposition(SIGUSR2, SIG_DFL);
}

static void handler_restored_only_when_last_event_goes(void **state) {
  struct event_base *base = event_base_new();
  int calls1 = 0, calls2 = 0;
  struct event *ev1 = evsignal_new(base, SIGUSR1, count_cb, &calls1);
  struct event *ev2 = evsignal_new(base, SIGUSR1, count_cb, &calls2);
  (void)state;
  install_app_handler(SIGUSR1);
  assert_int_equal(evsignal_add(ev1, NULL), 0);
  assert_int_equal(evsignal_add(ev2, NULL), 0);
  assert_int_equal(evsignal_del(ev1), 0);
  raise(SIGUSR1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(cu_app_handler_calls, 0);
  assert_int_equal(calls1, 0);
  assert_int_equal(calls2, 1);
  assert_int_equal(evsignal_del(ev2), 0);
  raise(SIGUSR1);
  assert_int_equal(cu_app_handler_calls, 1);
  event_free(ev1);
  event_free(ev2);
  event_base_free(base);
  cu_set_disposition(SIGUSR1, SIG_DFL);
}

static void signal_goes_to_base_that_added_last(void **state) {
  struct event_base *base1 = event_base_new();
  struct event_base *base2 = event_base_new();
  int calls1 = 0, calls2 = 0;
  struct event *ev1 = evsignal_new(base1, SIGUSR1, count_cb, &calls1);
  struct event *ev2 = evsignal_new(base2, SIGUSR1, count_cb, &calls2);
  (void)state;
  assert_int_equal(evsignal_add(ev1, NULL), 0);
  assert_int_equal(evsignal_add(ev2, NULL), 0);
  raise(SIGUSR1); /* before any loop runs */
  event_base_loop(base2, EVLOOP_NONBLOCK);
  event_base_loop(base1, EVLOOP_NONBLOCK);
  assert_int_equal(calls2, 1);
  assert_int_equal(calls1, 0);
  /* base1 entered its loop last: the next signal is base1's */
  raise(SIGUSR1);
  event_base_loop(base1, EVLOOP_NONBLOCK);
  event_base_loop(base2, EVLOOP_NONBLOCK);
  assert_int_equal(calls1, 1);
  assert_int_equal(calls2, 1);
  /* adding again gives it back to base2 */
  assert_int_equal(evsignal_del(ev2), 0);
  assert_int_equal(evsignal_add(ev2, NULL), 0);
  raise(SIGUSR1);
  event_base_loop(base1, EVLOOP_NONBLOCK);
  event_base_loop(base2, EVLOOP_NONBLOCK);
  assert_int_equal(calls1, 1);
  assert_int_equal(calls2, 2);
  /* in the reverse order of adding: libevent restores per base */
  event_free(ev2);
  event_free(ev1);
  event_base_free(base1);
  event_base_free(base2);
}

struct rearm {
  struct event_base *base;
  int calls;
};

/* Raises its own signal from inside its callback until it ran 5 times. */
static void raise_again_cb(evutil_socket_t sig, short what, void *arg) {
  struct rearm *r = arg;
  (void)what;
  if (++r->calls < 5)
    raise((int)sig);
  else
    event_base_loopexit(r->base, NULL);
}

static void raise_first_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  raise(SIGUSR1);
}

static void signal_raised_while_processing_is_delivered(void **state) {
  struct rearm r = {event_base_new(), 0};
  struct event *ev = evsignal_new(r.base, SIGUSR1, raise_again_cb, &r);
  struct timeval zero = {0, 0};
  (void)state;
  assert_int_equal(evsignal_add(ev, NULL), 0);
  event_base_once(r.base, -1, EV_TIMEOUT, raise_first_cb, NULL, &zero);
  cu_dispatch_bounded(r.base, 5000);
  assert_int_equal(r.calls, 5);
  event_free(ev);
  event_base_free(r.base);
}

static void signal_that_cannot_be_caught_fails_to_add(void **state) {
  struct event_base *base = event_base_new();
  struct event *ev = evsignal_new(base, SIGKILL, count_cb, NULL);
  (void)state;
  assert_int_equal(evsignal_add(ev, NULL), -1);
  assert_false(evsignal_pending(ev, NULL));
  event_free(ev);
  event_base_free(base);
}

static void signal_dealloc_after_del(void **state) {
  struct event_base *base = event_base_new();
  struct event ev;
  (void)state;
  cu_set_disposition(SIGUSR1, SIG_DFL);
  evsignal_assign(&ev, base, SIGUSR1, count_cb, NULL);
  assert_int_equal(evsignal_add(&ev, NULL), 0);
  assert_int_equal(evsignal_del(&ev), 0);
  event_base_free(base);
  assert_true(cu_current_handler(SIGUSR1) == SIG_DFL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(signal_del_restores_application_handler),
      cmocka_unit_test(event_free_and_base_free_restore_application_handler),
      cmocka_unit_test(handler_restored_only_when_last_event_goes),
      cmocka_unit_test(signal_goes_to_base_that_added_last),
      cmocka_unit_test(signal_raised_while_processing_is_delivered),
      cmocka_unit_test(signal_that_cannot_be_caught_fails_to_add),
      cmocka_unit_test(signal_dealloc_after_del),
  };
  return cmocka_run_group_tests_name("compat_signal (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}

#else /* _WIN32 */

int main(void) {
  return cu_skip_all("compat_signal (" COMPAT_IMPL_NAME ")",
                     "Windows has no sigaction and no SIGUSR1: restoring a sigaction "
                     "disposition and two bases sharing SIGUSR1 do not exist there");
}

#endif
