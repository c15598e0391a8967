/* SPDX-License-Identifier: MIT */
/* The evbuffer <-> libuv adaptation (evbuffer-uv-internal.h): reserve/commit
 * for reads and pin/unpin for writes, with pointer checks proving that
 * nothing is copied; plus uvbev-only evbuffer behaviour (callback
 * suspension, segment range checks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event2/event.h"
#include "evbuffer-internal.h"
#include "evbuffer-uv-internal.h"

static int chunk_count(const struct evbuffer *buf) {
  const struct evbuffer_chunk *c;
  int n = 0;
  for (c = buf->first; c != NULL; c = c->next)
    n++;
  return n;
}

static void reserve_commit_lands_bytes_in_place(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v;
  uv_buf_t b;
  size_t got = evbuffer_uv_reserve_(buf, 65536, 0, NULL, &b);
  assert_true(got >= 4096 && got <= 65536);
  assert_int_equal(b.len, got);
  memcpy(b.base, "received", 8);
  assert_int_equal(evbuffer_uv_commit_(buf, 8), 0);
  assert_int_equal(evbuffer_get_length(buf), 8);
  /* The bytes are where libuv wrote them: no copy. */
  assert_int_equal(evbuffer_peek(buf, -1, NULL, &v, 1), 1);
  assert_ptr_equal(v.iov_base, b.base);
  assert_memory_equal(v.iov_base, "received", 8);
  evbuffer_free(buf);
}

static void commit_zero_gives_space_back(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t b, b2;
  evbuffer_uv_reserve_(buf, 8192, 0, NULL, &b);
  assert_int_equal(evbuffer_uv_commit_(buf, 0), 0);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_int_equal(evbuffer_uv_commit_(buf, 0), -1); /* no reservation open */
  evbuffer_uv_reserve_(buf, 8192, 0, NULL, &b2);
  assert_ptr_equal(b2.base, b.base); /* the same space again */
  assert_int_equal(evbuffer_uv_commit_(buf, b2.len + 1), -1);
  assert_int_equal(evbuffer_uv_commit_(buf, 1), 0);
  evbuffer_free(buf);
}

static void steady_state_reads_reuse_tail(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t b;
  char *first;
  int i;
  evbuffer_uv_reserve_(buf, 65536, 0, NULL, &b);
  first = b.base;
  evbuffer_uv_commit_(buf, 100);
  for (i = 0; i < 1000; i++) {
    /* Read some, consume it all: the next read reuses the same memory. */
    evbuffer_drain(buf, evbuffer_get_length(buf));
    assert_true(evbuffer_uv_reserve_(buf, 65536, 0, NULL, &b) >= 4096);
    assert_ptr_equal(b.base, first);
    assert_int_equal(evbuffer_uv_commit_(buf, 100 + (size_t)i), 0);
  }
  /* Partial consumption: reads continue in the same chunk's tail. */
  evbuffer_drain(buf, 10);
  for (i = 0; i < 10; i++) {
    evbuffer_uv_reserve_(buf, 65536, 0, NULL, &b);
    evbuffer_uv_commit_(buf, 1000);
  }
  assert_int_equal(chunk_count(buf), 1);
  evbuffer_free(buf);
}

/* A stream that outgrows the one-page chunk of a message read is not held to
 * it: the kept chunk is replaced, and reads get what they ask for. */
static void stream_outgrows_message_chunk(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t b;
  size_t small = evbuffer_uv_reserve_(buf, 4096, 0, NULL, &b);
  assert_true(small >= 3000 && small <= 4096);
  assert_int_equal(evbuffer_uv_commit_(buf, small), 0); /* a full read */
  evbuffer_drain(buf, small);
  assert_int_equal(evbuffer_uv_reserve_(buf, 65536, 0, NULL, &b), 65536);
  assert_int_equal(evbuffer_uv_commit_(buf, 65536), 0);
  evbuffer_drain(buf, 65536);
  /* The big chunk stays for the stream's next read and serves messages too. */
  assert_int_equal(evbuffer_uv_reserve_(buf, 65536, 0, NULL, &b), 65536);
  assert_int_equal(evbuffer_uv_commit_(buf, 0), 0);
  assert_int_equal(evbuffer_uv_reserve_(buf, 4096, 0, NULL, &b), 4096);
  assert_int_equal(evbuffer_uv_commit_(buf, 0), 0);
  /* A message-sized read into kept space gets all of it, up to suggested. */
  assert_int_equal(evbuffer_uv_reserve_(buf, 65536, 4096, NULL, &b), 65536);
  assert_int_equal(evbuffer_uv_commit_(buf, 0), 0);
  assert_int_equal(chunk_count(buf), 1);
  evbuffer_free(buf);
}

