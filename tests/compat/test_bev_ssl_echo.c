/* SPDX-License-Identifier: MIT */
/* TLS bufferevents, libevent API only (built against uvbev and libevent):
 * handshake, then 1 MB echoed byte-exact, over the socket and the filter
 * flavour, and a client filter over a socket that is still connecting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/listener.h>

#include "ssl_fixture.h"

#define ECHO_BYTES (1024 * 1024)

struct echo_ctx {
  struct event_base *base;
  struct sf_side client, server;
  SSL_CTX *cctx, *sctx;
};

static void server_echo(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct echo_ctx *e = arg;
  sf_take(&e->client, bufferevent_get_input(bev), (size_t)-1);
  if (e->client.got >= ECHO_BYTES) event_base_loopexit(e->base, NULL);
}

static void client_event(struct bufferevent *bev, short what, void *arg) {
  struct echo_ctx *e = arg;
  sf_on_event(bev, what, &e->client);
}

static int echo_setup(void **state) {
  struct echo_ctx *e = calloc(1, sizeof(*e));
  cu_ignore_sigpipe();
  assert_non_null(e);
  e->base = event_base_new();
  e->cctx = sch_client_ctx(0);
  e->sctx = sch_server_ctx(0);
  assert_non_null(e->base);
  assert_non_null(e->cctx);
  assert_non_null(e->sctx);
  e->client.stop_on_event = e->server.stop_on_event = 1;
  *state = e;
  return 0;
}

static int echo_teardown(void **state) {
  struct echo_ctx *e = *state;
  if (e->client.bev) bufferevent_free(e->client.bev);
  if (e->server.bev) bufferevent_free(e->server.bev);
  event_base_free(e->base);
  SSL_CTX_free(e->cctx);
  SSL_CTX_free(e->sctx);
  free(e);
  return 0;
}

/* Client writes 1 MB before the handshake; the server echoes; the client
 * checks every byte. */
