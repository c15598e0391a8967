/* SPDX-License-Identifier: MIT */
/* evconnlistener: accepting, adoption by bufferevents, enable/disable (and
 * what stays pending), freeing inside the callback, closing accepted fds,
 * sockets that cannot accept.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "compat-util.h"
#include "sock-util.h"

struct lev_ctx {
  struct event_base *base;
  struct evconnlistener *lev;
  int accepted;
  int peer_port;
  int peer_family;
  int free_in_cb;
  int close_fd;
  struct bufferevent *bev;
};

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct lev_ctx *c = arg;
  c->accepted++;
  c->peer_family = sa->sa_family;
  if (sa->sa_family == AF_INET && socklen >= (int)sizeof(struct sockaddr_in))
    c->peer_port = ntohs(((struct sockaddr_in *)sa)->sin_port);
  if (c->close_fd) {
    evutil_closesocket(fd);
  } else {
    c->bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_write(c->bev, "welcome", 7);
  }
  if (c->free_in_cb) {
    evconnlistener_free(lev);
    c->lev = NULL;
  }
  event_base_loopexit(c->base, NULL);
}

static int listener_port(struct evconnlistener *lev) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &len) != 0) return -1;
  return ntohs(sin.sin_port);
}

static void setup(struct lev_ctx *c, unsigned flags) {
  struct sockaddr_in sin;
  memset(c, 0, sizeof(*c));
  cu_ignore_sigpipe();
  c->base = event_base_new();
  su_loopback_sin(&sin, 0);
  c->lev = evconnlistener_new_bind(c->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE | flags, -1,
                                   (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(c->lev);
}

static void teardown(struct lev_ctx *c) {
  if (c->bev) bufferevent_free(c->bev);
  if (c->lev) evconnlistener_free(c->lev);
  event_base_free(c->base);
}

/* A blocking client connected to the listener, with its local port. */
static evutil_socket_t connect_client(struct evconnlistener *lev, int *local_port) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  su_loopback_sin(&sin, listener_port(lev));
  assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  getsockname(fd, (struct sockaddr *)&sin, &len);
  *local_port = ntohs(sin.sin_port);
  su_set_recv_timeout(fd, 5000);
  return fd;
}

static void accepted_fd_is_adopted_by_a_bufferevent(void **state) {
  struct lev_ctx c;
  evutil_socket_t cl;
  int local_port;
  char buf[16];
  (void)state;
  setup(&c, 0);
  assert_ptr_equal(evconnlistener_get_base(c.lev), c.base);
  cl = connect_client(c.lev, &local_port);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 1);
  assert_int_equal(c.peer_family, AF_INET);
  assert_int_equal(c.peer_port, local_port);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  assert_int_equal(recv(cl, buf, sizeof(buf), 0), 7);
  assert_memory_equal(buf, "welcome", 7);
  evutil_closesocket(cl);
  teardown(&c);
}

static void closing_an_accepted_fd_gives_the_peer_eof(void **state) {
  struct lev_ctx c;
  evutil_socket_t cl;
  int local_port;
  char buf[4];
  (void)state;
  setup(&c, 0);
  c.close_fd = 1;
  cl = connect_client(c.lev, &local_port);
  cu_dispatch_bounded(c.base, 5000);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  assert_int_equal(recv(cl, buf, sizeof(buf), 0), 0);
  evutil_closesocket(cl);
  teardown(&c);
}

static void stop_loop(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopexit(arg, NULL);
}

static void disabled_listener_accepts_only_once_enabled(void **state) {
  struct lev_ctx c;
  struct timeval tv = {0, 100000};
  struct event *stop;
  evutil_socket_t cl;
  int local_port;
  (void)state;
  setup(&c, LEV_OPT_DISABLED);
  cl = connect_client(c.lev, &local_port); /* the kernel completes it */
  stop = evtimer_new(c.base, stop_loop, c.base);
  evtimer_add(stop, &tv);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 0);
  assert_int_equal(evconnlistener_enable(c.lev), 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 1);
  assert_int_equal(c.peer_port, local_port);
  assert_int_equal(evconnlistener_disable(c.lev), 0);
  event_free(stop);
  evutil_closesocket(cl);
  teardown(&c);
}

static void freeing_the_listener_in_its_callback_is_safe(void **state) {
  struct lev_ctx c;
  evutil_socket_t cl1, cl2;
  int p1, p2;
  struct timeval tv = {0, 100000};
  (void)state;
  setup(&c, 0);
  c.free_in_cb = 1;
  c.close_fd = 1;
  cl1 = connect_client(c.lev, &p1);
  cl2 = connect_client(c.lev, &p2);
  cu_dispatch_bounded(c.base, 5000);
  event_base_loopexit(c.base, &tv);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 1);
  assert_null(c.lev);
  evutil_closesocket(cl1);
  evutil_closesocket(cl2);
  teardown(&c);
}

