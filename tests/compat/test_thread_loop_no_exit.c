/* SPDX-License-Identifier: MIT */
/* A loop run with EVLOOP_NO_EXIT_ON_EMPTY and nothing pending waits for
 * other threads: event_active and event_add from another thread run their
 * callbacks on it, and event_base_loopbreak from a callback ends it
 * (libevent's thread/no_events test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/thread.h>

#include "compat-util.h"
#include "thread-util.h"

#define NEVENTS 5

struct shared {
  struct event_base *base;
  struct event ev[NEVENTS];
  struct tu_flag ran[NEVENTS];
};

static void note_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  tu_flag_set(arg, 1);
}

static void last_cb(evutil_socket_t fd, short what, void *arg) {
  struct shared *s = arg;
  (void)fd;
  (void)what;
  tu_flag_set(&s->ran[NEVENTS - 1], 1);
  event_base_loopbreak(s->base);
}

/* Each step waits for the previous callback, so the order is certain. */
static void driver_thread(void *arg) {
  struct shared *s = arg;
  struct timeval tv20 = {0, 20000}, tv30 = {0, 30000};
  tu_sleep_ms(20);
  event_active(&s->ev[0], EV_TIMEOUT, 1);
  if (!tu_flag_wait(&s->ran[0], 10000)) return;
  event_active(&s->ev[1], EV_TIMEOUT, 1);
  if (!tu_flag_wait(&s->ran[1], 10000)) return;
  event_add(&s->ev[2], &tv20);
  event_add(&s->ev[3], &tv30);
  if (!tu_flag_wait(&s->ran[2], 10000) || !tu_flag_wait(&s->ran[3], 10000)) return;
  event_active(&s->ev[4], EV_TIMEOUT, 1);
}

static void no_exit_on_empty_waits_for_other_threads(void **state) {
  struct shared s;
  struct tu_watchdog *dog;
  struct tu_thread *t;
  int i;
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  assert_non_null(s.base);
  for (i = 0; i < NEVENTS; i++) {
    tu_flag_init(&s.ran[i]);
    event_assign(&s.ev[i], s.base, -1, 0, i == NEVENTS - 1 ? last_cb : note_cb,
                 i == NEVENTS - 1 ? (void *)&s : (void *)&s.ran[i]);
  }
  dog = tu_watchdog_start(20000, "EVLOOP_NO_EXIT_ON_EMPTY loop");
  t = tu_thread_start(driver_thread, &s);
  assert_int_equal(event_base_loop(s.base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
  tu_thread_join(t);
  tu_watchdog_stop(dog);
  assert_true(event_base_got_break(s.base));
  for (i = 0; i < NEVENTS; i++)
    assert_true(tu_flag_get(&s.ran[i]) != 0);
  for (i = 0; i < NEVENTS; i++)
    tu_flag_free(&s.ran[i]);
  event_base_free(s.base);
}

/* Nothing pending and no thread to wake it: loopexit with a timeout still
 * ends the loop (the timer is pending), and 0 is returned, not 1. */
static void no_exit_on_empty_ends_at_loopexit(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tv = {0, 10000};
  struct tu_watchdog *dog = tu_watchdog_start(20000, "EVLOOP_NO_EXIT_ON_EMPTY loopexit");
  assert_int_equal(event_base_loopexit(base, &tv), 0);
  assert_int_equal(event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
  assert_true(event_base_got_exit(base));
  tu_watchdog_stop(dog);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_exit_on_empty_waits_for_other_threads),
      cmocka_unit_test(no_exit_on_empty_ends_at_loopexit),
  };
  if (tu_use_threads() != 0) return 1;
  return cmocka_run_group_tests_name("compat_thread_loop_no_exit (" COMPAT_IMPL_NAME ")", tests,
                                     NULL, NULL);
}
