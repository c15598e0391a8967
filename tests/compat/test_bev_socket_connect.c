/* SPDX-License-Identifier: MIT */
/* Socket bufferevents connecting: refusal, success, data queued before the
 * connection, IPv6, a socket that is connecting already.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifndef _WIN32
#include <sys/un.h>
#include <unistd.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "compat-util.h"
#include "sock-util.h"

struct conn_ctx {
  struct event_base *base;
  int nevents;
  short first_event;
  int sockerr;
  struct evbuffer *got;
  size_t want;
};

static void record_event(struct bufferevent *bev, short what, void *arg) {
  struct conn_ctx *c = arg;
  (void)bev;
  if (c->nevents++ == 0) {
    c->first_event = what;
    c->sockerr = EVUTIL_SOCKET_ERROR();
  }
  if (!c->want) event_base_loopexit(c->base, NULL);
}

static void collect_until_want(struct bufferevent *bev, void *arg) {
  struct conn_ctx *c = arg;
  bufferevent_read_buffer(bev, c->got);
  if (evbuffer_get_length(c->got) >= c->want) event_base_loopexit(c->base, NULL);
}

static void connect_refused_reports_error_with_econnrefused(void **state) {
  struct conn_ctx c;
  struct sockaddr_in sin;
  struct bufferevent *bev;
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  su_loopback_sin(&sin, su_closed_port());
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, record_event, &c);
  assert_int_equal(bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof(sin)), 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 1);
  assert_true(c.first_event & BEV_EVENT_ERROR);
  assert_false(c.first_event & BEV_EVENT_CONNECTED);
#ifdef _WIN32
  assert_int_equal(c.sockerr, WSAECONNREFUSED);
#else
  assert_int_equal(c.sockerr, ECONNREFUSED);
#endif
  bufferevent_free(bev);
  event_base_free(c.base);
}

/* A client connects to the echo server with data already queued: it gets
 * CONNECTED once, then the echo of what it queued. */
static void data_written_before_connect_is_sent_after_it(void **state) {
  struct conn_ctx c;
  struct sockaddr_in sin;
  struct bufferevent *bev;
  struct su_echo *echo;
  int port;
  (void)state;
  cu_ignore_sigpipe();
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  c.got = evbuffer_new();
  c.want = 5;
  echo = su_echo_start(c.base, &port);
  assert_non_null(echo);
  su_loopback_sin(&sin, port);
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, collect_until_want, NULL, record_event, &c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  bufferevent_write(bev, "ping!", 5);
  assert_int_equal(bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof(sin)), 0);
  assert_true(bufferevent_getfd(bev) >= 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.first_event, BEV_EVENT_CONNECTED);
  assert_int_equal(evbuffer_get_length(c.got), 5);
  assert_memory_equal(evbuffer_pullup(c.got, -1), "ping!", 5);
  bufferevent_free(bev);
  su_echo_free(echo);
  evbuffer_free(c.got);
  event_base_free(c.base);
}

static void on_accept_close(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                            int socklen, void *arg) {
  (void)lev;
  (void)sa;
  (void)socklen;
  (void)arg;
  evutil_closesocket(fd);
}

static void connect_over_ipv6_reports_connected(void **state) {
  struct conn_ctx c;
  struct sockaddr_in6 sin6;
  struct evconnlistener *lev;
  struct bufferevent *bev;
  ev_socklen_t len = sizeof(sin6);
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  memset(&sin6, 0, sizeof(sin6));
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  lev = evconnlistener_new_bind(c.base, on_accept_close, NULL, LEV_OPT_CLOSE_ON_FREE, -1,
                                (struct sockaddr *)&sin6, sizeof(sin6));
  if (!lev) {
    event_base_free(c.base);
    skip(); /* no IPv6 loopback on this machine */
  }
  assert_int_equal(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin6, &len), 0);
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, record_event, &c);
  assert_int_equal(bufferevent_socket_connect(bev, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.first_event, BEV_EVENT_CONNECTED);
  bufferevent_free(bev);
  evconnlistener_free(lev);
  event_base_free(c.base);
}

/* connect(bev, NULL, 0): the caller started connect() on the socket. */
static void connect_with_null_address_waits_for_a_connecting_socket(void **state) {
  struct conn_ctx c;
  struct sockaddr_in sin;
  struct bufferevent *bev;
  struct su_echo *echo;
  evutil_socket_t fd;
  int port, r;
  (void)state;
  cu_ignore_sigpipe();
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  c.got = evbuffer_new();
  c.want = 3;
  echo = su_echo_start(c.base, &port);
  su_loopback_sin(&sin, port);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  evutil_make_socket_nonblocking(fd);
  r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
  assert_true(r == 0 || EVUTIL_SOCKET_ERROR() != 0);
  bev = bufferevent_socket_new(c.base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, collect_until_want, NULL, record_event, &c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  assert_int_equal(bufferevent_socket_connect(bev, NULL, 0), 0);
  bufferevent_write(bev, "hey", 3);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.first_event, BEV_EVENT_CONNECTED);
  assert_int_equal(evbuffer_get_length(c.got), 3);
  bufferevent_free(bev);
  su_echo_free(echo);
  evbuffer_free(c.got);
  event_base_free(c.base);
}

#ifndef _WIN32
/* AF_UNIX stream sockets run on uv_pipe_t in uvbev. */
static void connect_to_a_unix_socket_path(void **state) {
  struct conn_ctx c;
  struct sockaddr_un sun_addr;
  struct bufferevent *bev;
  evutil_socket_t lfd, afd;
  char buf[8];
  (void)state;
  cu_ignore_sigpipe();
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  memset(&sun_addr, 0, sizeof(sun_addr));
  sun_addr.sun_family = AF_UNIX;
  snprintf(sun_addr.sun_path, sizeof(sun_addr.sun_path), "/tmp/uvbev-test-%ld.sock",
           (long)getpid());
  unlink(sun_addr.sun_path);
  lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_int_equal(bind(lfd, (struct sockaddr *)&sun_addr, sizeof(sun_addr)), 0);
  assert_int_equal(listen(lfd, 4), 0);
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, record_event, &c);
  bufferevent_write(bev, "unix", 4);
  assert_int_equal(bufferevent_socket_connect(bev, (struct sockaddr *)&sun_addr, sizeof(sun_addr)),
                   0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.first_event, BEV_EVENT_CONNECTED);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  afd = accept(lfd, NULL, NULL);
  su_set_recv_timeout(afd, 5000);
  assert_int_equal(recv(afd, buf, sizeof(buf), 0), 4);
  assert_memory_equal(buf, "unix", 4);
  bufferevent_free(bev);
  evutil_closesocket(afd);
  evutil_closesocket(lfd);
  unlink(sun_addr.sun_path);
  event_base_free(c.base);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(connect_refused_reports_error_with_econnrefused),
      cmocka_unit_test(data_written_before_connect_is_sent_after_it),
      cmocka_unit_test(connect_over_ipv6_reports_connected),
      cmocka_unit_test(connect_with_null_address_waits_for_a_connecting_socket),
#ifndef _WIN32
      cmocka_unit_test(connect_to_a_unix_socket_path),
#endif
  };
  return cmocka_run_group_tests_name("bev_socket_connect(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
