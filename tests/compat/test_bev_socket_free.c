/* SPDX-License-Identifier: MIT */
/* Socket bufferevents: no callback after bufferevent_free (also from inside
 * each callback), deferred callbacks coalescing.  libevent API only. */
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

struct free_ctx {
  struct event_base *base;
  struct bufferevent *bev;
  evutil_socket_t peer;
  int reads, writes, events;
  short what;
  int free_in; /* 'r', 'w', 'e': free from that callback */
};

static void on_read(struct bufferevent *bev, void *arg) {
  struct free_ctx *c = arg;
  c->reads++;
  if (c->free_in == 'r') {
    bufferevent_free(bev);
    c->bev = NULL;
  }
}

static void on_write(struct bufferevent *bev, void *arg) {
  struct free_ctx *c = arg;
  c->writes++;
  if (c->free_in == 'w') {
    bufferevent_free(bev);
    c->bev = NULL;
  }
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct free_ctx *c = arg;
  c->events++;
  c->what |= what;
  if (c->free_in == 'e') {
    bufferevent_free(bev);
    c->bev = NULL;
  }
}

static void stop_loop(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopexit(arg, NULL);
}

static void run_for(struct event_base *base, int ms) {
  struct event *stop = evtimer_new(base, stop_loop, base);
  struct event *safety = cu_safety_timeout(base, ms + 5000);
  struct timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  evtimer_add(stop, &tv);
  event_base_dispatch(base);
  event_free(stop);
  event_free(safety);
}

static void setup(struct free_ctx *c, int options) {
  evutil_socket_t sv[2];
  memset(c, 0, sizeof(*c));
  cu_ignore_sigpipe();
  c->base = event_base_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  c->peer = sv[1];
  c->bev = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE | options);
  bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
}

static void teardown(struct free_ctx *c) {
  if (c->bev) bufferevent_free(c->bev);
  evutil_closesocket(c->peer);
  event_base_free(c->base);
}

/* The peer sends data in two bursts and closes: without the free, there
 * would be more reads and an EOF. */
static void free_from_read_callback(int options) {
  struct free_ctx c;
  setup(&c, options);
  c.free_in = 'r';
  bufferevent_enable(c.bev, EV_READ);
  assert_int_equal(send(c.peer, "one", 3, 0), 3);
  run_for(c.base, 100);
  assert_int_equal(send(c.peer, "two", 3, 0), 3);
  evutil_closesocket(c.peer);
  c.peer = socket(AF_INET, SOCK_STREAM, 0); /* teardown closes something */
  run_for(c.base, 100);
  assert_int_equal(c.reads, 1);
  assert_int_equal(c.events, 0);
  teardown(&c);
}

static void no_callback_after_free_from_read_callback(void **state) {
  (void)state;
  free_from_read_callback(0);
}

static void no_callback_after_free_from_deferred_read_callback(void **state) {
  (void)state;
  free_from_read_callback(BEV_OPT_DEFER_CALLBACKS);
}

static void no_callback_after_free_from_write_callback(void **state) {
  struct free_ctx c;
  (void)state;
  setup(&c, 0);
  c.free_in = 'w';
  bufferevent_enable(c.bev, EV_READ);
  bufferevent_write(c.bev, "x", 1);
  run_for(c.base, 100);
  assert_int_equal(send(c.peer, "late", 4, 0), 4);
  run_for(c.base, 100);
  assert_int_equal(c.writes, 1);
  assert_int_equal(c.reads, 0);
  assert_int_equal(c.events, 0);
  teardown(&c);
}

static void no_callback_after_free_from_event_callback(void **state) {
  struct free_ctx c;
  struct timeval rt = {0, 50000};
  (void)state;
  setup(&c, 0);
  c.free_in = 'e';
  bufferevent_enable(c.bev, EV_READ);
  bufferevent_set_timeouts(c.bev, &rt, &rt);
  bufferevent_write(c.bev, "x", 1);
  run_for(c.base, 300);
  assert_int_equal(c.events, 1);
  assert_int_equal(c.what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  teardown(&c);
}

static void no_callback_after_free_with_pending_data(void **state) {
  struct free_ctx c;
  (void)state;
  setup(&c, BEV_OPT_DEFER_CALLBACKS);
  bufferevent_enable(c.bev, EV_READ);
  assert_int_equal(send(c.peer, "data", 4, 0), 4);
  bufferevent_write(c.bev, "out", 3);
  bufferevent_free(c.bev);
  c.bev = NULL;
  run_for(c.base, 100);
  assert_int_equal(c.reads + c.writes + c.events, 0);
  teardown(&c);
}

/* Triggers before the deferred callbacks run coalesce into one call each,
 * event flags OR-ed. */
static void deferred_callbacks_coalesce(void **state) {
  struct free_ctx c;
  (void)state;
  setup(&c, BEV_OPT_DEFER_CALLBACKS);
  bufferevent_trigger(c.bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
  bufferevent_trigger(c.bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
  bufferevent_trigger_event(c.bev, BEV_EVENT_EOF, 0);
  bufferevent_trigger_event(c.bev, BEV_EVENT_READING, 0);
  assert_int_equal(c.reads + c.events, 0); /* nothing runs before the loop */
  run_for(c.base, 50);
  assert_int_equal(c.reads, 1);
  assert_int_equal(c.events, 1);
  assert_int_equal(c.what, BEV_EVENT_EOF | BEV_EVENT_READING);
  teardown(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_callback_after_free_from_read_callback),
      cmocka_unit_test(no_callback_after_free_from_deferred_read_callback),
      cmocka_unit_test(no_callback_after_free_from_write_callback),
      cmocka_unit_test(no_callback_after_free_from_event_callback),
      cmocka_unit_test(no_callback_after_free_with_pending_data),
      cmocka_unit_test(deferred_callbacks_coalesce),
  };
  return cmocka_run_group_tests_name("bev_socket_free(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
