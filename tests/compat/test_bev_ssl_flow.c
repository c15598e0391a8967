/* SPDX-License-Identifier: MIT */
/* Flow control and life of TLS bufferevents, libevent API only (built
 * against uvbev and libevent): the read high watermark with a consumer that
 * drains a few bytes at a time (libevent issue 690), timeouts while the peer
 * never speaks, and freeing a TLS bufferevent from its own callbacks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_fixture.h"

struct flow_ctx {
  struct sf_fixture f;
  size_t max_input; /* largest client input seen */
  size_t total;     /* bytes the server sends */
  int frees;        /* bufferevents freed from their callbacks */
};

static int flow_setup(void **state) {
  struct flow_ctx *c = calloc(1, sizeof(*c));
  assert_non_null(c);
  sf_fixture_init(&c->f, 20000);
  *state = c;
  return 0;
}

static int flow_teardown(void **state) {
  struct flow_ctx *c = *state;
  sf_fixture_free(&c->f);
  free(c);
  return 0;
}

/* ---- issue 690: small reads under a read high watermark --------------------------- */

/* The read callback takes the input a few bytes at a time.  The high
 * watermark is one TLS record: part of most records waits inside OpenSSL
 * until the user drains, and the layer must hand it over without new bytes
 * arriving from the socket.  (A watermark below the record size, or a
 * consumer that leaves bytes in the input between callbacks, stalls,
 * overshoots or corrupts the stream in libevent 2.1.12 with OpenSSL 3:
 * those variants are uvbev-only, in tests/unit/test_ssl_flow.c.) */
#define WM_HIGH 16384
#define WM_DRAIN 37
#define WM_TOTAL (300 * 1000)

static void wm_client_read(struct bufferevent *bev, void *arg) {
  struct flow_ctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (evbuffer_get_length(in) > c->max_input) c->max_input = evbuffer_get_length(in);
  while (evbuffer_get_length(in) > 0)
    sf_take(&c->f.client, in, WM_DRAIN);
  if (c->f.client.got >= c->total) event_base_loopexit(c->f.base, NULL);
}

static void wm_client_event(struct bufferevent *bev, short what, void *arg) {
  struct flow_ctx *c = arg;
  sf_on_event(bev, what, &c->f.client);
}

