/* SPDX-License-Identifier: MIT */
/* Paired bufferevents, libevent API only (built against uvbev and libevent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"

struct pair_ctx {
  struct event_base *base;
  struct bufferevent *pair[2];
  struct evbuffer *got; /* what side 1's user read */
  size_t max_input_seen;
  int reads;
  int events[2];
  size_t input_at_eof;
  int stop_after; /* bytes: break the loop once got holds this many */
};

static void pair_setup(struct pair_ctx *c, int options) {
  memset(c, 0, sizeof(*c));
  c->base = event_base_new();
  assert_non_null(c->base);
  assert_int_equal(bufferevent_pair_new(c->base, options, c->pair), 0);
  c->got = evbuffer_new();
}

static void pair_teardown(struct pair_ctx *c) {
  if (c->pair[0]) bufferevent_free(c->pair[0]);
  if (c->pair[1]) bufferevent_free(c->pair[1]);
  evbuffer_free(c->got);
  event_base_free(c->base);
}

/* Side 1 collects; breaks when stop_after bytes arrived. */
static void collect_readcb(struct bufferevent *bev, void *arg) {
  struct pair_ctx *c = arg;
  size_t n = evbuffer_get_length(bufferevent_get_input(bev));
  if (n > c->max_input_seen) c->max_input_seen = n;
  c->reads++;
  bufferevent_read_buffer(bev, c->got);
  if (c->stop_after && evbuffer_get_length(c->got) >= (size_t)c->stop_after)
    event_base_loopbreak(c->base);
}

static void record_eventcb(struct bufferevent *bev, short what, void *arg) {
  struct pair_ctx *c = arg;
  int side = bev == c->pair[0] ? 0 : 1;
  c->events[side] |= what;
  if (side == 1)
    c->input_at_eof = evbuffer_get_length(c->got) + evbuffer_get_length(bufferevent_get_input(bev));
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) event_base_loopbreak(c->base);
}

