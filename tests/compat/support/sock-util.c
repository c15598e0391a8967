/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "sock-util.h"

struct su_conn {
  struct su_conn *next;
  struct su_conn *prev;
  struct bufferevent *bev;
  struct su_echo *echo;
};

struct su_echo {
  struct evconnlistener *lev;
  struct su_conn head; /* circular list of live connections */
  int accepted;
};

static void su_conn_free(struct su_conn *c) {
  c->prev->next = c->next;
  c->next->prev = c->prev;
  bufferevent_free(c->bev);
  free(c);
}

static void su_echo_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void su_echo_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) su_conn_free(arg);
}

static void su_echo_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                           int socklen, void *arg) {
  struct su_echo *e = arg;
  struct su_conn *c = calloc(1, sizeof(*c));
  (void)sa;
  (void)socklen;
  e->accepted++;
  c->bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
  if (!c->bev) {
    free(c);
    evutil_closesocket(fd);
    return;
  }
  c->echo = e;
  c->next = e->head.next;
  c->prev = &e->head;
  e->head.next->prev = c;
  e->head.next = c;
  bufferevent_setcb(c->bev, su_echo_read, NULL, su_echo_event, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

void su_loopback_sin(struct sockaddr_in *sin, int port) {
  memset(sin, 0, sizeof(*sin));
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(0x7f000001);
  sin->sin_port = htons((unsigned short)port);
}

struct su_echo *su_echo_start(struct event_base *base, int *port_out) {
  struct su_echo *e = calloc(1, sizeof(*e));
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  e->head.next = e->head.prev = &e->head;
  su_loopback_sin(&sin, 0);
  e->lev =
      evconnlistener_new_bind(base, su_echo_accept, e, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof(sin));
  if (!e->lev || getsockname(evconnlistener_get_fd(e->lev), (struct sockaddr *)&sin, &len) != 0) {
    if (e->lev) evconnlistener_free(e->lev);
    free(e);
    return NULL;
  }
  *port_out = ntohs(sin.sin_port);
  return e;
}

int su_echo_accepted(const struct su_echo *e) {
  return e->accepted;
}

void su_echo_free(struct su_echo *e) {
  while (e->head.next != &e->head)
    su_conn_free(e->head.next);
  evconnlistener_free(e->lev);
  free(e);
}

int su_closed_port(void) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = -1;
  su_loopback_sin(&sin, 0);
  if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
      getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
    port = ntohs(sin.sin_port);
  evutil_closesocket(fd);
  return port;
}

unsigned char su_pattern_byte(size_t i) {
  return (unsigned char)((i * 31u + (i >> 9)) & 0xff);
}

void su_fill_pattern(unsigned char *buf, size_t n, size_t stream_offset) {
  size_t i;
  for (i = 0; i < n; i++)
    buf[i] = su_pattern_byte(stream_offset + i);
}

int su_check_pattern(const unsigned char *buf, size_t n, size_t stream_offset) {
  size_t i;
  for (i = 0; i < n; i++)
    if (buf[i] != su_pattern_byte(stream_offset + i)) return 0;
  return 1;
}

size_t su_read_all(evutil_socket_t fd, unsigned char *buf, size_t cap, int *eof) {
  size_t got = 0;
  *eof = 0;
  while (got < cap) {
    long n = (long)recv(fd, (char *)buf + got, (int)(cap - got), 0);
    if (n == 0) *eof = 1;
    if (n <= 0) break;
    got += (size_t)n;
  }
  return got;
}

void su_set_recv_timeout(evutil_socket_t fd, int ms) {
#ifdef _WIN32
  DWORD tv = (DWORD)ms;
#else
  struct timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
#endif
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tv, sizeof(tv));
}
