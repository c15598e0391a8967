/* SPDX-License-Identifier: MIT */
/* evbuffer_add_buffer_reference: a buffer cannot reference itself, nor bytes
 * that are references already (so a reference cycle fails), as in libevent;
 * a referenced chunk stays as it is while the buffers change around it.
 * libevent API only (after libevent's regress_buffer.c multicast tests). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

static const char chunk1[] = "If you have found the answer to such a problem";
static const char chunk2[] = "you ought to write it up for publication";

static struct evbuffer *knuth(void) {
  struct evbuffer *buf = evbuffer_new();
  evbuffer_add(buf, chunk1, strlen(chunk1));
  evbuffer_add(buf, ", ", 2);
  evbuffer_add(buf, chunk2, strlen(chunk2));
  return buf;
}

static void reference_to_itself_fails(void **state) {
  struct evbuffer *buf = knuth(), *empty = evbuffer_new();
  size_t len = evbuffer_get_length(buf);
  (void)state;
  assert_int_equal(evbuffer_add_buffer_reference(buf, buf), -1);
  assert_int_equal(evbuffer_get_length(buf), len);
  /* Nothing to reference: nothing fails. */
  assert_int_equal(evbuffer_add_buffer_reference(empty, empty), 0);
  assert_int_equal(evbuffer_add_buffer_reference(buf, empty), 0);
  assert_int_equal(evbuffer_get_length(buf), len);
  evbuffer_free(buf);
  evbuffer_free(empty);
}

static void nested_and_cyclic_references_fail(void **state) {
  struct evbuffer *buf1 = knuth(), *buf2 = evbuffer_new(), *buf3 = evbuffer_new();
  size_t len = evbuffer_get_length(buf1);
  (void)state;
  assert_int_equal(evbuffer_add_buffer_reference(buf2, buf1), 0);
  assert_int_equal(evbuffer_get_length(buf2), len);
  assert_int_equal(evbuffer_add_buffer_reference(buf2, buf2), -1);
  assert_int_equal(evbuffer_add_buffer_reference(buf1, buf2), -1); /* a cycle */
  assert_int_equal(evbuffer_add_buffer_reference(buf3, buf2), -1); /* nested */
  assert_int_equal(evbuffer_get_length(buf1), len);
  assert_int_equal(evbuffer_get_length(buf2), len);
  assert_int_equal(evbuffer_get_length(buf3), 0);
  /* Once the shared bytes are gone, buf2 may be referenced. */
  evbuffer_drain(buf2, len);
  evbuffer_add(buf2, "own", 3);
  assert_int_equal(evbuffer_add_buffer_reference(buf3, buf2), 0);
  cu_assert_contents(buf3, "own");
  evbuffer_free(buf1);
  evbuffer_free(buf2);
  evbuffer_free(buf3);
}

/* Both sides drain and prepend; neither disturbs the other's bytes, and the
 * referencing buffer outlives the referenced one. */
static void referenced_bytes_survive_changes_and_free(void **state) {
  struct evbuffer *buf1 = knuth(), *buf2 = evbuffer_new();
  char tmp[16];
  (void)state;
  assert_int_equal(evbuffer_add_buffer_reference(buf2, buf1), 0);
  assert_int_equal(evbuffer_remove(buf1, tmp, 11), 11);
  assert_memory_equal(tmp, "If you have", 11);
  assert_int_equal(evbuffer_prepend(buf1, "I have ", 7), 0);
  assert_int_equal(evbuffer_remove(buf2, tmp, 11), 11);
  assert_memory_equal(tmp, "If you have", 11);
  assert_int_equal(evbuffer_prepend(buf2, "I have ", 7), 0);
  evbuffer_free(buf1);
  assert_int_equal(evbuffer_remove(buf2, tmp, 6), 6);
  assert_memory_equal(tmp, "I have", 6);
  assert_int_equal(evbuffer_remove(buf2, tmp, 6), 6);
  assert_memory_equal(tmp, "  foun", 6);
  evbuffer_free(buf2);
}

/* Bytes added to a referenced buffer go to a new chunk: the referenced one
 * is immutable while shared. */
static void adding_to_referenced_buffer_adds_a_chunk(void **state) {
  struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
  (void)state;
  evbuffer_add(src, "abc", 3);
  assert_int_equal(evbuffer_peek(src, -1, NULL, NULL, 0), 1);
  assert_int_equal(evbuffer_add_buffer_reference(dst, src), 0);
  evbuffer_add(src, "def", 3);
  assert_int_equal(evbuffer_peek(src, -1, NULL, NULL, 0), 2);
  cu_assert_contents(src, "abcdef");
  cu_assert_contents(dst, "abc");
  evbuffer_add(dst, "xyz", 3);
  cu_assert_contents(dst, "abcxyz");
  cu_assert_contents(src, "abcdef");
  evbuffer_free(src);
  evbuffer_free(dst);
}

static void drained_source_leaves_reference(void **state) {
  struct evbuffer *buf1 = knuth(), *buf2 = evbuffer_new();
  size_t len = evbuffer_get_length(buf1);
  (void)state;
  assert_int_equal(evbuffer_add_buffer_reference(buf2, buf1), 0);
  assert_int_equal(evbuffer_drain(buf1, len), 0);
  assert_int_equal(evbuffer_get_length(buf2), len);
  assert_int_equal(evbuffer_drain(buf2, len), 0);
  assert_int_equal(evbuffer_get_length(buf2), 0);
  evbuffer_free(buf1);
  evbuffer_free(buf2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reference_to_itself_fails),
      cmocka_unit_test(nested_and_cyclic_references_fail),
      cmocka_unit_test(referenced_bytes_survive_changes_and_free),
      cmocka_unit_test(adding_to_referenced_buffer_adds_a_chunk),
      cmocka_unit_test(drained_source_leaves_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
