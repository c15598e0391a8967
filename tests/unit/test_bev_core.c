/* SPDX-License-Identifier: MIT */
/* The bufferevent core, driven through a scripted kind: pins what the core
 * owns for every kind (watermarks and suspension, callback deferral and
 * coalescing, timeouts, references and freeing) without any I/O. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bufferevent-internal.h"
#include "event2/event.h"
#include "event2/buffer.h"

/* ---- a kind that records what the core asks of it ------------------------ */

struct test_kind {
  struct bufferevent_private priv;
  short io; /* directions the kind is running */
  int n_unlink;
  int *destructed; /* set to 1 by destruct; outlives the bufferevent */
};

/* The core's one op: the kind runs the directions the core wants. */
static int tk_reconcile(struct bufferevent *bev, short changed) {
  struct test_kind *k = (struct test_kind *)bev;
  short desired = bev_core_desired_io_(bev), dirs = changed & (EV_READ | EV_WRITE);
  k->io = (short)((k->io & ~dirs) | (dirs & desired));
  return 0;
}

static void tk_unlink(struct bufferevent *bev) { ((struct test_kind *)bev)->n_unlink++; }

static void tk_destruct(struct bufferevent *bev) {
  struct test_kind *k = (struct test_kind *)bev;
  if (k->destructed)
    *k->destructed = 1;
}

static const struct bev_kind tk_kind = {
    .ops = {.on_free = tk_unlink, .destruct = tk_destruct},
    .reconcile = tk_reconcile,
};

static struct test_kind *tk_new(struct event_base *base, int options, int *destructed) {
  struct test_kind *k = calloc(1, sizeof(*k));
  assert_non_null(k);
  k->destructed = destructed;
  assert_int_equal(bev_core_init_kind_(&k->priv, base, &tk_kind, options, EV_WRITE), 0);
  return k;
}

/* The kind "reads" n bytes. */
static void tk_deliver(struct test_kind *k, size_t n) {
  char buf[4096];
  memset(buf, 'x', sizeof(buf));
  while (n) {
    size_t c = n < sizeof(buf) ? n : sizeof(buf);
    assert_int_equal(evbuffer_add(k->priv.bev.input, buf, c), 0);
    n -= c;
  }
  bev_core_input_added_(&k->priv.bev);
}

/* ---- recording callbacks ------------------------------------------------------ */

struct record {
  int reads, writes, events;
  short last_what;
  short what_or;
  char order[16];
  int norder;
  size_t drain_per_read; /* readcb drains this much (0: nothing) */
  int free_in;           /* 'r', 'w', 'e': free the bufferevent in that callback */
  struct event_base *base;
};

static void rec_push(struct record *r, char c) {
  if (r->norder < (int)sizeof(r->order) - 1)
    r->order[r->norder++] = c;
}

static void rec_read(struct bufferevent *bev, void *arg) {
  struct record *r = arg;
  r->reads++;
  rec_push(r, 'r');
  if (r->drain_per_read)
    evbuffer_drain(bufferevent_get_input(bev), r->drain_per_read);
  if (r->free_in == 'r')
    bufferevent_free(bev);
}

static void rec_write(struct bufferevent *bev, void *arg) {
  struct record *r = arg;
  r->writes++;
  rec_push(r, 'w');
  if (r->free_in == 'w')
    bufferevent_free(bev);
}

static void rec_event(struct bufferevent *bev, short what, void *arg) {
  struct record *r = arg;
  r->events++;
  r->last_what = what;
  r->what_or |= what;
  rec_push(r, what & BEV_EVENT_CONNECTED ? 'c' : 'e');
  if (r->free_in == 'e')
    bufferevent_free(bev);
  if (r->base)
    event_base_loopbreak(r->base);
}

/* ---- fixture: a base, one test-kind bufferevent, a record of its callbacks ---- */

struct fx {
  struct event_base *base;
  struct test_kind *k;
  struct bufferevent *bev; /* NULL once a test freed it itself */
  struct record r;
  int destructed;
};

static int fx_setup_with(void **state, int options) {
  struct fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  f->base = event_base_new();
  assert_non_null(f->base);
  f->k = tk_new(f->base, options, &f->destructed);
  f->bev = &f->k->priv.bev;
  bufferevent_setcb(f->bev, rec_read, rec_write, rec_event, &f->r);
  *state = f;
  return 0;
}

