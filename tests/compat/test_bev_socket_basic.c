/* SPDX-License-Identifier: MIT */
/* Socket bufferevents, basics: enabled flags, EOF, getfd/setfd,
 * BEV_OPT_CLOSE_ON_FREE.  libevent API only (built against both). */
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
#include "sock-util.h"

struct basic_ctx {
  struct event_base *base;
  struct evbuffer *got;
  short events[8];
  int nevents;
  int reads;
  size_t got_at_eof;
  short enabled_at_eof;
};

static void collect_read(struct bufferevent *bev, void *arg) {
  struct basic_ctx *c = arg;
  c->reads++;
  bufferevent_read_buffer(bev, c->got);
}

static void record_event(struct bufferevent *bev, short what, void *arg) {
  struct basic_ctx *c = arg;
  if (c->nevents < 8) c->events[c->nevents] = what;
  c->nevents++;
  c->got_at_eof = evbuffer_get_length(c->got);
  c->enabled_at_eof = bufferevent_get_enabled(bev);
  event_base_loopexit(c->base, NULL);
}

static void new_socket_bev_has_write_enabled_and_read_disabled(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *a, *b;
  (void)state;
  assert_int_equal(cu_tcp_pair(sv), 0);
  a = bufferevent_socket_new(base, -1, 0);
  b = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(bufferevent_get_enabled(a), EV_WRITE);
  assert_int_equal(bufferevent_get_enabled(b), EV_WRITE);
  bufferevent_free(a);
  bufferevent_free(b);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void eof_is_reported_after_all_data_and_disables_reading(void **state) {
  struct basic_ctx c;
  evutil_socket_t sv[2];
  struct bufferevent *bev;
  (void)state;
  memset(&c, 0, sizeof(c));
  cu_ignore_sigpipe();
  c.base = event_base_new();
  c.got = evbuffer_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  assert_int_equal(send(sv[1], "hello, world", 12, 0), 12);
  evutil_closesocket(sv[1]);
  bev = bufferevent_socket_new(c.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, collect_read, NULL, record_event, &c);
  bufferevent_enable(bev, EV_READ);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.events[0], BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(c.got_at_eof, 12);
  assert_int_equal(c.enabled_at_eof & EV_READ, 0);
  assert_true(c.reads >= 1);
  bufferevent_free(bev);
  evbuffer_free(c.got);
  event_base_free(c.base);
}

static void getfd_reports_the_socket_and_setfd_replaces_it(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *bev;
  char buf[8];
  (void)state;
  cu_ignore_sigpipe();
  assert_int_equal(cu_tcp_pair(sv), 0);
  su_set_recv_timeout(sv[1], 5000);
  bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(bufferevent_getfd(bev), -1);
  assert_int_equal(bufferevent_setfd(bev, sv[0]), 0);
  assert_int_equal(bufferevent_getfd(bev), sv[0]);
  /* the new socket carries data */
  bufferevent_enable(bev, EV_WRITE);
  bufferevent_write(bev, "abc", 3);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(recv(sv[1], buf, sizeof(buf), 0), 3);
  assert_memory_equal(buf, "abc", 3);
  bufferevent_free(bev);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void close_on_free_closes_the_socket(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *bev;
  char buf[4];
  (void)state;
  assert_int_equal(cu_tcp_pair(sv), 0);
  su_set_recv_timeout(sv[1], 5000);
  bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_free(bev);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(recv(sv[1], buf, sizeof(buf), 0), 0); /* EOF: closed */
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void without_close_on_free_the_socket_stays_open(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *bev;
  char buf[4];
  (void)state;
  cu_ignore_sigpipe();
  assert_int_equal(cu_tcp_pair(sv), 0);
  su_set_recv_timeout(sv[1], 5000);
  bev = bufferevent_socket_new(base, sv[0], 0);
  bufferevent_free(bev);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(send(sv[0], "xy", 2, 0), 2);
  assert_int_equal(recv(sv[1], buf, sizeof(buf), 0), 2);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(new_socket_bev_has_write_enabled_and_read_disabled),
      cmocka_unit_test(eof_is_reported_after_all_data_and_disables_reading),
      cmocka_unit_test(getfd_reports_the_socket_and_setfd_replaces_it),
      cmocka_unit_test(close_on_free_closes_the_socket),
      cmocka_unit_test(without_close_on_free_the_socket_stays_open),
  };
  return cmocka_run_group_tests_name("bev_socket_basic(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
