/* SPDX-License-Identifier: MIT */
/* evbuffer basics: adding, removing, copying, draining, prepending, moving
 * between buffers, pullup, expand, printf, iovecs, freezing, flags, locking
 * and the pre-2.0 names.  libevent API only (run against libevent too). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"
#include <event2/buffer_compat.h>

/* A buffer holding the given strings as separate chunks (references). */
static struct evbuffer *chunked(const char *const *parts) {
  struct evbuffer *buf = evbuffer_new();
  for (; *parts != NULL; parts++)
    evbuffer_add_reference(buf, *parts, strlen(*parts), NULL, NULL);
  return buf;
}

static void new_buffer_is_empty(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char c;
  assert_non_null(buf);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_int_equal(evbuffer_get_contiguous_space(buf), 0);
  assert_int_equal(evbuffer_copyout(buf, &c, 1), 0);
  assert_int_equal(evbuffer_remove(buf, &c, 1), 0);
  assert_null(evbuffer_pullup(buf, -1));
  assert_int_equal(evbuffer_drain(buf, 10), 0);
  evbuffer_free(buf);
}

static void add_remove_roundtrip(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char out[16];
  assert_int_equal(evbuffer_add(buf, "hello ", 6), 0);
  assert_int_equal(evbuffer_add(buf, "world", 5), 0);
  assert_int_equal(evbuffer_add(buf, "", 0), 0);
  cu_assert_contents(buf, "hello world");
  assert_int_equal(evbuffer_remove(buf, out, 5), 5);
  assert_memory_equal(out, "hello", 5);
  assert_int_equal(evbuffer_remove(buf, out, sizeof(out)), 6);
  assert_memory_equal(out, " world", 6);
  assert_int_equal(evbuffer_get_length(buf), 0);
  evbuffer_free(buf);
}

static void many_small_adds_keep_order(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char expect[40000];
  int i;
  for (i = 0; i < 10000; i++) {
    char four[4] = {(char)('a' + i % 26), (char)i, (char)(i >> 8), '.'};
    memcpy(expect + i * 4, four, 4);
    assert_int_equal(evbuffer_add(buf, four, 4), 0);
  }
  assert_int_equal(evbuffer_get_length(buf), sizeof(expect));
  assert_memory_equal(evbuffer_pullup(buf, -1), expect, sizeof(expect));
  assert_int_equal(evbuffer_get_contiguous_space(buf), sizeof(expect));
  evbuffer_free(buf);
}

static void copyout_from_position_leaves_buffer(void **state) {
  static const char *const parts[] = {"abc", "defg", "hij", NULL};
  struct evbuffer *buf = chunked(parts);
  struct evbuffer_ptr p;
  char out[16];
  assert_int_equal(evbuffer_ptr_set(buf, &p, 2, EVBUFFER_PTR_SET), 0);
  assert_int_equal(evbuffer_copyout_from(buf, &p, out, 6), 6);
  assert_memory_equal(out, "cdefgh", 6);
  assert_int_equal(evbuffer_ptr_set(buf, &p, 10, EVBUFFER_PTR_SET), 0);
  assert_int_equal(evbuffer_copyout_from(buf, &p, out, 6), 0);
  assert_int_equal(evbuffer_copyout(buf, out, 4), 4);
  assert_memory_equal(out, "abcd", 4);
  cu_assert_contents(buf, "abcdefghij");
  evbuffer_free(buf);
}

static void drain_across_chunks_and_past_end(void **state) {
  static const char *const parts[] = {"abc", "defg", "hij", NULL};
  struct evbuffer *buf = chunked(parts);
  assert_int_equal(evbuffer_drain(buf, 5), 0);
  cu_assert_contents(buf, "fghij");
  assert_int_equal(evbuffer_get_contiguous_space(buf), 2);
  assert_int_equal(evbuffer_drain(buf, 100), 0);
  assert_int_equal(evbuffer_get_length(buf), 0);
  evbuffer_add(buf, "x", 1);
  cu_assert_contents(buf, "x");
  evbuffer_free(buf);
}

