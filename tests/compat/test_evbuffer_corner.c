/* SPDX-License-Identifier: MIT */
/* evbuffer corner cases that libevent's own history shows are easy to get
 * wrong: empty space between data, reservations over two chunks, commits
 * that skip an extent, prepends to drained references, emptied buffers.
 * libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

static void commit_skipping_first_extent(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  int n;
  evbuffer_add(buf, "x", 1);
  n = evbuffer_reserve_space(buf, 8000, v, 2);
  assert_int_equal(n, 2);
  memset(v[1].iov_base, 'b', 5);
  v[0].iov_len = 0;
  v[1].iov_len = 5;
  assert_int_equal(evbuffer_commit_space(buf, v, 2), 0);
  evbuffer_add(buf, "yz", 2);
  cu_assert_contents(buf, "xbbbbbyz");
  assert_int_equal(evbuffer_drain(buf, 8), 0);
  evbuffer_add(buf, "after", 5);
  cu_assert_contents(buf, "after");
  evbuffer_free(buf);
}

static void reserve_across_two_chunks_then_add(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  char *big = malloc(8000);
  int n, i;
  size_t put = 0;
  memset(big, 'r', 8000);
  evbuffer_add(buf, "x", 1);
  n = evbuffer_reserve_space(buf, 8000, v, 2);
  for (i = 0; i < n; i++) {
    size_t k = v[i].iov_len < 4000 - put ? v[i].iov_len : 4000 - put;
    memcpy(v[i].iov_base, big, k);
    v[i].iov_len = k;
    put += k;
  }
  assert_int_equal(evbuffer_commit_space(buf, v, n), 0);
  evbuffer_add(buf, "!", 1);
  assert_int_equal(evbuffer_get_length(buf), 4002);
  assert_memory_equal(evbuffer_pullup(buf, -1) + 1, big, 4000);
  assert_int_equal(evbuffer_pullup(buf, -1)[4001], '!');
  free(big);
  evbuffer_free(buf);
}

static void reserve_then_commit_nothing(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  int n;
  evbuffer_add(buf, "ab", 2);
  n = evbuffer_reserve_space(buf, 20000, v, 2);
  assert_true(n >= 1);
  v[0].iov_len = 0;
  v[1].iov_len = 0;
  assert_int_equal(evbuffer_commit_space(buf, v, n), 0);
  cu_assert_contents(buf, "ab");
  evbuffer_add(buf, "cd", 2);
  evbuffer_prepend(buf, ">", 1);
  cu_assert_contents(buf, ">abcd");
  assert_int_equal(evbuffer_peek(buf, -1, NULL, NULL, 0) >= 1, 1);
  evbuffer_free(buf);
}

static void prepend_after_reference_drained(void **state) {
  struct evbuffer *buf = evbuffer_new();
  evbuffer_add_reference(buf, "reference", 9, NULL, NULL);
  evbuffer_drain(buf, 9);
  assert_int_equal(evbuffer_prepend(buf, "p", 1), 0);
  evbuffer_add(buf, "q", 1);
  cu_assert_contents(buf, "pq");
  evbuffer_add_reference(buf, "r", 1, NULL, NULL);
  evbuffer_drain(buf, 2);
  assert_int_equal(evbuffer_prepend(buf, "s", 1), 0);
  cu_assert_contents(buf, "sr");
  evbuffer_free(buf);
}

static void emptied_buffer_behaves_as_new(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer *other = evbuffer_new();
  char big[10000];
  memset(big, 'e', sizeof(big));
  evbuffer_add(buf, big, sizeof(big));
  evbuffer_drain(buf, sizeof(big));
  assert_int_equal(evbuffer_get_contiguous_space(buf), 0);
  assert_null(evbuffer_pullup(buf, -1));
  assert_int_equal(evbuffer_peek(buf, -1, NULL, NULL, 0), 0);
  assert_int_equal(evbuffer_search(buf, "e", 1, NULL).pos, -1);
  evbuffer_add(other, "moved", 5);
  assert_int_equal(evbuffer_add_buffer(buf, other), 0);
  cu_assert_contents(buf, "moved");
  assert_int_equal(evbuffer_get_contiguous_space(buf), 5);
  assert_int_equal(evbuffer_remove_buffer(buf, other, 5), 5);
  assert_int_equal(evbuffer_prepend_buffer(buf, other), 0);
  cu_assert_contents(buf, "moved");
  evbuffer_free(buf);
  evbuffer_free(other);
}

static void add_buffer_between_buffers_with_free_space(void **state) {
  struct evbuffer *a = evbuffer_new();
  struct evbuffer *b = evbuffer_new();
  int i;
  /* Both have free space at their tails (expand) when chunks move. */
  for (i = 0; i < 100; i++) {
    evbuffer_expand(a, 5000);
    evbuffer_expand(b, 3000);
    evbuffer_add(a, "0123456789", 10);
    evbuffer_add_buffer(b, a);
    evbuffer_add(b, "-", 1);
  }
  assert_int_equal(evbuffer_get_length(b), 1100);
  for (i = 0; i < 100; i++) {
    char chunk[11];
    assert_int_equal(evbuffer_remove(b, chunk, 11), 11);
    assert_memory_equal(chunk, "0123456789-", 11);
  }
  evbuffer_free(a);
  evbuffer_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(commit_skipping_first_extent),
      cmocka_unit_test(reserve_across_two_chunks_then_add),
      cmocka_unit_test(reserve_then_commit_nothing),
      cmocka_unit_test(prepend_after_reference_drained),
      cmocka_unit_test(emptied_buffer_behaves_as_new),
      cmocka_unit_test(add_buffer_between_buffers_with_free_space),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
