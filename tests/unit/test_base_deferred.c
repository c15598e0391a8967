/* SPDX-License-Identifier: MIT */
/* The deferred queue: order, coalescing, no re-entrancy, cancel, priority,
 * keeping dispatch from returning 1, draining at base free. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <uv.h>
#include <event2/event.h>
#include <uvbev/uvbev.h>
#include "event-internal.h"
#include "base-internal.h"

struct rec {
  struct uvbev_deferred d;
  struct event_base *base;
  int id;
  int calls;
  struct rec *reschedule; /* scheduled from inside the callback */
  unsigned long iteration_seen;
};

static int log_ids[16], nlog;
static unsigned long iteration;

static void rec_cb(struct uvbev_deferred *d, void *arg) {
  struct rec *r = arg;
  r->calls++;
  r->iteration_seen = iteration;
  if (nlog < 16) log_ids[nlog++] = r->id;
  if (r->reschedule) uvbev_deferred_schedule_(r->base, &r->reschedule->d);
}

static void rec_init(struct rec *r, struct event_base *base, int id) {
  memset(r, 0, sizeof(*r));
  uvbev_deferred_init_(&r->d, rec_cb, r);
  r->base = base;
  r->id = id;
}

static void run_iterations(struct event_base *base, int n) {
  int i;
  for (i = 0; i < n; i++) {
    iteration++;
    uv_run(uvbev_base_loop_(base), UV_RUN_NOWAIT); /* exactly one iteration */
  }
}

static void deferred_run_in_fifo_order(void **state) {
  struct event_base *base = event_base_new();
  struct rec r[3];
  int i;
  nlog = 0;
  for (i = 0; i < 3; i++) {
    rec_init(&r[i], base, i);
    assert_int_equal(uvbev_deferred_schedule_(base, &r[i].d), 1);
  }
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(nlog, 3);
  for (i = 0; i < 3; i++)
    assert_int_equal(log_ids[i], i);
  event_base_free(base);
}

static void deferred_schedules_coalesce(void **state) {
  struct event_base *base = event_base_new();
  struct rec r;
  rec_init(&r, base, 1);
  assert_int_equal(uvbev_deferred_schedule_(base, &r.d), 1);
  assert_int_equal(uvbev_deferred_schedule_(base, &r.d), 0);
  assert_true(uvbev_deferred_is_queued_(&r.d));
  event_base_dispatch(base);
  assert_int_equal(r.calls, 1);
  assert_false(uvbev_deferred_is_queued_(&r.d));
  event_base_free(base);
}

static void deferred_scheduled_during_drain_runs_next_iteration(void **state) {
  struct event_base *base = event_base_new();
  struct rec first, second, self;
  rec_init(&first, base, 1);
  rec_init(&second, base, 2);
  rec_init(&self, base, 3);
  first.reschedule = &second;
  uvbev_deferred_schedule_(base, &first.d);
  iteration = 0;
  run_iterations(base, 1);
  assert_int_equal(first.calls, 1);
  assert_int_equal(second.calls, 0); /* not run re-entrantly in the same drain */
  assert_true(uvbev_deferred_is_queued_(&second.d));
  run_iterations(base, 1);
  assert_int_equal(second.calls, 1);
  /* a callback re-scheduling itself runs once per drain, not forever */
  self.reschedule = &self;
  uvbev_deferred_schedule_(base, &self.d);
  run_iterations(base, 1);
  assert_int_equal(self.calls, 1);
  uvbev_deferred_cancel_(base, &self.d);
  event_base_free(base);
}

static void deferred_cancel_prevents_call(void **state) {
  struct event_base *base = event_base_new();
  struct rec r;
  rec_init(&r, base, 1);
  uvbev_deferred_schedule_(base, &r.d);
  assert_int_equal(uvbev_deferred_cancel_(base, &r.d), 1);
  assert_int_equal(uvbev_deferred_cancel_(base, &r.d), 0);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(r.calls, 0);
  event_base_free(base);
}

static void deferred_priority_orders_one_drain(void **state) {
  struct event_base *base = event_base_new();
  struct rec r[4];
  int prio[4] = {1, 0, 1, -1}, i;
  nlog = 0;
  for (i = 0; i < 4; i++) {
    rec_init(&r[i], base, i);
    r[i].d.priority = prio[i];
    uvbev_deferred_schedule_(base, &r[i].d);
  }
  event_base_dispatch(base);
  assert_int_equal(nlog, 4);
  assert_int_equal(log_ids[0], 3);
  assert_int_equal(log_ids[1], 1);
  assert_int_equal(log_ids[2], 0); /* stable within a priority */
  assert_int_equal(log_ids[3], 2);
  event_base_free(base);
}

static void queued_deferred_keeps_dispatch_running(void **state) {
  struct event_base *base = event_base_new();
  struct rec r;
  rec_init(&r, base, 1);
  uvbev_deferred_schedule_(base, &r.d);
  /* without the deferred this would return 1 at once without running it */
  assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
  assert_int_equal(r.calls, 1);
  event_base_free(base);
}

static void deferred_runs_on_borrowed_loop(void **state) {
  uv_loop_t loop;
  struct event_base *base;
  struct rec r;
  uv_loop_init(&loop);
  base = uvbev_base_new_with_loop(&loop);
  rec_init(&r, base, 1);
  uvbev_deferred_schedule_(base, &r.d);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(r.calls, 1);
  event_base_free(base);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static int freeing_seen;

static void freeing_cb(struct uvbev_deferred *d, void *arg) {
  freeing_seen = ((struct event_base *)arg)->freeing;
}

static void deferred_queued_at_free_runs_while_freeing(void **state) {
  struct event_base *base = event_base_new();
  struct uvbev_deferred d;
  uvbev_deferred_init_(&d, freeing_cb, base);
  freeing_seen = -1;
  uvbev_deferred_schedule_(base, &d);
  event_base_free(base);
  assert_int_equal(freeing_seen, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(deferred_run_in_fifo_order),
      cmocka_unit_test(deferred_schedules_coalesce),
      cmocka_unit_test(deferred_scheduled_during_drain_runs_next_iteration),
      cmocka_unit_test(deferred_cancel_prevents_call),
      cmocka_unit_test(deferred_priority_orders_one_drain),
      cmocka_unit_test(queued_deferred_keeps_dispatch_running),
      cmocka_unit_test(deferred_runs_on_borrowed_loop),
      cmocka_unit_test(deferred_queued_at_free_runs_while_freeing),
  };
  return cmocka_run_group_tests_name("unit_base_deferred", tests, NULL, NULL);
}
