/* SPDX-License-Identifier: MIT */
/* Socket bufferevents under load: 1 MiB echo, 100 concurrent echoes, a peer
 * that resets mid-transfer.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"
#include "sock-util.h"

struct echo_client {
  struct bufferevent *bev;
  struct evbuffer *got;
  size_t size;
  int done;
  int bad_event;
  int *left; /* clients still running; loop exits at 0 */
  struct event_base *base;
};

static void client_read(struct bufferevent *bev, void *arg) {
  struct echo_client *cl = arg;
  bufferevent_read_buffer(bev, cl->got);
  if (!cl->done && evbuffer_get_length(cl->got) >= cl->size) {
    cl->done = 1;
    if (--*cl->left == 0) event_base_loopexit(cl->base, NULL);
  }
}

static void client_event(struct bufferevent *bev, short what, void *arg) {
  struct echo_client *cl = arg;
  (void)bev;
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) cl->bad_event = what;
}

static void run_echo_clients(int nclients, size_t size) {
  struct event_base *base = event_base_new();
  struct echo_client *cl = calloc((size_t)nclients, sizeof(*cl));
  unsigned char *data = malloc(size);
  struct su_echo *echo;
  struct sockaddr_in sin;
  struct event *safety;
  int port, i, left = nclients;
  cu_ignore_sigpipe();
  echo = su_echo_start(base, &port);
  assert_non_null(echo);
  su_loopback_sin(&sin, port);
  su_fill_pattern(data, size, 0);
  for (i = 0; i < nclients; i++) {
    cl[i].size = size;
    cl[i].got = evbuffer_new();
    cl[i].left = &left;
    cl[i].base = base;
    cl[i].bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(cl[i].bev, client_read, NULL, client_event, &cl[i]);
    bufferevent_enable(cl[i].bev, EV_READ | EV_WRITE);
    bufferevent_write(cl[i].bev, data, size);
    assert_int_equal(bufferevent_socket_connect(cl[i].bev, (struct sockaddr *)&sin, sizeof(sin)),
                     0);
  }
  safety = cu_safety_timeout(base, 60000);
  event_base_dispatch(base);
  event_free(safety);
  assert_int_equal(left, 0);
  assert_int_equal(su_echo_accepted(echo), nclients);
  for (i = 0; i < nclients; i++) {
    assert_int_equal(cl[i].bad_event, 0);
    assert_int_equal(evbuffer_get_length(cl[i].got), size);
    assert_true(su_check_pattern(evbuffer_pullup(cl[i].got, -1), size, 0));
    bufferevent_free(cl[i].bev);
    evbuffer_free(cl[i].got);
  }
  su_echo_free(echo);
  free(data);
  free(cl);
  event_base_free(base);
}

static void one_mebibyte_echoes_byte_exact(void **state) {
  (void)state;
  run_echo_clients(1, 1024 * 1024);
}

static void hundred_concurrent_connections_echo_byte_exact(void **state) {
  (void)state;
  run_echo_clients(100, 16 * 1024);
}

struct reset_ctx {
  struct event_base *base;
  size_t got;
  int events;
  short what;
};

static void reset_read(struct bufferevent *bev, void *arg) {
  struct reset_ctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  c->got += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
}

static void reset_event(struct bufferevent *bev, short what, void *arg) {
  struct reset_ctx *c = arg;
  c->events++;
  c->what = what;
  bufferevent_free(bev); /* what users do; nothing may follow */
  event_base_loopexit(c->base, NULL);
}

/* The peer sends, then closes with SO_LINGER 0 (RST) while our side still
 * writes.  The first event is an error or EOF (libevent 2.1 on Linux reports
 * ERROR|WRITING with ECONNRESET; uvbev may read the data and see EOF first,
 * as libevent does when the read wins); freeing there ends all callbacks. */
static void peer_reset_mid_transfer_is_reported_once(void **state) {
  struct reset_ctx c;
  evutil_socket_t sv[2];
  struct bufferevent *bev;
  struct linger lg;
  struct event *safety;
  unsigned char *big = calloc(1, 256 * 1024);
  (void)state;
  memset(&c, 0, sizeof(c));
  cu_ignore_sigpipe();
  c.base = event_base_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  bev = bufferevent_socket_new(c.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, reset_read, NULL, reset_event, &c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  bufferevent_write(bev, big, 256 * 1024);
  assert_int_equal(send(sv[1], (const char *)big, 1000, 0), 1000);
  lg.l_onoff = 1;
  lg.l_linger = 0;
  setsockopt(sv[1], SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg));
  evutil_closesocket(sv[1]);
  safety = cu_safety_timeout(c.base, 10000);
  event_base_dispatch(c.base);
  event_base_loop(c.base, EVLOOP_NONBLOCK); /* would run a second event */
  event_free(safety);
  assert_int_equal(c.events, 1);
  assert_true(c.what & (BEV_EVENT_ERROR | BEV_EVENT_EOF));
  assert_true(c.what & (BEV_EVENT_READING | BEV_EVENT_WRITING));
  free(big);
  event_base_free(c.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_mebibyte_echoes_byte_exact),
      cmocka_unit_test(hundred_concurrent_connections_echo_byte_exact),
      cmocka_unit_test(peer_reset_mid_transfer_is_reported_once),
  };
  return cmocka_run_group_tests_name("bev_socket_stress(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
