/* SPDX-License-Identifier: MIT */
/* event_base_loopbreak stops the loop before the next callback, also when
 * the next callback would be another read of the same socket bufferevent
 * (libuv reads a socket several times per wake-up) or a read of another
 * one; the data that arrived is not lost: the next loop delivers it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"
#include "sock-util.h"

#define NBYTES (16 * 1024)
#define READ_SIZE 1024 /* so that NBYTES take many reads */

struct side {
  struct event_base *base;
  struct bufferevent *bev;
  evutil_socket_t peer;
  unsigned char data[NBYTES];
  size_t got;
  int calls;
  int *total_calls;
  int break_each; /* every read callback breaks the loop */
};

/* Takes everything in the input, checks it continues the pattern, and
 * breaks the loop (phase 1) or ends it once all arrived (phase 2). */
static void on_read(struct bufferevent *bev, void *arg) {
  struct side *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  s->calls++;
  (*s->total_calls)++;
  assert_true(s->got + n <= NBYTES);
  assert_int_equal(evbuffer_remove(in, s->data + s->got, n), (int)n);
  assert_true(su_check_pattern(s->data + s->got, n, s->got));
  s->got += n;
  if (s->break_each)
    event_base_loopbreak(s->base);
  else if (s->got == NBYTES)
    event_base_loopexit(s->base, NULL);
}

/* A socket bufferevent reading from a peer that already sent NBYTES. */
static void side_open(struct side *s, struct event_base *base, int options, int *total) {
  evutil_socket_t sv[2];
  unsigned char buf[NBYTES];
  memset(s, 0, sizeof(*s));
  s->base = base;
  s->total_calls = total;
  s->break_each = 1;
  assert_int_equal(cu_tcp_pair(sv), 0);
  s->peer = sv[1];
  su_fill_pattern(buf, sizeof(buf), 0);
  assert_int_equal(send(s->peer, (const char *)buf, sizeof(buf), 0), (int)sizeof(buf));
  evutil_make_socket_nonblocking(sv[0]);
  s->bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE | options);
  assert_non_null(s->bev);
  assert_int_equal(bufferevent_set_max_single_read(s->bev, READ_SIZE), 0);
  bufferevent_setcb(s->bev, on_read, NULL, NULL, s);
  bufferevent_enable(s->bev, EV_READ);
}

static void side_close(struct side *s) {
  bufferevent_free(s->bev);
  evutil_closesocket(s->peer);
}

/* Phase 2: without breaks, everything arrives, in order (each callback
 * that completes a side ends one loop). */
static void receive_rest(struct side *sides, int n) {
  int i, round, done;
  for (round = 0; round <= n; round++) {
    for (i = 0, done = 0; i < n; i++) {
      sides[i].break_each = 0;
      done += sides[i].got == NBYTES;
    }
    if (done == n) break;
    cu_dispatch_bounded(sides[0].base, 10000);
  }
  for (i = 0; i < n; i++)
    assert_int_equal(sides[i].got, NBYTES);
}

static void run_one_socket(int options) {
  struct event_base *base = event_base_new();
  static struct side s[1];
  int total = 0;
  side_open(&s[0], base, options, &total);
  assert_int_equal(event_base_dispatch(base), 0);
  assert_true(event_base_got_break(base));
  assert_int_equal(s[0].calls, 1);
  /* what is left comes in the next loop, whose callback breaks it again
   * (deferred callbacks may have seen everything already) */
  if (s[0].got < NBYTES) {
    assert_int_equal(event_base_loop(base, 0), 0);
    assert_int_equal(s[0].calls, 2);
  }
  receive_rest(s, 1);
  side_close(&s[0]);
  event_base_free(base);
}

static void loopbreak_stops_further_reads_of_one_socket(void **state) {
  run_one_socket(0);
}

static void loopbreak_stops_further_reads_deferred(void **state) {
  run_one_socket(BEV_OPT_DEFER_CALLBACKS);
}

/* Two sockets ready on the same wake-up: the callback that runs first
 * breaks the loop, the other one's does not run in it. */
static void run_two_sockets(int options) {
  struct event_base *base = event_base_new();
  static struct side s[2];
  int total = 0;
  side_open(&s[0], base, options, &total);
  side_open(&s[1], base, options, &total);
  assert_int_equal(event_base_dispatch(base), 0);
  assert_int_equal(total, 1);
  receive_rest(s, 2);
  side_close(&s[0]);
  side_close(&s[1]);
  event_base_free(base);
}

static void loopbreak_stops_reads_of_other_sockets(void **state) {
  run_two_sockets(0);
}

static void loopbreak_stops_reads_of_other_sockets_deferred(void **state) {
  run_two_sockets(BEV_OPT_DEFER_CALLBACKS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loopbreak_stops_further_reads_of_one_socket),
      cmocka_unit_test(loopbreak_stops_further_reads_deferred),
      cmocka_unit_test(loopbreak_stops_reads_of_other_sockets),
      cmocka_unit_test(loopbreak_stops_reads_of_other_sockets_deferred),
  };
  cu_ignore_sigpipe();
  return cmocka_run_group_tests_name("compat_bev_socket_loopbreak (" COMPAT_IMPL_NAME ")", tests,
                                     NULL, NULL);
}
