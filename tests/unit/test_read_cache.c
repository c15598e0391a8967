/* SPDX-License-Identifier: MIT */
/* Steady-state messages cost no allocation: socket bufferevents echoing small
 * messages pass their one-page read chunks through the loop's cache
 * (evbuffer-uv-internal.h) instead of malloc and free per message, while a
 * connection that went quiet still holds no read buffer.  Counted through
 * event_set_mem_functions, as a user would. */
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
#include "loopback.h"
#include "evbuffer-internal.h"

enum { CONNS = 20, MSG_LEN = 64, WARMUP = 20, ROUNDS = 500 };

struct echo_run {
  struct event_base *base;
  struct bufferevent *client[CONNS], *server[CONNS];
  long left[CONNS];
  long messages;
  int conns_left;
};

static void echo_back(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

/* The index of a client is its position in r->client. */
static void client_msg(struct bufferevent *bev, void *arg) {
  struct echo_run *r = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  char msg[MSG_LEN];
  int i;
  for (i = 0; i < CONNS && r->client[i] != bev; i++) {
  }
  assert_true(i < CONNS);
  while (evbuffer_get_length(in) >= MSG_LEN) {
    evbuffer_remove(in, msg, MSG_LEN);
    r->messages++;
    if (--r->left[i] > 0)
      bufferevent_write(bev, msg, MSG_LEN);
    else if (--r->conns_left == 0)
      event_base_loopexit(r->base, NULL);
  }
}

/* Every connection exchanges `rounds` messages; returns the allocations made
 * meanwhile. */
static unsigned long exchange(struct echo_run *r, long rounds) {
  char msg[MSG_LEN];
  unsigned long before = cu_allocations();
  struct timeval limit = {20, 0};
  int i;
  memset(msg, 'm', sizeof(msg));
  r->conns_left = CONNS;
  r->messages = 0;
  for (i = 0; i < CONNS; i++) {
    r->left[i] = rounds;
    bufferevent_write(r->client[i], msg, MSG_LEN);
  }
  event_base_loopexit(r->base, &limit);
  event_base_dispatch(r->base);
  assert_int_equal(r->messages, (long)CONNS * rounds);
  return cu_allocations() - before;
}

static void steady_messages_allocate_nothing(void **state) {
  struct echo_run r;
  unsigned long steady;
  int i;
  (void)state;
  memset(&r, 0, sizeof(r));
  r.base = event_base_new();
  assert_non_null(r.base);
  for (i = 0; i < CONNS; i++) {
    evutil_socket_t sv[2];
    assert_int_equal(cu_tcp_pair(sv), 0);
    r.client[i] = bufferevent_socket_new(r.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    r.server[i] = bufferevent_socket_new(r.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
    assert_non_null(r.client[i]);
    assert_non_null(r.server[i]);
    bufferevent_setcb(r.client[i], client_msg, NULL, NULL, &r);
    bufferevent_setcb(r.server[i], echo_back, NULL, NULL, NULL);
    bufferevent_enable(r.client[i], EV_READ);
    bufferevent_enable(r.server[i], EV_READ);
  }
  exchange(&r, WARMUP); /* first pages, output chunks, the cache filled */
  steady = exchange(&r, ROUNDS);
  /* 10,000 round trips, 20,000 reads: a malloc per read would be 20,000.
   * Allow one allocation per connection for whatever a scheduler's order
   * makes a connection keep for a while. */
  print_message("allocations in %d round trips: %lu\n", CONNS * ROUNDS, steady);
  assert_true(steady <= CONNS);
  /* Quiet connections hold no read buffer: every input is empty of chunks. */
  for (i = 0; i < CONNS; i++) {
    assert_null(bufferevent_get_input(r.client[i])->first);
    assert_null(bufferevent_get_input(r.server[i])->first);
  }
  for (i = 0; i < CONNS; i++) {
    bufferevent_free(r.client[i]);
    bufferevent_free(r.server[i]);
  }
  event_base_free(r.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(steady_messages_allocate_nothing),
  };
  if (getenv("UVBEV_FAULT_RATE") != NULL) {
    /* Injected short reads make a message look like a stream (a full read)
     * and take 64 KiB chunks on purpose: the count means nothing there. */
    print_message("fault injection on: allocation counts are not the library's own\n");
    return 77;
  }
  cu_count_allocations();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
