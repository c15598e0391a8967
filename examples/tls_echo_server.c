/* SPDX-License-Identifier: MIT */
/* A TLS echo server on uvbev: a listener, and a TLS bufferevent per
 * connection that sends back what it receives.
 *
 *   tls_echo_server CERT.pem KEY.pem [--port N] [--conns K] [--close-after BYTES]
 *
 * Prints "listening on 127.0.0.1:PORT" (PORT chosen by the system unless
 * --port) and serves until K connections have ended (forever without
 * --conns).  With --close-after, a connection is closed cleanly (close_notify)
 * once it has echoed that many bytes.  A peer that closes cleanly gets
 * close_notify back.  TLS failures are printed to stderr as
 * "connection N: error: REASON" and the server carries on. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <uvbev/ssl.h>

struct server {
  struct event_base *base;
  SSL_CTX *ctx;
  long close_after; /* 0: never */
  int max_conns;    /* 0: forever */
  int started, ended;
};

struct conn {
  struct server *srv;
  struct bufferevent *bev;
  struct event *linger; /* frees the connection if the peer never closes */
  int id;
  long echoed;
  int closing;
};

static void conn_end(struct conn *c) {
  struct server *srv = c->srv;
  event_free(c->linger);
  bufferevent_free(c->bev);
  free(c);
  if (srv->max_conns && ++srv->ended >= srv->max_conns) event_base_loopexit(srv->base, NULL);
}

static void on_linger(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  conn_end(arg);
}

/* close_notify, then wait (2 s at most) for the peer to close. */
static void conn_close(struct conn *c) {
  struct timeval tv = {2, 0};
  if (c->closing) return;
  c->closing = 1;
  uvbev_ssl_shutdown(c->bev);
  c->linger = evtimer_new(c->srv->base, on_linger, c);
  evtimer_add(c->linger, &tv);
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (c->closing) {
    evbuffer_drain(in, evbuffer_get_length(in));
    return;
  }
  c->echoed += (long)evbuffer_get_length(in);
  bufferevent_write_buffer(bev, in);
  if (c->srv->close_after && c->echoed >= c->srv->close_after) conn_close(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct conn *c = arg;
  char reason[256];
  if (what & BEV_EVENT_CONNECTED) return;
  if (what & BEV_EVENT_ERROR) {
    uvbev_ssl_describe_error(bev, reason, sizeof(reason));
    fprintf(stderr, "connection %d: error: %s\n", c->id, reason);
  } else if (what & BEV_EVENT_TIMEOUT) {
    fprintf(stderr, "connection %d: timed out\n", c->id);
  } else if ((what & BEV_EVENT_EOF) && !c->closing) {
    conn_close(c); /* answer the peer's close_notify with ours */
    return;
  }
  conn_end(c);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  struct server *srv = arg;
  struct conn *c = calloc(1, sizeof(*c));
  struct timeval idle = {10, 0};
  SSL *ssl = SSL_new(srv->ctx);
  (void)l;
  (void)sa;
  (void)len;
  if (!c || !ssl) {
    free(c);
    SSL_free(ssl);
    evutil_closesocket(fd);
    return;
  }
  c->srv = srv;
  c->id = ++srv->started;
  c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
  if (!c->bev) {
    SSL_free(ssl);
    evutil_closesocket(fd);
    free(c);
    return;
  }
  bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
  bufferevent_set_timeouts(c->bev, &idle, NULL);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static SSL_CTX *server_ctx(const char *cert, const char *key) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (ctx && SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1)
    return ctx;
  ERR_print_errors_fp(stderr);
  SSL_CTX_free(ctx);
  return NULL;
}

int main(int argc, char **argv) {
  struct server srv;
  struct sockaddr_in sin;
  ev_socklen_t slen = sizeof(sin);
  struct evconnlistener *listener;
  int port = 0;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  memset(&srv, 0, sizeof(srv));
  if (argc < 3) {
    fprintf(stderr, "usage: %s CERT.pem KEY.pem [--port N] [--conns K] [--close-after BYTES]\n",
            argv[0]);
    return 2;
  }
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0)
      port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--conns") == 0)
      srv.max_conns = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--close-after") == 0)
      srv.close_after = atol(argv[i + 1]);
  }
  srv.ctx = server_ctx(argv[1], argv[2]);
  srv.base = srv.ctx ? event_base_new() : NULL;
  if (!srv.base) {
    SSL_CTX_free(srv.ctx);
    return 1;
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  sin.sin_port = htons((unsigned short)port);
  listener =
      evconnlistener_new_bind(srv.base, on_accept, &srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              16, (struct sockaddr *)&sin, sizeof(sin));
  if (!listener ||
      getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &slen) != 0) {
    fprintf(stderr, "cannot listen on port %d\n", port);
    if (listener) evconnlistener_free(listener);
    event_base_free(srv.base);
    SSL_CTX_free(srv.ctx);
    return 1;
  }
  printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
  fflush(stdout);
  event_base_dispatch(srv.base);
  evconnlistener_free(listener);
  event_base_free(srv.base); /* connections still open are closed with it */
  SSL_CTX_free(srv.ctx);
  return 0;
}
