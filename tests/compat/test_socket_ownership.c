/* SPDX-License-Identifier: MIT */
/* What a program keeps of its own sockets, on every platform (Windows
 * included, where a socket bound to a completion port cannot leave it):
 * without BEV_OPT_CLOSE_ON_FREE the caller's socket stays open and usable
 * after bufferevent_free; evutil_socketpair gives a connected pair; a refused
 * connect's error reads as such through evutil_socket_error_to_string.
 * libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>
#ifdef _WIN32
#include <winsock2.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "compat-util.h"
#include "loopback.h"
#include "sock-util.h"

static void stop_after_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  event_base_loopexit(arg, NULL);
}

/* Blocking send/recv of a short message from a to b. */
static void raw_round(evutil_socket_t a, evutil_socket_t b, const char *msg) {
  char got[64];
  size_t n = strlen(msg);
  int eof = 0;
  assert_int_equal(send(a, msg, (int)n, 0), (int)n);
  su_set_recv_timeout(b, 5000);
  assert_int_equal(su_read_all(b, (unsigned char *)got, n, &eof), n);
  assert_memory_equal(got, msg, n);
}

static void make_blocking(evutil_socket_t fd) {
#ifdef _WIN32
  u_long off = 0;
  assert_int_equal(ioctlsocket(fd, FIONBIO, &off), 0);
#else
  int fl = fcntl(fd, F_GETFL);
  assert_true(fl >= 0);
  assert_int_equal(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK), 0);
#endif
}

static void socket_without_close_on_free_stays_usable_after_free(void **state) {
  evutil_socket_t sv[2];
  struct event_base *base = event_base_new();
  struct bufferevent *bev;
  char got[16];
  int eof = 0;
  (void)state;
  cu_ignore_sigpipe();
  assert_int_equal(cu_tcp_pair(sv), 0);
  bev = bufferevent_socket_new(base, sv[0], 0);
  assert_non_null(bev);
  bufferevent_setcb(bev, NULL, stop_after_write, NULL, base);
  bufferevent_write(bev, "via-bev", 7);
  cu_dispatch_bounded(base, 5000);
  bufferevent_free(bev);
  event_base_free(base);

  su_set_recv_timeout(sv[1], 5000);
  assert_int_equal(su_read_all(sv[1], (unsigned char *)got, 7, &eof), 7);
  assert_memory_equal(got, "via-bev", 7);
  /* Both directions still work on the caller's socket, now without a loop
   * (blocking again: the library may have made it non-blocking). */
  make_blocking(sv[0]);
  raw_round(sv[0], sv[1], "after-free");
  raw_round(sv[1], sv[0], "and-back");
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

static void evutil_socketpair_is_connected_both_ways(void **state) {
  evutil_socket_t sv[2];
#ifdef _WIN32
  int family = AF_INET; /* the only family libevent's Windows socketpair has */
#else
  int family = AF_UNIX;
#endif
  (void)state;
  assert_int_equal(evutil_socketpair(family, SOCK_STREAM, 0, sv), 0);
  raw_round(sv[0], sv[1], "ping");
  raw_round(sv[1], sv[0], "pong");
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

struct refused_ctx {
  struct event_base *base;
  int err;
};

static void refused(struct bufferevent *bev, short what, void *arg) {
  struct refused_ctx *r = arg;
  (void)bev;
  if (what & BEV_EVENT_ERROR) r->err = EVUTIL_SOCKET_ERROR();
  event_base_loopexit(r->base, NULL);
}

static int contains_nocase(const char *hay, const char *needle) {
  size_t i, j, n = strlen(needle);
  for (i = 0; hay[i]; i++) {
    for (j = 0; j < n && hay[i + j] && tolower((unsigned char)hay[i + j]) == needle[j]; j++) {
    }
    if (j == n) return 1;
  }
  return 0;
}

static void refused_connect_error_reads_as_refused(void **state) {
  struct event_base *base = event_base_new();
  struct sockaddr_in sin;
  struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  struct refused_ctx r = {base, 0};
  const char *text;
  (void)state;
  su_loopback_sin(&sin, su_closed_port());
  bufferevent_setcb(bev, NULL, NULL, refused, &r);
  assert_int_equal(bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof(sin)), 0);
  cu_dispatch_bounded(base, 5000);
#ifdef _WIN32
  assert_int_equal(r.err, WSAECONNREFUSED);
#else
  assert_int_equal(r.err, ECONNREFUSED);
#endif
  text = evutil_socket_error_to_string(r.err);
  assert_non_null(text);
  print_message("refused connect: %d, \"%s\"\n", r.err, text);
  assert_true(contains_nocase(text, "refused"));
  bufferevent_free(bev);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_without_close_on_free_stays_usable_after_free),
      cmocka_unit_test(evutil_socketpair_is_connected_both_ways),
      cmocka_unit_test(refused_connect_error_reads_as_refused),
  };
  return cmocka_run_group_tests_name("socket_ownership(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
