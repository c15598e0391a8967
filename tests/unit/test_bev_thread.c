/* SPDX-License-Identifier: MIT */
/* The bufferevent core on a BEV_OPT_THREADSAFE bufferevent driven from
 * another thread: every call into the kind (reconcile, with its flushes; unlink;
 * ctrl) and every timer happens on the loop thread, and the state the other
 * thread asked for is what the kind ends up doing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bufferevent-internal.h"
#include "event2/buffer.h"
#include "event2/event.h"
#include "event2/thread.h"

static unsigned long loop_thread_id;
static uv_mutex_t destruct_mu;

struct test_kind {
  struct bufferevent_private priv;
  short io;
  int n_unlink, n_flush, n_setfd;
  int off_loop_calls; /* ops called on another thread than the loop's */
  int *destructed;    /* outlives the bufferevent; under destruct_mu */
  evutil_socket_t fd;
};

static void tk_check_thread(struct test_kind *k) {
  if (uvbev_thread_id_() != loop_thread_id) k->off_loop_calls++;
}

/* The core's one op: the kind runs the directions the core wants, and
 * counts the flushes asked. */
static int tk_reconcile(struct bufferevent *bev, short changed) {
  struct test_kind *k = (struct test_kind *)bev;
  short desired = bev_core_desired_io_(bev), dirs = changed & (EV_READ | EV_WRITE);
  tk_check_thread(k);
  k->io = (short)((k->io & ~dirs) | (dirs & desired));
  if (changed & BEV_RC_FLUSH) k->n_flush++;
  return 0;
}

static void tk_unlink(struct bufferevent *bev) {
  struct test_kind *k = (struct test_kind *)bev;
  tk_check_thread(k);
  k->n_unlink++;
}

static void tk_destruct(struct bufferevent *bev) {
  struct test_kind *k = (struct test_kind *)bev;
  uv_mutex_lock(&destruct_mu);
  /* destruct must see an unlink that ran on the loop thread */
  *k->destructed = (k->n_unlink == 1 && k->off_loop_calls == 0) ? 1 : -1;
  uv_mutex_unlock(&destruct_mu);
}

static int tk_ctrl(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *d) {
  struct test_kind *k = (struct test_kind *)bev;
  if (op == BEV_CTRL_SET_FD) {
    tk_check_thread(k);
    k->fd = d->fd;
    k->n_setfd++;
    return 0;
  }
  if (op == BEV_CTRL_GET_FD) {
    d->fd = k->fd;
    return 0;
  }
  return -1;
}

static const struct bev_kind tk_kind = {
    .ops = {.on_free = tk_unlink, .destruct = tk_destruct, .ctrl = tk_ctrl},
    .reconcile = tk_reconcile,
};

/* ---- the scenario -------------------------------------------------------------- */

struct scenario {
  struct event_base *base;
  struct test_kind *k;
  int destructed;
  short timeout_what; /* event callback flags, under the bufferevent's lock */
  int failed_step;    /* 0, or the step that timed out */
};

/* Waits (up to 5 s) until pred holds, reading the kind under its lock. */
static int wait_kind(struct scenario *s, int (*pred)(struct scenario *s)) {
  int i, ok = 0;
  for (i = 0; i < 5000 && !ok; i++) {
    bufferevent_lock(&s->k->priv.bev);
    ok = pred(s);
    bufferevent_unlock(&s->k->priv.bev);
    if (!ok) uv_sleep(1);
  }
  return ok;
}

