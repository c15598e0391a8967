/* SPDX-License-Identifier: MIT */
/* A stream's output reuses its memory: a writer that refills a bufferevent's
 * output in blocks whenever a write drained it below a mark, while writes
 * drain several chunks at once (a socket writes up to 256 KiB per write),
 * gets the drained chunks back for the refill instead of a malloc per block.  Freeing them
 * made malloc give the top of the heap back to the system and fault it in
 * again at the next refill: a page fault per 4 KiB streamed.  An emptied
 * buffer keeps no more than one chunk, so an idle connection holds little.  Counted through
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
#include "evbuffer-internal.h"
#include "loopback.h"

#define BLOCK ((size_t)64 * 1024)
#define HIGH ((size_t)1024 * 1024) /* refill up to */
#define LOW ((size_t)256 * 1024)   /* when below */

static unsigned char block[BLOCK];

static void refill(struct evbuffer *out, size_t *blocks_left) {
  while (*blocks_left > 0 && evbuffer_get_length(out) < HIGH) {
    memset(block, (int)(*blocks_left & 0xff), sizeof(block));
    assert_int_equal(evbuffer_add(out, block, sizeof(block)), 0);
    (*blocks_left)--;
  }
}

/* Empty chunks kept after the data, and their room. */
static int spare_chunks(const struct evbuffer *buf, size_t *room) {
  const struct evbuffer_chunk *c = buf->last_data != NULL ? buf->last_data->next : buf->first;
  int n = 0;
  *room = 0;
  for (; c != NULL; c = c->next, n++) {
    assert_int_equal(c->off, 0);
    *room += c->cap;
  }
  return n;
}

/* Refill to 1 MiB, then drain 256 KiB at a time (a socket's write) down to
 * 256 KiB, where the writer's callback refills. */
static void cycle(struct evbuffer *buf, size_t *blocks_left) {
  refill(buf, blocks_left);
  while (evbuffer_get_length(buf) > LOW) {
    size_t room;
    assert_int_equal(evbuffer_drain(buf, LOW), 0);
    assert_true(spare_chunks(buf, &room) <= EVBUFFER_SPARES_MAX);
  }
}

/* A socket bufferevent that is not connected: its output, filled and
 * drained by hand. */
static struct bufferevent *idle_bev(struct event_base **base) {
  struct bufferevent *bev;
  *base = event_base_new();
  assert_non_null(*base);
  bev = bufferevent_socket_new(*base, -1, 0);
  assert_non_null(bev);
  return bev;
}

static void drained_chunks_serve_the_refill(void **state) {
  struct event_base *base;
  struct bufferevent *bev = idle_bev(&base);
  struct evbuffer *buf = bufferevent_get_output(bev);
  size_t blocks = 1u << 20; /* never runs out here */
  size_t room;
  unsigned long before;
  long live;
  int i;
  (void)state;
  live = cu_live_blocks();
  for (i = 0; i < 4; i++) /* the chunks made once */
    cycle(buf, &blocks);
  before = cu_allocations();
  for (i = 0; i < 64; i++) /* 48 MiB through the buffer */
    cycle(buf, &blocks);
  print_message("allocations in 64 refills of 768 KiB: %lu\n", cu_allocations() - before);
  /* A malloc per block would be 768.  A chunk holds a little more than a
   * block, so where the data starts in the chunks drifts, and now and then a
   * refill needs one chunk more than the spares kept. */
  assert_true(cu_allocations() - before <= 4);
  /* Emptied: one chunk at most stays. */
  assert_int_equal(evbuffer_drain(buf, evbuffer_get_length(buf)), 0);
  assert_true(spare_chunks(buf, &room) <= 1);
  assert_true(cu_live_blocks() - live <= 1);
  bufferevent_free(bev);
  event_base_free(base);
}

/* Writes bigger than a chunk go into chunks of at most 64 KiB, which the
 * output keeps and reuses like the others; one chunk of the write's size
 * (as libevent makes) is past malloc's mmap threshold from 128 KiB on: a
 * fresh mapping, faulted in page by page, for every write. */
static void big_writes_reuse_drained_chunks(void **state) {
  static unsigned char big[4 * BLOCK];
  struct event_base *base;
  struct bufferevent *bev = idle_bev(&base);
  struct evbuffer *buf = bufferevent_get_output(bev);
  struct evbuffer_chunk *c;
  unsigned long before = 0;
  int i;
  (void)state;
  memset(big, 'b', sizeof(big));
  for (i = 0; i < 68; i++) {
    if (i == 4) before = cu_allocations(); /* the chunks made once */
    while (evbuffer_get_length(buf) < HIGH)
      assert_int_equal(evbuffer_add(buf, big, sizeof(big)), 0);
    for (c = buf->first; c != NULL; c = c->next)
      assert_true(c->cap <= EVBUFFER_CHUNK_MAX_SPARE);
    while (evbuffer_get_length(buf) > LOW)
      assert_int_equal(evbuffer_drain(buf, LOW), 0);
  }
  print_message("allocations in 64 refills with 256 KiB writes: %lu\n", cu_allocations() - before);
  assert_true(cu_allocations() - before <= 4);
  bufferevent_free(bev);
  event_base_free(base);
}