/* Message reads pass one-page chunks between buffers through the loop's
 * cache: a trimmed buffer holds nothing, the next read reuses the page. */
static void trimmed_page_serves_the_next_read(void **state) {
  struct evbuffer_uv_cache cache = {NULL, 0};
  struct evbuffer *a = evbuffer_new(), *b2 = evbuffer_new();
  uv_buf_t b;
  char *page;
  evbuffer_uv_reserve_(a, 4096, 0, &cache, &b);
  page = b.base;
  evbuffer_uv_commit_(a, 64);
  evbuffer_drain(a, 64);
  evbuffer_uv_trim_(a, &cache);
  assert_int_equal(chunk_count(a), 0);
  assert_int_equal(cache.n, 1);
  evbuffer_uv_reserve_(b2, 4096, 0, &cache, &b);
  assert_ptr_equal(b.base, page);
  assert_int_equal(cache.n, 0);
  memcpy(b.base, "hello", 5);
  assert_int_equal(evbuffer_uv_commit_(b2, 5), 0);
  assert_int_equal(evbuffer_get_length(b2), 5);
  assert_memory_equal(evbuffer_pullup(b2, 5), "hello", 5);
  evbuffer_free(a);
  evbuffer_free(b2);
  evbuffer_uv_cache_clear_(&cache);
}

/* The cache keeps at most EVBUFFER_UV_CACHE_MAX pages and no big chunk. */
static void cache_is_bounded(void **state) {
  struct evbuffer_uv_cache cache = {NULL, 0};
  struct evbuffer *bufs[EVBUFFER_UV_CACHE_MAX + 8];
  uv_buf_t b;
  int i;
  for (i = 0; i < EVBUFFER_UV_CACHE_MAX + 8; i++) {
    bufs[i] = evbuffer_new();
    evbuffer_uv_reserve_(bufs[i], i == 0 ? 65536 : 4096, 0, &cache, &b);
    evbuffer_uv_commit_(bufs[i], 1);
    evbuffer_drain(bufs[i], 1);
  }
  for (i = 0; i < EVBUFFER_UV_CACHE_MAX + 8; i++) {
    evbuffer_uv_trim_(bufs[i], &cache);
    assert_int_equal(chunk_count(bufs[i]), 0);
    assert_true(cache.n <= EVBUFFER_UV_CACHE_MAX);
    evbuffer_free(bufs[i]);
  }
  assert_int_equal(cache.n, EVBUFFER_UV_CACHE_MAX);
  evbuffer_uv_cache_clear_(&cache);
  assert_int_equal(cache.n, 0);
  assert_null(cache.head);
}

static void frozen_back_refuses_reservation(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t b;
  evbuffer_freeze(buf, 0);
  assert_int_equal(evbuffer_uv_reserve_(buf, 4096, 0, NULL, &b), 0);
  assert_int_equal(b.len, 0);
  evbuffer_free(buf);
}

