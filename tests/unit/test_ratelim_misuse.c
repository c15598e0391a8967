/* SPDX-License-Identifier: MIT */
/* Rate limiting given bad input, where uvbev departs from libevent 2.1
 * (which divides by a zero tick, asserts, or dereferences NULL): a clear
 * -1 / NULL, and a group freed with members still in it (even from a
 * member's own callback) lets them go on unlimited. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "loopback.h"

static void cfg_new_refuses_ticks_under_a_millisecond(void **state) {
  struct timeval zero = {0, 0}, half_ms = {0, 500}, negative = {-1, 0}, one_ms = {0, 1000};
  struct ev_token_bucket_cfg *cfg;
  (void)state;
  assert_null(ev_token_bucket_cfg_new(100, 100, 100, 100, &zero));
  assert_null(ev_token_bucket_cfg_new(100, 100, 100, 100, &half_ms));
  assert_null(ev_token_bucket_cfg_new(100, 100, 100, 100, &negative));
  cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, &one_ms);
  assert_non_null(cfg);
  ev_token_bucket_cfg_free(cfg);
  ev_token_bucket_cfg_free(NULL);
}

static void null_arguments_are_errors(void **state) {
  struct event_base *base = event_base_new();
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, NULL);
  struct bufferevent *pair[2];
  struct bufferevent_rate_limit_group *g;
  ev_uint64_t r = 1, w = 1;
  (void)state;
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  assert_int_equal(bufferevent_set_rate_limit(NULL, cfg), -1);
  assert_null(bufferevent_get_token_bucket_cfg(NULL));
  assert_null(bufferevent_rate_limit_group_new(NULL, cfg));
  assert_null(bufferevent_rate_limit_group_new(base, NULL));
  g = bufferevent_rate_limit_group_new(base, cfg);
  assert_non_null(g);
  assert_int_equal(bufferevent_add_to_rate_limit_group(NULL, g), -1);
  assert_int_equal(bufferevent_add_to_rate_limit_group(pair[0], NULL), 0); /* leaves none */
  assert_int_equal(bufferevent_remove_from_rate_limit_group(NULL), -1);
  assert_int_equal(bufferevent_rate_limit_group_set_cfg(NULL, cfg), -1);
  assert_int_equal(bufferevent_rate_limit_group_set_cfg(g, NULL), -1);
  assert_int_equal(bufferevent_rate_limit_group_set_min_share(NULL, 10), -1);
  assert_int_equal(bufferevent_rate_limit_group_set_min_share(g, (size_t)EV_SSIZE_MAX + 1), -1);
  assert_int_equal(bufferevent_rate_limit_group_decrement_read(NULL, 1), -1);
  assert_int_equal(bufferevent_rate_limit_group_get_read_limit(NULL), -1);
  bufferevent_rate_limit_group_get_totals(NULL, &r, &w);
  assert_true(r == 0 && w == 0);
  bufferevent_rate_limit_group_reset_totals(NULL);
  /* no limit set: libevent asserts */
  assert_int_equal(bufferevent_decrement_read_limit(pair[0], 10), -1);
  assert_int_equal(bufferevent_decrement_write_limit(pair[0], 10), -1);
  assert_int_equal(bufferevent_get_max_to_read(NULL), -1);
  /* extreme decrements saturate instead of overflowing */
  assert_int_equal(bufferevent_set_rate_limit(pair[0], cfg), 0);
  assert_int_equal(bufferevent_decrement_read_limit(pair[0], EV_SSIZE_MAX), 0);
  assert_int_equal(bufferevent_decrement_read_limit(pair[0], EV_SSIZE_MAX), 0);
  assert_true(bufferevent_get_read_limit(pair[0]) < 0);
  assert_int_equal(bufferevent_decrement_read_limit(pair[0], EV_SSIZE_MIN), 0);
  assert_true(bufferevent_get_read_limit(pair[0]) > 0);
  bufferevent_rate_limit_group_free(NULL);
  bufferevent_rate_limit_group_free(g);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  ev_token_bucket_cfg_free(cfg);
  event_base_free(base);
}

struct sink {
  struct bufferevent_rate_limit_group *group;
  size_t received, expect;
};

/* The member's read callback frees the group it is in. */
static void read_and_free_group(struct bufferevent *bev, void *arg) {
  struct sink *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  s->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (s->group) {
    bufferevent_rate_limit_group_free(s->group);
    s->group = NULL;
  }
  if (s->received == s->expect) event_base_loopbreak(bufferevent_get_base(bev));
}

static void on_timeout(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopbreak(arg);
}

/* 2 MiB through a group allowing 1000 bytes an hour: it arrives only because
 * freeing the group released its members. */
static void group_freed_from_member_callback_releases_members(void **state) {
  struct event_base *base = event_base_new();
  struct timeval hour = {3600, 0}, limit = {10, 0};
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(1000, 1000, 1000, 1000, &hour);
  struct sink s;
  struct bufferevent *src, *dst;
  evutil_socket_t sv[2];
  struct event *guard = evtimer_new(base, on_timeout, base);
  static char data[2 << 20];
  (void)state;
  memset(&s, 0, sizeof(s));
  assert_int_equal(cu_tcp_pair(sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  src = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  dst = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  s.group = bufferevent_rate_limit_group_new(base, cfg);
  assert_non_null(s.group);
  assert_int_equal(bufferevent_add_to_rate_limit_group(src, s.group), 0);
  assert_int_equal(bufferevent_add_to_rate_limit_group(dst, s.group), 0);
  s.expect = sizeof(data);
  bufferevent_setcb(dst, read_and_free_group, NULL, NULL, &s);
  bufferevent_enable(dst, EV_READ);
  bufferevent_write(src, data, sizeof(data));
  evtimer_add(guard, &limit);
  event_base_dispatch(base);
  assert_null(s.group);
  assert_int_equal(s.received, sizeof(data));
  event_free(guard);
  bufferevent_free(src);
  bufferevent_free(dst);
  ev_token_bucket_cfg_free(cfg);
  event_base_free(base);
}

/* libevent frees the group's tick event with the base and then touches it
 * again in bufferevent_rate_limit_group_free; uvbev's group lets its tick go
 * with the base. */
static void group_outlives_its_base(void **state) {
  struct event_base *base = event_base_new();
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, NULL);
  struct bufferevent_rate_limit_group *g = bufferevent_rate_limit_group_new(base, cfg);
  struct bufferevent *pair[2];
  (void)state;
  assert_non_null(g);
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  assert_int_equal(bufferevent_add_to_rate_limit_group(pair[0], g), 0);
  event_base_free(base); /* the member is unlinked with it and leaves the group */
  assert_int_equal(bufferevent_rate_limit_group_set_cfg(g, cfg), 0);
  assert_int_equal(bufferevent_rate_limit_group_decrement_read(g, 50), 0);
  assert_int_equal(bufferevent_rate_limit_group_get_read_limit(g), 50);
  bufferevent_rate_limit_group_free(g);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  ev_token_bucket_cfg_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cfg_new_refuses_ticks_under_a_millisecond),
      cmocka_unit_test(null_arguments_are_errors),
      cmocka_unit_test(group_freed_from_member_callback_releases_members),
      cmocka_unit_test(group_outlives_its_base),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
