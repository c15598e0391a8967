/* SPDX-License-Identifier: MIT */
/* uvbev-only base behaviour: borrowed loops, owned-loop teardown, NULL
 * arguments, children shutdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <uv.h>
#include <event2/event.h>
#include <uvbev/uvbev.h>
#include "event-internal.h"

static int warnings;

static void count_warnings(int severity, const char *msg) {
  if (severity >= EVENT_LOG_WARN) warnings++;
}

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (*(int *)arg)++;
}

static void borrowed_loop_driven_by_uv_run_fires_timers(void **state) {
  uv_loop_t loop;
  struct event_base *base;
  struct event *ev;
  int n = 0;
  struct timeval tv = {0, 1000};
  assert_int_equal(uv_loop_init(&loop), 0);
  base = uvbev_base_new_with_loop(&loop);
  assert_non_null(base);
  assert_ptr_equal(uvbev_base_get_loop(base), &loop);
  ev = evtimer_new(base, count_cb, &n);
  evtimer_add(ev, &tv);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(n, 1);
  event_free(ev);
  event_base_free(base);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void borrowed_loop_runs_active_events(void **state) {
  uv_loop_t loop;
  struct event_base *base;
  struct event *ev;
  int n = 0;
  uv_loop_init(&loop);
  base = uvbev_base_new_with_loop(&loop);
  ev = event_new(base, -1, 0, count_cb, &n);
  event_active(ev, EV_TIMEOUT, 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(n, 1);
  /* dispatch works on a borrowed loop too */
  event_active(ev, EV_TIMEOUT, 1);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(n, 2);
  event_free(ev);
  event_base_free(base);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void borrowed_loop_keeps_user_handles(void **state) {
  uv_loop_t loop;
  uv_timer_t user_timer;
  struct event_base *base;
  struct event *ev;
  int n = 0;
  struct timeval tv = {60, 0};
  uv_loop_init(&loop);
  uv_timer_init(&loop, &user_timer);
  base = uvbev_base_new_with_loop(&loop);
  ev = evtimer_new(base, count_cb, &n);
  evtimer_add(ev, &tv);
  event_base_free(base); /* deletes ev's timer, leaves the user's handle */
  assert_false(uv_is_closing((uv_handle_t *)&user_timer));
  uv_close((uv_handle_t *)&user_timer, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  free(ev);
}

static void owned_loop_closes_cleanly_on_free(void **state) {
  struct event_base *base = event_base_new();
  struct event *a, *b;
  int n = 0;
  struct timeval tv = {60, 0};
  evutil_socket_t sv[2];
  warnings = 0;
  event_set_log_callback(count_warnings);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  a = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &n);
  b = evtimer_new(base, count_cb, &n);
  event_add(a, &tv);
  evtimer_add(b, &tv);
  event_base_loopexit(base, &tv);
  event_base_free(base); /* would warn if uv_loop_close failed */
  event_set_log_callback(NULL);
  assert_int_equal(warnings, 0);
  free(a);
  free(b);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

static void null_arguments_return_errors(void **state) {
  assert_int_equal(event_base_dispatch(NULL), -1);
  assert_int_equal(event_base_loop(NULL, 0), -1);
  assert_int_equal(event_base_loopexit(NULL, NULL), -1);
  assert_int_equal(event_base_loopbreak(NULL), -1);
  assert_null(uvbev_base_new_with_loop(NULL));
  assert_null(uvbev_base_get_loop(NULL));
  assert_null(event_new(NULL, -1, 0, count_cb, NULL));
  assert_int_equal(event_add(NULL, NULL), -1);
  assert_int_equal(event_del(NULL), -1);
  assert_int_equal(event_pending(NULL, EV_TIMEOUT, NULL), 0);
  event_active(NULL, EV_TIMEOUT, 1);
  event_free(NULL);
  event_base_free(NULL);
  assert_null(event_base_get_method(NULL));
  assert_int_equal(event_base_once(NULL, -1, EV_TIMEOUT, count_cb, NULL, NULL), -1);
}

static struct event_base *reenter_base;
static int reenter_result;

static void reenter_cb2(evutil_socket_t fd, short what, void *arg) {
  reenter_result = event_base_dispatch(reenter_base);
}

static void reentrant_dispatch_fails(void **state) {
  struct event *ev;
  reenter_base = event_base_new();
  reenter_result = 0;
  event_set_log_callback(count_warnings);
  ev = event_new(reenter_base, -1, 0, reenter_cb2, NULL);
  event_active(ev, EV_TIMEOUT, 1);
  event_base_dispatch(reenter_base);
  event_set_log_callback(NULL);
  assert_int_equal(reenter_result, -1);
  event_free(ev);
  event_base_free(reenter_base);
}

struct test_child {
  struct uvbev_child child;
  uv_timer_t timer;
  int shutdown_calls;
  int closed;
};

static void on_child_closed(uv_handle_t *h) {
  ((struct test_child *)h->data)->closed = 1;
}

static void child_shutdown(struct uvbev_child *c) {
  struct test_child *t = UVBEV_CONTAINER_OF(c, struct test_child, child);
  t->shutdown_calls++;
  uv_close((uv_handle_t *)&t->timer, on_child_closed);
}

static void children_shut_down_on_base_free(void **state) {
  struct event_base *base = event_base_new();
  struct test_child a, b;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  uv_timer_init(uvbev_base_loop_(base), &a.timer);
  uv_timer_init(uvbev_base_loop_(base), &b.timer);
  a.timer.data = &a;
  b.timer.data = &b;
  uvbev_base_add_child_(base, &a.child, child_shutdown);
  uvbev_base_add_child_(base, &b.child, child_shutdown);
  uvbev_base_remove_child_(base, &b.child);
  uv_close((uv_handle_t *)&b.timer, on_child_closed); /* b closes itself */
  warnings = 0;
  event_set_log_callback(count_warnings);
  event_base_free(base);
  event_set_log_callback(NULL);
  assert_int_equal(warnings, 0); /* uv_loop_close succeeded */
  assert_int_equal(a.shutdown_calls, 1);
  assert_int_equal(a.closed, 1); /* close callback ran before free returned */
  assert_int_equal(b.shutdown_calls, 0);
  assert_int_equal(b.closed, 1);
}

static void versions(void **state) {
  assert_string_equal(event_get_version(), "2.1.12-stable");
  assert_int_equal(event_get_version_number(), 0x02010c00);
  assert_string_equal(uvbev_version(), UVBEV_VERSION_STRING);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(borrowed_loop_driven_by_uv_run_fires_timers),
      cmocka_unit_test(borrowed_loop_runs_active_events),
      cmocka_unit_test(borrowed_loop_keeps_user_handles),
      cmocka_unit_test(owned_loop_closes_cleanly_on_free),
      cmocka_unit_test(null_arguments_return_errors),
      cmocka_unit_test(reentrant_dispatch_fails),
      cmocka_unit_test(children_shut_down_on_base_free),
      cmocka_unit_test(versions),
  };
  return cmocka_run_group_tests_name("unit_base_loop", tests, NULL, NULL);
}