static void prepend_puts_bytes_first(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int i;
  assert_int_equal(evbuffer_prepend(buf, "world", 5), 0);
  assert_int_equal(evbuffer_prepend(buf, "hello ", 6), 0);
  evbuffer_add(buf, "!", 1);
  cu_assert_contents(buf, "hello world!");
  evbuffer_drain(buf, 6);
  assert_int_equal(evbuffer_prepend(buf, "big ", 4), 0);
  cu_assert_contents(buf, "big world!");
  for (i = 0; i < 300; i++)
    assert_int_equal(evbuffer_prepend(buf, "0123456789", 10), 0);
  assert_int_equal(evbuffer_get_length(buf), 3010);
  evbuffer_free(buf);
}

static void prepend_to_buffer_holding_reference(void **state) {
  struct evbuffer *buf = evbuffer_new();
  evbuffer_add_reference(buf, "ref", 3, NULL, NULL);
  assert_int_equal(evbuffer_prepend(buf, "pre-", 4), 0);
  cu_assert_contents(buf, "pre-ref");
  evbuffer_drain(buf, 7);
  assert_int_equal(evbuffer_prepend(buf, "again", 5), 0);
  cu_assert_contents(buf, "again");
  evbuffer_free(buf);
}

static void add_buffer_moves_everything(void **state) {
  static const char *const parts[] = {"one ", "two ", "three", NULL};
  struct evbuffer *src = chunked(parts);
  struct evbuffer *dst = evbuffer_new();
  evbuffer_add(dst, "zero ", 5);
  assert_int_equal(evbuffer_add_buffer(dst, src), 0);
  assert_int_equal(evbuffer_get_length(src), 0);
  cu_assert_contents(dst, "zero one two three");
  evbuffer_add(src, "more", 4);
  assert_int_equal(evbuffer_add_buffer(dst, src), 0);
  cu_assert_contents(dst, "zero one two threemore");
  assert_int_equal(evbuffer_add_buffer(dst, src), 0); /* empty source */
  evbuffer_free(src);
  evbuffer_free(dst);
}

static void remove_buffer_moves_a_prefix(void **state) {
  static const char *const parts[] = {"abc", "defg", "hij", NULL};
  struct evbuffer *src = chunked(parts);
  struct evbuffer *dst = evbuffer_new();
  assert_int_equal(evbuffer_remove_buffer(src, dst, 5), 5);
  cu_assert_contents(dst, "abcde");
  cu_assert_contents(src, "fghij");
  assert_int_equal(evbuffer_remove_buffer(src, dst, 0), 0);
  assert_int_equal(evbuffer_remove_buffer(src, dst, 100), 5);
  cu_assert_contents(dst, "abcdefghij");
  assert_int_equal(evbuffer_get_length(src), 0);
  evbuffer_free(src);
  evbuffer_free(dst);
}

static void prepend_buffer_moves_before(void **state) {
  struct evbuffer *src = evbuffer_new();
  struct evbuffer *dst = evbuffer_new();
  evbuffer_add(src, "head ", 5);
  evbuffer_add(dst, "tail", 4);
  assert_int_equal(evbuffer_prepend_buffer(dst, src), 0);
  cu_assert_contents(dst, "head tail");
  assert_int_equal(evbuffer_get_length(src), 0);
  evbuffer_add(src, "x", 1);
  evbuffer_drain(dst, 9);
  assert_int_equal(evbuffer_prepend_buffer(dst, src), 0);
  cu_assert_contents(dst, "x");
  evbuffer_free(src);
  evbuffer_free(dst);
}

