/* SPDX-License-Identifier: MIT */
/* uvbev's strict backpressure guarantees for filters, stronger than libevent
 * 2.1's (whose filter may call a producer's write callback while the layer
 * below is full, and keeps data stuck below a released read watermark):
 *   - no layer's output ever exceeds its write high watermark, checked on
 *     every change, even with a producer that writes whenever called;
 *   - the filter's write callback never nests;
 *   - a full filter input suspends the layer below (which stops pulling);
 *   - data already below is delivered after the user drains (issue 362);
 *   - a write from inside an output filter does not re-enter it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#define TOTAL (32u * 1024 * 1024)
#define CHUNK 65536
#define HIGH (128u * 1024)
#define DEPTH 3

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void run_bounded(struct event_base *base, int sec) {
  struct timeval tv = {sec, 0};
  struct event *t = evtimer_new(base, safety, NULL);
  evtimer_add(t, &tv);
  event_base_dispatch(base);
  event_free(t);
}

/* ---- every layer bounded, 3 filters deep, eager producer ----------------------- */

struct stack {
  struct event_base *base;
  struct bufferevent *pair[2];
  struct bufferevent *layer[DEPTH + 1]; /* layer[0] = pair[0], layer[DEPTH] = top */
  size_t max_out[DEPTH + 1];
  size_t written, received;
  int depth, max_depth, bad;
};

static struct stack S;

static void watch_out(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  size_t *max = arg;
  (void)info;
  if (evbuffer_get_length(buf) > *max) *max = evbuffer_get_length(buf);
}

static void produce_chunk(struct bufferevent *bev) {
  static char chunk[CHUNK];
  size_t n = TOTAL - S.written;
  if (n > CHUNK) n = CHUNK;
  for (size_t i = 0; i < n; i++)
    chunk[i] = (char)((S.written + i) % 253);
  S.written += n;
  if (n) bufferevent_write(bev, chunk, n);
}

/* Writes whenever called: the filter alone must keep memory bounded. */
static void eager_producer(struct bufferevent *bev, void *arg) {
  (void)arg;
  if (++S.depth > S.max_depth) S.max_depth = S.depth;
  produce_chunk(bev);
  S.depth--;
}

static void checking_consumer(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  (void)arg;
  while (evbuffer_get_length(in)) {
    unsigned char buf[4096];
    int n = evbuffer_remove(in, buf, sizeof(buf));
    for (int i = 0; i < n; i++)
      if (buf[i] != (unsigned char)((S.received + (size_t)i) % 253)) S.bad = 1;
    S.received += (size_t)n;
  }
  if (S.received >= TOTAL) event_base_loopbreak(S.base);
}

static void release_reader(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  for (int i = 0; i <= DEPTH; i++)
    assert_true(S.max_out[i] <= HIGH + (i == DEPTH ? CHUNK : 0));
  assert_true(S.written < TOTAL);
  bufferevent_enable(S.pair[1], EV_READ);
}