static void run_echo(struct echo_ctx *e) {
  struct event *safety = cu_safety_timeout(e->base, 20000);
  bufferevent_setcb(e->client.bev, client_read, NULL, client_event, e);
  bufferevent_setcb(e->server.bev, server_echo, NULL, sf_on_event, &e->server);
  bufferevent_enable(e->client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(e->server.bev, EV_READ | EV_WRITE);
  sf_add_pattern(bufferevent_get_output(e->client.bev), 0, ECHO_BYTES);
  event_base_dispatch(e->base);
  event_free(safety);
  assert_int_equal(e->client.connected, 1);
  assert_int_equal(e->server.connected, 1);
  assert_int_equal(e->client.got_at_connect, 0);
  assert_int_equal(e->client.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_int_equal(e->server.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_int_equal(e->client.got, ECHO_BYTES);
  assert_int_equal(e->client.bad_bytes, 0);
}

static void ssl_socket_flavour_echoes_1mb_byte_exact(void **state) {
  struct echo_ctx *e = *state;
  assert_int_equal(
      sf_make_pair(e->base, SF_SOCKET, e->cctx, e->sctx, 0, &e->client.bev, &e->server.bev), 0);
  run_echo(e);
}

static void ssl_filter_flavour_echoes_1mb_byte_exact(void **state) {
  struct echo_ctx *e = *state;
  assert_int_equal(
      sf_make_pair(e->base, SF_FILTER, e->cctx, e->sctx, 0, &e->client.bev, &e->server.bev), 0);
  run_echo(e);
}

static void ssl_deferred_callbacks_echo_1mb(void **state) {
  struct echo_ctx *e = *state;
  assert_int_equal(sf_make_pair(e->base, SF_FILTER, e->cctx, e->sctx, BEV_OPT_DEFER_CALLBACKS,
                                &e->client.bev, &e->server.bev),
                   0);
  run_echo(e);
}

/* The peer's TLS bufferevent is created when the listener accepts. */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct echo_ctx *e = arg;
  (void)l;
  (void)sa;
  (void)socklen;
  e->server.bev = sf_tls_on_fd(e->base, SF_SOCKET, fd, e->sctx, BUFFEREVENT_SSL_ACCEPTING, 0);
  assert_non_null(e->server.bev);
  bufferevent_setcb(e->server.bev, server_echo, NULL, sf_on_event, &e->server);
  bufferevent_enable(e->server.bev, EV_READ | EV_WRITE);
}

static void ssl_client_filter_over_connecting_socket(void **state) {
  struct echo_ctx *e = *state;
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  struct evconnlistener *l;
  struct bufferevent *under;
  struct event *safety;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  l = evconnlistener_new_bind(e->base, on_accept, e, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                              (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(l);
  assert_int_equal(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len), 0);

  under = bufferevent_socket_new(e->base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(under);
  assert_int_equal(bufferevent_socket_connect(under, (struct sockaddr *)&sin, sizeof(sin)), 0);
  /* TLS goes on while TCP is still connecting. */
  e->client.bev = bufferevent_openssl_filter_new(e->base, under, SSL_new(e->cctx),
                                                 BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(e->client.bev);
  safety = cu_safety_timeout(e->base, 20000);
  bufferevent_setcb(e->client.bev, client_read, NULL, client_event, e);
  bufferevent_enable(e->client.bev, EV_READ | EV_WRITE);
  sf_add_pattern(bufferevent_get_output(e->client.bev), 0, ECHO_BYTES);
  event_base_dispatch(e->base);
  event_free(safety);
  evconnlistener_free(l);
  assert_int_equal(e->client.connected, 1); /* once: after the handshake, not at TCP connect */
  assert_int_equal(e->client.got, ECHO_BYTES);
  assert_int_equal(e->client.bad_bytes, 0);
  assert_int_equal(e->client.events & BEV_EVENT_ERROR, 0);
}

/* Small writes both ways, many round trips (the write path from the
 * callbacks). */
struct pingpong {
  struct echo_ctx *e;
  int rounds;
};

static void pp_client_read(struct bufferevent *bev, void *arg) {
  struct pingpong *pp = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (evbuffer_get_length(in) < 5) return;
  evbuffer_drain(in, 5);
  if (++pp->rounds == 200) {
    event_base_loopexit(pp->e->base, NULL);
    return;
  }
  bufferevent_write(bev, "ping\n", 5);
}

static void pp_client_event(struct bufferevent *bev, short what, void *arg) {
  struct pingpong *pp = arg;
  sf_on_event(bev, what, &pp->e->client);
}

static void ssl_many_small_round_trips(void **state) {
  struct echo_ctx *e = *state;
  struct pingpong pp = {e, 0};
  struct event *safety;
  assert_int_equal(
      sf_make_pair(e->base, SF_SOCKET, e->cctx, e->sctx, 0, &e->client.bev, &e->server.bev), 0);
  safety = cu_safety_timeout(e->base, 20000);
  bufferevent_setcb(e->client.bev, pp_client_read, NULL, pp_client_event, &pp);
  bufferevent_setcb(e->server.bev, server_echo, NULL, sf_on_event, &e->server);
  bufferevent_enable(e->client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(e->server.bev, EV_READ | EV_WRITE);
  bufferevent_write(e->client.bev, "ping\n", 5);
  event_base_dispatch(e->base);
  event_free(safety);
  assert_int_equal(pp.rounds, 200);
  assert_int_equal(e->client.events & BEV_EVENT_ERROR, 0);
}

/* The handshake runs although nobody enabled EV_READ (a new bufferevent has
 * only EV_WRITE enabled). */
static void until_connected_event(struct bufferevent *bev, short what, void *arg) {
  struct echo_ctx *e = arg;
  sf_on_event(bev, what, bev == e->client.bev ? &e->client : &e->server);
  if (e->client.connected && e->server.connected) event_base_loopexit(e->base, NULL);
}

static void ssl_handshake_completes_without_enable_read(void **state) {
  struct echo_ctx *e = *state;
  struct event *safety;
  assert_int_equal(
      sf_make_pair(e->base, SF_FILTER, e->cctx, e->sctx, 0, &e->client.bev, &e->server.bev), 0);
  assert_int_equal(bufferevent_get_enabled(e->client.bev) & EV_READ, 0);
  safety = cu_safety_timeout(e->base, 10000);
  bufferevent_setcb(e->client.bev, NULL, NULL, until_connected_event, e);
  bufferevent_setcb(e->server.bev, NULL, NULL, until_connected_event, e);
  event_base_dispatch(e->base);
  event_free(safety);
  assert_int_equal(e->client.connected, 1);
  assert_int_equal(e->server.connected, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(ssl_socket_flavour_echoes_1mb_byte_exact, echo_setup,
                                      echo_teardown),
      cmocka_unit_test_setup_teardown(ssl_filter_flavour_echoes_1mb_byte_exact, echo_setup,
                                      echo_teardown),
      cmocka_unit_test_setup_teardown(ssl_deferred_callbacks_echo_1mb, echo_setup, echo_teardown),
      cmocka_unit_test_setup_teardown(ssl_client_filter_over_connecting_socket, echo_setup,
                                      echo_teardown),
      cmocka_unit_test_setup_teardown(ssl_many_small_round_trips, echo_setup, echo_teardown),
      cmocka_unit_test_setup_teardown(ssl_handshake_completes_without_enable_read, echo_setup,
                                      echo_teardown),
  };
  return cmocka_run_group_tests_name("bev_ssl_echo (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