static void run_small_drains(struct flow_ctx *c, enum sf_flavour flavour) {
  assert_int_equal(
      sf_make_pair(c->f.base, flavour, c->f.cctx, c->f.sctx, 0, &c->f.client.bev, &c->f.server.bev),
      0);
  c->total = WM_TOTAL;
  c->f.client.stop_on_event = 1;
  bufferevent_setwatermark(c->f.client.bev, EV_READ, 0, WM_HIGH);
  bufferevent_setcb(c->f.client.bev, wm_client_read, NULL, wm_client_event, c);
  bufferevent_setcb(c->f.server.bev, NULL, NULL, sf_on_event, &c->f.server);
  bufferevent_enable(c->f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c->f.server.bev, EV_READ | EV_WRITE);
  sf_add_pattern(bufferevent_get_output(c->f.server.bev), 0, WM_TOTAL);
  event_base_dispatch(c->f.base);
  assert_int_equal(c->f.client.got, WM_TOTAL);
  assert_int_equal(c->f.client.bad_bytes, 0);
  assert_int_equal(c->f.client.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_true(c->max_input <= WM_HIGH);
}

static void ssl_socket_small_drains_under_high_watermark_complete(void **state) {
  run_small_drains(*state, SF_SOCKET);
}

static void ssl_filter_small_drains_under_high_watermark_complete(void **state) {
  run_small_drains(*state, SF_FILTER);
}

/* ---- the peer accepts TCP and never speaks ------------------------------------- */

static void run_handshake_timeout(struct flow_ctx *c, enum sf_flavour flavour) {
  evutil_socket_t sv[2];
  struct timeval tv = {0, 300 * 1000};
  long start;
  assert_int_equal(cu_tcp_pair(sv), 0);
  c->f.client.bev =
      sf_tls_on_fd(c->f.base, flavour, sv[0], c->f.cctx, BUFFEREVENT_SSL_CONNECTING, 0);
  assert_non_null(c->f.client.bev);
  c->f.client.stop_on_event = 1;
  bufferevent_setcb(c->f.client.bev, NULL, NULL, sf_on_event, &c->f.client);
  bufferevent_set_timeouts(c->f.client.bev, &tv, NULL);
  bufferevent_enable(c->f.client.bev, EV_READ | EV_WRITE);
  start = cu_now_ms();
  event_base_dispatch(c->f.base);
  evutil_closesocket(sv[1]);
  assert_true(c->f.client.events & BEV_EVENT_TIMEOUT);
  assert_int_equal(c->f.client.connected, 0);
  assert_true(cu_now_ms() - start >= 250);
}

static void ssl_socket_handshake_times_out_when_peer_is_silent(void **state) {
  run_handshake_timeout(*state, SF_SOCKET);
}

static void ssl_filter_handshake_times_out_when_peer_is_silent(void **state) {
  run_handshake_timeout(*state, SF_FILTER);
}

/* ---- freeing from the bufferevent's own callbacks --------------------------------- */

static void free_on_connected(struct bufferevent *bev, short what, void *arg) {
  struct flow_ctx *c = arg;
  struct sf_side *s = bev == c->f.client.bev ? &c->f.client : &c->f.server;
  sf_on_event(bev, what, s);
  bufferevent_free(bev);
  s->bev = NULL;
  if (++c->frees == 2) event_base_loopexit(c->f.base, NULL);
}

static void ssl_free_from_connected_callback(void **state) {
  struct flow_ctx *c = *state;
  assert_int_equal(sf_make_pair(c->f.base, SF_SOCKET, c->f.cctx, c->f.sctx, 0, &c->f.client.bev,
                                &c->f.server.bev),
                   0);
  bufferevent_setcb(c->f.client.bev, NULL, NULL, free_on_connected, c);
  bufferevent_setcb(c->f.server.bev, NULL, NULL, free_on_connected, c);
  bufferevent_enable(c->f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c->f.server.bev, EV_READ | EV_WRITE);
  event_base_dispatch(c->f.base);
  assert_int_equal(c->frees, 2);
  assert_int_equal(c->f.client.connected, 1);
  /* the server may see the client's close before its own handshake ends */
  assert_int_equal(c->f.server.connected + !!(c->f.server.events & BEV_EVENT_ERROR), 1);
}

static void free_mid_transfer(struct bufferevent *bev, void *arg) {
  struct flow_ctx *c = arg;
  sf_take(&c->f.client, bufferevent_get_input(bev), (size_t)-1);
  if (c->f.client.got >= 50000) {
    bufferevent_free(bev);
    c->f.client.bev = NULL;
    c->frees++;
    event_base_loopexit(c->f.base, NULL);
  }
}

static void ssl_free_from_read_callback_mid_transfer(void **state) {
  struct flow_ctx *c = *state;
  struct timeval settle = {0, 100 * 1000};
  assert_int_equal(sf_make_pair(c->f.base, SF_FILTER, c->f.cctx, c->f.sctx, 0, &c->f.client.bev,
                                &c->f.server.bev),
                   0);
  bufferevent_setcb(c->f.client.bev, free_mid_transfer, NULL, wm_client_event, c);
  bufferevent_setcb(c->f.server.bev, NULL, NULL, sf_on_event, &c->f.server);
  bufferevent_enable(c->f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c->f.server.bev, EV_READ | EV_WRITE);
  sf_add_pattern(bufferevent_get_output(c->f.server.bev), 0, 400000);
  event_base_dispatch(c->f.base);
  assert_int_equal(c->frees, 1);
  assert_int_equal(c->f.client.bad_bytes, 0);
  /* nothing of the freed one may run any more */
  event_base_loopexit(c->f.base, &settle);
  event_base_dispatch(c->f.base);
}

static void free_on_error(struct bufferevent *bev, short what, void *arg) {
  struct flow_ctx *c = arg;
  sf_on_event(bev, what, &c->f.server);
  if (what & BEV_EVENT_ERROR) {
    bufferevent_free(bev);
    c->f.server.bev = NULL;
    c->frees++;
    event_base_loopexit(c->f.base, NULL);
  }
}

static void ssl_free_from_error_callback(void **state) {
  struct flow_ctx *c = *state;
  evutil_socket_t sv[2];
  static const char junk[] = "\x16\x03\x01\x00\x05hello, this is not a client hello";
  assert_int_equal(cu_tcp_pair(sv), 0);
  c->f.server.bev =
      sf_tls_on_fd(c->f.base, SF_FILTER, sv[1], c->f.sctx, BUFFEREVENT_SSL_ACCEPTING, 0);
  assert_non_null(c->f.server.bev);
  bufferevent_setcb(c->f.server.bev, NULL, NULL, free_on_error, c);
  bufferevent_enable(c->f.server.bev, EV_READ | EV_WRITE);
  assert_true(send(sv[0], junk, sizeof(junk) - 1, 0) > 0);
  event_base_dispatch(c->f.base);
  evutil_closesocket(sv[0]);
  assert_int_equal(c->frees, 1);
  assert_true(c->f.server.ssl_error != 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(ssl_socket_small_drains_under_high_watermark_complete,
                                      flow_setup, flow_teardown),
      cmocka_unit_test_setup_teardown(ssl_filter_small_drains_under_high_watermark_complete,
                                      flow_setup, flow_teardown),
      cmocka_unit_test_setup_teardown(ssl_socket_handshake_times_out_when_peer_is_silent,
                                      flow_setup, flow_teardown),
      cmocka_unit_test_setup_teardown(ssl_filter_handshake_times_out_when_peer_is_silent,
                                      flow_setup, flow_teardown),
      cmocka_unit_test_setup_teardown(ssl_free_from_connected_callback, flow_setup, flow_teardown),
      cmocka_unit_test_setup_teardown(ssl_free_from_read_callback_mid_transfer, flow_setup,
                                      flow_teardown),
      cmocka_unit_test_setup_teardown(ssl_free_from_error_callback, flow_setup, flow_teardown),
  };
  return cmocka_run_group_tests_name("bev_ssl_flow (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