static void filter_stack_bounds_every_layer(void **state) {
  struct timeval tv = {0, 200000};
  struct event *release;
  (void)state;
  memset(&S, 0, sizeof(S));
  S.base = event_base_new();
  assert_int_equal(bufferevent_pair_new(S.base, 0, S.pair), 0);
  S.layer[0] = S.pair[0];
  for (int i = 1; i <= DEPTH; i++) {
    S.layer[i] =
        bufferevent_filter_new(S.layer[i - 1], NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
    assert_non_null(S.layer[i]);
  }
  for (int i = 0; i <= DEPTH; i++) {
    if (i < DEPTH) bufferevent_setwatermark(S.layer[i], EV_WRITE, 0, HIGH);
    evbuffer_add_cb(bufferevent_get_output(S.layer[i]), watch_out, &S.max_out[i]);
  }
  bufferevent_setcb(S.layer[DEPTH], NULL, eager_producer, NULL, NULL);
  bufferevent_setcb(S.pair[1], checking_consumer, NULL, NULL, NULL);
  produce_chunk(S.layer[DEPTH]);
  release = evtimer_new(S.base, release_reader, NULL);
  evtimer_add(release, &tv);
  run_bounded(S.base, 60);
  assert_int_equal(S.received, TOTAL);
  assert_false(S.bad);
  assert_int_equal(S.max_depth, 1);
  for (int i = 0; i < DEPTH; i++)
    assert_true(S.max_out[i] <= HIGH);
  event_free(release);
  bufferevent_free(S.layer[DEPTH]);
  bufferevent_free(S.pair[1]);
  event_base_free(S.base);
}

/* ---- read side: hold below, and resume with data already there (issue 362) ----- */

struct hold {
  struct event_base *base;
  struct bufferevent *pair[2], *top;
  size_t received, max_top_in, max_low_in;
  int draining;
  int eof_test; /* the data sits below as input, the loop ends on EOF */
};

static void hold_readcb(struct bufferevent *bev, void *arg) {
  struct hold *h = arg;
  size_t n = evbuffer_get_length(bufferevent_get_input(bev));
  size_t low = evbuffer_get_length(bufferevent_get_input(h->pair[1]));
  if (n > h->max_top_in) h->max_top_in = n;
  if (low > h->max_low_in) h->max_low_in = low;
  if (!h->draining) return; /* the user is slow: the filter's input fills up */
  h->received += n;
  evbuffer_drain(bufferevent_get_input(bev), n);
  if (h->received >= 10000 && !h->eof_test) event_base_loopbreak(h->base);
}

static void hold_start_draining(evutil_socket_t fd, short what, void *arg) {
  struct hold *h = arg;
  (void)fd;
  (void)what;
  /* held: the filter stopped pulling, the pair stopped moving */
  assert_int_equal(evbuffer_get_length(bufferevent_get_input(h->top)), 1000);
  if (!h->eof_test) assert_true(evbuffer_get_length(bufferevent_get_output(h->pair[0])) > 0);
  h->draining = 1;
  h->received = evbuffer_get_length(bufferevent_get_input(h->top));
  evbuffer_drain(bufferevent_get_input(h->top), h->received);
}

static void filter_read_hold_and_resume(void **state) {
  struct hold h;
  struct timeval tv = {0, 100000};
  char data[10000];
  (void)state;
  memset(&h, 0, sizeof(h));
  memset(data, 'r', sizeof(data));
  h.base = event_base_new();
  assert_int_equal(bufferevent_pair_new(h.base, 0, h.pair), 0);
  h.top = bufferevent_filter_new(h.pair[1], NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
  assert_non_null(h.top);
  bufferevent_setwatermark(h.pair[1], EV_READ, 0, 3000);
  bufferevent_setwatermark(h.top, EV_READ, 0, 1000);
  bufferevent_setcb(h.top, hold_readcb, NULL, NULL, &h);
  bufferevent_enable(h.top, EV_READ);
  bufferevent_write(h.pair[0], data, sizeof(data));
  event_base_once(h.base, -1, EV_TIMEOUT, hold_start_draining, &h, &tv);
  run_bounded(h.base, 10);
  assert_int_equal(h.received, sizeof(data));
  assert_true(h.max_top_in <= 1000);
  assert_true(h.max_low_in <= 3000);
  bufferevent_free(h.top);
  bufferevent_free(h.pair[0]);
  event_base_free(h.base);
}

/* EOF from below waits until the data held below has reached the filter's
 * input. */
static void hold_eventcb(struct bufferevent *bev, short what, void *arg) {
  struct hold *h = arg;
  assert_int_equal(what, BEV_EVENT_EOF | BEV_EVENT_READING);
  /* reused: bytes delivered (read, or waiting in the input) before EOF */
  h->max_low_in = h->received + evbuffer_get_length(bufferevent_get_input(bev));
  event_base_loopbreak(h->base);
}

static void filter_eof_waits_for_held_data(void **state) {
  struct hold h;
  struct timeval tv = {0, 100000};
  char data[10000];
  (void)state;
  memset(&h, 0, sizeof(h));
  memset(data, 'e', sizeof(data));
  h.eof_test = 1;
  h.base = event_base_new();
  assert_int_equal(bufferevent_pair_new(h.base, 0, h.pair), 0);
  h.top = bufferevent_filter_new(h.pair[1], NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
  assert_non_null(h.top);
  bufferevent_setwatermark(h.top, EV_READ, 0, 1000);
  bufferevent_setcb(h.top, hold_readcb, NULL, hold_eventcb, &h);
  bufferevent_enable(h.top, EV_READ);
  bufferevent_write(h.pair[0], data, sizeof(data));
  bufferevent_flush(h.pair[0], EV_WRITE, BEV_FINISHED);
  event_base_once(h.base, -1, EV_TIMEOUT, hold_start_draining, &h, &tv);
  run_bounded(h.base, 10);
  assert_int_equal(h.max_low_in, sizeof(data));
  bufferevent_free(h.top);
  bufferevent_free(h.pair[0]);
  event_base_free(h.base);
}

/* ---- a write from inside the output filter ---------------------------------------- */

struct reenter {
  struct bufferevent *top;
  int depth, max_depth, extra_written;
};

static enum bufferevent_filter_result writing_filter(struct evbuffer *src, struct evbuffer *dst,
                                                     ev_ssize_t limit,
                                                     enum bufferevent_flush_mode mode, void *ctx) {
  struct reenter *r = ctx;
  (void)limit;
  (void)mode;
  if (++r->depth > r->max_depth) r->max_depth = r->depth;
  if (!r->extra_written) {
    r->extra_written = 1;
    bufferevent_write(r->top, "+extra", 6); /* lands in src: must not recurse */
  }
  evbuffer_add_buffer(dst, src);
  r->depth--;
  return BEV_OK;
}

static void filter_write_inside_output_filter_does_not_reenter(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *pair[2];
  struct reenter r;
  char got[32];
  size_t n;
  (void)state;
  memset(&r, 0, sizeof(r));
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  r.top = bufferevent_filter_new(pair[0], NULL, writing_filter, BEV_OPT_CLOSE_ON_FREE, NULL, &r);
  assert_non_null(r.top);
  bufferevent_enable(pair[1], EV_READ);
  bufferevent_write(r.top, "data", 4);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(r.max_depth, 1);
  n = bufferevent_read(pair[1], got, sizeof(got));
  assert_int_equal(n, 10);
  assert_memory_equal(got, "data+extra", 10);
  bufferevent_free(r.top);
  bufferevent_free(pair[1]);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(filter_stack_bounds_every_layer),
      cmocka_unit_test(filter_read_hold_and_resume),
      cmocka_unit_test(filter_eof_waits_for_held_data),
      cmocka_unit_test(filter_write_inside_output_filter_does_not_reenter),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
