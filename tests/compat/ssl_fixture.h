/* SPDX-License-Identifier: MIT */
/* A TLS client and server bufferevent over a loopback TCP connection, for the
 * TLS compat tests (libevent API and OpenSSL only: built against uvbev and
 * libevent).  Header-only, static inline, included only by ssl tests (see
 * ssl_cert_helper.h for why). */
#ifndef SSL_FIXTURE_H
#define SSL_FIXTURE_H

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "compat-util.h"
#include "ssl_cert_helper.h"

enum sf_flavour { SF_SOCKET, SF_FILTER };

/* What one side saw. */
struct sf_side {
  struct bufferevent *bev;
  short events;            /* every event flag OR-ed */
  int connected;           /* BEV_EVENT_CONNECTED count */
  size_t got_at_connect;   /* bytes received before CONNECTED */
  size_t got;              /* bytes received (checked against the pattern) */
  int bad_bytes;           /* pattern mismatches */
  unsigned long ssl_error; /* first bufferevent_get_openssl_error after ERROR */
  int stop_on_event;       /* loopexit on EOF/ERROR/TIMEOUT */
};

/* Deterministic stream bytes. */
/* What every TLS test over loopback holds: a base, both sides, both
 * contexts (made at test time), and a safety timer that fails a test that
 * hangs. */
struct sf_fixture {
  struct event_base *base;
  struct sf_side client, server;
  SSL_CTX *cctx, *sctx;
  struct event *safety;
};

static inline void sf_fixture_init(struct sf_fixture *f, int safety_ms) {
  cu_ignore_sigpipe();
  f->base = event_base_new();
  f->cctx = sch_client_ctx(0);
  f->sctx = sch_server_ctx(0);
  assert_non_null(f->base);
  assert_non_null(f->cctx);
  assert_non_null(f->sctx);
  f->safety = cu_safety_timeout(f->base, safety_ms);
}

static inline void sf_fixture_free(struct sf_fixture *f) {
  if (f->client.bev) bufferevent_free(f->client.bev);
  if (f->server.bev) bufferevent_free(f->server.bev);
  event_free(f->safety);
  event_base_free(f->base);
  SSL_CTX_free(f->cctx);
  SSL_CTX_free(f->sctx);
}

static inline unsigned char sf_byte(size_t i) {
  return (unsigned char)((i * 131u + (i >> 9)) & 0xff);
}

static inline void sf_add_pattern(struct evbuffer *out, size_t offset, size_t n) {
  unsigned char buf[16384];
  while (n > 0) {
    size_t k = n < sizeof(buf) ? n : sizeof(buf);
    for (size_t i = 0; i < k; i++)
      buf[i] = sf_byte(offset + i);
    evbuffer_add(out, buf, k);
    offset += k;
    n -= k;
  }
}

/* Drains up to max bytes of in, checking them against the pattern. */
static inline size_t sf_take(struct sf_side *s, struct evbuffer *in, size_t max) {
  unsigned char buf[16384];
  size_t total = 0;
  while (total < max && evbuffer_get_length(in) > 0) {
    size_t k = max - total < sizeof(buf) ? max - total : sizeof(buf);
    int n = evbuffer_remove(in, buf, k);
    if (n <= 0) break;
    for (int i = 0; i < n; i++)
      if (buf[i] != sf_byte(s->got + (size_t)i)) s->bad_bytes++;
    s->got += (size_t)n;
    total += (size_t)n;
  }
  return total;
}

static inline void sf_on_event(struct bufferevent *bev, short what, void *arg) {
  struct sf_side *s = arg;
  s->events |= what;
  if (what & BEV_EVENT_CONNECTED) {
    if (!s->connected) s->got_at_connect = s->got;
    s->connected++;
  }
  if ((what & BEV_EVENT_ERROR) && !s->ssl_error) s->ssl_error = bufferevent_get_openssl_error(bev);
  if (s->stop_on_event && (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
    event_base_loopexit(bufferevent_get_base(bev), NULL);
}

/* A TLS bufferevent of `flavour` on connected socket fd, closing it on free. */
static inline struct bufferevent *sf_tls_on_fd(struct event_base *base, enum sf_flavour flavour,
                                               evutil_socket_t fd, SSL_CTX *ctx,
                                               enum bufferevent_ssl_state state, int options) {
  SSL *ssl = SSL_new(ctx);
  struct bufferevent *under, *bev;
  if (!ssl) return NULL;
  evutil_make_socket_nonblocking(fd);
  options |= BEV_OPT_CLOSE_ON_FREE;
  if (flavour == SF_SOCKET) {
    bev = bufferevent_openssl_socket_new(base, fd, ssl, state, options);
    if (!bev) SSL_free(ssl);
    return bev;
  }
  under = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!under) {
    SSL_free(ssl);
    return NULL;
  }
  bev = bufferevent_openssl_filter_new(base, under, ssl, state, options);
  if (!bev) {
    SSL_free(ssl);
    bufferevent_free(under);
  }
  return bev;
}

/* Client (sv[0], CONNECTING) and server (sv[1], ACCEPTING) over a new TCP
 * connection.  Returns 0 or -1. */
static inline int sf_make_pair(struct event_base *base, enum sf_flavour flavour, SSL_CTX *cctx,
                               SSL_CTX *sctx, int options, struct bufferevent **client,
                               struct bufferevent **server) {
  evutil_socket_t sv[2];
  if (cu_tcp_pair(sv) < 0) return -1;
  *client = sf_tls_on_fd(base, flavour, sv[0], cctx, BUFFEREVENT_SSL_CONNECTING, options);
  *server = sf_tls_on_fd(base, flavour, sv[1], sctx, BUFFEREVENT_SSL_ACCEPTING, options);
  if (!*client || !*server) {
    if (*client)
      bufferevent_free(*client);
    else
      evutil_closesocket(sv[0]);
    if (*server)
      bufferevent_free(*server);
    else
      evutil_closesocket(sv[1]);
    return -1;
  }
  return 0;
}

#endif
