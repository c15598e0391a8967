/* SPDX-License-Identifier: MIT */
/* uvbev-only side of "any descriptor libevent accepts": how each kind of
 * descriptor is classified and run (TCP keeps its stream, files get no libuv
 * stream), and descriptors libuv cannot take give NULL / -1, never an abort
 * (libevent itself accepts any integer and fails later). */
#ifndef _WIN32
#define _XOPEN_SOURCE 700 /* posix_openpt, mkstemp */
#define _DEFAULT_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <uvbev/uvbev.h>

#include "bev_socket-internal.h"
#include "platform-internal.h"
#include "loopback.h"

#ifndef _WIN32

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void noop_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}

static void descriptors_are_classified_by_what_they_are(void **state) {
  evutil_socket_t tcp[2], local[2];
  int p[2], nul = open("/dev/null", O_RDWR), pty = posix_openpt(O_RDWR | O_NOCTTY);
  char path[] = "/tmp/uvbev-kind-XXXXXX";
  int file = mkstemp(path);
  (void)state;
  unlink(path);
  assert_int_equal(cu_tcp_pair(tcp), 0);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, local), 0);
  assert_int_equal(pipe(p), 0);
  assert_true(nul >= 0 && pty >= 0 && file >= 0);
  assert_int_equal(uvbev_fd_kind_(tcp[0]), UVBEV_FD_TCP);
  assert_int_equal(uvbev_fd_kind_(local[0]), UVBEV_FD_LOCAL);
  assert_int_equal(uvbev_fd_kind_(p[0]), UVBEV_FD_LOCAL);
  assert_int_equal(uvbev_fd_kind_(pty), UVBEV_FD_POLLABLE);
  assert_int_equal(uvbev_fd_kind_(nul), UVBEV_FD_POLLABLE);
  assert_int_equal(uvbev_fd_kind_(file), UVBEV_FD_FILE);
  assert_int_equal(uvbev_fd_kind_(-1), UVBEV_FD_INVALID);
  close(file);
  assert_int_equal(uvbev_fd_kind_(file), UVBEV_FD_INVALID);
  evutil_closesocket(tcp[0]);
  evutil_closesocket(tcp[1]);
  evutil_closesocket(local[0]);
  evutil_closesocket(local[1]);
  close(p[0]);
  close(p[1]);
  close(nul);
  close(pty);
}

/* TCP stays on its uv_tcp_t stream (the fast path); /dev/null and ptys get
 * the read()/write() path and never a libuv stream. */
static void streams_for_sockets_and_pipes_fdio_for_the_rest(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t tcp[2];
  int p[2], nul = open("/dev/null", O_RDWR), pty = posix_openpt(O_RDWR | O_NOCTTY);
  struct bufferevent *b[4];
  int i;
  (void)state;
  assert_int_equal(cu_tcp_pair(tcp), 0);
  assert_int_equal(pipe(p), 0);
  b[0] = bufferevent_socket_new(base, tcp[0], BEV_OPT_CLOSE_ON_FREE);
  b[1] = bufferevent_socket_new(base, p[0], BEV_OPT_CLOSE_ON_FREE);
  b[2] = bufferevent_socket_new(base, nul, BEV_OPT_CLOSE_ON_FREE);
  b[3] = bufferevent_socket_new(base, pty, BEV_OPT_CLOSE_ON_FREE);
  for (i = 0; i < 4; i++) {
    struct bev_socket *s = bev_socket_upcast_(b[i]);
    assert_non_null(s);
    assert_true(i < 2 ? s->conn != NULL && s->fio == NULL : s->conn == NULL && s->fio != NULL);
    bufferevent_free(b[i]);
  }
  evutil_closesocket(tcp[1]);
  close(p[1]);
  event_base_free(base);
}

static void expect_refused(struct event_base *base, evutil_socket_t fd) {
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  struct event *ev = event_new(base, fd, EV_READ | EV_PERSIST, noop_cb, NULL);
  assert_null(bufferevent_socket_new(base, fd, 0));
  assert_null(bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE));
  assert_non_null(bev);
  assert_int_equal(bufferevent_setfd(bev, fd), -1);
  assert_int_equal(bufferevent_getfd(bev), -1);
  assert_non_null(ev);
  assert_int_equal(event_add(ev, NULL), -1);
  assert_int_equal(event_pending(ev, EV_READ, NULL), 0);
  event_base_loop(base, EVLOOP_NONBLOCK); /* nothing half-registered aborts */
  event_free(ev);
  bufferevent_free(bev);
}

static void closed_descriptor_gives_null_and_minus_one(void **state) {
  struct event_base *base = event_base_new();
  int fd = open("/dev/null", O_RDONLY);
  (void)state;
  assert_true(fd >= 0);
  close(fd);
  expect_refused(base, fd);
  event_base_free(base);
}

static void loop_backend_descriptor_gives_null_and_minus_one(void **state) {
  struct event_base *base = event_base_new();
  int fd = uv_backend_fd(uvbev_base_get_loop(base));
  (void)state;
#ifdef __linux__
  /* epoll refuses to watch itself (EINVAL): libuv would abort if asked */
  assert_true(fd >= 0);
  expect_refused(base, fd);
  event_base_free(base);
#else
  (void)fd;
  event_base_free(base);
  skip(); /* whether kqueue / event ports watch themselves varies */
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(descriptors_are_classified_by_what_they_are),
      cmocka_unit_test(streams_for_sockets_and_pipes_fdio_for_the_rest),
      cmocka_unit_test(closed_descriptor_gives_null_and_minus_one),
      cmocka_unit_test(loop_backend_descriptor_gives_null_and_minus_one),
  };
  return cmocka_run_group_tests_name("fd_kinds_uvbev", tests, NULL, NULL);
}

#else /* _WIN32 */

static void posix_descriptors_only(void **state) {
  (void)state;
  skip(); /* Windows descriptors are SOCKETs, all run on uv_tcp_t */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(posix_descriptors_only)};
  return cmocka_run_group_tests_name("fd_kinds_uvbev", tests, NULL, NULL);
}

#endif
