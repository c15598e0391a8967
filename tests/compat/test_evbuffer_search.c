/* SPDX-License-Identifier: MIT */
/* evbuffer lines, searches, positions and peeking, with data split across
 * chunks (built from references, one chunk each, in both libraries).
 * libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

static struct evbuffer *chunked(const char *const *parts) {
  struct evbuffer *buf = evbuffer_new();
  for (; *parts != NULL; parts++)
    evbuffer_add_reference(buf, *parts, strlen(*parts), NULL, NULL);
  return buf;
}

static void expect_line(struct evbuffer *buf, enum evbuffer_eol_style style, const char *want) {
  size_t n = 12345;
  char *line = evbuffer_readln(buf, &n, style);
  if (want == NULL) {
    assert_null(line);
    assert_int_equal(n, 0);
    return;
  }
  assert_non_null(line);
  assert_int_equal(n, strlen(want));
  assert_string_equal(line, want);
  free(line);
}

static void readln_lf(void **state) {
  static const char *const parts[] = {"first\nsec", "ond\r\n", "\nthird", NULL};
  struct evbuffer *buf = chunked(parts);
  expect_line(buf, EVBUFFER_EOL_LF, "first");
  expect_line(buf, EVBUFFER_EOL_LF, "second\r");
  expect_line(buf, EVBUFFER_EOL_LF, "");
  expect_line(buf, EVBUFFER_EOL_LF, NULL);
  assert_int_equal(evbuffer_get_length(buf), 5);
  evbuffer_free(buf);
}

static void readln_crlf(void **state) {
  static const char *const parts[] = {"a\r", "\nb\nc\rd\r", "\n\r", NULL};
  struct evbuffer *buf = chunked(parts);
  expect_line(buf, EVBUFFER_EOL_CRLF, "a");
  expect_line(buf, EVBUFFER_EOL_CRLF, "b");
  expect_line(buf, EVBUFFER_EOL_CRLF, "c\rd");
  /* A lone CR at the end is not a line end yet. */
  expect_line(buf, EVBUFFER_EOL_CRLF, NULL);
  evbuffer_add(buf, "\n", 1);
  expect_line(buf, EVBUFFER_EOL_CRLF, "");
  evbuffer_free(buf);
}

static void readln_crlf_strict(void **state) {
  static const char *const parts[] = {"x\ny\r", "\nz\r\r", "\n", NULL};
  struct evbuffer *buf = chunked(parts);
  expect_line(buf, EVBUFFER_EOL_CRLF_STRICT, "x\ny");
  expect_line(buf, EVBUFFER_EOL_CRLF_STRICT, "z\r");
  expect_line(buf, EVBUFFER_EOL_CRLF_STRICT, NULL);
  evbuffer_free(buf);
}

static void readln_any(void **state) {
  static const char *const parts[] = {"one\r", "\n\r\ntwo\n", "three\r", NULL};
  struct evbuffer *buf = chunked(parts);
  expect_line(buf, EVBUFFER_EOL_ANY, "one");
  expect_line(buf, EVBUFFER_EOL_ANY, "two");
  expect_line(buf, EVBUFFER_EOL_ANY, "three");
  assert_int_equal(evbuffer_get_length(buf), 0);
  expect_line(buf, EVBUFFER_EOL_ANY, NULL);
  evbuffer_free(buf);
}

static void readln_nul(void **state) {
  struct evbuffer *buf = evbuffer_new();
  evbuffer_add_reference(buf, "ab\0c", 4, NULL, NULL);
  evbuffer_add_reference(buf, "d\0", 2, NULL, NULL);
  expect_line(buf, EVBUFFER_EOL_NUL, "ab");
  expect_line(buf, EVBUFFER_EOL_NUL, "cd");
  expect_line(buf, EVBUFFER_EOL_NUL, NULL);
  evbuffer_free(buf);
}

static void readln_long_line_over_many_chunks(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char *want = malloc(30001);
  int i;
  for (i = 0; i < 30000; i++)
    want[i] = (char)('a' + i % 26);
  want[30000] = '\0';
  for (i = 0; i < 30; i++)
    evbuffer_add_reference(buf, want + i * 1000, 1000, NULL, NULL);
  evbuffer_add(buf, "\r\nnext", 6);
  expect_line(buf, EVBUFFER_EOL_CRLF, want);
  assert_int_equal(evbuffer_get_length(buf), 4);
  free(want);
  evbuffer_free(buf);
}

static void search_eol_reports_length(void **state) {
  static const char *const parts[] = {"ab\r", "\ncd\n", NULL};
  struct evbuffer *buf = chunked(parts);
  struct evbuffer_ptr p, start;
  size_t len = 99;
  p = evbuffer_search_eol(buf, NULL, &len, EVBUFFER_EOL_CRLF);
  assert_int_equal(p.pos, 2);
  assert_int_equal(len, 2);
  p = evbuffer_search_eol(buf, NULL, &len, EVBUFFER_EOL_LF);
  assert_int_equal(p.pos, 3);
  assert_int_equal(len, 1);
  evbuffer_ptr_set(buf, &start, 4, EVBUFFER_PTR_SET);
  p = evbuffer_search_eol(buf, &start, &len, EVBUFFER_EOL_ANY);
  assert_int_equal(p.pos, 6);
  assert_int_equal(len, 1);
  p = evbuffer_search_eol(buf, &start, &len, EVBUFFER_EOL_CRLF_STRICT);
  assert_int_equal(p.pos, -1);
  evbuffer_free(buf);
}

