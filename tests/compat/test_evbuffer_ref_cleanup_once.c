/* SPDX-License-Identifier: MIT */
/* A reference's cleanup (evbuffer_add_reference) runs exactly once, when its
 * bytes are gone: not when add_buffer or remove_buffer moves its chunk to
 * another buffer, and once only when the buffers are freed.  libevent API
 * only (the first sequence is libevent's regress_buffer.c add_reference). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

static int calls;
static void *last_arg;
static const void *last_data;
static size_t last_len;

static void on_cleanup(const void *data, size_t len, void *arg) {
  calls++;
  last_arg = arg;
  last_data = data;
  last_len = len;
}

static void reset(void) {
  calls = 0;
  last_arg = NULL;
  last_data = NULL;
  last_len = 0;
}

static void cleanup_once_through_drain_add_buffer_and_free(void **state) {
  static const char chunk1[] = "If you have found the answer to such a problem";
  static const char chunk2[] = "you ought to write it up for publication";
  size_t len1 = strlen(chunk1), len2 = strlen(chunk2);
  struct evbuffer *buf1 = evbuffer_new(), *buf2;
  char tmp[16];
  (void)state;
  reset();
  evbuffer_add_reference(buf1, chunk1, len1, on_cleanup, (void *)111);
  evbuffer_add(buf1, ", ", 2);
  evbuffer_add_reference(buf1, chunk2, len2, on_cleanup, (void *)222);
  assert_int_equal(evbuffer_remove(buf1, tmp, 6), 6);
  assert_int_equal(evbuffer_remove(buf1, tmp, 5), 5);
  assert_int_equal(evbuffer_prepend(buf1, "I have ", 7), 0);
  evbuffer_drain(buf1, 7);
  evbuffer_drain(buf1, len1 - 11 - 1);
  assert_int_equal(calls, 0);
  evbuffer_remove(buf1, tmp, 1);
  assert_int_equal(tmp[0], 'm');
  assert_int_equal(calls, 1);
  assert_ptr_equal(last_arg, (void *)111);
  assert_ptr_equal(last_data, chunk1);
  assert_int_equal(last_len, len1);

  /* Part of the second reference moves to a buffer holding two bytes. */
  evbuffer_drain(buf1, 6);
  buf2 = evbuffer_new();
  evbuffer_add(buf2, "I ", 2);
  assert_int_equal(evbuffer_add_buffer(buf2, buf1), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(evbuffer_remove(buf2, tmp, 16), 16);
  assert_memory_equal(tmp, "I ought to write", 16);
  evbuffer_drain(buf2, evbuffer_get_length(buf2));
  assert_int_equal(calls, 2);
  assert_ptr_equal(last_arg, (void *)222);

  /* A reference between copied bytes goes when its buffer is freed. */
  evbuffer_add(buf1, "You shake and shake the ", 24);
  evbuffer_add_reference(buf1, "ketchup bottle", 14, on_cleanup, (void *)3333);
  evbuffer_add(buf1, ". Nothing comes and then a lot'll.", 35);
  evbuffer_free(buf1);
  assert_int_equal(calls, 3);
  assert_ptr_equal(last_arg, (void *)3333);
  evbuffer_free(buf2);
  assert_int_equal(calls, 3);
}

/* remove_buffer moves the whole reference, or copies a part of it and leaves
 * it where it is: either way one cleanup, when the last buffer lets go. */
static void cleanup_once_after_remove_buffer(void **state) {
  static const char ref[] = "0123456789";
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *c = evbuffer_new();
  (void)state;
  reset();
  evbuffer_add(b, "b", 1);
  evbuffer_add_reference(a, ref, 10, on_cleanup, NULL);
  evbuffer_add(a, "tail", 4);
  assert_int_equal(evbuffer_remove_buffer(a, b, 4), 4); /* part: copied */
  assert_int_equal(calls, 0);
  assert_int_equal(evbuffer_remove_buffer(a, c, 6), 6); /* the rest: moved */
  assert_int_equal(calls, 0);
  cu_assert_contents(b, "b0123");
  cu_assert_contents(c, "456789");
  cu_assert_contents(a, "tail");
  evbuffer_free(a);
  evbuffer_free(b);
  assert_int_equal(calls, 0);
  evbuffer_free(c);
  assert_int_equal(calls, 1);
}

/* Moved back and forth, then both buffers freed. */
static void cleanup_once_when_moved_buffers_are_freed(void **state) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
  (void)state;
  reset();
  evbuffer_add_reference(a, "abc", 3, on_cleanup, NULL);
  evbuffer_add(b, "x", 1);
  assert_int_equal(evbuffer_add_buffer(b, a), 0);
  assert_int_equal(evbuffer_prepend_buffer(a, b), 0);
  assert_int_equal(evbuffer_remove_buffer(a, b, 4), 4);
  assert_int_equal(calls, 0);
  cu_assert_contents(b, "xabc");
  evbuffer_free(b);
  assert_int_equal(calls, 1);
  evbuffer_free(a);
  assert_int_equal(calls, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cleanup_once_through_drain_add_buffer_and_free),
      cmocka_unit_test(cleanup_once_after_remove_buffer),
      cmocka_unit_test(cleanup_once_when_moved_buffers_are_freed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
