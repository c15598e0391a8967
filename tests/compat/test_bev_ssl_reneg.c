/* SPDX-License-Identifier: MIT */
/* TLS 1.2 renegotiation on TLS bufferevents, libevent API only (built
 * against uvbev and libevent): the server asks for it, data keeps flowing
 * byte-exact both ways, and the handshake really runs again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_fixture.h"

#define RENEG_BYTES (200 * 1000)

struct reneg_ctx {
  struct event_base *base;
  struct sf_side client, server;
  SSL_CTX *cctx, *sctx;
  struct event *safety;
  int phase; /* 0: handshake, 1: after renegotiate() */
  int reneg_result;
};

static int reneg_setup(void **state) {
  struct reneg_ctx *r = calloc(1, sizeof(*r));
  cu_ignore_sigpipe();
  assert_non_null(r);
  r->base = event_base_new();
  r->cctx = sch_client_ctx(TLS1_2_VERSION);
  r->sctx = sch_server_ctx(TLS1_2_VERSION);
  assert_non_null(r->base);
  assert_non_null(r->cctx);
  assert_non_null(r->sctx);
  r->safety = cu_safety_timeout(r->base, 20000);
  *state = r;
  return 0;
}

static int reneg_teardown(void **state) {
  struct reneg_ctx *r = *state;
  if (r->client.bev) bufferevent_free(r->client.bev);
  if (r->server.bev) bufferevent_free(r->server.bev);
  event_free(r->safety);
  event_base_free(r->base);
  SSL_CTX_free(r->cctx);
  SSL_CTX_free(r->sctx);
  free(r);
  return 0;
}

static void echo_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct reneg_ctx *r = arg;
  sf_take(&r->client, bufferevent_get_input(bev), (size_t)-1);
  if (r->client.got >= RENEG_BYTES) event_base_loopexit(r->base, NULL);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct reneg_ctx *r = arg;
  struct sf_side *s = bev == r->client.bev ? &r->client : &r->server;
  s->stop_on_event = 1;
  sf_on_event(bev, what, s);
  if (r->phase == 0 && r->client.connected && r->server.connected)
    event_base_loopexit(r->base, NULL);
}

static void run_renegotiation(struct reneg_ctx *r, enum sf_flavour flavour) {
  SSL *cssl, *sssl;
  long before;
  assert_int_equal(
      sf_make_pair(r->base, flavour, r->cctx, r->sctx, 0, &r->client.bev, &r->server.bev), 0);
  bufferevent_setcb(r->client.bev, client_read, NULL, on_event, r);
  bufferevent_setcb(r->server.bev, echo_read, NULL, on_event, r);
  bufferevent_enable(r->client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(r->server.bev, EV_READ | EV_WRITE);
  event_base_dispatch(r->base);
  cssl = bufferevent_openssl_get_ssl(r->client.bev);
  sssl = bufferevent_openssl_get_ssl(r->server.bev);
  assert_non_null(cssl);
  assert_non_null(sssl);
  assert_int_equal(SSL_version(cssl), TLS1_2_VERSION);

  before = SSL_total_renegotiations(cssl);
  r->phase = 1;
  /* uvbev says 0; libevent 2.1 says 1 when its first step completed */
  assert_true(bufferevent_ssl_renegotiate(r->server.bev) >= 0);
  sf_add_pattern(bufferevent_get_output(r->client.bev), 0, RENEG_BYTES);
  event_base_dispatch(r->base);

  assert_int_equal(r->client.got, RENEG_BYTES);
  assert_int_equal(r->client.bad_bytes, 0);
  assert_int_equal(r->client.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_int_equal(r->server.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  /* the client went through a second handshake */
  assert_true(SSL_total_renegotiations(cssl) > before);
}

static void ssl_socket_renegotiation_keeps_data_flowing(void **state) {
  run_renegotiation(*state, SF_SOCKET);
}

static void ssl_filter_renegotiation_keeps_data_flowing(void **state) {
  run_renegotiation(*state, SF_FILTER);
}

static void ssl_renegotiate_rejects_non_tls_bufferevent(void **state) {
  struct reneg_ctx *r = *state;
  struct bufferevent *plain = bufferevent_socket_new(r->base, -1, 0);
  assert_non_null(plain);
  assert_int_equal(bufferevent_ssl_renegotiate(plain), -1);
  assert_null(bufferevent_openssl_get_ssl(plain));
  assert_int_equal(bufferevent_get_openssl_error(plain), 0);
  bufferevent_free(plain);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(ssl_socket_renegotiation_keeps_data_flowing, reneg_setup,
                                      reneg_teardown),
      cmocka_unit_test_setup_teardown(ssl_filter_renegotiation_keeps_data_flowing, reneg_setup,
                                      reneg_teardown),
      cmocka_unit_test_setup_teardown(ssl_renegotiate_rejects_non_tls_bufferevent, reneg_setup,
                                      reneg_teardown),
  };
  return cmocka_run_group_tests_name("bev_ssl_reneg (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
