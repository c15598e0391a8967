/* SPDX-License-Identifier: MIT */
/* evbuffer_add_buffer moves the source's chunks, however small, instead of
 * copying them into the destination's last chunk: evbuffer_peek sees one
 * extent per added buffer, as in libevent.  libevent API only (the
 * sequences are those of libevent's regress_buffer.c: peek, peek_first_gt). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

static void assert_iov(const struct evbuffer_iovec *v, const char *s) {
  assert_int_equal(v->iov_len, strlen(s));
  assert_memory_equal(v->iov_base, s, strlen(s));
}

/* 16 small buffers added one after the other: 16 extents. */
static struct evbuffer *fragmented(void) {
  struct evbuffer *buf = evbuffer_new(), *tmp = evbuffer_new();
  int i;
  for (i = 0; i < 16; i++) {
    evbuffer_add_printf(tmp, "Contents of chunk [%d]\n", i);
    assert_int_equal(evbuffer_add_buffer(buf, tmp), 0);
  }
  evbuffer_free(tmp);
  return buf;
}

static void add_buffer_keeps_one_extent_per_add(void **state) {
  struct evbuffer *buf = fragmented();
  struct evbuffer_iovec v[20];
  (void)state;
  assert_int_equal(evbuffer_peek(buf, -1, NULL, NULL, 0), 16);
  memset(v, 0, sizeof(v));
  assert_int_equal(evbuffer_peek(buf, -1, NULL, v, 20), 16);
  assert_iov(&v[0], "Contents of chunk [0]\n");
  assert_iov(&v[3], "Contents of chunk [3]\n");
  assert_iov(&v[15], "Contents of chunk [15]\n");
  assert_null(v[16].iov_base);
  memset(v, 0, sizeof(v));
  assert_int_equal(evbuffer_peek(buf, 40, NULL, v, 16), 2);
  assert_iov(&v[1], "Contents of chunk [1]\n");
  assert_null(v[2].iov_base);
  assert_int_equal(evbuffer_peek(buf, 100, NULL, NULL, 0), 5);
  memset(v, 0, sizeof(v));
  assert_int_equal(evbuffer_peek(buf, 60, NULL, v, 1), 3);
  assert_iov(&v[0], "Contents of chunk [0]\n");
  assert_null(v[1].iov_base);
  evbuffer_free(buf);
}

static void peek_from_positions_inside_moved_chunks(void **state) {
  struct evbuffer *buf = fragmented();
  struct evbuffer_iovec v[20];
  struct evbuffer_ptr ptr;
  (void)state;
  memset(v, 0, sizeof(v));
  assert_int_equal(evbuffer_ptr_set(buf, &ptr, 30, EVBUFFER_PTR_SET), 0);
  assert_int_equal(evbuffer_peek(buf, 50, &ptr, v, 20), 3);
  assert_iov(&v[0], " of chunk [1]\n");
  assert_iov(&v[1], "Contents of chunk [2]\n");
  assert_iov(&v[2], "Contents of chunk [3]\n");
  memset(v, 0, sizeof(v));
  assert_int_equal(evbuffer_ptr_set(buf, &ptr, 14, EVBUFFER_PTR_ADD), 0);
  assert_int_equal(evbuffer_peek(buf, 44, &ptr, v, 20), 2);
  assert_iov(&v[0], "Contents of chunk [2]\n");
  assert_iov(&v[1], "Contents of chunk [3]\n");
  evbuffer_free(buf);
}

/* Two adds, the first longer than the second: two extents from any start. */
static void peek_counts_extents_after_two_adds(void **state) {
  struct evbuffer *buf = evbuffer_new(), *tmp = evbuffer_new();
  struct evbuffer_iovec v[2];
  struct evbuffer_ptr ptr;
  (void)state;
  evbuffer_add_printf(tmp, "Contents of chunk 100\n");
  evbuffer_add_buffer(buf, tmp);
  evbuffer_add_printf(tmp, "Contents of chunk 1\n");
  evbuffer_add_buffer(buf, tmp);
  evbuffer_ptr_set(buf, &ptr, 0, EVBUFFER_PTR_SET);
  assert_int_equal(evbuffer_peek(buf, -1, &ptr, NULL, 0), 2);
  assert_int_equal(evbuffer_peek(buf, -1, &ptr, v, 2), 2);
  evbuffer_ptr_set(buf, &ptr, 20, EVBUFFER_PTR_ADD);
  assert_int_equal(evbuffer_peek(buf, -1, &ptr, NULL, 0), 2);
  assert_int_equal(evbuffer_peek(buf, 2, &ptr, v, 2), 1);
  assert_int_equal(evbuffer_peek(buf, 3, &ptr, v, 2), 2);
  evbuffer_free(buf);
  evbuffer_free(tmp);
}

/* remove_buffer moves the whole chunks of the prefix too. */
static void remove_buffer_moves_whole_chunks(void **state) {
  struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new(), *tmp = evbuffer_new();
  (void)state;
  evbuffer_add(dst, "head", 4);
  evbuffer_add(tmp, "one-", 4);
  evbuffer_add_buffer(src, tmp);
  evbuffer_add(tmp, "two-", 4);
  evbuffer_add_buffer(src, tmp);
  evbuffer_add(tmp, "three", 5);
  evbuffer_add_buffer(src, tmp);
  assert_int_equal(evbuffer_remove_buffer(src, dst, 8), 8);
  assert_int_equal(evbuffer_peek(dst, -1, NULL, NULL, 0), 3);
  cu_assert_contents(dst, "headone-two-");
  cu_assert_contents(src, "three");
  evbuffer_free(src);
  evbuffer_free(dst);
  evbuffer_free(tmp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(add_buffer_keeps_one_extent_per_add),
      cmocka_unit_test(peek_from_positions_inside_moved_chunks),
      cmocka_unit_test(peek_counts_extents_after_two_adds),
      cmocka_unit_test(remove_buffer_moves_whole_chunks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
