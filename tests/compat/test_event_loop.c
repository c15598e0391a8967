/* SPDX-License-Identifier: MIT */
/* Loop semantics: dispatch return values, loopexit, loopbreak, EVLOOP_*,
 * event_active, priorities, freeing a base with events added. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include "compat-util.h"

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (*(int *)arg)++;
}

static void dispatch_with_nothing_pending_returns_1(void **state) {
  struct event_base *base = event_base_new();
  assert_non_null(base);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 1);
  event_base_free(base);
}

static void dispatch_returns_1_after_last_timer(void **state) {
  struct event_base *base = event_base_new();
  int n = 0;
  struct timeval tv = {0, 1000};
  struct event *ev = evtimer_new(base, count_cb, &n);
  evtimer_add(ev, &tv);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(n, 1);
  assert_false(event_base_got_exit(base));
  assert_false(event_base_got_break(base));
  event_free(ev);
  event_base_free(base);
}

static void loopexit_without_timeout_stops_after_iteration(void **state) {
  struct event_base *base = event_base_new();
  struct event *safety = cu_safety_timeout(base, 5000);
  assert_int_equal(event_base_loopexit(base, NULL), 0);
  assert_int_equal(event_base_dispatch(base), 0);
  assert_true(event_base_got_exit(base));
  assert_false(event_base_got_break(base));
  event_free(safety);
  event_base_free(base);
}

static void loopexit_with_timeout_waits(void **state) {
  struct event_base *base = event_base_new();
  struct event *safety = cu_safety_timeout(base, 5000);
  struct timeval tv = {0, 50000};
  long start = cu_now_ms();
  assert_int_equal(event_base_loopexit(base, &tv), 0);
  assert_int_equal(event_base_dispatch(base), 0);
  assert_true(cu_now_ms() - start >= 40);
  assert_true(event_base_got_exit(base));
  event_free(safety);
  event_base_free(base);
}

struct break_state {
  struct event_base *base;
  int first, second;
};

static void break_first_cb(evutil_socket_t fd, short what, void *arg) {
  struct break_state *s = arg;
  s->first++;
  event_base_loopbreak(s->base);
}

static void break_second_cb(evutil_socket_t fd, short what, void *arg) {
  ((struct break_state *)arg)->second++;
}

static void loopbreak_skips_other_active_events(void **state) {
  struct break_state s = {event_base_new(), 0, 0};
  struct event *safety = cu_safety_timeout(s.base, 5000);
  struct event *a = event_new(s.base, -1, 0, break_first_cb, &s);
  struct event *b = event_new(s.base, -1, 0, break_second_cb, &s);
  event_active(a, EV_TIMEOUT, 1);
  event_active(b, EV_TIMEOUT, 1);
  assert_int_equal(event_base_dispatch(s.base), 0);
  assert_true(event_base_got_break(s.base));
  assert_int_equal(s.first, 1);
  assert_int_equal(s.second, 0);
  /* the second event is still active; the next loop runs it */
  assert_true(event_pending(b, EV_TIMEOUT, NULL) & EV_TIMEOUT);
  assert_int_equal(event_base_loop(s.base, EVLOOP_NONBLOCK), 0);
  assert_int_equal(s.second, 1);
  assert_false(event_base_got_break(s.base));
  event_free(a);
  event_free(b);
  event_free(safety);
  event_base_free(s.base);
}

static void got_break_reset_at_loop_start(void **state) {
  struct event_base *base = event_base_new();
  assert_int_equal(event_base_loopbreak(base), 0);
  assert_true(event_base_got_break(base));
  assert_int_equal(event_base_dispatch(base), 1);
  assert_false(event_base_got_break(base));
  event_base_free(base);
}

static void loop_once_runs_one_round(void **state) {
  struct event_base *base = event_base_new();
  int fast = 0, slow = 0;
  struct timeval t1 = {0, 1000}, t2 = {2, 0};
  struct event *a = evtimer_new(base, count_cb, &fast);
  struct event *b = evtimer_new(base, count_cb, &slow);
  evtimer_add(a, &t1);
  evtimer_add(b, &t2);
  assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
  assert_int_equal(fast, 1);
  assert_int_equal(slow, 0);
  event_free(a);
  event_free(b);
  event_base_free(base);
}

