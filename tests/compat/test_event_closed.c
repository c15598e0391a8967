/* SPDX-License-Identifier: MIT */
/* EV_CLOSED: an event waiting for EV_CLOSED fires when the peer closes or
 * shuts down its writing side, where the base reports
 * EV_FEATURE_EARLY_CLOSE (libevent's simpleclose tests). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include "compat-util.h"

#ifdef _WIN32
#define PAIR_FAMILY AF_INET
#define SHUT_WR_ SD_SEND
#else
#define PAIR_FAMILY AF_UNIX
#define SHUT_WR_ SHUT_WR
#endif

static void record_cb(evutil_socket_t fd, short what, void *arg) {
  *(short *)arg = what;
}

/* Waits for `events` on sv[0] after the peer closed (close_peer) or shut
 * down its writing side.  A persistent level-triggered event keeps firing:
 * a loopexit stops it. */
static void run_closed_case(short events, int close_peer) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct event *ev;
  short got = 0;
  int persist = !!(events & EV_PERSIST);
  assert_non_null(base);
  if (!(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)) {
    event_base_free(base);
    skip();
  }
  assert_int_equal(evutil_socketpair(PAIR_FAMILY, SOCK_STREAM, 0, sv), 0);
  ev = event_new(base, sv[0], events, record_cb, &got);
  assert_non_null(ev);
  assert_int_equal(event_add(ev, NULL), 0);
  assert_true(event_pending(ev, EV_CLOSED, NULL) & EV_CLOSED);
  if (close_peer) {
    assert_int_equal(evutil_closesocket(sv[1]), 0);
    sv[1] = EVUTIL_INVALID_SOCKET;
  } else {
    assert_int_equal(shutdown(sv[1], SHUT_WR_), 0);
  }
  if (persist) {
    struct timeval tv = {0, 10000};
    assert_int_equal(event_base_loopexit(base, &tv), 0);
  }
  /* non-persistent: the event runs, is deleted, and nothing is left (1) */
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), !persist);
  assert_int_equal(got, events & ~EV_PERSIST);
  event_free(ev);
  evutil_closesocket(sv[0]);
  if (sv[1] != EVUTIL_INVALID_SOCKET) evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void closed_on_peer_close(void **state) {
  run_closed_case(EV_CLOSED, 1);
}
static void closed_on_peer_shutdown(void **state) {
  run_closed_case(EV_CLOSED, 0);
}
static void closed_persist_on_peer_close(void **state) {
  run_closed_case(EV_CLOSED | EV_PERSIST, 1);
}
static void closed_persist_on_peer_shutdown(void **state) {
  run_closed_case(EV_CLOSED | EV_PERSIST, 0);
}

/* With EV_READ too, a shut-down peer is both readable (EOF) and closed. */
static void closed_and_read_on_peer_shutdown(void **state) {
  run_closed_case(EV_CLOSED | EV_READ, 0);
}

/* No EV_CLOSED before the peer goes: data alone makes an EV_READ|EV_CLOSED
 * event report EV_READ only. */
static void data_is_not_closed(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct event *ev;
  short got = 0;
  if (!(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)) {
    event_base_free(base);
    skip();
  }
  assert_int_equal(evutil_socketpair(PAIR_FAMILY, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(send(sv[1], "x", 1, 0), 1);
  ev = event_new(base, sv[0], EV_READ | EV_CLOSED, record_cb, &got);
  assert_int_equal(event_add(ev, NULL), 0);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
  assert_int_equal(got, EV_READ);
  event_free(ev);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

/* Linux's epoll and poll report a closed peer (EPOLLRDHUP), and so do both
 * libraries there (libevent's kqueue backend does not). */
/* Where the base claims EV_FEATURE_ET, an edge-triggered EV_CLOSED event
 * reports EV_ET with the flags, as libevent does (its simpleclose_*_et). */
static void closed_edge_triggered_reports_ev_et(void **state) {
  struct event_base *base = event_base_new();
  int et = !!(event_base_get_features(base) & EV_FEATURE_ET);
  event_base_free(base);
  if (!et) skip();
  run_closed_case(EV_CLOSED | EV_ET, 1);
  run_closed_case(EV_CLOSED | EV_ET, 0);
}

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  int *calls = arg;
  (void)fd;
  assert_int_equal(what, EV_CLOSED | EV_ET);
  (*calls)++;
}

/* A peer closes once: a persistent edge-triggered EV_CLOSED event runs once,
 * stays added (a non-blocking loop reports events pending, 0), and a
 * non-blocking loop ends instead of running it again and again. */
static void closed_edge_triggered_persistent_runs_once(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct event *ev, *safety;
  int calls = 0;
  (void)state;
  if (!(event_base_get_features(base) & EV_FEATURE_ET) ||
      !(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)) {
    event_base_free(base);
    skip();
  }
  assert_int_equal(evutil_socketpair(PAIR_FAMILY, SOCK_STREAM, 0, sv), 0);
  ev = event_new(base, sv[0], EV_CLOSED | EV_ET | EV_PERSIST, count_cb, &calls);
  assert_int_equal(event_add(ev, NULL), 0);
  safety = cu_safety_timeout(base, 5000); /* fails the test if the loop never ends */
  assert_int_equal(evutil_closesocket(sv[1]), 0);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
  assert_int_equal(calls, 1);
  assert_true(event_pending(ev, EV_CLOSED, NULL) & EV_CLOSED);
  event_free(safety);
  event_free(ev);
  evutil_closesocket(sv[0]);
  event_base_free(base);
}

static void early_close_feature_where_the_kernel_has_it(void **state) {
#if defined(__linux__)
  struct event_base *base = event_base_new();
  assert_true(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE);
  event_base_free(base);
#else
  skip();
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(closed_edge_triggered_reports_ev_et),
      cmocka_unit_test(closed_edge_triggered_persistent_runs_once),
      cmocka_unit_test(early_close_feature_where_the_kernel_has_it),
      cmocka_unit_test(closed_on_peer_close),
      cmocka_unit_test(closed_on_peer_shutdown),
      cmocka_unit_test(closed_persist_on_peer_close),
      cmocka_unit_test(closed_persist_on_peer_shutdown),
      cmocka_unit_test(closed_and_read_on_peer_shutdown),
      cmocka_unit_test(data_is_not_closed),
  };
  return cmocka_run_group_tests_name("compat_event_closed (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
