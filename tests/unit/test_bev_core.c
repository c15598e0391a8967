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
  short io;       /* directions the kind is running */
  int n_enable, n_disable, n_unlink;
  int *destructed; /* set to 1 by destruct; outlives the bufferevent */
};

static int tk_enable(struct bufferevent *bev, short what) {
  struct test_kind *k = (struct test_kind *)bev;
  k->io |= what;
  k->n_enable++;
  return 0;
}

static int tk_disable(struct bufferevent *bev, short what) {
  struct test_kind *k = (struct test_kind *)bev;
  k->io &= ~what;
  k->n_disable++;
  return 0;
}

static void tk_unlink(struct bufferevent *bev) { ((struct test_kind *)bev)->n_unlink++; }

static void tk_destruct(struct bufferevent *bev) {
  struct test_kind *k = (struct test_kind *)bev;
  if (k->destructed)
    *k->destructed = 1;
}

static const struct bufferevent_ops tk_ops = {
    "test", tk_enable, tk_disable, tk_unlink, tk_destruct, NULL, NULL,
};

static struct test_kind *tk_new(struct event_base *base, int options, int *destructed) {
  struct test_kind *k = calloc(1, sizeof(*k));
  assert_non_null(k);
  k->destructed = destructed;
  assert_int_equal(bev_core_init_(&k->priv, base, &tk_ops, options, EV_WRITE), 0);
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

/* ---- tests ------------------------------------------------------------------------ */

static void core_new_bufferevent_has_write_enabled_only(void **state) {
  struct event_base *base = event_base_new();
  int destructed = 0;
  struct test_kind *k = tk_new(base, 0, &destructed);
  assert_int_equal(bufferevent_get_enabled(&k->priv.bev), EV_WRITE);
  assert_ptr_equal(bufferevent_get_base(&k->priv.bev), base);
  bufferevent_free(&k->priv.bev);
  assert_int_equal(destructed, 1);
  event_base_free(base);
}

static void core_enable_and_disable_reach_the_kind(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  assert_int_equal(bufferevent_enable(bev, EV_READ), 0);
  assert_true(k->io & EV_READ);
  assert_int_equal(bufferevent_get_enabled(bev), EV_READ | EV_WRITE);
  assert_int_equal(bufferevent_disable(bev, EV_READ), 0);
  assert_false(k->io & EV_READ);
  assert_int_equal(bufferevent_get_enabled(bev), EV_WRITE);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_read_low_watermark_gates_the_read_callback(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  bufferevent_setcb(bev, rec_read, NULL, NULL, &r);
  bufferevent_setwatermark(bev, EV_READ, 10, 0);
  tk_deliver(k, 4);
  assert_int_equal(r.reads, 0);
  tk_deliver(k, 6);
  assert_int_equal(r.reads, 1);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_read_high_watermark_suspends_until_drained(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  bufferevent_enable(bev, EV_READ);
  bufferevent_setwatermark(bev, EV_READ, 0, 100);
  tk_deliver(k, 99);
  assert_true(k->io & EV_READ);
  tk_deliver(k, 1);
  assert_false(k->io & EV_READ);       /* at the mark: the kind stops reading */
  assert_int_equal(bufferevent_get_enabled(bev) & EV_READ, EV_READ); /* still enabled */
  evbuffer_drain(bufferevent_get_input(bev), 1);
  assert_true(k->io & EV_READ);        /* below it: reading resumes */
  /* Raising the mark above the content resumes too; clearing it as well. */
  tk_deliver(k, 1);
  assert_false(k->io & EV_READ);
  bufferevent_setwatermark(bev, EV_READ, 0, 0);
  assert_true(k->io & EV_READ);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_disabled_read_stays_off_after_unsuspend(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  bufferevent_setwatermark(bev, EV_READ, 0, 10);
  tk_deliver(k, 10);
  evbuffer_drain(bufferevent_get_input(bev), 10);
  assert_false(k->io & EV_READ); /* EV_READ never enabled */
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_write_callback_at_low_watermark(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  bufferevent_setcb(bev, NULL, rec_write, NULL, &r);
  bufferevent_setwatermark(bev, EV_WRITE, 5, 0);
  bufferevent_write(bev, "0123456789", 10);
  evbuffer_drain(bufferevent_get_output(bev), 4);
  bev_core_output_drained_(bev);
  assert_int_equal(r.writes, 0); /* 6 left > 5 */
  evbuffer_drain(bufferevent_get_output(bev), 1);
  bev_core_output_drained_(bev);
  assert_int_equal(r.writes, 1);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_deferred_callbacks_coalesce_and_run_connected_first(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, BEV_OPT_DEFER_CALLBACKS, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
  tk_deliver(k, 1);
  tk_deliver(k, 1);
  bev_core_run_eventcb_(bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
  bev_core_run_writecb_(bev, 0);
  bev_core_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
  assert_int_equal(r.reads + r.writes + r.events, 0); /* nothing ran yet */
  /* As in libevent, NONBLOCK returns 1 once the callbacks it ran left nothing. */
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  assert_int_equal(r.reads, 1);
  assert_int_equal(r.writes, 1);
  assert_int_equal(r.events, 2);
  assert_string_equal(r.order, "crwe");
  assert_int_equal(r.last_what, BEV_EVENT_EOF | BEV_EVENT_READING);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_deferred_error_keeps_its_socket_error(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, BEV_OPT_DEFER_CALLBACKS, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  bufferevent_setcb(bev, NULL, NULL, rec_event, &r);
  EVUTIL_SET_SOCKET_ERROR(ECONNRESET);
  bev_core_run_eventcb_(bev, BEV_EVENT_ERROR | BEV_EVENT_READING, 0);
  EVUTIL_SET_SOCKET_ERROR(0);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(r.events, 1);
  assert_int_equal(EVUTIL_SOCKET_ERROR(), ECONNRESET);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_free_cancels_pending_deferred_callbacks(void **state) {
  struct event_base *base = event_base_new();
  int destructed = 0;
  struct test_kind *k = tk_new(base, BEV_OPT_DEFER_CALLBACKS, &destructed);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  bufferevent_setcb(bev, rec_read, NULL, rec_event, &r);
  tk_deliver(k, 3);
  bufferevent_free(bev);
  assert_int_equal(destructed, 1); /* no handle open: memory released at once */
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(r.reads, 0);
  event_base_free(base);
}

static void core_free_inside_each_callback_is_safe(void **state) {
  static const char which[] = {'r', 'w', 'e'};
  for (size_t i = 0; i < sizeof(which); i++) {
    struct event_base *base = event_base_new();
    int destructed = 0;
    struct test_kind *k = tk_new(base, 0, &destructed);
    struct bufferevent *bev = &k->priv.bev;
    struct record r = {0};
    r.free_in = which[i];
    bufferevent_setcb(bev, rec_read, rec_write, rec_event, &r);
    bev_core_incref_(bev); /* as a kind does around a call into the core */
    if (which[i] == 'r')
      tk_deliver(k, 1);
    else if (which[i] == 'w')
      bev_core_output_drained_(bev);
    else
      bev_core_run_eventcb_(bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
    assert_true(bev_core_is_freed_(bev));
    assert_int_equal(destructed, 0);
    bev_core_run_readcb_(bev, 0); /* no callback after free */
    assert_int_equal(r.reads + r.writes + r.events, 1);
    assert_int_equal(bev_core_decref_(bev), 1);
    assert_int_equal(destructed, 1);
    event_base_free(base);
  }
}

static void core_read_timeout_fires_once_and_disables_reading(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  struct timeval tv = {0, 20000};
  r.base = base;
  bufferevent_setcb(bev, NULL, NULL, rec_event, &r);
  bufferevent_set_timeouts(bev, &tv, NULL);
  bufferevent_enable(bev, EV_READ);
  event_base_dispatch(base);
  assert_int_equal(r.events, 1);
  assert_int_equal(r.last_what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  assert_int_equal(bufferevent_get_enabled(bev) & EV_READ, 0);
  assert_false(k->io & EV_READ);
  /* Reading disabled: the timeout does not run again, dispatch has nothing. */
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(r.events, 1);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_write_timeout_needs_pending_output(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  struct timeval tv = {0, 20000};
  r.base = base;
  bufferevent_setcb(bev, NULL, NULL, rec_event, &r);
  bufferevent_set_timeouts(bev, NULL, &tv);
  assert_int_equal(event_base_dispatch(base), 1); /* empty output: nothing armed */
  bufferevent_write(bev, "abc", 3);                /* the kind never writes it */
  event_base_dispatch(base);
  assert_int_equal(r.events, 1);
  assert_int_equal(r.last_what, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  assert_int_equal(bufferevent_get_enabled(bev) & EV_WRITE, 0);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_suspended_read_has_no_timeout(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct bufferevent *bev = &k->priv.bev;
  struct record r = {0};
  struct timeval tv = {0, 10000};
  bufferevent_setcb(bev, NULL, NULL, rec_event, &r);
  bufferevent_setwatermark(bev, EV_READ, 0, 4);
  bufferevent_enable(bev, EV_READ);
  tk_deliver(k, 4); /* at the high watermark: suspended */
  bufferevent_set_timeouts(bev, &tv, NULL);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(r.events, 0);
  bufferevent_free(bev);
  event_base_free(base);
}

static void core_memory_outlives_free_while_referenced(void **state) {
  struct event_base *base = event_base_new();
  int destructed = 0;
  struct test_kind *k = tk_new(base, 0, &destructed);
  struct bufferevent *bev = &k->priv.bev;
  bufferevent_incref(bev);
  bufferevent_free(bev);
  assert_int_equal(k->n_unlink, 1);
  assert_int_equal(destructed, 0);
  assert_int_equal(bufferevent_decref(bev), 1);
  assert_int_equal(destructed, 1);
  event_base_free(base);
}

static void core_base_free_unlinks_bufferevents_left_alive(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = tk_new(base, 0, NULL);
  struct timeval tv = {5, 0};
  bufferevent_set_timeouts(&k->priv.bev, &tv, NULL);
  bufferevent_enable(&k->priv.bev, EV_READ); /* a timer handle is open */
  event_base_free(base);                     /* closes it */
  assert_int_equal(k->n_unlink, 1);
  bufferevent_free(&k->priv.bev); /* the user's late free releases memory */
}

static void core_bad_arguments_are_refused(void **state) {
  struct event_base *base = event_base_new();
  struct test_kind *k = calloc(1, sizeof(*k));
  size_t lo, hi;
  assert_int_equal(bev_core_init_(&k->priv, base, &tk_ops, BEV_OPT_UNLOCK_CALLBACKS, 0), -1);
  assert_int_equal(bev_core_init_(&k->priv, NULL, &tk_ops, 0, 0), -1);
  free(k);
  k = tk_new(base, 0, NULL);
  assert_int_equal(bufferevent_getwatermark(&k->priv.bev, EV_READ | EV_WRITE, &lo, &hi), -1);
  assert_int_equal(bufferevent_getfd(&k->priv.bev), -1); /* kind has no ctrl */
  assert_null(bufferevent_get_underlying(&k->priv.bev));
  assert_int_equal(bufferevent_enable(NULL, EV_READ), -1);
  assert_int_equal(bufferevent_write(NULL, "x", 1), -1);
  assert_int_equal(bufferevent_priority_set(&k->priv.bev, 99), -1);
  bufferevent_free(NULL);
  bufferevent_free(&k->priv.bev);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(core_new_bufferevent_has_write_enabled_only),
      cmocka_unit_test(core_enable_and_disable_reach_the_kind),
      cmocka_unit_test(core_read_low_watermark_gates_the_read_callback),
      cmocka_unit_test(core_read_high_watermark_suspends_until_drained),
      cmocka_unit_test(core_disabled_read_stays_off_after_unsuspend),
      cmocka_unit_test(core_write_callback_at_low_watermark),
      cmocka_unit_test(core_deferred_callbacks_coalesce_and_run_connected_first),
      cmocka_unit_test(core_deferred_error_keeps_its_socket_error),
      cmocka_unit_test(core_free_cancels_pending_deferred_callbacks),
      cmocka_unit_test(core_free_inside_each_callback_is_safe),
      cmocka_unit_test(core_read_timeout_fires_once_and_disables_reading),
      cmocka_unit_test(core_write_timeout_needs_pending_output),
      cmocka_unit_test(core_suspended_read_has_no_timeout),
      cmocka_unit_test(core_memory_outlives_free_while_referenced),
      cmocka_unit_test(core_base_free_unlinks_bufferevents_left_alive),
      cmocka_unit_test(core_bad_arguments_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