static void loop_nonblock_does_not_wait(void **state) {
  struct event_base *base = event_base_new();
  int n = 0;
  struct timeval tv = {2, 0};
  struct event *a = evtimer_new(base, count_cb, &n);
  long start = cu_now_ms();
  evtimer_add(a, &tv);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
  assert_int_equal(n, 0);
  assert_true(cu_now_ms() - start < 1000);
  event_free(a);
  event_base_free(base);
}

static void no_exit_on_empty_runs_until_loopexit(void **state) {
  struct event_base *base = event_base_new();
  struct timeval tv = {0, 20000};
  event_base_loopexit(base, &tv);
  assert_int_equal(event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
  assert_true(event_base_got_exit(base));
  event_base_free(base);
}

struct active_state {
  short what;
  int calls;
};

static void active_cb(evutil_socket_t fd, short what, void *arg) {
  struct active_state *s = arg;
  s->what = what;
  s->calls++;
}

static void event_active_passes_res_flags(void **state) {
  struct event_base *base = event_base_new();
  struct active_state s = {0, 0};
  struct event *ev = event_new(base, -1, EV_READ | EV_WRITE, active_cb, &s);
  event_active(ev, EV_WRITE, 1);
  event_active(ev, EV_READ, 1); /* ORed into the same activation */
  /* NONBLOCK runs what is active, then finds nothing left: 1 */
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.what, EV_READ | EV_WRITE);
  event_free(ev);
  event_base_free(base);
}

static int order[8], norder;

static void order_cb(evutil_socket_t fd, short what, void *arg) {
  order[norder++] = (int)(intptr_t)arg;
}

static void priorities_order_active_callbacks(void **state) {
  struct event_base *base = event_base_new();
  struct event *ev[3];
  int i;
  assert_int_equal(event_base_priority_init(base, 3), 0);
  assert_int_equal(event_base_get_npriorities(base), 3);
  norder = 0;
  for (i = 0; i < 3; i++) {
    ev[i] = event_new(base, -1, 0, order_cb, (void *)(intptr_t)i);
    assert_int_equal(event_priority_set(ev[i], 2 - i), 0);
  }
  assert_int_equal(event_priority_set(ev[0], 3), -1);
  for (i = 0; i < 3; i++)
    event_active(ev[i], EV_TIMEOUT, 1);
  assert_int_equal(event_base_loop(base, 0), 1);
  assert_int_equal(norder, 3);
  assert_int_equal(order[0], 2);
  assert_int_equal(order[1], 1);
  assert_int_equal(order[2], 0);
  for (i = 0; i < 3; i++)
    event_free(ev[i]);
  event_base_free(base);
}

static void once_cb(evutil_socket_t fd, short what, void *arg) {
  struct active_state *s = arg;
  s->what = what;
  s->calls++;
}

static void base_once_runs_once_and_frees_itself(void **state) {
  struct event_base *base = event_base_new();
  struct active_state s = {0, 0}, s0 = {0, 0};
  struct timeval tv = {0, 1000};
  assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, once_cb, &s, &tv), 0);
  assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, once_cb, &s0, NULL), 0);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.what, EV_TIMEOUT);
  assert_int_equal(s0.calls, 1);
  event_base_free(base);
}

static void base_once_never_run_is_freed_with_base(void **state) {
  struct event_base *base = event_base_new();
  struct active_state s = {0, 0};
  struct timeval tv = {60, 0};
  assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, once_cb, &s, &tv), 0);
  event_base_free(base);
  assert_int_equal(s.calls, 0);
}

static void free_base_with_events_added(void **state) {
  struct event_base *base = event_base_new();
  int n = 0;
  struct timeval tv = {60, 0};
  struct event *t = evtimer_new(base, count_cb, &n);
  struct event stack_ev;
  evutil_socket_t sv[2];
  struct event *io;
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  io = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &n);
  evtimer_assign(&stack_ev, base, count_cb, &n);
  evtimer_add(t, &tv);
  evtimer_add(&stack_ev, &tv);
  event_add(io, NULL);
  event_base_free(base);
  assert_int_equal(n, 0);
  /* event_base_free deleted them; the memory is still ours to free */
  free(t);
  free(io);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