static int reading(struct scenario *s) {
  return (s->k->io & EV_READ) != 0;
}
static int not_reading(struct scenario *s) {
  return !(s->k->io & EV_READ);
}
static int flushed(struct scenario *s) {
  return s->k->n_flush == 1;
}
static int fd_set_7(struct scenario *s) {
  return s->k->n_setfd == 1 && s->k->fd == 7;
}
static int timed_out(struct scenario *s) {
  return s->timeout_what == (BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct scenario *s = arg;
  (void)bev;
  s->timeout_what = what;
}

static void worker(void *arg) {
  struct scenario *s = arg;
  struct bufferevent *bev = &s->k->priv.bev;
  char data[200];
  struct timeval tv = {0, 30000}, tick = {0, 20000};
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(1000, 1000, 1000, 1000, &tick);
  int i;
  if (!cfg) {
    s->failed_step = -1;
    event_base_loopbreak(s->base);
    return;
  }
  memset(data, 'd', sizeof(data));
#define STEP(n, call, pred)                                                                        \
  call;                                                                                            \
  if (!wait_kind(s, pred)) {                                                                       \
    s->failed_step = n;                                                                            \
    event_base_loopbreak(s->base);                                                                 \
    return;                                                                                        \
  }
  STEP(1, bufferevent_enable(bev, EV_READ), reading);
  STEP(2, bufferevent_disable(bev, EV_READ), not_reading);
  STEP(3, bufferevent_enable(bev, EV_READ), reading);
  /* the read high watermark, reached and left by this thread */
  bufferevent_setwatermark(bev, EV_READ, 0, 100);
  STEP(4, evbuffer_add(bev->input, data, sizeof(data)), not_reading);
  STEP(5, evbuffer_drain(bev->input, sizeof(data)), reading);
  /* a rate-limit bucket emptied by this thread suspends reading until the
   * loop thread's refill timer (started for this thread) refills it; a
   * limit removed from here leaves the timer to the loop thread */
  bufferevent_set_rate_limit(bev, cfg);
  STEP(6, bufferevent_decrement_read_limit(bev, 10000), not_reading);
  STEP(7, (void)0, reading);
  STEP(8, bufferevent_decrement_read_limit(bev, 10000), not_reading);
  STEP(9, bufferevent_set_rate_limit(bev, NULL), reading);
  /* many toggles end in the last state asked for */
  for (i = 0; i < 100; i++) {
    bufferevent_disable(bev, EV_READ);
    bufferevent_enable(bev, EV_READ);
  }
  STEP(10, bufferevent_disable(bev, EV_READ), not_reading);
  STEP(11, bufferevent_flush(bev, EV_WRITE, BEV_FINISHED), flushed);
  STEP(12, bufferevent_setfd(bev, 7), fd_set_7);
  /* a read timeout armed from here fires on the loop */
  bufferevent_set_timeouts(bev, &tv, NULL);
  STEP(13, bufferevent_enable(bev, EV_READ), timed_out);
#undef STEP
  bufferevent_free(bev);
  for (i = 0; i < 5000; i++) {
    int d;
    uv_mutex_lock(&destruct_mu);
    d = s->destructed;
    uv_mutex_unlock(&destruct_mu);
    if (d) break;
    uv_sleep(1);
  }
  ev_token_bucket_cfg_free(cfg); /* the user's: it outlives the bufferevent */
  event_base_loopexit(s->base, NULL);
}

static void keepalive_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

static void kind_is_only_called_on_loop_thread(void **state) {
  struct scenario s;
  struct event *keepalive;
  struct timeval ten = {10, 0};
  uv_thread_t t;
  (void)state;
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  assert_non_null(s.base);
  s.k = calloc(1, sizeof(*s.k));
  assert_non_null(s.k);
  s.k->destructed = &s.destructed;
  s.k->fd = -1;
  assert_int_equal(bev_core_init_kind_(&s.k->priv, s.base, &tk_kind, BEV_OPT_THREADSAFE, EV_WRITE),
                   0);
  assert_non_null(s.k->priv.lock);
  bufferevent_setcb(&s.k->priv.bev, NULL, NULL, on_event, &s);
  keepalive = event_new(s.base, -1, EV_PERSIST, keepalive_cb, NULL);
  event_add(keepalive, &ten); /* keeps the loop blocked in poll */
  loop_thread_id = uvbev_thread_id_();
  assert_int_equal(uv_thread_create(&t, worker, &s), 0);
  assert_int_equal(event_base_dispatch(s.base), 0);
  uv_thread_join(&t);
  assert_int_equal(s.failed_step, 0);
  assert_int_equal(s.destructed, 1); /* unlinked once, nothing off the loop */
  event_free(keepalive);
  event_base_free(s.base);
}

/* Without a lock nothing is marshalled: the kind is called at once. */
static void unlocked_bufferevent_calls_kind_at_once(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = calloc(1, sizeof(*k));
  int destructed = 0;
  (void)state;
  assert_non_null(k);
  k->destructed = &destructed;
  loop_thread_id = uvbev_thread_id_();
  assert_int_equal(bev_core_init_kind_(&k->priv, base, &tk_kind, 0, EV_WRITE), 0);
  assert_null(k->priv.lock);
  bufferevent_enable(&k->priv.bev, EV_READ);
  assert_int_equal(k->io & EV_READ, EV_READ);
  assert_null(k->priv.sync); /* nothing allocated for threads */
  bufferevent_free(&k->priv.bev);
  assert_int_equal(destructed, 1);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kind_is_only_called_on_loop_thread),
      cmocka_unit_test(unlocked_bufferevent_calls_kind_at_once),
  };
  int r;
  evthread_use_pthreads();
  uv_mutex_init(&destruct_mu);
  r = cmocka_run_group_tests(tests, NULL, NULL);
  uv_mutex_destroy(&destruct_mu);
  return r;
}