static void pin_exposes_chunks_without_copy(void **state) {
  struct evbuffer *buf = evbuffer_new();
  static const char ref[] = "referenced";
  uv_buf_t bufs[UVBEV_MAX_WRITE_BUFS];
  struct evbuffer_iovec v[4];
  size_t np = 0;
  int n, i;
  evbuffer_add(buf, "copied ", 7);
  evbuffer_add_reference(buf, ref, 10, NULL, NULL);
  evbuffer_add(buf, " tail", 5);
  assert_int_equal(evbuffer_peek(buf, -1, NULL, v, 4), 3);
  n = evbuffer_uv_pin_(buf, bufs, UVBEV_MAX_WRITE_BUFS, 1 << 20, &np);
  assert_int_equal(n, 3);
  assert_int_equal(np, 22);
  assert_int_equal(evbuffer_uv_pinned_(buf), 22);
  for (i = 0; i < n; i++) {
    assert_ptr_equal(bufs[i].base, v[i].iov_base);
    assert_int_equal(bufs[i].len, v[i].iov_len);
  }
  assert_ptr_equal(bufs[1].base, ref);
  /* A second pin while one is open gives nothing. */
  assert_int_equal(evbuffer_uv_pin_(buf, bufs, 4, 100, &np), 0);
  /* Appends go after the pinned range and do not touch it. */
  evbuffer_add(buf, "+more", 5);
  assert_memory_equal(bufs[2].base, " tail", 5);
  assert_int_equal(evbuffer_uv_unpin_(buf, 22), 0);
  assert_int_equal(evbuffer_uv_pinned_(buf), 0);
  assert_int_equal(evbuffer_get_length(buf), 5);
  assert_memory_equal(evbuffer_pullup(buf, -1), "+more", 5);
  assert_int_equal(evbuffer_uv_unpin_(buf, 0), -1);
  evbuffer_free(buf);
}

static void pin_respects_limits(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t bufs[2];
  size_t np;
  int i;
  for (i = 0; i < 5; i++)
    evbuffer_add_reference(buf, "abcd", 4, NULL, NULL);
  assert_int_equal(evbuffer_uv_pin_(buf, bufs, 2, 100, &np), 2);
  assert_int_equal(np, 8);
  /* Partial write: the rest stays, unpinned and pinnable again. */
  assert_int_equal(evbuffer_uv_unpin_(buf, 6), 0);
  assert_int_equal(evbuffer_get_length(buf), 14);
  assert_int_equal(evbuffer_uv_pin_(buf, bufs, 2, 3, &np), 2);
  assert_int_equal(np, 3);
  assert_memory_equal(bufs[0].base, "cd", 2);
  assert_int_equal(bufs[0].len, 2);
  assert_int_equal(bufs[1].len, 1);
  evbuffer_uv_unpin_(buf, 0);
  assert_int_equal(evbuffer_get_length(buf), 14);
  evbuffer_free(buf);
}

static void user_drain_of_pinned_bytes_keeps_memory(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t bufs[4];
  size_t np;
  char *big = malloc(20000);
  memset(big, 'p', 20000);
  evbuffer_add(buf, big, 20000);
  evbuffer_add(buf, "after", 5);
  assert_true(evbuffer_uv_pin_(buf, bufs, 4, 20000, &np) >= 1);
  assert_int_equal(np, 20000);
  /* The user drains everything while libuv still writes: the length says
   * so at once, the pinned memory stays valid (ASan would object). */
  assert_int_equal(evbuffer_drain(buf, 20005), 0);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_memory_equal(bufs[0].base, big, bufs[0].len);
  /* Prepend while pinned bytes are gone is allowed again. */
  evbuffer_add(buf, "new", 3);
  assert_int_equal(evbuffer_uv_unpin_(buf, 20000), 0);
  assert_int_equal(evbuffer_get_length(buf), 3);
  assert_memory_equal(evbuffer_pullup(buf, -1), "new", 3);
  free(big);
  evbuffer_free(buf);
}

static void partial_user_drain_then_unpin(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t bufs[4];
  size_t np;
  evbuffer_add(buf, "0123456789", 10);
  evbuffer_uv_pin_(buf, bufs, 4, 10, &np);
  /* Nothing may go before bytes being written. */
  assert_int_equal(evbuffer_prepend(buf, "x", 1), -1);
  evbuffer_drain(buf, 3);
  assert_memory_equal(bufs[0].base, "0123456789", 10);
  /* libuv wrote 5: 3 already gone, 2 more to drain. */
  assert_int_equal(evbuffer_uv_unpin_(buf, 5), 0);
  assert_int_equal(evbuffer_get_length(buf), 5);
  assert_memory_equal(evbuffer_pullup(buf, -1), "56789", 5);
  assert_int_equal(evbuffer_prepend(buf, "x", 1), 0);
  evbuffer_free(buf);
}

