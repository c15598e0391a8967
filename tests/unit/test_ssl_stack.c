/* SPDX-License-Identifier: MIT */
/* TLS as a layer (uvbev-only behaviour): TLS over TLS, TLS over the zlib
 * filter, TLS over a pair; backpressure from a stalled reader bounded by the
 * underlying's write high watermark; a consumer slower than the network under
 * a read high watermark far below a TLS record (libevent issue 690, the
 * variants libevent 2.1.12 stalls on or corrupts). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uvbev/uvbev-config.h>
#if UVBEV_WITH_ZLIB
#include <uvbev/zlib.h>
#endif

#include "ssl_rig.h"

struct end {
  struct bufferevent *bev;
  short events;
  int connected;
  size_t got;
  int bad;
  size_t max_input;
};

struct stack {
  struct event_base *base;
  SSL_CTX *cctx, *sctx;
  struct end client, server;
  size_t want;
  struct event *safety;
};

static int stack_setup(void **state) {
  struct stack *s = calloc(1, sizeof(*s));
  rig_ignore_sigpipe();
  assert_non_null(s);
  s->base = event_base_new();
  s->cctx = sch_client_ctx(0);
  s->sctx = sch_server_ctx(0);
  assert_non_null(s->cctx);
  assert_non_null(s->sctx);
  s->safety = rig_safety(s->base, 30000);
  *state = s;
  return 0;
}

static int stack_teardown(void **state) {
  struct stack *s = *state;
  if (s->client.bev) bufferevent_free(s->client.bev);
  if (s->server.bev) bufferevent_free(s->server.bev);
  event_free(s->safety);
  event_base_free(s->base);
  SSL_CTX_free(s->cctx);
  SSL_CTX_free(s->sctx);
  free(s);
  return 0;
}

static struct bufferevent *tls_over(struct bufferevent *under, SSL_CTX *ctx,
                                    enum bufferevent_ssl_state st) {
  struct bufferevent *b = bufferevent_openssl_filter_new(bufferevent_get_base(under), under,
                                                         SSL_new(ctx), st, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(b);
  return b;
}

static void echo_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct stack *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (evbuffer_get_length(in) > s->client.max_input) s->client.max_input = evbuffer_get_length(in);
  s->client.bad += rig_take(in, (size_t)-1, &s->client.got);
  if (s->client.got >= s->want) event_base_loopexit(s->base, NULL);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct stack *s = arg;
  struct end *e = bev == s->client.bev ? &s->client : &s->server;
  e->events |= what;
  if (what & BEV_EVENT_CONNECTED) e->connected++;
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
    event_base_loopexit(s->base, NULL);
}

/* The client writes `want` bytes; the server echoes them back. */
static void echo_through(struct stack *s, size_t want) {
  s->want = want;
  bufferevent_setcb(s->client.bev, client_read, NULL, on_event, s);
  bufferevent_setcb(s->server.bev, echo_read, NULL, on_event, s);
  bufferevent_enable(s->client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(s->server.bev, EV_READ | EV_WRITE);
  rig_add_pattern(bufferevent_get_output(s->client.bev), 0, want);
  event_base_dispatch(s->base);
  assert_int_equal(s->client.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_int_equal(s->server.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_int_equal(s->client.connected, 1);
  assert_int_equal(s->server.connected, 1);
  assert_int_equal(s->client.got, want);
  assert_int_equal(s->client.bad, 0);
}

static void tls_over_tls_over_pair_echoes(void **state) {
  struct stack *s = *state;
  struct bufferevent *pair[2], *inner_c, *inner_s;
  assert_int_equal(bufferevent_pair_new(s->base, 0, pair), 0);
  inner_c = tls_over(pair[0], s->cctx, BUFFEREVENT_SSL_CONNECTING);
  inner_s = tls_over(pair[1], s->sctx, BUFFEREVENT_SSL_ACCEPTING);
  s->client.bev = tls_over(inner_c, s->cctx, BUFFEREVENT_SSL_CONNECTING);
  s->server.bev = tls_over(inner_s, s->sctx, BUFFEREVENT_SSL_ACCEPTING);
  echo_through(s, 512 * 1024);
}

static void tls_over_socket_bufferevents_echoes(void **state) {
  struct stack *s = *state;
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  assert_int_equal(rig_tcp_pair(sv), 0);
  s->client.bev = tls_over(bufferevent_socket_new(s->base, sv[0], BEV_OPT_CLOSE_ON_FREE), s->cctx,
                           BUFFEREVENT_SSL_CONNECTING);
  s->server.bev = tls_over(bufferevent_socket_new(s->base, sv[1], BEV_OPT_CLOSE_ON_FREE), s->sctx,
                           BUFFEREVENT_SSL_ACCEPTING);
  /* and TLS inside that TLS */
  s->client.bev = tls_over(s->client.bev, s->cctx, BUFFEREVENT_SSL_CONNECTING);
  s->server.bev = tls_over(s->server.bev, s->sctx, BUFFEREVENT_SSL_ACCEPTING);
  echo_through(s, 1024 * 1024);
}

#if UVBEV_WITH_ZLIB
static void tls_over_zlib_over_socket_echoes(void **state) {
  struct stack *s = *state;
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  struct bufferevent *zc, *zs;
  assert_int_equal(rig_tcp_pair(sv), 0);
  zc = uvbev_zlib_filter_new(bufferevent_socket_new(s->base, sv[0], BEV_OPT_CLOSE_ON_FREE),
                             BEV_OPT_CLOSE_ON_FREE, NULL);
  zs = uvbev_zlib_filter_new(bufferevent_socket_new(s->base, sv[1], BEV_OPT_CLOSE_ON_FREE),
                             BEV_OPT_CLOSE_ON_FREE, NULL);
  assert_non_null(zc);
  assert_non_null(zs);
  s->client.bev = tls_over(zc, s->cctx, BUFFEREVENT_SSL_CONNECTING);
  s->server.bev = tls_over(zs, s->sctx, BUFFEREVENT_SSL_ACCEPTING);
  echo_through(s, 512 * 1024);
}
#endif

/* ---- backpressure ------------------------------------------------------------------ */

#define BP_HIGH (64 * 1024)
#define BP_TOTAL (4 * 1024 * 1024)

static void track_max(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  size_t *max = arg;
  (void)info;
  if (evbuffer_get_length(buf) > *max) *max = evbuffer_get_length(buf);
}

static void until_connected(struct bufferevent *bev, short what, void *arg) {
  struct stack *s = arg;
  on_event(bev, what, s);
  if (s->client.connected && s->server.connected) event_base_loopexit(s->base, NULL);
}

static void small_socket_buffers(evutil_socket_t fd) {
  int size = 32 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, (const char *)&size, sizeof(size));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, (const char *)&size, sizeof(size));
}

static void stalled_reader_bounds_ciphertext_below(void **state) {
  struct stack *s = *state;
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  struct bufferevent *under_s;
  struct timeval stall = {0, 300 * 1000};
  size_t max_below = 0;
  assert_int_equal(rig_tcp_pair(sv), 0);
  small_socket_buffers(sv[0]);
  small_socket_buffers(sv[1]);
  s->client.bev = tls_over(bufferevent_socket_new(s->base, sv[0], BEV_OPT_CLOSE_ON_FREE), s->cctx,
                           BUFFEREVENT_SSL_CONNECTING);
  under_s = bufferevent_socket_new(s->base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setwatermark(under_s, EV_WRITE, 0, BP_HIGH);
  s->server.bev = tls_over(under_s, s->sctx, BUFFEREVENT_SSL_ACCEPTING);
  bufferevent_setcb(s->client.bev, NULL, NULL, until_connected, s);
  bufferevent_setcb(s->server.bev, NULL, NULL, until_connected, s);
  event_base_dispatch(s->base); /* the handshake runs with EV_READ off */
  assert_int_equal(s->client.connected, 1);
  assert_int_equal(s->server.connected, 1);

  /* The client does not read: everything backs up to the server. */
  evbuffer_add_cb(bufferevent_get_output(under_s), track_max, &max_below);
  rig_add_pattern(bufferevent_get_output(s->server.bev), 0, BP_TOTAL);
  event_base_loopexit(s->base, &stall);
  event_base_dispatch(s->base);
  assert_true(max_below <= BP_HIGH + 17 * 1024);
  assert_true(evbuffer_get_length(bufferevent_get_output(s->server.bev)) > BP_TOTAL / 2);

  /* Reading resumes: all of it arrives, in order. */
  s->want = BP_TOTAL;
  bufferevent_setcb(s->client.bev, client_read, NULL, on_event, s);
  bufferevent_enable(s->client.bev, EV_READ);
  event_base_dispatch(s->base);
  assert_int_equal(s->client.got, BP_TOTAL);
  assert_int_equal(s->client.bad, 0);
  assert_true(max_below <= BP_HIGH + 17 * 1024);
}

/* The socket flavour's own socket has a write high watermark: a stalled
 * reader leaves the backlog as plaintext in the layer's output instead of
 * encrypting all of it ahead of the kernel. */
static void socket_flavour_bounds_ciphertext_for_stalled_reader(void **state) {
  struct stack *s = *state;
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  struct timeval stall = {0, 300 * 1000};
  assert_int_equal(rig_tcp_pair(sv), 0);
  small_socket_buffers(sv[0]);
  small_socket_buffers(sv[1]);
  s->client.bev = bufferevent_openssl_socket_new(s->base, sv[0], SSL_new(s->cctx),
                                                 BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  s->server.bev = bufferevent_openssl_socket_new(s->base, sv[1], SSL_new(s->sctx),
                                                 BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(s->client.bev, NULL, NULL, until_connected, s);
  bufferevent_setcb(s->server.bev, NULL, NULL, until_connected, s);
  event_base_dispatch(s->base);
  assert_int_equal(s->server.connected, 1);
  rig_add_pattern(bufferevent_get_output(s->server.bev), 0, BP_TOTAL);
  event_base_loopexit(s->base, &stall);
  event_base_dispatch(s->base);
  assert_true(evbuffer_get_length(bufferevent_get_output(s->server.bev)) > BP_TOTAL / 2);
  s->want = BP_TOTAL;
  bufferevent_setcb(s->client.bev, client_read, NULL, on_event, s);
  bufferevent_enable(s->client.bev, EV_READ);
  event_base_dispatch(s->base);
  assert_int_equal(s->client.got, BP_TOTAL);
  assert_int_equal(s->client.bad, 0);
}

/* ---- issue 690, the hard variants ----------------------------------------------------- */

#define SLOW_HIGH 1000
#define SLOW_DRAIN 37
#define SLOW_TOTAL (200 * 1000)

static void slow_consume(struct stack *s);

static void slow_again(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  slow_consume(arg);
}

/* A few bytes per turn of the loop, leaving the rest in the input. */
static void slow_consume(struct stack *s) {
  struct evbuffer *in = bufferevent_get_input(s->client.bev);
  struct timeval zero = {0, 0};
  if (evbuffer_get_length(in) > s->client.max_input) s->client.max_input = evbuffer_get_length(in);
  s->client.bad += rig_take(in, SLOW_DRAIN, &s->client.got);
  if (s->client.got >= s->want)
    event_base_loopexit(s->base, NULL);
  else if (evbuffer_get_length(in) > 0)
    event_base_once(s->base, -1, EV_TIMEOUT, slow_again, s, &zero);
}

static void slow_read(struct bufferevent *bev, void *arg) {
  (void)bev;
  slow_consume(arg);
}

static void run_slow_consumer(struct stack *s, int socket_flavour) {
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  SSL *cssl = SSL_new(s->cctx), *sssl = SSL_new(s->sctx);
  assert_int_equal(rig_tcp_pair(sv), 0);
  if (socket_flavour) {
    s->client.bev = bufferevent_openssl_socket_new(s->base, sv[0], cssl, BUFFEREVENT_SSL_CONNECTING,
                                                   BEV_OPT_CLOSE_ON_FREE);
    s->server.bev = bufferevent_openssl_socket_new(s->base, sv[1], sssl, BUFFEREVENT_SSL_ACCEPTING,
                                                   BEV_OPT_CLOSE_ON_FREE);
  } else {
    s->client.bev = bufferevent_openssl_filter_new(
        s->base, bufferevent_socket_new(s->base, sv[0], BEV_OPT_CLOSE_ON_FREE), cssl,
        BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    s->server.bev = bufferevent_openssl_filter_new(
        s->base, bufferevent_socket_new(s->base, sv[1], BEV_OPT_CLOSE_ON_FREE), sssl,
        BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  }
  assert_non_null(s->client.bev);
  assert_non_null(s->server.bev);
  s->want = SLOW_TOTAL;
  bufferevent_setwatermark(s->client.bev, EV_READ, 0, SLOW_HIGH);
  bufferevent_setcb(s->client.bev, slow_read, NULL, on_event, s);
  bufferevent_setcb(s->server.bev, NULL, NULL, on_event, s);
  bufferevent_enable(s->client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(s->server.bev, EV_READ | EV_WRITE);
  rig_add_pattern(bufferevent_get_output(s->server.bev), 0, SLOW_TOTAL);
  event_base_dispatch(s->base);
  assert_int_equal(s->client.got, SLOW_TOTAL);
  assert_int_equal(s->client.bad, 0);
  assert_true(s->client.max_input <= SLOW_HIGH);
}

static void slow_consumer_under_tiny_watermark_socket_flavour(void **state) {
  run_slow_consumer(*state, 1);
}

static void slow_consumer_under_tiny_watermark_filter_flavour(void **state) {
  run_slow_consumer(*state, 0);
}

/* The socket flavour without a socket (fd -1): bufferevent_setfd() later,
 * and the client's first flight, queued meanwhile, goes out then. */
static void socket_flavour_gets_its_socket_later(void **state) {
  struct stack *s = *state;
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  assert_int_equal(rig_tcp_pair(sv), 0);
  s->client.bev = bufferevent_openssl_socket_new(s->base, -1, SSL_new(s->cctx),
                                                 BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  s->server.bev = bufferevent_openssl_socket_new(s->base, sv[1], SSL_new(s->sctx),
                                                 BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(s->client.bev);
  assert_non_null(s->server.bev);
  assert_null(bufferevent_get_underlying(s->client.bev)); /* as libevent */
  assert_int_equal(bufferevent_getfd(s->client.bev), -1);
  assert_int_equal(bufferevent_setfd(s->client.bev, sv[0]), 0);
  assert_int_equal(bufferevent_getfd(s->client.bev), sv[0]);
  echo_through(s, 100 * 1000);
}

/* A socket BIO already on the SSL object gives the socket (libevent's rule). */
static void socket_flavour_takes_the_socket_of_the_ssl_bio(void **state) {
  struct stack *s = *state;
  evutil_socket_t sv[2] = {EVUTIL_INVALID_SOCKET, EVUTIL_INVALID_SOCKET};
  SSL *cssl = SSL_new(s->cctx);
  assert_int_equal(rig_tcp_pair(sv), 0);
  assert_int_equal(SSL_set_fd(cssl, (int)sv[0]), 1);
  assert_null(bufferevent_openssl_socket_new(s->base, sv[1], cssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE)); /* another fd */
  s->client.bev = bufferevent_openssl_socket_new(s->base, -1, cssl, BUFFEREVENT_SSL_CONNECTING,
                                                 BEV_OPT_CLOSE_ON_FREE);
  s->server.bev = bufferevent_openssl_socket_new(s->base, sv[1], SSL_new(s->sctx),
                                                 BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(s->client.bev);
  assert_int_equal(bufferevent_getfd(s->client.bev), sv[0]);
  echo_through(s, 100 * 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(tls_over_tls_over_pair_echoes, stack_setup, stack_teardown),
    cmocka_unit_test_setup_teardown(tls_over_socket_bufferevents_echoes, stack_setup,
                                    stack_teardown),
#if UVBEV_WITH_ZLIB
    cmocka_unit_test_setup_teardown(tls_over_zlib_over_socket_echoes, stack_setup, stack_teardown),
#endif
    cmocka_unit_test_setup_teardown(stalled_reader_bounds_ciphertext_below, stack_setup,
                                    stack_teardown),
    cmocka_unit_test_setup_teardown(slow_consumer_under_tiny_watermark_socket_flavour, stack_setup,
                                    stack_teardown),
    cmocka_unit_test_setup_teardown(slow_consumer_under_tiny_watermark_filter_flavour, stack_setup,
                                    stack_teardown),
    cmocka_unit_test_setup_teardown(socket_flavour_bounds_ciphertext_for_stalled_reader,
                                    stack_setup, stack_teardown),
    cmocka_unit_test_setup_teardown(socket_flavour_gets_its_socket_later, stack_setup,
                                    stack_teardown),
    cmocka_unit_test_setup_teardown(socket_flavour_takes_the_socket_of_the_ssl_bio, stack_setup,
                                    stack_teardown),
  };
  return cmocka_run_group_tests_name("ssl_stack", tests, NULL, NULL);
}
