/* SPDX-License-Identifier: MIT */
/* fd readiness on socketpairs: read, write, persist, two events on one fd,
 * event_base_once on an fd. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include "compat-util.h"

struct io_state {
  struct event_base *base;
  struct event *ev;
  short what;
  int calls;
  char buf[16];
  int nread;
};

static void read_cb(evutil_socket_t fd, short what, void *arg) {
  struct io_state *s = arg;
  s->what = what;
  s->calls++;
  if (what & EV_READ) s->nread = (int)recv(fd, s->buf, sizeof(s->buf), 0);
}

static void read_readiness_on_socketpair(void **state) {
  struct io_state s;
  evutil_socket_t sv[2];
  struct event *safety;
  memset(&s, 0, sizeof(s));
  cu_ignore_sigpipe();
  s.base = event_base_new();
  safety = cu_safety_timeout(s.base, 5000);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  s.ev = event_new(s.base, sv[0], EV_READ, read_cb, &s);
  event_add(s.ev, NULL);
  assert_int_equal(event_pending(s.ev, EV_READ | EV_WRITE, NULL), EV_READ);
  assert_int_equal(send(sv[1], "ping", 4, 0), 4);
  event_del(safety);
  assert_int_equal(event_base_dispatch(s.base), 1);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.what, EV_READ);
  assert_int_equal(s.nread, 4);
  assert_memory_equal(s.buf, "ping", 4);
  event_free(s.ev);
  event_free(safety);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(s.base);
}

static void write_cb(evutil_socket_t fd, short what, void *arg) {
  struct io_state *s = arg;
  s->what = what;
  if (++s->calls == 3) event_del(s->ev);
}

static void persistent_write_readiness_until_deleted(void **state) {
  struct io_state s;
  evutil_socket_t sv[2];
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  s.ev = event_new(s.base, sv[0], EV_WRITE | EV_PERSIST, write_cb, &s);
  event_add(s.ev, NULL);
  assert_int_equal(event_base_dispatch(s.base), 1);
  assert_int_equal(s.calls, 3);
  assert_int_equal(s.what, EV_WRITE);
  event_free(s.ev);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(s.base);
}

static void read_and_write_events_share_one_fd(void **state) {
  struct io_state r, w;
  evutil_socket_t sv[2];
  struct event_base *base = event_base_new();
  memset(&r, 0, sizeof(r));
  memset(&w, 0, sizeof(w));
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  r.ev = event_new(base, sv[0], EV_READ, read_cb, &r);
  w.ev = event_new(base, sv[0], EV_WRITE, write_cb, &w);
  assert_int_equal(event_add(r.ev, NULL), 0);
  assert_int_equal(event_add(w.ev, NULL), 0);
  assert_int_equal(send(sv[1], "x", 1, 0), 1);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.nread, 1);
  assert_int_equal(w.calls, 1);
  event_free(r.ev);
  event_free(w.ev);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void read_event_times_out(void **state) {
  struct io_state s;
  evutil_socket_t sv[2];
  struct timeval tv = {0, 20000};
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  s.ev = event_new(s.base, sv[0], EV_READ, read_cb, &s);
  event_add(s.ev, &tv);
  assert_int_equal(event_pending(s.ev, EV_READ | EV_TIMEOUT, NULL), EV_READ | EV_TIMEOUT);
  assert_int_equal(event_base_dispatch(s.base), 1);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.what, EV_TIMEOUT);
  event_free(s.ev);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(s.base);
}

static void once_cb(evutil_socket_t fd, short what, void *arg) {
  *(short *)arg = what;
}

static void base_once_on_readable_fd(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  short what = 0;
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(event_base_once(base, sv[0], EV_READ, once_cb, &what, NULL), 0);
  assert_int_equal(send(sv[1], "x", 1, 0), 1);
  assert_int_equal(event_base_dispatch(base), 1);
  assert_int_equal(what, EV_READ);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void tcp_pair_readiness(void **state) {
  struct io_state s;
  evutil_socket_t sv[2];
  memset(&s, 0, sizeof(s));
  cu_ignore_sigpipe();
  s.base = event_base_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  s.ev = event_new(s.base, sv[1], EV_READ, read_cb, &s);
  event_add(s.ev, NULL);
  assert_int_equal(send(sv[0], "tcp", 3, 0), 3);
  assert_int_equal(event_base_dispatch(s.base), 1);
  assert_int_equal(s.nread, 3);
  event_free(s.ev);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(s.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(read_readiness_on_socketpair),
      cmocka_unit_test(persistent_write_readiness_until_deleted),
      cmocka_unit_test(read_and_write_events_share_one_fd),
      cmocka_unit_test(read_event_times_out),
      cmocka_unit_test(base_once_on_readable_fd),
      cmocka_unit_test(tcp_pair_readiness),
  };
  return cmocka_run_group_tests_name("compat_event_io (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
