/* SPDX-License-Identifier: MIT */
/* A tiny HTTP responder for the demo: answers every request (HTTP/0.9
 * "GET /path" or HTTP/1.x, as soon as its first line arrived) with a short
 * page, then half-closes and closes once the answer is written.
 *
 * Usage: http_hello_server [port] [max_connections]
 *   port             TCP port on 127.0.0.1 (0 or absent: the system picks one)
 *   max_connections  exit after answering this many connections (0: forever)
 * Prints "listening on 127.0.0.1:PORT" once ready. */
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
  int max_connections;
  int answered;
};

static void answer_sent(struct bufferevent *bev, void *arg) {
  struct server *srv = arg;
  if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) return;
  bufferevent_free(bev);
  if (srv->max_connections && ++srv->answered >= srv->max_connections)
    event_base_loopexit(srv->base, NULL);
}

static void on_request(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t len;
  char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
  (void)arg;
  if (!line) return; /* the first line is not complete yet */
  bufferevent_disable(bev, EV_READ);
  evbuffer_add_printf(bufferevent_get_output(bev),
                      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                      "Hello from uvbev: you asked for \"%s\".\n",
                      line);
  free(line);
  bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)arg;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct bufferevent *bev =
      bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
  (void)sa;
  (void)socklen;
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  bufferevent_setcb(bev, on_request, answer_sent, on_event, arg);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int main(int argc, char **argv) {
  struct server srv;
  struct evconnlistener *listener;
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
  listener =
      evconnlistener_new_bind(srv.base, on_accept, &srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof(sin));
  if (!listener) {
    fprintf(stderr, "cannot listen: %s\n", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
  printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
  fflush(stdout);
  event_base_dispatch(srv.base);
  evconnlistener_free(listener);
  event_base_free(srv.base);
  return 0;
}