static void echo_readcb(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void pair_echo_round_trips(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  c.stop_after = 11;
  bufferevent_setcb(c.pair[0], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_setcb(c.pair[1], echo_readcb, NULL, record_eventcb, &c);
  bufferevent_enable(c.pair[0], EV_READ);
  bufferevent_enable(c.pair[1], EV_READ);
  assert_int_equal(bufferevent_write(c.pair[0], "hello world", 11), 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(evbuffer_get_length(c.got), 11);
  assert_memory_equal(evbuffer_pullup(c.got, -1), "hello world", 11);
  pair_teardown(&c);
}

static void pair_echo_round_trips_deferred(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, BEV_OPT_DEFER_CALLBACKS);
  c.stop_after = 5000;
  bufferevent_setcb(c.pair[0], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_setcb(c.pair[1], echo_readcb, NULL, record_eventcb, &c);
  bufferevent_enable(c.pair[0], EV_READ);
  bufferevent_enable(c.pair[1], EV_READ);
  for (int i = 0; i < 500; i++)
    assert_int_equal(bufferevent_write(c.pair[0], "0123456789", 10), 0);
  /* deferred: nothing ran inside bufferevent_write */
  assert_int_equal(c.reads, 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(evbuffer_get_length(c.got), 5000);
  pair_teardown(&c);
}

static void pair_get_partner_answers_other_side(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  assert_ptr_equal(bufferevent_pair_get_partner(c.pair[0]), c.pair[1]);
  assert_ptr_equal(bufferevent_pair_get_partner(c.pair[1]), c.pair[0]);
  pair_teardown(&c);
}

static void pair_starts_with_write_enabled(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  assert_int_equal(bufferevent_get_enabled(c.pair[0]), EV_WRITE);
  assert_int_equal(bufferevent_get_enabled(c.pair[1]), EV_WRITE);
  pair_teardown(&c);
}

static void pair_read_high_watermark_bounds_input(void **state) {
  struct pair_ctx c;
  char data[1000];
  (void)state;
  memset(data, 'x', sizeof(data));
  pair_setup(&c, 0);
  c.stop_after = sizeof(data);
  bufferevent_setwatermark(c.pair[1], EV_READ, 0, 100);
  bufferevent_setcb(c.pair[1], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_enable(c.pair[1], EV_READ);
  assert_int_equal(bufferevent_write(c.pair[0], data, sizeof(data)), 0);
  /* what does not fit below the mark waits in the writer's output */
  assert_true(evbuffer_get_length(bufferevent_get_output(c.pair[0])) >= sizeof(data) - 100);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(evbuffer_get_length(c.got), sizeof(data));
  assert_true(c.max_input_seen <= 100);
  assert_true(c.reads >= 10);
  pair_teardown(&c);
}

static void pair_read_low_watermark_waits(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  bufferevent_setwatermark(c.pair[1], EV_READ, 50, 0);
  bufferevent_setcb(c.pair[1], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_enable(c.pair[1], EV_READ);
  bufferevent_write(c.pair[0], "0123456789", 10);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  assert_int_equal(c.reads, 0);
  assert_int_equal(evbuffer_get_length(bufferevent_get_input(c.pair[1])), 10);
  for (int i = 0; i < 4; i++)
    bufferevent_write(c.pair[0], "0123456789", 10);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  assert_true(c.reads >= 1);
  assert_int_equal(evbuffer_get_length(c.got), 50);
  pair_teardown(&c);
}

static void enable_read_cb(evutil_socket_t fd, short what, void *arg) {
  struct pair_ctx *c = arg;
  (void)fd;
  (void)what;
  assert_int_equal(evbuffer_get_length(bufferevent_get_input(c->pair[1])), 0);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(c->pair[0])), 5);
  bufferevent_enable(c->pair[1], EV_READ);
}

static void pair_read_disabled_holds_bytes(void **state) {
  struct pair_ctx c;
  struct timeval tv = {0, 50000};
  (void)state;
  pair_setup(&c, 0);
  c.stop_after = 5;
  bufferevent_setcb(c.pair[1], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_write(c.pair[0], "hello", 5);
  event_base_once(c.base, -1, EV_TIMEOUT, enable_read_cb, &c, &tv);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(evbuffer_get_length(c.got), 5);
  pair_teardown(&c);
}

static void pair_flush_finished_gives_eof_after_data(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  bufferevent_setcb(c.pair[1], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_enable(c.pair[1], EV_READ);
  bufferevent_write(c.pair[0], "last words", 10);
  bufferevent_flush(c.pair[0], EV_WRITE, BEV_FINISHED);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.events[1], BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(c.input_at_eof, 10);
  pair_teardown(&c);
}

/* libevent 2.1 gives the partner no EOF when a side is freed (uvbev does:
 * see tests/unit/test_pair_free.c); both agree the partner is gone. */
static void pair_free_clears_partner(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  bufferevent_free(c.pair[0]);
  c.pair[0] = NULL;
  assert_null(bufferevent_pair_get_partner(c.pair[1]));
  assert_int_equal(bufferevent_write(c.pair[1], "x", 1), 0);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  pair_teardown(&c);
}

static void pair_read_timeout_fires(void **state) {
  struct pair_ctx c;
  struct timeval tv = {0, 50000};
  (void)state;
  pair_setup(&c, 0);
  bufferevent_setcb(c.pair[1], collect_readcb, NULL, record_eventcb, &c);
  bufferevent_enable(c.pair[1], EV_READ);
  bufferevent_set_timeouts(c.pair[1], &tv, NULL);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.events[1], BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  assert_false(bufferevent_get_enabled(c.pair[1]) & EV_READ);
  pair_teardown(&c);
}

static void count_writecb(struct bufferevent *bev, void *arg) {
  struct pair_ctx *c = arg;
  (void)bev;
  c->events[0] |= 0x1000;
  event_base_loopbreak(c->base);
}

static void pair_write_callback_after_move(void **state) {
  struct pair_ctx c;
  (void)state;
  pair_setup(&c, 0);
  bufferevent_setcb(c.pair[0], NULL, count_writecb, record_eventcb, &c);
  bufferevent_enable(c.pair[1], EV_READ);
  bufferevent_write(c.pair[0], "abc", 3);
  cu_dispatch_bounded(c.base, 5000);
  assert_true(c.events[0] & 0x1000);
  assert_int_equal(evbuffer_get_length(bufferevent_get_input(c.pair[1])), 3);
  pair_teardown(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pair_echo_round_trips),
      cmocka_unit_test(pair_echo_round_trips_deferred),
      cmocka_unit_test(pair_get_partner_answers_other_side),
      cmocka_unit_test(pair_starts_with_write_enabled),
      cmocka_unit_test(pair_read_high_watermark_bounds_input),
      cmocka_unit_test(pair_read_low_watermark_waits),
      cmocka_unit_test(pair_read_disabled_holds_bytes),
      cmocka_unit_test(pair_flush_finished_gives_eof_after_data),
      cmocka_unit_test(pair_free_clears_partner),
      cmocka_unit_test(pair_read_timeout_fires),
      cmocka_unit_test(pair_write_callback_after_move),
  };
  cu_ignore_sigpipe();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
