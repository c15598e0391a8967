/* SPDX-License-Identifier: MIT */
/* How TLS bufferevents end, libevent API only (built against uvbev and
 * libevent): close_notify is EOF; a transport close without it ("dirty") is an
 * error unless allowed, both ways; garbage or a vanished peer during the
 * handshake is an error with an OpenSSL error recorded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_fixture.h"

static int close_setup(void **state) {
  struct sf_fixture *c = calloc(1, sizeof(*c));
  assert_non_null(c);
  sf_fixture_init(c, 10000);
  *state = c;
  return 0;
}

static int close_teardown(void **state) {
  sf_fixture_free(*state);
  free(*state);
  return 0;
}

static void until_both_connected(struct sf_fixture *c);

static void on_event_until_connected(struct bufferevent *bev, short what, void *arg) {
  struct sf_fixture *c = arg;
  struct sf_side *s = bev == c->client.bev ? &c->client : &c->server;
  sf_on_event(bev, what, s);
  if ((c->client.connected && c->server.connected) || (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)))
    event_base_loopexit(c->base, NULL);
}

static void drain_read(struct bufferevent *bev, void *arg) {
  struct sf_fixture *c = arg;
  struct sf_side *s = bev == c->client.bev ? &c->client : &c->server;
  sf_take(s, bufferevent_get_input(bev), (size_t)-1);
}

/* Both sides reading; returns when both saw CONNECTED. */
static void until_both_connected(struct sf_fixture *c) {
  bufferevent_setcb(c->client.bev, drain_read, NULL, on_event_until_connected, c);
  bufferevent_setcb(c->server.bev, drain_read, NULL, on_event_until_connected, c);
  bufferevent_enable(c->client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c->server.bev, EV_READ | EV_WRITE);
  event_base_dispatch(c->base);
  assert_int_equal(c->client.connected, 1);
  assert_int_equal(c->server.connected, 1);
}

static void on_event_until_got(struct bufferevent *bev, short what, void *arg) {
  struct sf_fixture *c = arg;
  struct sf_side *s = bev == c->client.bev ? &c->client : &c->server;
  sf_on_event(bev, what, s);
  event_base_loopexit(c->base, NULL);
}

static void drain_read_until_got(struct bufferevent *bev, void *arg) {
  drain_read(bev, arg);
  event_base_loopexit(bufferevent_get_base(bev), NULL);
}

static void on_event_record(struct bufferevent *bev, short what, void *arg) {
  struct sf_fixture *c = arg;
  struct sf_side *s = bev == c->client.bev ? &c->client : &c->server;
  s->stop_on_event = 1;
  sf_on_event(bev, what, s);
}

/* Frees `closer` (its TCP connection closes, no close_notify) and runs until
 * `watcher` reports how the stream ended. */
static short close_dirty(struct sf_fixture *c, struct sf_side *closer, struct sf_side *watcher,
                         int allow) {
  SSL *ssl = bufferevent_openssl_get_ssl(watcher->bev);
  until_both_connected(c);
  bufferevent_setcb(watcher->bev, drain_read, NULL, on_event_record, c);
  if (allow) {
    bufferevent_openssl_set_allow_dirty_shutdown(watcher->bev, 1);
    assert_int_equal(bufferevent_openssl_get_allow_dirty_shutdown(watcher->bev), 1);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* libevent 2.1 recognises a dirty close only in OpenSSL 1.1's words */
    SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
  } else {
    assert_int_equal(bufferevent_openssl_get_allow_dirty_shutdown(watcher->bev), 0);
  }
  (void)ssl;
  /* A round trip first: the closer has read everything (TLS 1.3 tickets
   * too), so closing sends FIN, not RST (which would be a write error). */
  bufferevent_setcb(closer->bev, drain_read_until_got, NULL, on_event_until_got, c);
  bufferevent_write(watcher->bev, "x", 1);
  event_base_dispatch(c->base);
  assert_int_equal(closer->got, 1);
  bufferevent_free(closer->bev);
  closer->bev = NULL;
  event_base_dispatch(c->base);
  return watcher->events & (BEV_EVENT_EOF | BEV_EVENT_ERROR);
}