static void listener_on_an_existing_socket(void **state) {
  struct lev_ctx c;
  evutil_socket_t lfd, cl;
  int local_port;
  (void)state;
  memset(&c, 0, sizeof(c));
  cu_ignore_sigpipe();
  c.base = event_base_new();
  assert_true(cu_listen_loopback(&lfd) > 0);
  evutil_make_socket_nonblocking(lfd);
  c.close_fd = 1;
  c.lev = evconnlistener_new(c.base, on_accept, &c, LEV_OPT_CLOSE_ON_FREE, 0, lfd);
  assert_non_null(c.lev);
  assert_int_equal(evconnlistener_get_fd(c.lev), lfd);
  cl = connect_client(c.lev, &local_port);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 1);
  assert_int_equal(c.peer_port, local_port);
  evutil_closesocket(cl);
  teardown(&c);
}

static void null_callback_keeps_the_listener_idle_until_set(void **state) {
  struct lev_ctx c;
  struct timeval tv = {0, 100000};
  evutil_socket_t cl;
  int local_port;
  struct sockaddr_in sin;
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  su_loopback_sin(&sin, 0);
  c.lev = evconnlistener_new_bind(c.base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1,
                                  (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(c.lev);
  c.close_fd = 1;
  cl = connect_client(c.lev, &local_port);
  event_base_loopexit(c.base, &tv);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 0);
  evconnlistener_set_cb(c.lev, on_accept, &c);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 1);
  evutil_closesocket(cl);
  teardown(&c);
}

/* ---- disabling stops watching; a socket that cannot accept -------------------- */

struct disable_ctx {
  struct event_base *base;
  int left;   /* connections still to accept */
  int errors; /* error callback runs */
};

/* Non-zero once event_base_loop finds nothing pending (within a few
 * non-blocking rounds: handles being closed may take one). */
static int nothing_pending(struct event_base *base) {
  int i;
  for (i = 0; i < 10; i++)
    if (event_base_loop(base, EVLOOP_NONBLOCK) == 1) return 1;
  return 0;
}

static void accept_then_disable(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                                int socklen, void *arg) {
  struct disable_ctx *d = arg;
  (void)sa, (void)socklen;
  evutil_closesocket(fd);
  if (--d->left == 0) {
    assert_int_equal(evconnlistener_disable(lev), 0);
    event_base_loopexit(d->base, NULL);
  }
}

/* regress listener/randport, immediate_close: once the listener disabled
 * itself nothing is pending, so event_base_dispatch would return. */
static void disabled_listener_leaves_nothing_pending(void **state) {
  struct disable_ctx d = {NULL, 2, 0};
  struct sockaddr_in sin;
  struct evconnlistener *lev;
  evutil_socket_t cl1, cl2;
  int p1, p2;
  (void)state;
  cu_ignore_sigpipe();
  d.base = event_base_new();
  su_loopback_sin(&sin, 0);
  lev = evconnlistener_new_bind(d.base, accept_then_disable, &d,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(lev);
  assert_int_equal(event_base_loop(d.base, EVLOOP_NONBLOCK), 0); /* polled: pending */
  cl1 = connect_client(lev, &p1);
  cl2 = connect_client(lev, &p2);
  cu_dispatch_bounded(d.base, 5000);
  assert_int_equal(d.left, 0);
  assert_true(nothing_pending(d.base));
  assert_int_equal(evconnlistener_enable(lev), 0);
  assert_false(nothing_pending(d.base)); /* polled again */
  evconnlistener_free(lev);
  evutil_closesocket(cl1);
  evutil_closesocket(cl2);
  event_base_free(d.base);
}

static void error_then_disable(struct evconnlistener *lev, void *arg) {
  struct disable_ctx *d = arg;
  d->errors++;
  assert_int_equal(evconnlistener_disable(lev), 0);
  event_base_loopexit(d->base, NULL);
}

/* regress listener/error: a socket that is not listening is accepted, and
 * accept()'s failure reaches the error callback. */
static void listener_on_a_non_listening_socket_reports_accept_errors(void **state) {
  struct disable_ctx d = {NULL, 1, 0};
  struct evconnlistener *lev;
  evutil_socket_t sv[2];
  (void)state;
  cu_ignore_sigpipe();
  d.base = event_base_new();
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  assert_int_equal(send(sv[1], "hello", 5, 0), 5); /* sv[0] looks readable */
  lev = evconnlistener_new(d.base, accept_then_disable, &d, LEV_OPT_CLOSE_ON_FREE, 0, sv[0]);
  assert_non_null(lev);
  evconnlistener_set_error_cb(lev, error_then_disable);
  cu_dispatch_bounded(d.base, 5000);
  assert_int_equal(d.errors, 1);
  assert_int_equal(d.left, 1); /* nothing was accepted */
  assert_true(nothing_pending(d.base));
  evconnlistener_free(lev); /* closes sv[0] */
  evutil_closesocket(sv[1]);
  event_base_free(d.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(accepted_fd_is_adopted_by_a_bufferevent),
      cmocka_unit_test(closing_an_accepted_fd_gives_the_peer_eof),
      cmocka_unit_test(disabled_listener_accepts_only_once_enabled),
      cmocka_unit_test(freeing_the_listener_in_its_callback_is_safe),
      cmocka_unit_test(listener_on_an_existing_socket),
      cmocka_unit_test(null_callback_keeps_the_listener_idle_until_set),
      cmocka_unit_test(disabled_listener_leaves_nothing_pending),
      cmocka_unit_test(listener_on_a_non_listening_socket_reports_accept_errors),
  };
  return cmocka_run_group_tests_name("listener(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