static int fx_setup(void **state) { return fx_setup_with(state, 0); }
static int fx_setup_deferred(void **state) { return fx_setup_with(state, BEV_OPT_DEFER_CALLBACKS); }

static int fx_teardown(void **state) {
  struct fx *f = *state;
  if (f->bev)
    bufferevent_free(f->bev);
  event_base_free(f->base);
  free(f);
  return 0;
}

/* Frees the fixture's bufferevent now (the test then checks what followed). */
static void fx_free_bev(struct fx *f) {
  bufferevent_free(f->bev);
  f->bev = NULL;
}

/* ---- tests ------------------------------------------------------------------------ */

static void core_new_bufferevent_has_write_enabled_only(void **state) {
  struct fx *f = *state;
  assert_int_equal(bufferevent_get_enabled(f->bev), EV_WRITE);
  assert_ptr_equal(bufferevent_get_base(f->bev), f->base);
  fx_free_bev(f);
  assert_int_equal(f->destructed, 1); /* no handle open: memory released at once */
}

static void core_enable_and_disable_reach_the_kind(void **state) {
  struct fx *f = *state;
  assert_int_equal(bufferevent_enable(f->bev, EV_READ), 0);
  assert_true(f->k->io & EV_READ);
  assert_int_equal(bufferevent_get_enabled(f->bev), EV_READ | EV_WRITE);
  assert_int_equal(bufferevent_disable(f->bev, EV_READ), 0);
  assert_false(f->k->io & EV_READ);
  assert_int_equal(bufferevent_get_enabled(f->bev), EV_WRITE);
}

static void core_read_low_watermark_gates_the_read_callback(void **state) {
  struct fx *f = *state;
  bufferevent_setwatermark(f->bev, EV_READ, 10, 0);
  tk_deliver(f->k, 4);
  assert_int_equal(f->r.reads, 0);
  tk_deliver(f->k, 6);
  assert_int_equal(f->r.reads, 1);
}

static void core_read_high_watermark_suspends_until_drained(void **state) {
  struct fx *f = *state;
  struct test_kind *k = f->k;
  bufferevent_enable(f->bev, EV_READ);
  bufferevent_setwatermark(f->bev, EV_READ, 0, 100);
  tk_deliver(k, 99);
  assert_true(k->io & EV_READ);
  tk_deliver(k, 1);
  assert_false(k->io & EV_READ); /* at the mark: the kind stops reading */
  assert_int_equal(bufferevent_get_enabled(f->bev) & EV_READ, EV_READ); /* still enabled */
  evbuffer_drain(bufferevent_get_input(f->bev), 1);
  assert_true(k->io & EV_READ); /* below it: reading resumes */
  /* Clearing the mark while at it resumes too. */
  tk_deliver(k, 1);
  assert_false(k->io & EV_READ);
  bufferevent_setwatermark(f->bev, EV_READ, 0, 0);
  assert_true(k->io & EV_READ);
}

static void core_disabled_read_stays_off_after_unsuspend(void **state) {
  struct fx *f = *state;
  bufferevent_setwatermark(f->bev, EV_READ, 0, 10);
  tk_deliver(f->k, 10);
  evbuffer_drain(bufferevent_get_input(f->bev), 10);
  assert_false(f->k->io & EV_READ); /* EV_READ never enabled */
}

static void core_write_callback_at_low_watermark(void **state) {
  struct fx *f = *state;
  bufferevent_setwatermark(f->bev, EV_WRITE, 5, 0);
  bufferevent_write(f->bev, "0123456789", 10);
  evbuffer_drain(bufferevent_get_output(f->bev), 4);
  bev_core_output_drained_(f->bev);
  assert_int_equal(f->r.writes, 0); /* 6 left > 5 */
  evbuffer_drain(bufferevent_get_output(f->bev), 1);
  bev_core_output_drained_(f->bev);
  assert_int_equal(f->r.writes, 1);
}

static void core_deferred_callbacks_coalesce_and_run_connected_first(void **state) {
  struct fx *f = *state;
  tk_deliver(f->k, 1);
  tk_deliver(f->k, 1);
  bev_core_run_eventcb_(f->bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
  bev_core_run_writecb_(f->bev, 0);
  bev_core_run_eventcb_(f->bev, BEV_EVENT_CONNECTED, 0);
  assert_int_equal(f->r.reads + f->r.writes + f->r.events, 0); /* nothing ran yet */
  /* As in libevent, NONBLOCK returns 1 once the callbacks it ran left nothing. */
  assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 1);
  assert_int_equal(f->r.reads, 1);
  assert_int_equal(f->r.writes, 1);
  assert_int_equal(f->r.events, 2);
  assert_string_equal(f->r.order, "crwe");
  assert_int_equal(f->r.last_what, BEV_EVENT_EOF | BEV_EVENT_READING);
}

