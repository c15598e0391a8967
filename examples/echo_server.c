/* SPDX-License-Identifier: MIT */
/* An echo server on evconnlistener + socket bufferevents.
 *
 * Usage: echo_server [port] [max_connections]
 *   port             TCP port on 127.0.0.1 (0 or absent: the system picks one)
 *   max_connections  stop after serving this many connections (0: forever)
 * Prints "listening on 127.0.0.1:PORT" once ready (scripts read the port). */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct server {
  struct event_base *base;
  struct evconnlistener *listener;
  int max_connections;
  int accepted;
  int open;
};

static void connection_done(struct server *srv, struct bufferevent *bev) {
  bufferevent_free(bev);
  srv->open--;
  if (srv->max_connections && srv->accepted >= srv->max_connections && srv->open == 0)
    event_base_loopexit(srv->base, NULL);
}

static void echo_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void echo_event(struct bufferevent *bev, short what, void *arg) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) connection_done(arg, bev);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct server *srv = arg;
  struct bufferevent *bev =
      bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
  (void)sa;
  (void)socklen;
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  srv->accepted++;
  srv->open++;
  bufferevent_setcb(bev, echo_read, NULL, echo_event, srv);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  if (srv->max_connections && srv->accepted >= srv->max_connections) evconnlistener_disable(lev);
}

static void on_accept_error(struct evconnlistener *lev, void *arg) {
  (void)lev;
  (void)arg;
  fprintf(stderr, "accept: %s\n", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

int main(int argc, char **argv) {
  struct server srv;
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  memset(&srv, 0, sizeof(srv));
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  srv.max_connections = argc > 2 ? atoi(argv[2]) : 0;
  srv.base = event_base_new();
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  sin.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 0));
  srv.listener =
      evconnlistener_new_bind(srv.base, on_accept, &srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof(sin));
  if (!srv.listener) {
    fprintf(stderr, "cannot listen: %s\n", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    return 1;
  }
  evconnlistener_set_error_cb(srv.listener, on_accept_error);
  getsockname(evconnlistener_get_fd(srv.listener), (struct sockaddr *)&sin, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
  fflush(stdout);
  event_base_dispatch(srv.base);
  evconnlistener_free(srv.listener);
  event_base_free(srv.base);
  return 0;
}
