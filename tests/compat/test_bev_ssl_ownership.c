/* SPDX-License-Identifier: MIT */
/* Who owns what a TLS bufferevent was given, as in libevent: the SSL object
 * and the socket are freed/closed with the bufferevent only with
 * BEV_OPT_CLOSE_ON_FREE; without it the caller reuses both (libevent's
 * regress ssl/bufferevent_socketpair_startopen: a handshake, then new
 * bufferevents in BUFFEREVENT_SSL_OPEN on the same SSL objects and sockets).
 * Also: a NULL base is event_init()'s; the handshake waits while the user
 * disabled both directions (regress ssl/..._timeout); the filter flavour's
 * bufferevent_setfd leaves its underlying's socket alone (..._freed_fd); a
 * socket flavour whose SSL got another BIO still works (..._connect_sleep).
 * libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event_compat.h>

#include "sock-util.h"
#include "ssl_fixture.h"

struct own_ctx {
  struct sf_fixture f;
  evutil_socket_t sv[2];
  SSL *cssl, *sssl;
  int connected; /* CONNECTED events, both sides */
  struct evbuffer *echoed;
};

static void own_event(struct bufferevent *bev, short what, void *arg) {
  struct own_ctx *c = arg;
  (void)bev;
  if ((what & BEV_EVENT_CONNECTED) && ++c->connected == 2) event_base_loopexit(c->f.base, NULL);
}

static void own_start(struct own_ctx *c, struct event_base *base) {
  memset(c, 0, sizeof(*c));
  if (base) {
    cu_ignore_sigpipe();
    c->f.base = base;
    c->f.cctx = sch_client_ctx(0);
    c->f.sctx = sch_server_ctx(0);
    c->f.safety = cu_safety_timeout(base, 10000);
  } else {
    sf_fixture_init(&c->f, 10000);
  }
  assert_int_equal(cu_tcp_pair(c->sv), 0);
  evutil_make_socket_nonblocking(c->sv[0]);
  evutil_make_socket_nonblocking(c->sv[1]);
  c->cssl = SSL_new(c->f.cctx);
  c->sssl = SSL_new(c->f.sctx);
  assert_non_null(c->cssl);
  assert_non_null(c->sssl);
  c->echoed = evbuffer_new();
}

static void own_end(struct own_ctx *c) {
  evbuffer_free(c->echoed);
  sf_fixture_free(&c->f);
}

/* TLS socket-flavour bufferevents on both ends, in `open` state or
 * handshaking, with `options`. */
static void own_socket_pair(struct own_ctx *c, struct event_base *base, int open, int options) {
  c->f.client.bev = bufferevent_openssl_socket_new(
      base, c->sv[0], c->cssl, open ? BUFFEREVENT_SSL_OPEN : BUFFEREVENT_SSL_CONNECTING, options);
  c->f.server.bev = bufferevent_openssl_socket_new(
      base, c->sv[1], c->sssl, open ? BUFFEREVENT_SSL_OPEN : BUFFEREVENT_SSL_ACCEPTING, options);
  assert_non_null(c->f.client.bev);
  assert_non_null(c->f.server.bev);
  bufferevent_setcb(c->f.client.bev, NULL, NULL, own_event, c);
  bufferevent_setcb(c->f.server.bev, NULL, NULL, own_event, c);
  bufferevent_enable(c->f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c->f.server.bev, EV_READ | EV_WRITE);
}

static void own_free_bevs(struct own_ctx *c) {
  bufferevent_free(c->f.client.bev);
  bufferevent_free(c->f.server.bev);
  c->f.client.bev = c->f.server.bev = NULL;
}