static void pullup_makes_contiguous(void **state) {
  static const char *const parts[] = {"abc", "defg", "hij", NULL};
  struct evbuffer *buf = chunked(parts);
  unsigned char *p;
  assert_int_equal(evbuffer_get_contiguous_space(buf), 3);
  p = evbuffer_pullup(buf, 2);
  assert_non_null(p);
  assert_memory_equal(p, "ab", 2);
  p = evbuffer_pullup(buf, 5);
  assert_non_null(p);
  assert_memory_equal(p, "abcde", 5);
  assert_true(evbuffer_get_contiguous_space(buf) >= 5);
  cu_assert_contents(buf, "abcdefghij");
  assert_null(evbuffer_pullup(buf, 11)); /* more than the length */
  cu_assert_contents(buf, "abcdefghij");
  p = evbuffer_pullup(buf, -1);
  assert_memory_equal(p, "abcdefghij", 10);
  assert_int_equal(evbuffer_get_contiguous_space(buf), 10);
  evbuffer_free(buf);
}

static void expand_then_adds_fit_one_chunk(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char block[1000];
  int i;
  memset(block, 'e', sizeof(block));
  evbuffer_add(buf, "x", 1);
  assert_int_equal(evbuffer_expand(buf, 20000), 0);
  for (i = 0; i < 20; i++)
    evbuffer_add(buf, block, sizeof(block));
  assert_int_equal(evbuffer_get_length(buf), 20001);
  evbuffer_drain(buf, 1);
  assert_int_equal(evbuffer_get_contiguous_space(buf), 20000);
  evbuffer_free(buf);
}

static void add_printf_small_and_large(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char *big = malloc(100001);
  unsigned char *p;
  memset(big, 'q', 100000);
  big[100000] = '\0';
  assert_int_equal(evbuffer_add_printf(buf, "%d-%s|", 42, "x"), 5);
  assert_int_equal(evbuffer_add_printf(buf, "%s", big), 100000);
  assert_int_equal(evbuffer_add_printf(buf, "%s", ""), 0);
  assert_int_equal(evbuffer_get_length(buf), 100005);
  p = evbuffer_pullup(buf, -1);
  assert_memory_equal(p, "42-x|", 5);
  assert_memory_equal(p + 5, big, 100000);
  free(big);
  evbuffer_free(buf);
}

static void add_iovec_appends_all(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[3];
  v[0].iov_base = (void *)"ab";
  v[0].iov_len = 2;
  v[1].iov_base = (void *)"";
  v[1].iov_len = 0;
  v[2].iov_base = (void *)"cdef";
  v[2].iov_len = 4;
  evbuffer_add(buf, ">", 1);
  assert_int_equal(evbuffer_add_iovec(buf, v, 3), 6);
  cu_assert_contents(buf, ">abcdef");
  evbuffer_free(buf);
}

static void freeze_front_blocks_front_ops(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer *other = evbuffer_new();
  char out[8];
  evbuffer_add(buf, "line\nrest", 9);
  assert_int_equal(evbuffer_freeze(buf, 1), 0);
  assert_int_equal(evbuffer_drain(buf, 1), -1);
  assert_int_equal(evbuffer_remove(buf, out, 2), -1);
  assert_int_equal(evbuffer_prepend(buf, "x", 1), -1);
  assert_null(evbuffer_readln(buf, NULL, EVBUFFER_EOL_LF));
  assert_int_equal(evbuffer_remove_buffer(buf, other, 2), -1);
  assert_int_equal(evbuffer_add_buffer(other, buf), -1);
  evbuffer_add(other, "o", 1);
  assert_int_equal(evbuffer_prepend_buffer(buf, other), -1);
  assert_int_equal(evbuffer_get_length(other), 1);
  assert_int_equal(evbuffer_copyout(buf, out, 4), -1);
  assert_int_equal(evbuffer_copyout(buf, out, 0), 0);
  /* The back still works, and so does pullup. */
  assert_int_equal(evbuffer_add(buf, "!", 1), 0);
  assert_non_null(evbuffer_pullup(buf, -1));
  assert_int_equal(evbuffer_unfreeze(buf, 1), 0);
  assert_int_equal(evbuffer_drain(buf, 5), 0);
  cu_assert_contents(buf, "rest!");
  evbuffer_free(buf);
  evbuffer_free(other);
}

