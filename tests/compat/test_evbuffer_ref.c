/* SPDX-License-Identifier: MIT */
/* evbuffer memory it does not own: references (cleanup exactly once),
 * buffer references, file segments and add_file; and reserved space
 * (reserve/commit).  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

#ifdef _WIN32
#include <io.h>
#define dup _dup
#else
#include <unistd.h>
#endif

static int cleanups;
static const void *cleanup_data;
static size_t cleanup_len;
static void count_cleanup(const void *data, size_t len, void *arg) {
  cleanups++;
  cleanup_data = data;
  cleanup_len = len;
  (*(int *)arg)++;
}

static void reference_released_once_when_drained(void **state) {
  static const char data[] = "referenced bytes";
  struct evbuffer *buf = evbuffer_new();
  int mine = 0;
  cleanups = 0;
  assert_int_equal(evbuffer_add_reference(buf, data, 16, count_cleanup, &mine), 0);
  evbuffer_add(buf, "tail", 4);
  evbuffer_drain(buf, 10);
  assert_int_equal(mine, 0);
  evbuffer_drain(buf, 6);
  assert_int_equal(mine, 1);
  assert_ptr_equal(cleanup_data, data);
  assert_int_equal(cleanup_len, 16);
  cu_assert_contents(buf, "tail");
  evbuffer_free(buf);
  assert_int_equal(mine, 1);
}

static void reference_released_once_when_freed(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int mine = 0;
  evbuffer_add_reference(buf, "abc", 3, count_cleanup, &mine);
  evbuffer_add_reference(buf, "", 0, count_cleanup, &mine);
  evbuffer_free(buf);
  assert_int_equal(mine, 2);
}

static void reference_moves_with_add_buffer(void **state) {
  struct evbuffer *a = evbuffer_new();
  struct evbuffer *b = evbuffer_new();
  struct evbuffer_iovec v;
  int mine = 0;
  static const char data[] = "moved, not copied";
  evbuffer_add_reference(a, data, 17, count_cleanup, &mine);
  evbuffer_add(b, "x", 1);
  evbuffer_drain(b, 1);
  assert_int_equal(evbuffer_add_buffer(b, a), 0);
  assert_int_equal(evbuffer_peek(b, -1, NULL, &v, 1), 1);
  assert_ptr_equal(v.iov_base, data); /* the same memory */
  evbuffer_free(a);
  assert_int_equal(mine, 0);
  evbuffer_free(b);
  assert_int_equal(mine, 1);
}

static void reference_pulled_up_is_released(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int mine = 0;
  evbuffer_add_reference(buf, "abc", 3, count_cleanup, &mine);
  evbuffer_add_reference(buf, "def", 3, count_cleanup, &mine);
  assert_memory_equal(evbuffer_pullup(buf, -1), "abcdef", 6);
  assert_int_equal(mine, 2);
  cu_assert_contents(buf, "abcdef");
  evbuffer_free(buf);
  assert_int_equal(mine, 2);
}

static void buffer_reference_shares_bytes(void **state) {
  struct evbuffer *src = evbuffer_new();
  struct evbuffer *dst = evbuffer_new();
  evbuffer_add(src, "shared ", 7);
  evbuffer_add(src, "bytes", 5);
  assert_int_equal(evbuffer_add_buffer_reference(dst, src), 0);
  cu_assert_contents(src, "shared bytes");
  cu_assert_contents(dst, "shared bytes");
  /* Later changes to either do not show in the other. */
  evbuffer_add(src, "!", 1);
  evbuffer_drain(src, 7);
  cu_assert_contents(dst, "shared bytes");
  evbuffer_free(src);
  evbuffer_add(dst, "?", 1);
  cu_assert_contents(dst, "shared bytes?");
  evbuffer_free(dst);
}

static int write_temp_file(const char *content, size_t len) {
  FILE *f = tmpfile();
  int fd;
  assert_non_null(f);
  assert_int_equal(fwrite(content, 1, len, f), len);
  fflush(f);
  fd = dup(fileno(f));
  fclose(f); /* the dup keeps the (deleted) file */
  return fd;
}

static int seg_cleanups;
static void seg_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg) {
  seg_cleanups++;
}

static void add_file_appends_a_range(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = write_temp_file("0123456789abcdef", 16);
  assert_int_equal(evbuffer_add_file(buf, fd, 4, 6), 0);
  cu_assert_contents(buf, "456789");
  evbuffer_free(buf); /* closes fd */
  buf = evbuffer_new();
  fd = write_temp_file("whole file", 10);
  assert_int_equal(evbuffer_add_file(buf, fd, 0, -1), 0);
  cu_assert_contents(buf, "whole file");
  evbuffer_free(buf);
}

