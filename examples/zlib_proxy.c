/* SPDX-License-Identifier: MIT */
/* A compressing TCP proxy: evconnlistener + socket bufferevents + uvbev's zlib
 * filter.  Two of them back to back make a transparent compressed tunnel:
 *
 *   client -> zlib_proxy P1 compress -> (zlib stream) -> zlib_proxy P2 decompress -> server
 *
 *   zlib_proxy P1_PORT 127.0.0.1:P2_PORT compress
 *   zlib_proxy P2_PORT 127.0.0.1:SERVER_PORT decompress
 *
 * Usage: zlib_proxy LISTEN_PORT TARGET_HOST:PORT compress|decompress [max_connections]
 *   compress    the upstream (target) side carries the zlib stream
 *   decompress  the accepted (client) side carries the zlib stream
 * LISTEN_PORT 0 lets the system pick; "listening on 127.0.0.1:PORT" is printed
 * once ready.  After max_connections connections (0: forever) it exits.
 *
 * Each relay moves what arrived on one side to the other and flushes the
 * compressor (BEV_FLUSH), so interactive protocols are not held back.
 * Backpressure: a side stops reading while the other side holds more than
 * RELAY_HIGH bytes not yet sent, and resumes when that drained.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <uvbev/zlib.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELAY_HIGH (1024 * 1024)

struct proxy {
  struct event_base *base;
  struct evconnlistener *listener;
  struct sockaddr_storage target;
  int target_len;
  int compress_upstream;
  int max_connections, accepted, open;
};

struct conn {
  struct proxy *proxy;
  struct bufferevent *side[2]; /* 0: client, 1: upstream (each maybe a zlib filter) */
  int closing[2];              /* this side finished: free when drained */
};

/* Bytes written to bev and not yet handed to the kernel (filter included). */
static size_t pending(struct bufferevent *bev) {
  struct bufferevent *under = bufferevent_get_underlying(bev);
  return evbuffer_get_length(bufferevent_get_output(bev)) +
         (under ? evbuffer_get_length(bufferevent_get_output(under)) : 0);
}

static int side_of(struct conn *c, struct bufferevent *bev) {
  return bev == c->side[1];
}

static void conn_free(struct conn *c) {
  struct proxy *p = c->proxy;
  bufferevent_free(c->side[0]);
  bufferevent_free(c->side[1]);
  free(c);
  p->open--;
  if (p->max_connections && p->accepted >= p->max_connections && p->open == 0)
    event_base_loopexit(p->base, NULL);
}

static void relay_read(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  struct bufferevent *other = c->side[!side_of(c, bev)];
  bufferevent_write_buffer(other, bufferevent_get_input(bev));
  bufferevent_flush(other, EV_WRITE, BEV_FLUSH);
  if (pending(other) > RELAY_HIGH) bufferevent_disable(bev, EV_READ); /* until `other` drains */
}

static void relay_write(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  int s = side_of(c, bev);
  if (pending(bev) > 0) return;
  if (c->closing[!s]) { /* the other side ended and we sent all it had */
    conn_free(c);
    return;
  }
  bufferevent_enable(c->side[!s], EV_READ);
}

static void relay_event(struct bufferevent *bev, short what, void *arg) {
  struct conn *c = arg;
  int s = side_of(c, bev);
  struct bufferevent *other = c->side[!s];
  if (what & BEV_EVENT_CONNECTED) return;
  if (what & BEV_EVENT_ERROR) {
    const char *why = uvbev_zlib_get_error(bev);
    fprintf(stderr, "zlib_proxy: %s side: %s\n", s ? "upstream" : "client",
            why ? why : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    conn_free(c);
    return;
  }
  /* EOF (or timeout): pass what is left on, end the other side's stream. */
  if (what & BEV_EVENT_EOF) bufferevent_write_buffer(other, bufferevent_get_input(bev));
  c->closing[s] = 1;
  bufferevent_disable(bev, EV_READ);
  bufferevent_flush(other, EV_WRITE, BEV_FINISHED);
  if (pending(other) == 0 || c->closing[!s]) conn_free(c);
}

static struct bufferevent *maybe_zlib(struct bufferevent *sock, int zlib) {
  struct bufferevent *z;
  if (!sock || !zlib) return sock;
  z = uvbev_zlib_filter_new(sock, BEV_OPT_CLOSE_ON_FREE, NULL);
  if (!z) bufferevent_free(sock);
  return z;
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct proxy *p = arg;
  struct conn *c = calloc(1, sizeof(*c));
  struct bufferevent *up;
  (void)sa;
  (void)socklen;
  if (!c) {
    evutil_closesocket(fd);
    return;
  }
  c->proxy = p;
  p->accepted++;
  p->open++;
  up = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (up && bufferevent_socket_connect(up, (struct sockaddr *)&p->target, p->target_len) < 0) {
    bufferevent_free(up);
    up = NULL;
  }
  c->side[0] =
      maybe_zlib(bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE), !p->compress_upstream);
  c->side[1] = maybe_zlib(up, p->compress_upstream);
  if (!c->side[0] || !c->side[1]) {
    fprintf(stderr, "zlib_proxy: cannot set up a connection\n");
    conn_free(c);
    return;
  }
  for (int i = 0; i < 2; i++) {
    bufferevent_setcb(c->side[i], relay_read, relay_write, relay_event, c);
    bufferevent_enable(c->side[i], EV_READ | EV_WRITE);
  }
  if (p->max_connections && p->accepted >= p->max_connections) evconnlistener_disable(lev);
}

static int usage(void) {
  fprintf(stderr, "usage: zlib_proxy LISTEN_PORT TARGET_HOST:PORT compress|decompress "
                  "[max_connections]\n");
  return 2;
}

int main(int argc, char **argv) {
  struct proxy p;
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  memset(&p, 0, sizeof(p));
  if (argc < 4) return usage();
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  p.target_len = (int)sizeof(p.target);
  if (evutil_parse_sockaddr_port(argv[2], (struct sockaddr *)&p.target, &p.target_len) < 0) {
    fprintf(stderr, "zlib_proxy: bad target %s (want HOST:PORT, numeric)\n", argv[2]);
    return 2;
  }
  if (strcmp(argv[3], "compress") == 0)
    p.compress_upstream = 1;
  else if (strcmp(argv[3], "decompress") != 0)
    return usage();
  p.max_connections = argc > 4 ? atoi(argv[4]) : 0;
  p.base = event_base_new();
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  p.listener =
      evconnlistener_new_bind(p.base, on_accept, &p, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                              (struct sockaddr *)&sin, sizeof(sin));
  if (!p.listener) {
    fprintf(stderr, "zlib_proxy: cannot listen: %s\n",
            evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    event_base_free(p.base);
    return 1;
  }
  getsockname(evconnlistener_get_fd(p.listener), (struct sockaddr *)&sin, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
  fflush(stdout);
  event_base_dispatch(p.base);
  evconnlistener_free(p.listener);
  event_base_free(p.base);
  return 0;
}