static void freeze_back_blocks_back_ops(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer *other = evbuffer_new();
  struct evbuffer_iovec v[2];
  evbuffer_add(buf, "data", 4);
  evbuffer_add(other, "more", 4);
  assert_int_equal(evbuffer_freeze(buf, 0), 0);
  assert_int_equal(evbuffer_add(buf, "x", 1), -1);
  assert_int_equal(evbuffer_add_printf(buf, "%d", 1), -1);
  assert_int_equal(evbuffer_add_buffer(buf, other), -1);
  assert_int_equal(evbuffer_remove_buffer(other, buf, 2), -1);
  assert_int_equal(evbuffer_add_reference(buf, "r", 1, NULL, NULL), -1);
  assert_int_equal(evbuffer_reserve_space(buf, 10, v, 2), -1);
  /* The front still works. */
  assert_int_equal(evbuffer_prepend(buf, ">", 1), 0);
  assert_int_equal(evbuffer_drain(buf, 2), 0);
  cu_assert_contents(buf, "ata");
  assert_int_equal(evbuffer_unfreeze(buf, 0), 0);
  assert_int_equal(evbuffer_add(buf, "x", 1), 0);
  cu_assert_contents(buf, "atax");
  cu_assert_contents(other, "more");
  evbuffer_free(buf);
  evbuffer_free(other);
}

static void flags_set_and_clear(void **state) {
  struct evbuffer *buf = evbuffer_new();
  assert_int_equal(evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  assert_int_equal(evbuffer_clear_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
  assert_int_equal(evbuffer_add(buf, "x", 1), 0);
  evbuffer_free(buf);
}

static void locking_without_threads_fails_without_lock(void **state) {
  struct evbuffer *buf = evbuffer_new();
  /* No threading enabled: no lock can be allocated. */
  assert_int_equal(evbuffer_enable_locking(buf, NULL), -1);
  evbuffer_lock(buf);
  evbuffer_add(buf, "x", 1);
  evbuffer_unlock(buf);
  assert_int_equal(evbuffer_get_length(buf), 1);
  evbuffer_free(buf);
}

static void compat_names(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char *line;
  unsigned char *p;
  assert_null(EVBUFFER_DATA(buf));
  evbuffer_add(buf, "one\r\ntwo\n\nthree", 15);
  assert_int_equal(EVBUFFER_LENGTH(buf), 15);
  assert_memory_equal(EVBUFFER_DATA(buf), "one\r\n", 5);
  p = evbuffer_find(buf, (const unsigned char *)"two", 3);
  assert_non_null(p);
  assert_memory_equal(p, "two\n", 4);
  assert_null(evbuffer_find(buf, (const unsigned char *)"four", 4));
  line = evbuffer_readline(buf);
  assert_string_equal(line, "one");
  free(line);
  line = evbuffer_readline(buf);
  assert_string_equal(line, "two");
  free(line);
  assert_null(evbuffer_readline(buf));
  cu_assert_contents(buf, "three");
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(new_buffer_is_empty),
      cmocka_unit_test(add_remove_roundtrip),
      cmocka_unit_test(many_small_adds_keep_order),
      cmocka_unit_test(copyout_from_position_leaves_buffer),
      cmocka_unit_test(drain_across_chunks_and_past_end),
      cmocka_unit_test(prepend_puts_bytes_first),
      cmocka_unit_test(prepend_to_buffer_holding_reference),
      cmocka_unit_test(add_buffer_moves_everything),
      cmocka_unit_test(remove_buffer_moves_a_prefix),
      cmocka_unit_test(prepend_buffer_moves_before),
      cmocka_unit_test(pullup_makes_contiguous),
      cmocka_unit_test(expand_then_adds_fit_one_chunk),
      cmocka_unit_test(add_printf_small_and_large),
      cmocka_unit_test(add_iovec_appends_all),
      cmocka_unit_test(freeze_front_blocks_front_ops),
      cmocka_unit_test(freeze_back_blocks_back_ops),
      cmocka_unit_test(flags_set_and_clear),
      cmocka_unit_test(locking_without_threads_fails_without_lock),
      cmocka_unit_test(compat_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