static void core_deferred_error_keeps_its_socket_error(void **state) {
  struct fx *f = *state;
  EVUTIL_SET_SOCKET_ERROR(ECONNRESET);
  bev_core_run_eventcb_(f->bev, BEV_EVENT_ERROR | BEV_EVENT_READING, 0);
  EVUTIL_SET_SOCKET_ERROR(0);
  event_base_loop(f->base, EVLOOP_NONBLOCK);
  assert_int_equal(f->r.events, 1);
  assert_int_equal(EVUTIL_SOCKET_ERROR(), ECONNRESET);
}

static void core_free_cancels_pending_deferred_callbacks(void **state) {
  struct fx *f = *state;
  tk_deliver(f->k, 3);
  fx_free_bev(f);
  assert_int_equal(f->destructed, 1);
  event_base_loop(f->base, EVLOOP_NONBLOCK);
  assert_int_equal(f->r.reads, 0);
}

static void core_free_inside_each_callback_is_safe(void **state) {
  static const char which[] = {'r', 'w', 'e'};
  for (size_t i = 0; i < sizeof(which); i++) {
    struct fx *f;
    struct bufferevent *bev;
    fx_setup(state);
    f = *state;
    bev = f->bev;
    f->r.free_in = which[i];
    bev_core_incref_(bev); /* as a kind does around a call into the core */
    if (which[i] == 'r')
      tk_deliver(f->k, 1);
    else if (which[i] == 'w')
      bev_core_output_drained_(bev);
    else
      bev_core_run_eventcb_(bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
    f->bev = NULL; /* freed by the callback */
    assert_true(bev_core_is_freed_(bev));
    assert_int_equal(f->destructed, 0);
    bev_core_run_readcb_(bev, 0); /* no callback after free */
    assert_int_equal(f->r.reads + f->r.writes + f->r.events, 1);
    assert_int_equal(bev_core_decref_(bev), 1);
    assert_int_equal(f->destructed, 1);
    fx_teardown(state);
  }
}

static void core_read_timeout_fires_once_and_disables_reading(void **state) {
  struct fx *f = *state;
  struct timeval tv = {0, 20000};
  f->r.base = f->base;
  bufferevent_set_timeouts(f->bev, &tv, NULL);
  bufferevent_enable(f->bev, EV_READ);
  event_base_dispatch(f->base);
  assert_int_equal(f->r.events, 1);
  assert_int_equal(f->r.last_what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  assert_int_equal(bufferevent_get_enabled(f->bev) & EV_READ, 0);
  assert_false(f->k->io & EV_READ);
  /* Reading disabled: the timeout does not run again, dispatch has nothing. */
  assert_int_equal(event_base_dispatch(f->base), 1);
  assert_int_equal(f->r.events, 1);
}

static void core_write_timeout_needs_pending_output(void **state) {
  struct fx *f = *state;
  struct timeval tv = {0, 20000};
  f->r.base = f->base;
  bufferevent_set_timeouts(f->bev, NULL, &tv);
  assert_int_equal(event_base_dispatch(f->base), 1); /* empty output: nothing armed */
  bufferevent_write(f->bev, "abc", 3);                /* the kind never writes it */
  event_base_dispatch(f->base);
  assert_int_equal(f->r.events, 1);
  assert_int_equal(f->r.last_what, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  assert_int_equal(bufferevent_get_enabled(f->bev) & EV_WRITE, 0);
}

static void core_suspended_read_has_no_timeout(void **state) {
  struct fx *f = *state;
  struct timeval tv = {0, 10000};
  bufferevent_setwatermark(f->bev, EV_READ, 0, 4);
  bufferevent_enable(f->bev, EV_READ);
  tk_deliver(f->k, 4); /* at the high watermark: suspended */
  bufferevent_set_timeouts(f->bev, &tv, NULL);
  assert_int_equal(event_base_dispatch(f->base), 1);
  assert_int_equal(f->r.events, 0);
}

static void core_memory_outlives_free_while_referenced(void **state) {
  struct fx *f = *state;
  struct bufferevent *bev = f->bev;
  bufferevent_incref(bev);
  fx_free_bev(f);
  assert_int_equal(f->k->n_unlink, 1);
  assert_int_equal(f->destructed, 0);
  assert_int_equal(bufferevent_decref(bev), 1);
  assert_int_equal(f->destructed, 1);
}

static void core_base_free_unlinks_bufferevents_left_alive(void **state) {
  struct fx *f = *state;
  struct timeval tv = {5, 0};
  bufferevent_set_timeouts(f->bev, &tv, NULL);
  bufferevent_enable(f->bev, EV_READ); /* a timer handle is open */
  event_base_free(f->base);             /* closes it */
  f->base = event_base_new();           /* for the teardown */
  assert_int_equal(f->k->n_unlink, 1);
  fx_free_bev(f); /* the user's late free releases the memory */
  assert_int_equal(f->destructed, 1);
}

static void core_bad_arguments_are_refused(void **state) {
  struct fx *f = *state;
  struct test_kind *k = calloc(1, sizeof(*k));
  size_t lo, hi;
  assert_int_equal(bev_core_init_kind_(&k->priv, f->base, &tk_kind, BEV_OPT_UNLOCK_CALLBACKS, 0), -1);
  assert_int_equal(bev_core_init_kind_(&k->priv, NULL, &tk_kind, 0, 0), -1);
  free(k);
  assert_int_equal(bufferevent_getwatermark(f->bev, EV_READ | EV_WRITE, &lo, &hi), -1);
  assert_int_equal(bufferevent_getfd(f->bev), -1); /* the kind has no ctrl */
  assert_null(bufferevent_get_underlying(f->bev));
  assert_int_equal(bufferevent_enable(NULL, EV_READ), -1);
  assert_int_equal(bufferevent_write(NULL, "x", 1), -1);
  assert_int_equal(bufferevent_priority_set(f->bev, 99), -1);
  bufferevent_free(NULL);
}

/* Caps are kept in 32 bits (what one libuv buffer holds): a bigger one is
 * kept as the largest 32-bit value, 0 restores the default. */
static void core_max_single_caps_are_kept_in_32_bits(void **state) {
  struct fx *f = *state;
  assert_int_equal(bufferevent_set_max_single_read(f->bev, 1000), 0);
  assert_int_equal(bufferevent_get_max_single_read(f->bev), 1000);
  assert_int_equal(bufferevent_set_max_single_write(f->bev, 0), 0);
  assert_int_equal(bufferevent_get_max_single_write(f->bev), BEV_DEFAULT_MAX_SINGLE_WRITE);
#if SIZE_MAX > UINT32_MAX
  assert_int_equal(bufferevent_set_max_single_read(f->bev, (size_t)UINT32_MAX + 2), 0);
  assert_int_equal(bufferevent_get_max_single_read(f->bev), (ev_ssize_t)UINT32_MAX);
#endif
}

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
#define CORE_TEST_DEFERRED(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_deferred, fx_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      CORE_TEST(core_new_bufferevent_has_write_enabled_only),
      CORE_TEST(core_enable_and_disable_reach_the_kind),
      CORE_TEST(core_read_low_watermark_gates_the_read_callback),
      CORE_TEST(core_read_high_watermark_suspends_until_drained),
      CORE_TEST(core_disabled_read_stays_off_after_unsuspend),
      CORE_TEST(core_write_callback_at_low_watermark),
      CORE_TEST_DEFERRED(core_deferred_callbacks_coalesce_and_run_connected_first),
      CORE_TEST_DEFERRED(core_deferred_error_keeps_its_socket_error),
      CORE_TEST_DEFERRED(core_free_cancels_pending_deferred_callbacks),
      cmocka_unit_test(core_free_inside_each_callback_is_safe),
      CORE_TEST(core_read_timeout_fires_once_and_disables_reading),
      CORE_TEST(core_write_timeout_needs_pending_output),
      CORE_TEST(core_suspended_read_has_no_timeout),
      CORE_TEST(core_memory_outlives_free_while_referenced),
      CORE_TEST(core_base_free_unlinks_bufferevents_left_alive),
      CORE_TEST(core_bad_arguments_are_refused),
      CORE_TEST(core_max_single_caps_are_kept_in_32_bits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
