/* SPDX-License-Identifier: MIT */
/* A small libevent-API client, self-contained: it listens on 127.0.0.1 (port
 * chosen by the kernel), connects a bufferevent to it, sends "ping", the
 * server side echoes it back, and the client checks the echo.  A 5 s timer
 * fails the run if anything hangs.  Exit status 0 on success.
 * Used by Conan's test_package and, as an extra program, by
 * ci/consumer-test.sh. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#else
#include <netinet/in.h>
#include <sys/socket.h>
#endif

struct run {
  struct event_base *base;
  struct bufferevent *server_side;
  struct bufferevent *client;
  char echo[8];
  int ok;
};

static void on_server_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  /* Echo whatever arrived: move the input chain to the output. */
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void on_server_event(struct bufferevent *bev, short what, void *arg) {
  struct run *run = arg;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    bufferevent_free(bev);
    run->server_side = NULL;
  }
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *addr,
                      int len, void *arg) {
  struct run *run = arg;
  (void)listener;
  (void)addr;
  (void)len;
  run->server_side = bufferevent_socket_new(run->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(run->server_side, on_server_read, NULL, on_server_event, run);
  bufferevent_enable(run->server_side, EV_READ | EV_WRITE);
}

static void on_client_read(struct bufferevent *bev, void *arg) {
  struct run *run = arg;
  struct evbuffer *input = bufferevent_get_input(bev);
  if (evbuffer_get_length(input) < 4) return;
  evbuffer_remove(input, run->echo, 4);
  run->ok = memcmp(run->echo, "ping", 4) == 0;
  event_base_loopexit(run->base, NULL);
}

static void on_client_event(struct bufferevent *bev, short what, void *arg) {
  struct run *run = arg;
  (void)bev;
  if (what & BEV_EVENT_CONNECTED) {
    bufferevent_write(run->client, "ping", 4);
    return;
  }
  fprintf(stderr, "test_package: client event 0x%x: %s\n", what,
          evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  event_base_loopexit(run->base, NULL);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg) {
  struct run *run = arg;
  (void)fd;
  (void)what;
  fprintf(stderr, "test_package: no echo within 5 s\n");
  event_base_loopexit(run->base, NULL);
}

int main(void) {
  struct run run;
  struct sockaddr_in sin;
  struct sockaddr_storage bound;
  ev_socklen_t bound_len = sizeof bound;
  struct evconnlistener *listener;
  struct event *deadline;
  struct timeval five_s = {5, 0};

#ifdef _WIN32
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
#else
  signal(SIGPIPE, SIG_IGN);
#endif
  memset(&run, 0, sizeof run);
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001); /* 127.0.0.1, port 0 */

  run.base = event_base_new();
  listener =
      evconnlistener_new_bind(run.base, on_accept, &run, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                              -1, (struct sockaddr *)&sin, sizeof sin);
  if (run.base == NULL || listener == NULL ||
      getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&bound, &bound_len) != 0) {
    fprintf(stderr, "test_package: cannot listen on 127.0.0.1\n");
    return 1;
  }
  run.client = bufferevent_socket_new(run.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(run.client, on_client_read, NULL, on_client_event, &run);
  bufferevent_enable(run.client, EV_READ | EV_WRITE);
  if (bufferevent_socket_connect(run.client, (struct sockaddr *)&bound, (int)bound_len) != 0) {
    fprintf(stderr, "test_package: connect did not start\n");
    return 1;
  }
  deadline = evtimer_new(run.base, on_deadline, &run);
  evtimer_add(deadline, &five_s);

  event_base_dispatch(run.base);

  event_free(deadline);
  bufferevent_free(run.client);
  if (run.server_side != NULL) bufferevent_free(run.server_side);
  evconnlistener_free(listener);
  event_base_free(run.base);
  printf("test_package: echo %s (%s)\n", run.ok ? "ok" : "FAILED", event_get_version());
  return run.ok ? 0 : 1;
}
