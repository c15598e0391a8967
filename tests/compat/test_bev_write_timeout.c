/* SPDX-License-Identifier: MIT */
/* When a write timeout is armed and fires, as libevent 2.1 does it (its
 * regress bufferevent_timeout, _pair, _filter, _filter_pair):
 *   - a socket bufferevent that cannot write (no descriptor) times out with
 *     data queued, and, once bufferevent_enable(EV_WRITE) armed it, even with
 *     nothing queued;
 *   - a pair times out only with data its partner does not take;
 *   - a filter's write timeout, armed by enabling writing or by moving the
 *     user's data, runs until writing is disabled, whatever it holds;
 *   - a socket that can write and has nothing to write never times out.
 * Counts only: the loop ends by loopexit after every timeout is due.
 * libevent API only. */
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

struct tm_side {
  int read_timeouts;
  int write_timeouts;
  int events;
  int writecbs;
};

static void on_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  ((struct tm_side *)arg)->writecbs++;
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct tm_side *s = arg;
  (void)bev;
  s->events++;
  if ((what & (BEV_EVENT_TIMEOUT | BEV_EVENT_READING)) == (BEV_EVENT_TIMEOUT | BEV_EVENT_READING))
    s->read_timeouts++;
  if ((what & (BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING)) == (BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING))
    s->write_timeouts++;
}

enum tm_kind { TM_SOCKET, TM_PAIR, TM_FILTER, TM_FILTER_PAIR };

/* bev1 writes 7 bytes nobody takes, reads nothing; bev2 enables writing with
 * nothing to write and does not read.  Returns what each side saw. */
static void run_regress_scenario(enum tm_kind kind, struct tm_side *s1, struct tm_side *s2) {
  struct event_base *base = event_base_new();
  struct bufferevent *bev1, *bev2;
  struct timeval r1 = {0, 150000}, w1 = {0, 100000}, r2 = {0, 100000}, w2 = {0, 200000};
  struct timeval stop = {0, 350000};
  memset(s1, 0, sizeof(*s1));
  memset(s2, 0, sizeof(*s2));
  if (kind == TM_PAIR || kind == TM_FILTER_PAIR) {
    struct bufferevent *p[2];
    assert_int_equal(bufferevent_pair_new(base, 0, p), 0);
    bev1 = p[0];
    bev2 = p[1];
  } else {
    bev1 = bufferevent_socket_new(base, -1, 0);
    bev2 = bufferevent_socket_new(base, -1, 0);
  }
  assert_non_null(bev1);
  assert_non_null(bev2);
  if (kind == TM_FILTER || kind == TM_FILTER_PAIR) {
    bev1 = bufferevent_filter_new(bev1, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
    bev2 = bufferevent_filter_new(bev2, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
    assert_non_null(bev1);
    assert_non_null(bev2);
  }
  bufferevent_disable(bev2, EV_READ);
  bufferevent_setcb(bev1, NULL, on_write, on_event, s1);
  bufferevent_set_timeouts(bev1, &r1, &w1);
  bufferevent_write(bev1, "ABCDEFG", 7);
  bufferevent_enable(bev1, EV_READ | EV_WRITE);
  bufferevent_setcb(bev2, NULL, on_write, on_event, s2);
  bufferevent_set_timeouts(bev2, &r2, &w2);
  bufferevent_enable(bev2, EV_WRITE);
  event_base_loopexit(base, &stop);
  event_base_dispatch(base);
  bufferevent_free(bev1);
  bufferevent_free(bev2);
  event_base_free(base);
}

static void assert_regress_counts(enum tm_kind kind) {
  struct tm_side s1, s2;
  int bev2_times_out = kind != TM_PAIR;
  run_regress_scenario(kind, &s1, &s2);
  assert_int_equal(s1.events, 2);
  assert_int_equal(s1.read_timeouts, 1);
  assert_int_equal(s1.write_timeouts, 1);
  assert_int_equal(s2.events, bev2_times_out);
  assert_int_equal(s2.write_timeouts, bev2_times_out);
  assert_int_equal(s2.read_timeouts, 0);
  assert_int_equal(s2.writecbs, 0); /* bev2 wrote nothing */
}

static void socket_without_descriptor_times_out_writing(void **state) {
  (void)state;
  assert_regress_counts(TM_SOCKET);
}

static void pair_times_out_writing_only_with_data_left(void **state) {
  (void)state;
  assert_regress_counts(TM_PAIR);
}

static void filter_times_out_writing_while_enabled(void **state) {
  (void)state;
  assert_regress_counts(TM_FILTER);
}

static void filter_over_pair_times_out_writing_while_enabled(void **state) {
  (void)state;
  assert_regress_counts(TM_FILTER_PAIR);
}

/* A connected socket with nothing to write: no write timeout, however long
 * writing stays enabled; the same with a filter whose writing the user
 * disabled. */
static void writable_socket_with_nothing_to_write_never_times_out(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *a, *b, *f;
  struct tm_side sa, sf;
  struct timeval w = {0, 50000}, stop = {0, 200000};
  evutil_socket_t sv[2];
  (void)state;
  memset(&sa, 0, sizeof(sa));
  memset(&sf, 0, sizeof(sf));
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  a = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  b = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  f = bufferevent_filter_new(b, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
  assert_non_null(a);
  assert_non_null(f);
  bufferevent_setcb(a, NULL, NULL, on_event, &sa);
  bufferevent_setcb(f, NULL, NULL, on_event, &sf);
  bufferevent_set_timeouts(a, NULL, &w);
  bufferevent_set_timeouts(f, NULL, &w);
  bufferevent_enable(a, EV_WRITE);
  bufferevent_enable(f, EV_WRITE);
  bufferevent_disable(f, EV_WRITE);
  event_base_loopexit(base, &stop);
  event_base_dispatch(base);
  assert_int_equal(sa.events, 0);
  assert_int_equal(sf.events, 0);
  bufferevent_free(a);
  bufferevent_free(f);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_without_descriptor_times_out_writing),
      cmocka_unit_test(pair_times_out_writing_only_with_data_left),
      cmocka_unit_test(filter_times_out_writing_while_enabled),
      cmocka_unit_test(filter_over_pair_times_out_writing_while_enabled),
      cmocka_unit_test(writable_socket_with_nothing_to_write_never_times_out),
  };
  return cmocka_run_group_tests_name("bev_write_timeout(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
