/* SPDX-License-Identifier: MIT */
/* Connecting a TLS socket-flavour bufferevent made with fd -1, through the TLS
 * bufferevent itself (bufferevent_socket_connect / _connect_hostname), as
 * libevent users do.  Libevent API only: built against uvbev and libevent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/listener.h>

#include "ssl_fixture.h"
#include "sock-util.h"

static const char greeting[] = "written before the connection existed";

struct conn_ctx {
  struct event_base *base;
  struct evconnlistener *lev;
  struct bufferevent *server;
  struct sf_side client;
  struct evbuffer *echoed;
  SSL_CTX *cctx, *sctx;
  int port;
};

static void server_echo(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct conn_ctx *c = arg;
  (void)lev, (void)sa, (void)socklen;
  c->server = bufferevent_openssl_socket_new(c->base, fd, SSL_new(c->sctx),
                                             BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(c->server);
  bufferevent_setcb(c->server, server_echo, NULL, NULL, c);
  bufferevent_enable(c->server, EV_READ | EV_WRITE);
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct conn_ctx *c = arg;
  evbuffer_add_buffer(c->echoed, bufferevent_get_input(bev));
  if (evbuffer_get_length(c->echoed) >= sizeof(greeting)) event_base_loopexit(c->base, NULL);
}

static void client_event(struct bufferevent *bev, short what, void *arg) {
  struct conn_ctx *c = arg;
  sf_on_event(bev, what, &c->client);
}

static int conn_setup(void **state) {
  struct conn_ctx *c = calloc(1, sizeof(*c));
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  assert_non_null(c);
  cu_ignore_sigpipe();
  c->base = event_base_new();
  c->cctx = sch_client_ctx(0);
  c->sctx = sch_server_ctx(0);
  c->echoed = evbuffer_new();
  su_loopback_sin(&sin, 0);
  c->lev = evconnlistener_new_bind(c->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                   -1, (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(c->lev);
  assert_int_equal(getsockname(evconnlistener_get_fd(c->lev), (struct sockaddr *)&sin, &len), 0);
  c->port = ntohs(sin.sin_port);
  c->client.stop_on_event = 1;
  c->client.bev = bufferevent_openssl_socket_new(c->base, -1, SSL_new(c->cctx),
                                                 BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(c->client.bev);
  bufferevent_setcb(c->client.bev, client_read, NULL, client_event, c);
  bufferevent_enable(c->client.bev, EV_READ | EV_WRITE);
  *state = c;
  return 0;
}

static int conn_teardown(void **state) {
  struct conn_ctx *c = *state;
  bufferevent_free(c->client.bev);
  if (c->server) bufferevent_free(c->server);
  evconnlistener_free(c->lev);
  evbuffer_free(c->echoed);
  event_base_free(c->base);
  SSL_CTX_free(c->cctx);
  SSL_CTX_free(c->sctx);
  free(c);
  return 0;
}

static void assert_echoed_after_handshake(struct conn_ctx *c) {
  assert_int_equal(c->client.connected, 1);
  assert_false(c->client.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF));
  assert_int_equal(evbuffer_get_length(c->echoed), sizeof(greeting));
  assert_memory_equal(evbuffer_pullup(c->echoed, -1), greeting, sizeof(greeting));
}

static void tls_socket_connects_by_address_through_the_tls_bev(void **state) {
  struct conn_ctx *c = *state;
  struct sockaddr_in sin;
  su_loopback_sin(&sin, c->port);
  assert_int_equal(bufferevent_write(c->client.bev, greeting, sizeof(greeting)), 0);
  assert_int_equal(bufferevent_socket_connect(c->client.bev, (struct sockaddr *)&sin, sizeof(sin)),
                   0);
  cu_dispatch_bounded(c->base, 5000);
  assert_echoed_after_handshake(c);
}

static void tls_socket_connects_by_name_through_the_tls_bev(void **state) {
  struct conn_ctx *c = *state;
  assert_int_equal(bufferevent_write(c->client.bev, greeting, sizeof(greeting)), 0);
  assert_int_equal(
      bufferevent_socket_connect_hostname(c->client.bev, NULL, AF_INET, "127.0.0.1", c->port), 0);
  cu_dispatch_bounded(c->base, 5000);
  assert_echoed_after_handshake(c);
  assert_int_equal(bufferevent_socket_get_dns_error(c->client.bev), 0);
}

static void tls_socket_connect_refused_is_an_error_not_connected(void **state) {
  struct conn_ctx *c = *state;
  struct sockaddr_in sin;
  su_loopback_sin(&sin, su_closed_port());
  assert_int_equal(bufferevent_socket_connect(c->client.bev, (struct sockaddr *)&sin, sizeof(sin)),
                   0);
  cu_dispatch_bounded(c->base, 5000);
  assert_int_equal(c->client.connected, 0);
  assert_true(c->client.events & BEV_EVENT_ERROR);
}

#define CONN_TEST(fn) cmocka_unit_test_setup_teardown(fn, conn_setup, conn_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      CONN_TEST(tls_socket_connects_by_address_through_the_tls_bev),
      CONN_TEST(tls_socket_connects_by_name_through_the_tls_bev),
      CONN_TEST(tls_socket_connect_refused_is_an_error_not_connected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
