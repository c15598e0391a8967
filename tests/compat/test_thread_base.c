/* SPDX-License-Identifier: MIT */
/* The event loop driven from other threads: event_base_loopbreak and
 * event_base_loopexit stop a loop blocked in poll, and event_add / event_del
 * from another thread take effect on the loop.  libevent API (+ threads). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "compat-util.h"
#include "thread-util.h"

struct shared {
  struct event_base *base;
  struct tu_flag running; /* the loop ran its first callback */
  struct tu_flag fired;
  struct event *ev;
  int thread_result;
};

static void shared_init(struct shared *s) {
  memset(s, 0, sizeof(*s));
  tu_flag_init(&s->running);
  tu_flag_init(&s->fired);
  s->base = event_base_new();
  assert_non_null(s->base);
}

static void shared_free(struct shared *s) {
  event_base_free(s->base);
  tu_flag_free(&s->running);
  tu_flag_free(&s->fired);
}

static void mark_running(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  tu_flag_set(arg, 1);
}

/* Runs the loop with a long timer keeping it busy (blocked in poll). */
static int run_blocked_loop(struct shared *s, tu_thread_fn fn) {
  struct timeval long_tv = {30, 0};
  struct event *keepalive = event_new(s->base, -1, EV_PERSIST, mark_running, &s->fired);
  struct tu_thread *t;
  int r;
  event_add(keepalive, &long_tv);
  event_base_once(s->base, -1, EV_TIMEOUT, mark_running, &s->running, NULL);
  t = tu_thread_start(fn, s);
  r = event_base_dispatch(s->base);
  tu_thread_join(t);
  event_free(keepalive);
  return r;
}

static void break_thread(void *arg) {
  struct shared *s = arg;
  if (!tu_flag_wait(&s->running, 10000)) return;
  tu_sleep_ms(50);
  s->thread_result = event_base_loopbreak(s->base);
}

static void loopbreak_from_other_thread_stops_loop(void **state) {
  struct shared s;
  long start;
  (void)state;
  shared_init(&s);
  start = cu_now_ms();
  assert_int_equal(run_blocked_loop(&s, break_thread), 0);
  assert_true(cu_now_ms() - start < 20000);
  assert_int_equal(s.thread_result, 0);
  assert_true(event_base_got_break(s.base));
  assert_int_equal(tu_flag_get(&s.fired), 0);
  shared_free(&s);
}

static void exit_thread(void *arg) {
  struct shared *s = arg;
  if (!tu_flag_wait(&s->running, 10000)) return;
  tu_sleep_ms(20);
  s->thread_result = event_base_loopexit(s->base, NULL);
}

static void loopexit_from_other_thread_stops_loop(void **state) {
  struct shared s;
  (void)state;
  shared_init(&s);
  assert_int_equal(run_blocked_loop(&s, exit_thread), 0);
  assert_int_equal(s.thread_result, 0);
  assert_true(event_base_got_exit(s.base));
  shared_free(&s);
}

static void exit_later_thread(void *arg) {
  struct shared *s = arg;
  struct timeval tv = {0, 50000};
  if (!tu_flag_wait(&s->running, 10000)) return;
  s->thread_result = event_base_loopexit(s->base, &tv);
}

static void loopexit_with_timeout_from_other_thread(void **state) {
  struct shared s;
  (void)state;
  shared_init(&s);
  assert_int_equal(run_blocked_loop(&s, exit_later_thread), 0);
  assert_int_equal(s.thread_result, 0);
  assert_true(event_base_got_exit(s.base));
  shared_free(&s);
}

/* event_add from another thread: the timer fires on the loop, which stops. */
static void on_added_timer(evutil_socket_t fd, short what, void *arg) {
  struct shared *s = arg;
  (void)fd;
  (void)what;
  tu_flag_set(&s->fired, 1);
  event_base_loopexit(s->base, NULL);
}

static void add_thread(void *arg) {
  struct shared *s = arg;
  struct timeval tv = {0, 20000};
  if (!tu_flag_wait(&s->running, 10000)) return;
  s->ev = evtimer_new(s->base, on_added_timer, s);
  s->thread_result = s->ev ? event_add(s->ev, &tv) : -1;
}

static void event_add_from_other_thread_fires_on_loop(void **state) {
  struct shared s;
  struct event *guard;
  struct tu_thread *t;
  (void)state;
  shared_init(&s);
  guard = cu_safety_timeout(s.base, 10000);
  event_base_once(s.base, -1, EV_TIMEOUT, mark_running, &s.running, NULL);
  t = tu_thread_start(add_thread, &s);
  assert_int_equal(event_base_dispatch(s.base), 0);
  tu_thread_join(t);
  assert_int_equal(s.thread_result, 0);
  assert_int_equal(tu_flag_get(&s.fired), 1);
  event_free(s.ev);
  event_free(guard);
  shared_free(&s);
}

/* event_del then event_free from another thread: the timer never fires. */
static void on_deleted_timer(evutil_socket_t fd, short what, void *arg) {
  struct shared *s = arg;
  (void)fd;
  (void)what;
  tu_flag_set(&s->fired, 1);
}

static void del_thread(void *arg) {
  struct shared *s = arg;
  struct timeval tv = {0, 200000};
  if (!tu_flag_wait(&s->running, 10000)) return;
  s->thread_result = event_del(s->ev);
  event_free(s->ev);
  s->ev = NULL;
  event_base_loopexit(s->base, &tv);
}