static void ssl_dirty_close_by_server_is_error_at_client(void **state) {
  struct sf_fixture *c = *state;
  assert_int_equal(
      sf_make_pair(c->base, SF_SOCKET, c->cctx, c->sctx, 0, &c->client.bev, &c->server.bev), 0);
  assert_int_equal(close_dirty(c, &c->server, &c->client, 0), BEV_EVENT_ERROR);
  assert_true(c->client.events & BEV_EVENT_READING);
}

static void ssl_dirty_close_by_client_is_error_at_server(void **state) {
  struct sf_fixture *c = *state;
  assert_int_equal(
      sf_make_pair(c->base, SF_FILTER, c->cctx, c->sctx, 0, &c->client.bev, &c->server.bev), 0);
  assert_int_equal(close_dirty(c, &c->client, &c->server, 0), BEV_EVENT_ERROR);
}

static void ssl_dirty_close_allowed_is_eof_at_client(void **state) {
  struct sf_fixture *c = *state;
  assert_int_equal(
      sf_make_pair(c->base, SF_SOCKET, c->cctx, c->sctx, 0, &c->client.bev, &c->server.bev), 0);
  assert_int_equal(close_dirty(c, &c->server, &c->client, 1), BEV_EVENT_EOF);
}

static void ssl_dirty_close_allowed_is_eof_at_server(void **state) {
  struct sf_fixture *c = *state;
  assert_int_equal(
      sf_make_pair(c->base, SF_FILTER, c->cctx, c->sctx, 0, &c->client.bev, &c->server.bev), 0);
  assert_int_equal(close_dirty(c, &c->client, &c->server, 1), BEV_EVENT_EOF);
}

/* close_notify (SSL_shutdown on the peer's SSL object) is a clean EOF, even
 * though dirty shutdowns are not allowed; data sent before it arrives. */