static void file_segment_added_twice_cleans_up_once(void **state) {
  struct evbuffer *a = evbuffer_new();
  struct evbuffer *b = evbuffer_new();
  int fd = write_temp_file("segment-content", 15);
  struct evbuffer_file_segment *seg =
      evbuffer_file_segment_new(fd, 8, 7, EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_SENDFILE);
  assert_non_null(seg);
  seg_cleanups = 0;
  evbuffer_file_segment_add_cleanup_cb(seg, seg_cleanup, NULL);
  assert_int_equal(evbuffer_add_file_segment(a, seg, 0, -1), 0);
  assert_int_equal(evbuffer_add_file_segment(b, seg, 2, 3), 0);
  cu_assert_contents(a, "content");
  cu_assert_contents(b, "nte");
  evbuffer_file_segment_free(seg);
  assert_int_equal(seg_cleanups, 0);
  evbuffer_free(a);
  assert_int_equal(seg_cleanups, 0);
  evbuffer_drain(b, 3);
  assert_int_equal(seg_cleanups, 1);
  evbuffer_free(b);
  assert_int_equal(seg_cleanups, 1);
}

static void reserve_commit_one_vector(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[1];
  evbuffer_add(buf, "head:", 5);
  assert_int_equal(evbuffer_reserve_space(buf, 20, v, 1), 1);
  assert_true(v[0].iov_len >= 20);
  /* Reserving again gives the same space. */
  {
    struct evbuffer_iovec again;
    assert_int_equal(evbuffer_reserve_space(buf, 20, &again, 1), 1);
    assert_ptr_equal(again.iov_base, v[0].iov_base);
  }
  memcpy(v[0].iov_base, "committed-and-more", 18);
  v[0].iov_len = 9; /* commit less than reserved */
  assert_int_equal(evbuffer_commit_space(buf, v, 1), 0);
  cu_assert_contents(buf, "head:committed");
  evbuffer_free(buf);
}

static void reserve_commit_two_vectors(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  char big[8000];
  int n, i;
  size_t total = 0;
  evbuffer_add(buf, "x", 1);
  n = evbuffer_reserve_space(buf, 8000, v, 2);
  assert_true(n == 1 || n == 2);
  for (i = 0; i < n; i++)
    total += v[i].iov_len;
  assert_true(total >= 8000);
  memset(big, 'b', sizeof(big));
  {
    size_t put = 0;
    for (i = 0; i < n; i++) {
      size_t k = sizeof(big) - put < v[i].iov_len ? sizeof(big) - put : v[i].iov_len;
      memcpy(v[i].iov_base, big + put, k);
      v[i].iov_len = k;
      put += k;
    }
  }
  assert_int_equal(evbuffer_commit_space(buf, v, n), 0);
  assert_int_equal(evbuffer_get_length(buf), 8001);
  assert_memory_equal(evbuffer_pullup(buf, -1) + 1, big, 8000);
  evbuffer_free(buf);
}

static void commit_with_wrong_pointer_fails(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[1];
  char elsewhere[16];
  assert_int_equal(evbuffer_reserve_space(buf, 16, v, 1), 1);
  v[0].iov_base = elsewhere;
  v[0].iov_len = 4;
  assert_int_equal(evbuffer_commit_space(buf, v, 1), -1);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_int_equal(evbuffer_commit_space(buf, v, 0), 0);
  evbuffer_free(buf);
}

static void commit_more_than_reserved_fails(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[1];
  assert_int_equal(evbuffer_reserve_space(buf, 16, v, 1), 1);
  v[0].iov_len += 1;
  assert_int_equal(evbuffer_commit_space(buf, v, 1), -1);
  assert_int_equal(evbuffer_get_length(buf), 0);
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reference_released_once_when_drained),
      cmocka_unit_test(reference_released_once_when_freed),
      cmocka_unit_test(reference_moves_with_add_buffer),
      cmocka_unit_test(reference_pulled_up_is_released),
      cmocka_unit_test(buffer_reference_shares_bytes),
      cmocka_unit_test(add_file_appends_a_range),
      cmocka_unit_test(file_segment_added_twice_cleans_up_once),
      cmocka_unit_test(reserve_commit_one_vector),
      cmocka_unit_test(reserve_commit_two_vectors),
      cmocka_unit_test(commit_with_wrong_pointer_fails),
      cmocka_unit_test(commit_more_than_reserved_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