/* Eight blocks in, seven drained: how many drained chunks buf keeps. */
static int spares_after_seven_of_eight(struct evbuffer *buf) {
  size_t room;
  int i;
  for (i = 0; i < 8; i++) {
    memset(block, i, sizeof(block));
    assert_int_equal(evbuffer_add(buf, block, sizeof(block)), 0);
  }
  assert_int_equal(evbuffer_drain(buf, 7 * BLOCK), 0);
  assert_int_equal(evbuffer_get_length(buf), BLOCK);
  return spare_chunks(buf, &room);
}

/* An output keeps drained chunks while it holds data, and one once emptied;
 * an input or a buffer of the user's keeps one, as before: an input left
 * with a partial message after a burst holds no more memory than it did. */
static void only_a_streaming_output_keeps_more(void **state) {
  struct event_base *base;
  struct bufferevent *bev = idle_bev(&base);
  struct evbuffer *own = evbuffer_new();
  size_t room;
  (void)state;
  assert_non_null(own);
  assert_true(spares_after_seven_of_eight(bufferevent_get_output(bev)) >= 2);
  assert_int_equal(evbuffer_drain(bufferevent_get_output(bev), BLOCK), 0);
  assert_true(spare_chunks(bufferevent_get_output(bev), &room) <= 1);
  assert_true(room <= EVBUFFER_CHUNK_MAX_SPARE);
  assert_true(spares_after_seven_of_eight(bufferevent_get_input(bev)) <= 1);
  assert_true(spares_after_seven_of_eight(own) <= 1);
  evbuffer_free(own);
  bufferevent_free(bev);
  event_base_free(base);
}

/* The same over a loopback socket: 64 MiB from a writer refilling from its
 * write callback. */
struct stream {
  struct event_base *base;
  size_t blocks_left, received, total;
  unsigned long allocations_at_half;
  int bad_bytes;
};

static void on_writable(struct bufferevent *bev, void *arg) {
  struct stream *s = arg;
  refill(bufferevent_get_output(bev), &s->blocks_left);
}

/* Block k (counting down from the total) holds the byte k & 0xff. */
static void on_readable(struct bufferevent *bev, void *arg) {
  struct stream *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  unsigned char buf[4096];
  size_t n;
  while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0 && n != (size_t)-1) {
    size_t i;
    for (i = 0; i < n; i++) {
      size_t k = s->total / BLOCK - (s->received + i) / BLOCK;
      if (buf[i] != (unsigned char)(k & 0xff)) s->bad_bytes++;
    }
    if (s->received < s->total / 2 && s->received + n >= s->total / 2)
      s->allocations_at_half = cu_allocations();
    s->received += n;
  }
  if (s->received >= s->total) event_base_loopexit(s->base, NULL);
}

static void socket_stream_reuses_its_chunks(void **state) {
  struct stream s;
  struct bufferevent *w, *r;
  evutil_socket_t sv[2];
  struct timeval limit = {30, 0};
  unsigned long late;
  (void)state;
  memset(&s, 0, sizeof(s));
  s.total = 64 * HIGH;
  s.blocks_left = s.total / BLOCK;
  s.base = event_base_new();
  assert_non_null(s.base);
  assert_int_equal(cu_tcp_pair(sv), 0);
  w = bufferevent_socket_new(s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  r = bufferevent_socket_new(s.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(w);
  assert_non_null(r);
  bufferevent_setwatermark(w, EV_WRITE, LOW, 0);
  bufferevent_setcb(w, NULL, on_writable, NULL, &s);
  bufferevent_setcb(r, on_readable, NULL, NULL, &s);
  bufferevent_enable(r, EV_READ);
  on_writable(w, &s);
  event_base_loopexit(s.base, &limit);
  event_base_dispatch(s.base);
  assert_int_equal(s.received, s.total);
  assert_int_equal(s.bad_bytes, 0);
  late = cu_allocations() - s.allocations_at_half;
  /* 32 MiB streamed in the second half: a malloc per 64 KiB block would be
   * 512.  Allow a few for what the scheduler's order makes the reader keep
   * for a while. */
  print_message("allocations while the second 32 MiB streamed: %lu\n", late);
  assert_true(late <= 16);
  bufferevent_free(w);
  bufferevent_free(r);
  event_base_free(s.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(drained_chunks_serve_the_refill),
      cmocka_unit_test(big_writes_reuse_drained_chunks),
      cmocka_unit_test(only_a_streaming_output_keeps_more),
      cmocka_unit_test(socket_stream_reuses_its_chunks),
  };
  if (getenv("UVBEV_FAULT_RATE") != NULL) {
    /* Injected short writes and reads change what each step drains: the
     * counts mean nothing there. */
    print_message("fault injection on: allocation counts are not the library's own\n");
    return 77;
  }
  cu_count_allocations();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