static void search_across_chunk_boundaries(void **state) {
  static const char *const parts[] = {"xxab", "c", "dexxabcde", NULL};
  struct evbuffer *buf = chunked(parts);
  struct evbuffer_ptr p, end;
  p = evbuffer_search(buf, "abcde", 5, NULL);
  assert_int_equal(p.pos, 2);
  /* Search again from just after the first match. */
  assert_int_equal(evbuffer_ptr_set(buf, &p, 1, EVBUFFER_PTR_ADD), 0);
  p = evbuffer_search(buf, "abcde", 5, &p);
  assert_int_equal(p.pos, 9);
  assert_int_equal(evbuffer_ptr_set(buf, &p, 1, EVBUFFER_PTR_ADD), 0);
  p = evbuffer_search(buf, "abcde", 5, &p);
  assert_int_equal(p.pos, -1);
  p = evbuffer_search(buf, "cdex", 4, NULL);
  assert_int_equal(p.pos, 4);
  p = evbuffer_search(buf, "abcdef", 6, NULL);
  assert_int_equal(p.pos, -1);
  /* A range: the match must end by `end`. */
  evbuffer_ptr_set(buf, &end, 13, EVBUFFER_PTR_SET);
  evbuffer_ptr_set(buf, &p, 3, EVBUFFER_PTR_SET);
  assert_int_equal(evbuffer_search_range(buf, "abcde", 5, &p, &end).pos, -1);
  evbuffer_ptr_set(buf, &end, 14, EVBUFFER_PTR_SET);
  assert_int_equal(evbuffer_search_range(buf, "abcde", 5, &p, &end).pos, 9);
  assert_int_equal(evbuffer_search_range(buf, "abcde", 5, NULL, &end).pos, 2);
  evbuffer_free(buf);
}

static void search_in_big_buffer(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char block[4096];
  struct evbuffer_ptr p;
  int i;
  memset(block, 'a', sizeof(block));
  for (i = 0; i < 64; i++)
    evbuffer_add(buf, block, sizeof(block));
  evbuffer_add(buf, "needle", 6);
  p = evbuffer_search(buf, "aaaneedle", 9, NULL);
  assert_int_equal(p.pos, 64 * 4096 - 3);
  p = evbuffer_search(buf, "needles", 7, NULL);
  assert_int_equal(p.pos, -1);
  evbuffer_free(buf);
}

static void ptr_set_arithmetic(void **state) {
  static const char *const parts[] = {"abc", "defg", NULL};
  struct evbuffer *buf = chunked(parts);
  struct evbuffer_ptr p;
  char c;
  assert_int_equal(evbuffer_ptr_set(buf, &p, 0, EVBUFFER_PTR_SET), 0);
  assert_int_equal(p.pos, 0);
  assert_int_equal(evbuffer_ptr_set(buf, &p, 4, EVBUFFER_PTR_ADD), 0);
  assert_int_equal(p.pos, 4);
  assert_int_equal(evbuffer_copyout_from(buf, &p, &c, 1), 1);
  assert_int_equal(c, 'e');
  /* Just after the end is valid; further is not. */
  assert_int_equal(evbuffer_ptr_set(buf, &p, 3, EVBUFFER_PTR_ADD), 0);
  assert_int_equal(p.pos, 7);
  assert_int_equal(evbuffer_ptr_set(buf, &p, 1, EVBUFFER_PTR_ADD), -1);
  assert_int_equal(p.pos, -1);
  assert_int_equal(evbuffer_ptr_set(buf, &p, 7, EVBUFFER_PTR_SET), 0);
  assert_int_equal(evbuffer_ptr_set(buf, &p, 8, EVBUFFER_PTR_SET), -1);
  assert_int_equal(p.pos, -1);
  evbuffer_free(buf);
}

static void peek_points_into_chunks(void **state) {
  static const char *const parts[] = {"abc", "defg", "hi", NULL};
  struct evbuffer *buf = chunked(parts);
  struct evbuffer_iovec v[4];
  struct evbuffer_ptr p;
  assert_int_equal(evbuffer_peek(buf, -1, NULL, NULL, 0), 3);
  assert_int_equal(evbuffer_peek(buf, 4, NULL, NULL, 0), 2);
  assert_int_equal(evbuffer_peek(buf, 3, NULL, v, 4), 1);
  assert_ptr_equal(v[0].iov_base, parts[0]);
  assert_int_equal(v[0].iov_len, 3);
  assert_int_equal(evbuffer_peek(buf, -1, NULL, v, 2), 2);
  assert_ptr_equal(v[1].iov_base, parts[1]);
  assert_int_equal(evbuffer_peek(buf, 9, NULL, v, 1), 3); /* needs more vectors */
  evbuffer_ptr_set(buf, &p, 5, EVBUFFER_PTR_SET);
  assert_int_equal(evbuffer_peek(buf, -1, &p, v, 4), 2);
  assert_int_equal(v[0].iov_len, 2);
  assert_memory_equal(v[0].iov_base, "fg", 2);
  assert_memory_equal(v[1].iov_base, "hi", 2);
  evbuffer_ptr_set(buf, &p, 9, EVBUFFER_PTR_SET);
  assert_int_equal(evbuffer_peek(buf, -1, &p, v, 4), 0);
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(readln_lf),
      cmocka_unit_test(readln_crlf),
      cmocka_unit_test(readln_crlf_strict),
      cmocka_unit_test(readln_any),
      cmocka_unit_test(readln_nul),
      cmocka_unit_test(readln_long_line_over_many_chunks),
      cmocka_unit_test(search_eol_reports_length),
      cmocka_unit_test(search_across_chunk_boundaries),
      cmocka_unit_test(search_in_big_buffer),
      cmocka_unit_test(ptr_set_arithmetic),
      cmocka_unit_test(peek_points_into_chunks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