static void server_echo(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void client_collect(struct bufferevent *bev, void *arg) {
  struct own_ctx *c = arg;
  evbuffer_add_buffer(c->echoed, bufferevent_get_input(bev));
  if (evbuffer_get_length(c->echoed) >= 4) event_base_loopexit(c->f.base, NULL);
}

/* "ping" from the client comes back through the server's echo. */
static void own_ping(struct own_ctx *c) {
  bufferevent_setcb(c->f.server.bev, server_echo, NULL, NULL, c);
  bufferevent_setcb(c->f.client.bev, client_collect, NULL, NULL, c);
  bufferevent_write(c->f.client.bev, "ping", 4);
  event_base_dispatch(c->f.base);
  cu_assert_contents(c->echoed, "ping");
}

static void socket_flavour_without_close_on_free_leaves_ssl_and_socket(void **state) {
  struct own_ctx c;
  char b;
  (void)state;
  own_start(&c, NULL);
  own_socket_pair(&c, c.f.base, 1, 0);
  own_free_bevs(&c);
  event_base_loop(c.f.base, EVLOOP_NONBLOCK);
  assert_ptr_equal(SSL_get_SSL_CTX(c.cssl), c.f.cctx); /* still ours */
  assert_int_equal(send(c.sv[0], "x", 1, 0), 1);       /* still open */
  su_set_recv_timeout(c.sv[1], 5000);
  assert_int_equal(recv(c.sv[1], &b, 1, 0), 1);
  assert_int_equal(b, 'x');
  SSL_free(c.cssl);
  SSL_free(c.sssl);
  evutil_closesocket(c.sv[0]);
  evutil_closesocket(c.sv[1]);
  own_end(&c);
}

static void filter_flavour_without_close_on_free_leaves_ssl(void **state) {
  struct own_ctx c;
  struct bufferevent *under, *tls;
  (void)state;
  own_start(&c, NULL);
  under = bufferevent_socket_new(c.f.base, c.sv[0], BEV_OPT_CLOSE_ON_FREE);
  tls = bufferevent_openssl_filter_new(c.f.base, under, c.cssl, BUFFEREVENT_SSL_OPEN, 0);
  assert_non_null(tls);
  bufferevent_free(tls);
  event_base_loop(c.f.base, EVLOOP_NONBLOCK);
  assert_ptr_equal(SSL_get_SSL_CTX(c.cssl), c.f.cctx);
  assert_int_equal(bufferevent_getfd(under), c.sv[0]); /* the underlying stays too */
  bufferevent_free(under);
  SSL_free(c.cssl);
  SSL_free(c.sssl);
  evutil_closesocket(c.sv[1]);
  own_end(&c);
}

/* regress ssl/bufferevent_socketpair_startopen. */
static void ssl_and_socket_reused_by_open_bufferevents(void **state) {
  struct own_ctx c;
  (void)state;
  own_start(&c, NULL);
  own_socket_pair(&c, c.f.base, 0, BEV_OPT_DEFER_CALLBACKS);
  event_base_dispatch(c.f.base);
  assert_int_equal(c.connected, 2);
  own_free_bevs(&c);
  own_socket_pair(&c, c.f.base, 1, BEV_OPT_DEFER_CALLBACKS | BEV_OPT_CLOSE_ON_FREE);
  own_ping(&c); /* the SSL objects and sockets go with these */
  own_end(&c);
}

static void ssl_bufferevents_with_a_null_base(void **state) {
  struct own_ctx c;
  struct event_base *base = event_init();
  struct bufferevent *under;
  (void)state;
  own_start(&c, base);
  c.f.client.bev = bufferevent_openssl_socket_new(NULL, c.sv[0], c.cssl, BUFFEREVENT_SSL_CONNECTING,
                                                  BEV_OPT_CLOSE_ON_FREE);
  under = bufferevent_socket_new(NULL, c.sv[1], BEV_OPT_CLOSE_ON_FREE);
  c.f.server.bev = bufferevent_openssl_filter_new(NULL, under, c.sssl, BUFFEREVENT_SSL_ACCEPTING,
                                                  BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(c.f.client.bev);
  assert_non_null(c.f.server.bev);
  bufferevent_setcb(c.f.client.bev, NULL, NULL, own_event, &c);
  bufferevent_setcb(c.f.server.bev, NULL, NULL, own_event, &c);
  bufferevent_enable(c.f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c.f.server.bev, EV_READ | EV_WRITE);
  event_base_dispatch(base);
  assert_int_equal(c.connected, 2);
  own_ping(&c);
  own_end(&c);
}

static void note_event(struct bufferevent *bev, short what, void *arg) {
  sf_on_event(bev, what, arg);
}

/* regress ssl/bufferevent_socketpair_timeout: the server's user disabled
 * both directions, so its handshake waits and the client times out. */
static void handshake_waits_while_both_directions_are_disabled(void **state) {
  struct own_ctx c;
  struct timeval t = {0, 200000};
  (void)state;
  own_start(&c, NULL);
  own_socket_pair(&c, c.f.base, 0, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(c.f.client.bev, NULL, NULL, note_event, &c.f.client);
  bufferevent_setcb(c.f.server.bev, NULL, NULL, note_event, &c.f.server);
  bufferevent_disable(c.f.server.bev, EV_READ | EV_WRITE);
  bufferevent_set_timeouts(c.f.client.bev, &t, &t);
  c.f.client.stop_on_event = 1;
  event_base_dispatch(c.f.base);
  assert_true(c.f.client.events & BEV_EVENT_TIMEOUT);
  assert_int_equal(c.f.client.connected, 0);
  assert_int_equal(c.f.server.connected, 0);
  own_end(&c);
}

/* regress ssl/bufferevent_filter_freed_fd. */
static void filter_flavour_setfd_leaves_the_underlying_socket(void **state) {
  struct own_ctx c;
  struct bufferevent *under;
  (void)state;
  own_start(&c, NULL);
  under = bufferevent_socket_new(c.f.base, c.sv[0], BEV_OPT_CLOSE_ON_FREE);
  c.f.client.bev = bufferevent_openssl_filter_new(c.f.base, under, c.cssl, BUFFEREVENT_SSL_OPEN,
                                                  BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(c.f.client.bev);
  assert_int_equal(bufferevent_getfd(c.f.client.bev), c.sv[0]);
  assert_int_equal(bufferevent_setfd(c.f.client.bev, EVUTIL_INVALID_SOCKET), 0);
  assert_int_equal(bufferevent_getfd(c.f.client.bev), c.sv[0]);
  assert_int_equal(bufferevent_getfd(under), c.sv[0]);
  SSL_free(c.sssl);
  evutil_closesocket(c.sv[1]);
  own_end(&c);
}

/* regress ssl/bufferevent_connect_sleep: the caller gives the client's SSL
 * another BIO on the same socket after making the bufferevent; the
 * connection still works (libevent then talks through that BIO; uvbev
 * through its socket bufferevent, which owns the socket). */
static void socket_flavour_survives_a_replaced_bio(void **state) {
  struct own_ctx c;
  BIO *bio;
  (void)state;
  own_start(&c, NULL);
  own_socket_pair(&c, c.f.base, 0, BEV_OPT_CLOSE_ON_FREE);
  bio = BIO_new_socket((int)c.sv[0], BIO_NOCLOSE);
  assert_non_null(bio);
  SSL_set_bio(c.cssl, bio, bio);
  event_base_dispatch(c.f.base);
  assert_int_equal(c.connected, 2);
  own_ping(&c);
  own_end(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_flavour_without_close_on_free_leaves_ssl_and_socket),
      cmocka_unit_test(filter_flavour_without_close_on_free_leaves_ssl),
      cmocka_unit_test(ssl_and_socket_reused_by_open_bufferevents),
      cmocka_unit_test(ssl_bufferevents_with_a_null_base),
      cmocka_unit_test(handshake_waits_while_both_directions_are_disabled),
      cmocka_unit_test(filter_flavour_setfd_leaves_the_underlying_socket),
      cmocka_unit_test(socket_flavour_survives_a_replaced_bio),
  };
  return cmocka_run_group_tests_name("bev_ssl_ownership(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