static void pinned_chunks_survive_pullup_and_moves(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer *other = evbuffer_new();
  uv_buf_t bufs[4];
  size_t np;
  evbuffer_add_reference(buf, "abc", 3, NULL, NULL);
  evbuffer_add(buf, "defgh", 5);
  evbuffer_uv_pin_(buf, bufs, 4, 100, &np);
  assert_memory_equal(evbuffer_pullup(buf, 6), "abcdef", 6);
  assert_int_equal(evbuffer_remove_buffer(buf, other, 4), 4);
  assert_memory_equal(bufs[0].base, "abc", 3);
  assert_memory_equal(bufs[1].base, "defgh", 5);
  assert_int_equal(evbuffer_uv_unpin_(buf, 8), 0);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_memory_equal(evbuffer_pullup(other, -1), "abcd", 4);
  evbuffer_free(buf);
  evbuffer_free(other);
}

static int calls;
static struct evbuffer_cb_info last;
static void count_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
  calls++;
  last = *info;
}

static void unpin_and_commit_fire_callbacks(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t b;
  size_t np;
  evbuffer_add_cb(buf, count_cb, NULL);
  calls = 0;
  evbuffer_uv_reserve_(buf, 4096, 0, NULL, &b);
  assert_int_equal(calls, 0);
  evbuffer_uv_commit_(buf, 10);
  assert_int_equal(calls, 1);
  assert_int_equal(last.n_added, 10);
  evbuffer_uv_pin_(buf, &b, 1, 10, &np);
  assert_int_equal(calls, 1);
  evbuffer_uv_unpin_(buf, 10);
  assert_int_equal(calls, 2);
  assert_int_equal(last.n_deleted, 10);
  assert_int_equal(last.orig_size, 10);
  evbuffer_free(buf);
}

static void expect_calls_and_last(int n, size_t orig_size, size_t n_added, size_t n_deleted) {
  assert_int_equal(calls, n);
  assert_int_equal(last.orig_size, orig_size);
  assert_int_equal(last.n_added, n_added);
  assert_int_equal(last.n_deleted, n_deleted);
}

static void suspended_callback_gets_changes_once(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_cb_entry *e = evbuffer_add_cb(buf, count_cb, NULL);
  calls = 0;
  evbuffer_cb_suspend(buf, e);
  evbuffer_add(buf, "abc", 3);
  evbuffer_drain(buf, 1);
  assert_int_equal(calls, 0);
  evbuffer_cb_unsuspend(buf, e);
  expect_calls_and_last(1, 0, 3, 1);
  evbuffer_cb_unsuspend(buf, e);
  assert_int_equal(calls, 1);
  evbuffer_free(buf);
}

/* The size reported on unsuspend is the one before the first change seen
 * while suspended, also when later changes still wait for a deferred run. */
static void suspended_callback_reports_size_before_its_changes(void **state) {
  struct event_base *base = event_base_new();
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_cb_entry *e = evbuffer_add_cb(buf, count_cb, NULL);
  assert_int_equal(evbuffer_defer_callbacks(buf, base), 0);
  evbuffer_add(buf, "01234", 5);
  event_base_loop(base, EVLOOP_NONBLOCK);
  calls = 0;
  evbuffer_cb_suspend(buf, e);
  evbuffer_add(buf, "abc", 3);
  evbuffer_drain(buf, 1);
  event_base_loop(base, EVLOOP_NONBLOCK); /* seen while suspended */
  evbuffer_add(buf, "xy", 2);             /* pending: the deferred run reports it */
  evbuffer_cb_unsuspend(buf, e);
  expect_calls_and_last(1, 5, 3, 1);
  event_base_loop(base, EVLOOP_NONBLOCK);
  expect_calls_and_last(2, 7, 2, 0);
  evbuffer_free(buf);
  event_base_free(base);
}

static int zero_ref_cleanups;
static void zero_ref_cleanup(const void *data, size_t len, void *arg) {
  (void)data;
  (void)len;
  (void)arg;
  zero_ref_cleanups++;
}