static void bad_arguments_fail_cleanly(void **state) {
  struct event_base *base = event_base_new();
  assert_int_equal(event_base_loopbreak(NULL), -1);
  assert_null(event_new(base, -1, EV_SIGNAL | EV_READ, count_cb, NULL));
  assert_int_equal(event_base_priority_init(base, 0), -1);
  assert_int_equal(event_base_priority_init(base, EVENT_MAX_PRIORITIES + 1), -1);
  event_base_free(base);
}

static void versions_and_method(void **state) {
  struct event_base *base = event_base_new();
  const char **methods = event_get_supported_methods();
  assert_string_equal(event_get_version(), LIBEVENT_VERSION);
  assert_true(event_get_version_number() >= 0x02010000);
  assert_int_equal(event_get_version_number() >> 16, 0x0201);
  assert_non_null(event_base_get_method(base));
  assert_non_null(methods);
  assert_non_null(methods[0]);
  event_base_free(base);
}

static void config_base_and_cached_time(void **state) {
  struct event_config *cfg = event_config_new();
  struct event_base *base;
  struct timeval tv;
  assert_non_null(cfg);
  assert_int_equal(event_config_avoid_method(cfg, "select"), 0);
  assert_int_equal(event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK), 0);
  base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  assert_non_null(base);
  assert_int_equal(event_base_gettimeofday_cached(base, &tv), 0);
  assert_true(tv.tv_sec > 0);
  assert_int_equal(event_base_update_cache_time(base), 0);
  event_base_free(base);
}

/* Waits until the wall clock is 20 ms past *from (bounded by count): past
 * the resolution of libevent's coarse monotonic clock. */
static void wait_clock_past(const struct timeval *from) {
  struct timeval now, until, step = {0, 20000};
  long i;
  evutil_timeradd(from, &step, &until);
  for (i = 0; i < 1000000000L; i++) {
    evutil_gettimeofday(&now, NULL);
    if (evutil_timercmp(&now, &until, >)) return;
  }
  fail_msg("the clock did not move");
}

struct cached_probe {
  struct event_base *base;
  struct timeval first, again, updated;
};

static void cached_probe_cb(evutil_socket_t fd, short what, void *arg) {
  struct cached_probe *p = arg;
  event_base_gettimeofday_cached(p->base, &p->first);
  wait_clock_past(&p->first);
  event_base_gettimeofday_cached(p->base, &p->again);
  event_base_update_cache_time(p->base);
  event_base_gettimeofday_cached(p->base, &p->updated);
}

/* Inside callbacks the cached time holds still while the clock moves, until
 * event_base_update_cache_time() refreshes it. */
static void cached_time_holds_within_a_callback_until_updated(void **state) {
  struct event_base *base = event_base_new();
  struct cached_probe p;
  struct timeval tv = {0, 1000};
  struct event *ev;
  memset(&p, 0, sizeof(p));
  p.base = base;
  ev = evtimer_new(base, cached_probe_cb, &p);
  evtimer_add(ev, &tv);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_true(p.first.tv_sec > 0);
  assert_true(evutil_timercmp(&p.again, &p.first, ==));
  assert_true(evutil_timercmp(&p.updated, &p.first, >));
  event_free(ev);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(dispatch_with_nothing_pending_returns_1),
      cmocka_unit_test(cached_time_holds_within_a_callback_until_updated),
      cmocka_unit_test(dispatch_returns_1_after_last_timer),
      cmocka_unit_test(loopexit_without_timeout_stops_after_iteration),
      cmocka_unit_test(loopexit_with_timeout_waits),
      cmocka_unit_test(loopbreak_skips_other_active_events),
      cmocka_unit_test(got_break_reset_at_loop_start),
      cmocka_unit_test(loop_once_runs_one_round),
      cmocka_unit_test(loop_nonblock_does_not_wait),
      cmocka_unit_test(no_exit_on_empty_runs_until_loopexit),
      cmocka_unit_test(event_active_passes_res_flags),
      cmocka_unit_test(priorities_order_active_callbacks),
      cmocka_unit_test(base_once_runs_once_and_frees_itself),
      cmocka_unit_test(base_once_never_run_is_freed_with_base),
      cmocka_unit_test(free_base_with_events_added),
      cmocka_unit_test(bad_arguments_fail_cleanly),
      cmocka_unit_test(versions_and_method),
      cmocka_unit_test(config_base_and_cached_time),
  };
  return cmocka_run_group_tests_name("compat_event_loop (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