static void ssl_close_notify_is_eof(void **state) {
  struct sf_fixture *c = *state;
  assert_int_equal(
      sf_make_pair(c->base, SF_SOCKET, c->cctx, c->sctx, 0, &c->client.bev, &c->server.bev), 0);
  until_both_connected(c);
  bufferevent_setcb(c->client.bev, drain_read, NULL, on_event_record, c);
  sf_add_pattern(bufferevent_get_output(c->server.bev), 0, 100000);
  bufferevent_setcb(c->server.bev, NULL, NULL, NULL, NULL);
  /* Let the data go out first. */
  while (evbuffer_get_length(bufferevent_get_output(c->server.bev)) > 0 &&
         !(c->client.events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
    event_base_loop(c->base, EVLOOP_ONCE);
  assert_int_equal(SSL_shutdown(bufferevent_openssl_get_ssl(c->server.bev)) >= 0, 1);
  event_base_dispatch(c->base);
  sf_take(&c->client, bufferevent_get_input(c->client.bev), (size_t)-1);
  assert_int_equal(c->client.events & (BEV_EVENT_EOF | BEV_EVENT_ERROR), BEV_EVENT_EOF);
  assert_int_equal(c->client.got, 100000);
  assert_int_equal(c->client.bad_bytes, 0);
}

/* A raw TCP peer: sends `junk` (may be NULL) and closes if `close_after`. */
static void raw_peer(evutil_socket_t fd, const char *junk, int close_after) {
  if (junk) assert_true(send(fd, junk, strlen(junk), 0) == (ev_ssize_t)strlen(junk));
  if (close_after) evutil_closesocket(fd);
}

/* Our side (`ours`, on sv[ours_fd] with the given flavour and state) gets
 * junk instead of TLS from a raw peer: an error with an OpenSSL error, no
 * CONNECTED, and nothing left on the thread's error queue. */
static void garbage_is_error(struct sf_fixture *c, struct sf_side *ours, int ours_fd,
                             enum sf_flavour flavour, SSL_CTX *ctx,
                             enum bufferevent_ssl_state ssl_state, const char *junk) {
  evutil_socket_t sv[2];
  assert_int_equal(cu_tcp_pair(sv), 0);
  ours->bev = sf_tls_on_fd(c->base, flavour, sv[ours_fd], ctx, ssl_state, 0);
  assert_non_null(ours->bev);
  bufferevent_setcb(ours->bev, drain_read, NULL, on_event_record, c);
  bufferevent_enable(ours->bev, EV_READ | EV_WRITE);
  raw_peer(sv[1 - ours_fd], junk, 0);
  event_base_dispatch(c->base);
  evutil_closesocket(sv[1 - ours_fd]);
  assert_true(ours->events & BEV_EVENT_ERROR);
  assert_int_equal(ours->connected, 0);
  assert_true(ours->ssl_error != 0);
  assert_int_equal(ERR_peek_error(), 0);
}

static void ssl_garbage_to_server_is_error_with_openssl_error(void **state) {
  struct sf_fixture *c = *state;
  garbage_is_error(c, &c->server, 1, SF_SOCKET, c->sctx, BUFFEREVENT_SSL_ACCEPTING,
                   "GET / HTTP/1.1\r\nHost: example\r\n\r\n");
}

static void ssl_garbage_to_client_is_error_with_openssl_error(void **state) {
  struct sf_fixture *c = *state;
  garbage_is_error(c, &c->client, 0, SF_FILTER, c->cctx, BUFFEREVENT_SSL_CONNECTING,
                   "HTTP/1.0 400 Bad Request\r\n\r\nnot TLS at all, sorry\r\n");
}

static void ssl_peer_gone_during_handshake_is_error(void **state) {
  struct sf_fixture *c = *state;
  evutil_socket_t sv[2];
  assert_int_equal(cu_tcp_pair(sv), 0);
  c->server.bev = sf_tls_on_fd(c->base, SF_SOCKET, sv[1], c->sctx, BUFFEREVENT_SSL_ACCEPTING, 0);
  assert_non_null(c->server.bev);
  bufferevent_setcb(c->server.bev, drain_read, NULL, on_event_record, c);
  bufferevent_enable(c->server.bev, EV_READ | EV_WRITE);
  raw_peer(sv[0], "\x16\x03\x01", 1); /* the start of a record, then gone */
  event_base_dispatch(c->base);
  assert_true(c->server.events & BEV_EVENT_ERROR);
  assert_int_equal(c->server.connected, 0);
  assert_int_equal(ERR_peek_error(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(ssl_dirty_close_by_server_is_error_at_client, close_setup,
                                      close_teardown),
      cmocka_unit_test_setup_teardown(ssl_dirty_close_by_client_is_error_at_server, close_setup,
                                      close_teardown),
      cmocka_unit_test_setup_teardown(ssl_dirty_close_allowed_is_eof_at_client, close_setup,
                                      close_teardown),
      cmocka_unit_test_setup_teardown(ssl_dirty_close_allowed_is_eof_at_server, close_setup,
                                      close_teardown),
      cmocka_unit_test_setup_teardown(ssl_close_notify_is_eof, close_setup, close_teardown),
      cmocka_unit_test_setup_teardown(ssl_garbage_to_server_is_error_with_openssl_error,
                                      close_setup, close_teardown),
      cmocka_unit_test_setup_teardown(ssl_garbage_to_client_is_error_with_openssl_error,
                                      close_setup, close_teardown),
      cmocka_unit_test_setup_teardown(ssl_peer_gone_during_handshake_is_error, close_setup,
                                      close_teardown),
  };
  return cmocka_run_group_tests_name("bev_ssl_close (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