/* A zero-length reference shares the list of chunks held off the chain with
 * pinned chunks that left it: the end of the pin frees only those. */
static void zero_length_reference_outlives_the_end_of_a_pin(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uv_buf_t b;
  size_t np;
  zero_ref_cleanups = 0;
  evbuffer_add(buf, "abcdef", 6);
  assert_int_equal(evbuffer_uv_pin_(buf, &b, 1, 6, &np), 1);
  assert_int_equal(evbuffer_add_reference(buf, "", 0, zero_ref_cleanup, NULL), 0);
  evbuffer_drain(buf, 6); /* the pinned chunk leaves the chain */
  assert_int_equal(evbuffer_uv_unpin_(buf, 6), 0);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_int_equal(zero_ref_cleanups, 0);
  evbuffer_free(buf);
  assert_int_equal(zero_ref_cleanups, 1);
}

static int seg_cleanups;
static void seg_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg) {
  seg_cleanups++;
}

/* (libevent 2.1 drops a reference too many on this failure.) */
static void segment_range_outside_fails_without_losing_reference(void **state) {
  struct evbuffer *buf = evbuffer_new();
  FILE *f = tmpfile();
  struct evbuffer_file_segment *seg;
  fwrite("0123456789", 1, 10, f);
  fflush(f);
  seg = evbuffer_file_segment_new(fileno(f), 2, -1, 0);
  assert_non_null(seg);
  evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, NULL);
  seg_cleanups = 0;
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, 9), -1);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 9, -1), -1);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 8, -1), 0); /* empty: nothing added */
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 6, -1), 0);
  assert_memory_equal(evbuffer_pullup(buf, -1), "89", 2);
  evbuffer_file_segment_free(seg);
  assert_int_equal(seg_cleanups, 0);
  evbuffer_free(buf);
  assert_int_equal(seg_cleanups, 1);
  assert_null(evbuffer_file_segment_new(-1, 0, 10, 0));
  fclose(f);
}

static void bad_arguments_fail_cleanly(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[3];
  uv_buf_t b;
  assert_int_equal(evbuffer_add(NULL, "x", 1), -1);
  assert_int_equal(evbuffer_drain(NULL, 1), -1);
  assert_null(evbuffer_pullup(NULL, 1));
  assert_int_equal(evbuffer_get_length(NULL), 0);
  assert_int_equal(evbuffer_reserve_space(buf, 10, v, 0), -1);
  assert_int_equal(evbuffer_commit_space(buf, v, 3), -1);
  assert_int_equal(evbuffer_add_file_segment(buf, NULL, 0, -1), -1);
  assert_null(evbuffer_add_cb(buf, NULL, NULL));
  assert_int_equal(evbuffer_uv_reserve_(NULL, 10, 0, NULL, &b), 0);
  assert_int_equal(evbuffer_uv_unpin_(buf, 1), -1);
  evbuffer_free(NULL);
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reserve_commit_lands_bytes_in_place),
      cmocka_unit_test(commit_zero_gives_space_back),
      cmocka_unit_test(steady_state_reads_reuse_tail),
      cmocka_unit_test(stream_outgrows_message_chunk),
      cmocka_unit_test(trimmed_page_serves_the_next_read),
      cmocka_unit_test(cache_is_bounded),
      cmocka_unit_test(frozen_back_refuses_reservation),
      cmocka_unit_test(pin_exposes_chunks_without_copy),
      cmocka_unit_test(pin_respects_limits),
      cmocka_unit_test(user_drain_of_pinned_bytes_keeps_memory),
      cmocka_unit_test(partial_user_drain_then_unpin),
      cmocka_unit_test(pinned_chunks_survive_pullup_and_moves),
      cmocka_unit_test(unpin_and_commit_fire_callbacks),
      cmocka_unit_test(suspended_callback_gets_changes_once),
      cmocka_unit_test(suspended_callback_reports_size_before_its_changes),
      cmocka_unit_test(zero_length_reference_outlives_the_end_of_a_pin),
      cmocka_unit_test(segment_range_outside_fails_without_losing_reference),
      cmocka_unit_test(bad_arguments_fail_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
