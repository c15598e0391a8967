/* SPDX-License-Identifier: MIT */
/* A socket bufferevent is one allocation (core, evbuffers, first
 * connection with its uv_tcp_t), and what lives in that block never outlives
 * it: connections replaced while the embedded one still closes, queued
 * deferred evbuffer callbacks at bufferevent_free, a buffer freed by the user
 * by mistake.  Run under ASan, these are use-after-free and leak checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "alloc_count.h"
#include "bev_socket-internal.h"
#include "evbuffer-internal.h"

/* An unconnected TCP socket: a uv_tcp_t, as a connected one is. */
static evutil_socket_t tcp_socket(void) {
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd != EVUTIL_INVALID_SOCKET);
  return fd;
}

/* Runs the loop until nothing is left to do (closes, deferred runs). */
static void drain(struct event_base *base) {
  int i;
  for (i = 0; i < 10; i++) event_base_loop(base, EVLOOP_NONBLOCK);
}

static void one_allocation(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *bev;
  struct bev_socket *s;
  evutil_socket_t fd = tcp_socket();
  size_t before;
  (void)state;
  assert_non_null(base);
  before = cu_allocations();
  bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  assert_int_equal(cu_allocations() - before, 1);
  s = bev_socket_upcast_(bev);
  assert_ptr_equal(s->conn, &s->conn0);
  assert_int_equal(bufferevent_getfd(bev), fd);
  /* Without a socket too, and the connect's socket then takes conn0. */
  before = cu_allocations();
  bufferevent_free(bev);
  bev = bufferevent_socket_new(base, -1, 0);
  assert_non_null(bev);
  assert_int_equal(cu_allocations() - before, 1);
  bufferevent_free(bev);
  drain(base);
  event_base_free(base);
}

/* setfd twice in a row: conn0 is closing when the second connection comes,
 * which is allocated; the third too (conn0 has not closed yet); freeing the
 * bufferevent then leaves three closes in flight, each holding the block. */
static void setfd_while_conn0_closes(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t a = tcp_socket(), b = tcp_socket(), c = tcp_socket(), d = tcp_socket();
  struct bufferevent *bev;
  struct bev_socket *s;
  (void)state;
  bev = bufferevent_socket_new(base, a, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  s = bev_socket_upcast_(bev);
  assert_ptr_equal(s->conn, &s->conn0);
  assert_int_equal(bufferevent_setfd(bev, b), 0);
  assert_ptr_not_equal(s->conn, &s->conn0);
  assert_non_null(s->conn0.owner); /* still closing */
  assert_int_equal(bufferevent_setfd(bev, c), 0);
  assert_ptr_not_equal(s->conn, &s->conn0);
  assert_int_equal(bufferevent_getfd(bev), c);
  drain(base);
  /* conn0 closed: the next connection takes it again. */
  assert_null(s->conn0.owner);
  assert_int_equal(bufferevent_setfd(bev, d), 0);
  assert_ptr_equal(s->conn, &s->conn0);
  assert_int_equal(bufferevent_getfd(bev), d);
  /* Replaced and freed at once: both closes hold the block. */
  assert_int_equal(bufferevent_setfd(bev, tcp_socket()), 0);
  bufferevent_free(bev);
  drain(base);
  event_base_free(base);
}

static int input_runs;
static size_t input_added;

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)buf;
  (void)arg;
  input_runs++;
  input_added += info->n_added;
}

/* A deferred callback run queued on the input when the bufferevent is
 * freed still runs (as in libevent), and the block stays until it has. */
static void free_with_queued_buffer_callbacks(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *bev = bufferevent_socket_new(base, tcp_socket(), BEV_OPT_CLOSE_ON_FREE);
  struct evbuffer *in;
  (void)state;
  assert_non_null(bev);
  in = bufferevent_get_input(bev);
  assert_int_equal(evbuffer_defer_callbacks(in, base), 0);
  assert_non_null(evbuffer_add_cb(in, on_input, NULL));
  input_runs = 0;
  input_added = 0;
  assert_int_equal(evbuffer_add(in, "hello", 5), 0);
  assert_int_equal(input_runs, 0); /* queued */
  bufferevent_free(bev);
  /* Still here: the queued run's reference on the buffer holds the block
   * (besides the connection's close). */
  assert_int_equal(in->refcnt, 2);
  drain(base);
  assert_int_equal(input_runs, 1);
  assert_int_equal(input_added, 5);
  event_base_free(base);
}

/* Re-deferring cancels a queued run: its hold on the bufferevent goes too
 * (a leak otherwise). */
static void cancelled_run_releases_its_hold(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  struct evbuffer *out;
  int refs;
  (void)state;
  assert_non_null(bev);
  out = bufferevent_get_output(bev);
  refs = BEV_UPCAST(bev)->refcnt;
  assert_int_equal(evbuffer_defer_callbacks(out, base), 0);
  assert_int_equal(evbuffer_add(out, "x", 1), 0);
  assert_int_equal(BEV_UPCAST(bev)->refcnt, refs + 1);
  assert_int_equal(evbuffer_defer_callbacks(out, base), 0);
  assert_int_equal(BEV_UPCAST(bev)->refcnt, refs);
  bufferevent_free(bev);
  drain(base);
  event_base_free(base);
}

/* evbuffer_free on a bufferevent's buffer is a user error; it empties the
 * buffer, which stays usable and is freed with the bufferevent. */
static void user_frees_embedded_buffer(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  struct evbuffer *in;
  (void)state;
  assert_non_null(bev);
  in = bufferevent_get_input(bev);
  assert_int_equal(evbuffer_add(in, "abc", 3), 0);
  evbuffer_free(in);
  assert_int_equal(evbuffer_get_length(in), 0);
  assert_int_equal(evbuffer_add(in, "de", 2), 0);
  assert_int_equal(evbuffer_get_length(in), 2);
  bufferevent_free(bev);
  drain(base);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_allocation),
      cmocka_unit_test(setfd_while_conn0_closes),
      cmocka_unit_test(free_with_queued_buffer_callbacks),
      cmocka_unit_test(cancelled_run_releases_its_hold),
      cmocka_unit_test(user_frees_embedded_buffer),
  };
  cu_count_allocations();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
