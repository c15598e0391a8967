/* SPDX-License-Identifier: MIT */
/* A NULL base is the base event_init() made, as in libevent (its legacy
 * tests rely on it): bufferevent_socket_new, bufferevent_pair_new,
 * bufferevent_filter_new over them, evconnlistener_new_bind.  Each case runs
 * the event_init() base and checks that the object made with NULL works on
 * it.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/listener.h>

#include "compat-util.h"
#include "sock-util.h"

struct nb_ctx {
  struct event_base *base;
  struct evbuffer *got;
  size_t want;
  int accepted;
};

static void read_until_want(struct bufferevent *bev, void *arg) {
  struct nb_ctx *c = arg;
  evbuffer_add_buffer(c->got, bufferevent_get_input(bev));
  if (evbuffer_get_length(c->got) >= c->want) event_base_loopexit(c->base, NULL);
}

static void nb_setup(struct nb_ctx *c, size_t want) {
  memset(c, 0, sizeof(*c));
  cu_ignore_sigpipe();
  c->base = event_init();
  assert_non_null(c->base);
  c->got = evbuffer_new();
  c->want = want;
}

static void nb_teardown(struct nb_ctx *c) {
  evbuffer_free(c->got);
  event_base_free(c->base);
}

/* Writes "hello" through `from` and runs the event_init() base until `to`
 * read it. */
static void hello_travels(struct nb_ctx *c, struct bufferevent *from, struct bufferevent *to) {
  bufferevent_setcb(to, read_until_want, NULL, NULL, c);
  assert_int_equal(bufferevent_enable(to, EV_READ), 0);
  assert_int_equal(bufferevent_write(from, "hello", 5), 0);
  cu_dispatch_bounded(c->base, 5000);
  cu_assert_contents(c->got, "hello");
}

static void socket_bufferevent_with_a_null_base(void **state) {
  struct nb_ctx c;
  struct bufferevent *a, *b;
  evutil_socket_t sv[2];
  (void)state;
  nb_setup(&c, 5);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  a = bufferevent_socket_new(NULL, sv[0], BEV_OPT_CLOSE_ON_FREE);
  b = bufferevent_socket_new(NULL, sv[1], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(a);
  assert_non_null(b);
  hello_travels(&c, a, b);
  bufferevent_free(a);
  bufferevent_free(b);
  nb_teardown(&c);
}

static void pair_with_a_null_base(void **state) {
  struct nb_ctx c;
  struct bufferevent *p[2];
  (void)state;
  nb_setup(&c, 5);
  assert_int_equal(bufferevent_pair_new(NULL, 0, p), 0);
  hello_travels(&c, p[0], p[1]);
  bufferevent_free(p[0]);
  bufferevent_free(p[1]);
  nb_teardown(&c);
}

static void filter_over_a_null_base_pair(void **state) {
  struct nb_ctx c;
  struct bufferevent *p[2], *f;
  (void)state;
  nb_setup(&c, 5);
  assert_int_equal(bufferevent_pair_new(NULL, 0, p), 0);
  f = bufferevent_filter_new(p[0], NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
  assert_non_null(f);
  hello_travels(&c, f, p[1]);
  bufferevent_free(f);
  bufferevent_free(p[1]);
  nb_teardown(&c);
}

static void count_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                         int socklen, void *arg) {
  struct nb_ctx *c = arg;
  (void)lev, (void)sa, (void)socklen;
  evutil_closesocket(fd);
  c->accepted++;
  event_base_loopexit(c->base, NULL);
}

static void listener_with_a_null_base(void **state) {
  struct nb_ctx c;
  struct evconnlistener *lev;
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  evutil_socket_t cl;
  (void)state;
  nb_setup(&c, 0);
  su_loopback_sin(&sin, 0);
  lev = evconnlistener_new_bind(NULL, count_accept, &c, LEV_OPT_CLOSE_ON_FREE, -1,
                                (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(lev);
  assert_int_equal(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &len), 0);
  cl = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(connect(cl, (struct sockaddr *)&sin, sizeof(sin)), 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.accepted, 1);
  evconnlistener_free(lev);
  evutil_closesocket(cl);
  nb_teardown(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_bufferevent_with_a_null_base),
      cmocka_unit_test(pair_with_a_null_base),
      cmocka_unit_test(filter_over_a_null_base_pair),
      cmocka_unit_test(listener_with_a_null_base),
  };
  return cmocka_run_group_tests_name("null_base(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
