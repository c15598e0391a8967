/* SPDX-License-Identifier: MIT */
/* Every stack bounded by default (issue 18; uvbev-only: libevent's filters
 * move all they are given into the layer below).  TLS over a socket, zlib
 * over a socket and zlib over TLS over a socket, no watermark set anywhere,
 * a writer refilling from its write callback, a peer that does not read for
 * STALL_MS: what the writer's stack holds stays bounded; then the peer reads
 * and every byte arrives intact.  The bytes are incompressible, so zlib's
 * output is as large as its input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uvbev/zlib.h>

#include "ssl_rig.h"

#define TOTAL (24u << 20) /* what the writer writes in all */
#define CHUNK (64u << 10)
#define STALL_MS 4000
/* Each layer may hold its default bound below it (256 KiB) and the TLS and
 * zlib layers a record or a deflate block more: 4 MiB is far above that and
 * far below TOTAL, which an unbounded stack would pile up. */
#define HELD_MAX (4u << 20)

enum stack_kind { TLS_SOCKET, ZLIB_SOCKET, ZLIB_TLS_SOCKET };

struct run {
  struct event_base *base;
  SSL_CTX *cctx, *sctx;
  struct bufferevent *writer, *reader; /* the tops of the two stacks */
  size_t written, received;
  int bad, errors;
  size_t held_max; /* most the writer's stack held while the peer stalled */
  int stalled;
};

/* Incompressible and addressable by position (splitmix64 of the 8-byte word). */
static unsigned char noise_byte(size_t i) {
  uint64_t z = (uint64_t)(i >> 3) + 0x9e3779b97f4a7c15u;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (unsigned char)(z >> ((i & 7) * 8));
}

/* Bytes in every output of the writer's stack, top to socket. */
static size_t stack_held(struct bufferevent *top) {
  size_t held = 0;
  for (; top; top = bufferevent_get_underlying(top))
    held += evbuffer_get_length(bufferevent_get_output(top));
  return held;
}

static void refill(struct bufferevent *bev, void *arg) {
  struct run *r = arg;
  unsigned char buf[CHUNK];
  size_t i, n = TOTAL - r->written < CHUNK ? TOTAL - r->written : CHUNK;
  if (n == 0) return;
  for (i = 0; i < n; i++)
    buf[i] = noise_byte(r->written + i);
  bufferevent_write(bev, buf, n);
  r->written += n;
  /* zlib keeps the end of a stream until asked to flush it */
  if (r->written == TOTAL) bufferevent_flush(bev, EV_WRITE, BEV_FLUSH);
  if (r->stalled && stack_held(bev) > r->held_max) r->held_max = stack_held(bev);
}

static void take(struct bufferevent *bev, void *arg) {
  struct run *r = arg;
  unsigned char buf[CHUNK];
  int n, i;
  while ((n = bufferevent_read(bev, buf, sizeof(buf))) > 0) {
    for (i = 0; i < n; i++)
      r->bad += buf[i] != noise_byte(r->received + (size_t)i);
    r->received += (size_t)n;
  }
  if (r->received == TOTAL) event_base_loopbreak(r->base);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) ((struct run *)arg)->errors++;
}

static void end_stall(evutil_socket_t fd, short what, void *arg) {
  struct run *r = arg;
  (void)fd;
  (void)what;
  r->stalled = 0;
  bufferevent_enable(r->reader, EV_READ);
}

static struct bufferevent *stack_on(struct run *r, evutil_socket_t fd, enum stack_kind kind,
                                    int is_client) {
  struct bufferevent *bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
  struct uvbev_zlib_config zcfg;
  assert_non_null(bev);
  if (kind != ZLIB_SOCKET) {
    SSL *ssl = SSL_new(is_client ? r->cctx : r->sctx);
    assert_non_null(ssl);
    bev = bufferevent_openssl_filter_new(
        r->base, bev, ssl, is_client ? BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING,
        BEV_OPT_CLOSE_ON_FREE);
    assert_non_null(bev);
  }
  if (kind != TLS_SOCKET) {
    uvbev_zlib_config_init(&zcfg);
    bev = uvbev_zlib_filter_new(bev, BEV_OPT_CLOSE_ON_FREE, &zcfg);
    assert_non_null(bev);
  }
  return bev;
}

static void run_stack(enum stack_kind kind) {
  struct run r;
  evutil_socket_t sv[2];
  struct timeval stall = {STALL_MS / 1000, (STALL_MS % 1000) * 1000};
  struct event *safety, *unstall;
  memset(&r, 0, sizeof(r));
  rig_ignore_sigpipe();
  r.base = event_base_new();
  r.cctx = sch_client_ctx(0);
  r.sctx = sch_server_ctx(0);
  assert_non_null(r.base);
  assert_int_equal(rig_tcp_pair(sv), 0);
  r.writer = stack_on(&r, sv[0], kind, 1);
  r.reader = stack_on(&r, sv[1], kind, 0);
  bufferevent_setcb(r.writer, NULL, refill, on_event, &r);
  bufferevent_setcb(r.reader, take, NULL, on_event, &r);
  bufferevent_enable(r.writer, EV_READ | EV_WRITE);
  bufferevent_disable(r.reader, EV_READ); /* a TLS handshake still completes */
  r.stalled = 1;
  refill(r.writer, &r);
  unstall = evtimer_new(r.base, end_stall, &r);
  evtimer_add(unstall, &stall);
  safety = rig_safety(r.base, STALL_MS + 60000);
  event_base_dispatch(r.base);
  print_message("stack %d: held at most %lu bytes while the peer stalled; %lu of %lu received\n",
                (int)kind, (unsigned long)r.held_max, (unsigned long)r.received,
                (unsigned long)TOTAL);
  assert_true(r.held_max <= HELD_MAX);
  assert_int_equal(r.received, TOTAL);
  assert_int_equal(r.bad, 0);
  assert_int_equal(r.errors, 0);
  event_free(safety);
  event_free(unstall);
  bufferevent_free(r.writer);
  bufferevent_free(r.reader);
  event_base_free(r.base);
  SSL_CTX_free(r.cctx);
  SSL_CTX_free(r.sctx);
}

static void tls_over_socket_bounded(void **state) {
  (void)state;
  run_stack(TLS_SOCKET);
}

static void zlib_over_socket_bounded(void **state) {
  (void)state;
  run_stack(ZLIB_SOCKET);
}

static void zlib_over_tls_over_socket_bounded(void **state) {
  (void)state;
  run_stack(ZLIB_TLS_SOCKET);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tls_over_socket_bounded),
      cmocka_unit_test(zlib_over_socket_bounded),
      cmocka_unit_test(zlib_over_tls_over_socket_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