static void event_del_from_other_thread_cancels(void **state) {
  struct shared s;
  struct timeval tv = {0, 100000};
  struct event *guard;
  struct tu_thread *t;
  (void)state;
  shared_init(&s);
  guard = cu_safety_timeout(s.base, 10000);
  s.ev = evtimer_new(s.base, on_deleted_timer, &s);
  event_add(s.ev, &tv);
  event_base_once(s.base, -1, EV_TIMEOUT, mark_running, &s.running, NULL);
  t = tu_thread_start(del_thread, &s);
  assert_int_equal(event_base_dispatch(s.base), 0);
  tu_thread_join(t);
  assert_int_equal(s.thread_result, 0);
  assert_int_equal(tu_flag_get(&s.fired), 0);
  event_free(guard);
  shared_free(&s);
}

/* Threads add timers while nobody runs the loop yet, and while the main
 * thread adds its own (and activates events) and then dispatches (as
 * libevent's regress thread/basic does): every timer fires exactly once.  uvbev used to let each such thread
 * touch the loop's timer heap at the same time when no loop ran. */
#define EARLY_ROWS 9 /* eight threads and the main thread */
#define EARLY_TIMERS 150

struct early;
struct early_timer {
  struct early *e;
  struct event *ev;
  int fired; /* written on the loop thread */
};

struct early {
  struct event_base *base;
  struct early_timer timers[EARLY_ROWS][EARLY_TIMERS];
  int add_failures[EARLY_ROWS];
  int total_fired;
  struct tu_flag go;
  struct tu_flag adding; /* a thread is a quarter through its row */
};

struct early_row {
  struct early *e;
  int row;
};

static void on_early_timer(evutil_socket_t fd, short what, void *arg) {
  struct early_timer *t = arg;
  (void)fd;
  (void)what;
  t->fired++;
  if (++t->e->total_fired == EARLY_ROWS * EARLY_TIMERS) event_base_loopexit(t->e->base, NULL);
}

static void add_early_row(struct early *e, int row) {
  int i;
  for (i = 0; i < EARLY_TIMERS; i++) {
    struct early_timer *t = &e->timers[row][i];
    struct timeval tv = {0, (long)(1000 * (i % 5))};
    t->e = e;
    t->ev = evtimer_new(e->base, on_early_timer, t);
    if (!t->ev)
      e->add_failures[row]++;
    else if (row == 0 && i % 2) /* the main thread also activates events */
      event_active(t->ev, EV_TIMEOUT, 1);
    else if (event_add(t->ev, &tv) != 0)
      e->add_failures[row]++;
    if (row > 0 && i == EARLY_TIMERS / 4) tu_flag_set(&e->adding, 1);
  }
}

static void early_thread(void *arg) {
  struct early_row *r = arg;
  if (!tu_flag_wait(&r->e->go, 10000)) return;
  add_early_row(r->e, r->row);
}

static void timers_added_by_threads_before_dispatch_all_fire(void **state) {
  static struct early e; /* about 40 KiB: off the stack */
  struct early_row rows[EARLY_ROWS];
  struct tu_thread *threads[EARLY_ROWS];
  struct tu_watchdog *dog;
  struct event *guard;
  int row, i;
  (void)state;
  memset(&e, 0, sizeof(e));
  tu_flag_init(&e.go);
  tu_flag_init(&e.adding);
  e.base = event_base_new();
  assert_non_null(e.base);
  dog = tu_watchdog_start(30000, "timers_added_by_threads_before_dispatch_all_fire");
  for (row = 1; row < EARLY_ROWS; row++) {
    rows[row].e = &e;
    rows[row].row = row;
    threads[row] = tu_thread_start(early_thread, &rows[row]);
    assert_non_null(threads[row]);
  }
  tu_flag_set(&e.go, 1);
  add_early_row(&e, 0);
  guard = cu_safety_timeout(e.base, 20000);
  /* dispatch while the threads are still adding directly */
  assert_true(tu_flag_wait(&e.adding, 10000));
  assert_int_equal(event_base_dispatch(e.base), 0);
  for (row = 1; row < EARLY_ROWS; row++) tu_thread_join(threads[row]);
  tu_watchdog_stop(dog);
  for (row = 0; row < EARLY_ROWS; row++) {
    assert_int_equal(e.add_failures[row], 0);
    for (i = 0; i < EARLY_TIMERS; i++) {
      assert_int_equal(e.timers[row][i].fired, 1);
      event_free(e.timers[row][i].ev);
    }
  }
  assert_int_equal(e.total_fired, EARLY_ROWS * EARLY_TIMERS);
  event_free(guard);
  event_base_free(e.base);
  tu_flag_free(&e.go);
  tu_flag_free(&e.adding);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loopbreak_from_other_thread_stops_loop),
      cmocka_unit_test(loopexit_from_other_thread_stops_loop),
      cmocka_unit_test(loopexit_with_timeout_from_other_thread),
      cmocka_unit_test(event_add_from_other_thread_fires_on_loop),
      cmocka_unit_test(event_del_from_other_thread_cancels),
      cmocka_unit_test(timers_added_by_threads_before_dispatch_all_fire),
  };
  if (tu_use_threads() != 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
