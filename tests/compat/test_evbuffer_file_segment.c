/* SPDX-License-Identifier: MIT */
/* File segments as evbuffer data: ranges, ownership of the descriptor, the
 * cleanup callback, and every way of reading or moving the bytes, on a file
 * several times bigger than the window uvbev reads at once (256 KiB), so
 * that reads cross windows.  libevent API only: libevent maps or reads the
 * segment, uvbev reads it lazily; the bytes seen must be the same. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/util.h>

#include "compat-util.h"

#ifdef _WIN32
#include <io.h>
#define dup _dup
#define close _close
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#define FILE_LEN (1536 * 1024 + 77)
#define MARK "<<needle across a window>>"
#define MARK_AT (256 * 1024 - 9)

static unsigned char *bytes; /* the file's contents */

/* Pseudo-random bytes (xorshift), with MARK at MARK_AT. */
static void make_bytes(void) {
  uint32_t x = 2463534242u;
  size_t i;
  bytes = malloc(FILE_LEN);
  assert_non_null(bytes);
  for (i = 0; i < FILE_LEN; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    bytes[i] = (unsigned char)(x >> 24);
  }
  memcpy(bytes + MARK_AT, MARK, strlen(MARK));
}

static int temp_file(const void *content, size_t len) {
  FILE *f = tmpfile();
  int fd;
  assert_non_null(f);
  assert_int_equal(fwrite(content, 1, len, f), len);
  fflush(f);
  fd = dup(fileno(f));
  fclose(f); /* the dup keeps the (deleted) file */
  assert_true(fd >= 0);
  return fd;
}

/* Removes everything from buf in pieces of `step` bytes and compares. */
static void assert_drains_to(struct evbuffer *buf, const unsigned char *expect, size_t len,
                             size_t step) {
  unsigned char *out = malloc(step);
  size_t done = 0;
  assert_non_null(out);
  assert_int_equal(evbuffer_get_length(buf), len);
  while (done < len) {
    int n = evbuffer_remove(buf, out, step);
    assert_true(n > 0);
    assert_memory_equal(out, expect + done, (size_t)n);
    done += (size_t)n;
  }
  assert_int_equal(evbuffer_get_length(buf), 0);
  free(out);
}

static void offset_and_length_select_the_bytes(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = temp_file(bytes, FILE_LEN);
  struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 1000, 700000, 0);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 300000, 200000), 0);
  assert_drains_to(buf, bytes + 301000, 200000, 65536);
  evbuffer_free(buf);
  evbuffer_file_segment_free(seg);
  close(fd);
}

/* (A segment made at an offset with length -1 is left out: libevent 2.1
 * takes the whole file's size as its length then, past the end of the file;
 * uvbev runs it to the end, tested in unit_evbuffer_file.) */
static void length_minus_one_runs_to_the_end(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = temp_file(bytes, FILE_LEN);
  struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 5000, -1), 0);
  assert_drains_to(buf, bytes + 5000, FILE_LEN - 5000, 9999);
  assert_int_equal(evbuffer_add_file(buf, temp_file(bytes, FILE_LEN), 0, -1), 0);
  assert_drains_to(buf, bytes, FILE_LEN, 100000);
  evbuffer_free(buf);
  evbuffer_file_segment_free(seg);
}

#ifndef _WIN32
static int fd_is_open(int fd) {
  return fcntl(fd, F_GETFD) != -1;
}

static void close_on_free_closes_the_fd_with_the_last_chunk(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = temp_file(bytes, 4096);
  struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  assert_true(fd_is_open(fd)); /* the buffer still holds it */
  evbuffer_drain(buf, 4000);
  assert_true(fd_is_open(fd));
  evbuffer_drain(buf, 96);
  assert_false(fd_is_open(fd));
  evbuffer_free(buf);
}

/* The buffer owns fd from the call on: a failed add closes it too. */
static void add_file_that_fails_closes_the_fd(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = temp_file(bytes, 4096);
  evbuffer_freeze(buf, 0);
  assert_int_equal(evbuffer_add_file(buf, fd, 0, -1), -1);
  assert_false(fd_is_open(fd));
  evbuffer_free(buf);
}

static void without_close_on_free_the_fd_stays_open(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = temp_file(bytes, 4096);
  struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, -1, 0);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  evbuffer_free(buf);
  assert_true(fd_is_open(fd));
  close(fd);
}
#endif

static int cleanups;
static void count_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg) {
  cleanups++;
  assert_ptr_equal(arg, &cleanups);
}

static void cleanup_runs_once_when_the_last_chunk_goes(void **state) {
  struct evbuffer *a = evbuffer_new();
  struct evbuffer *b = evbuffer_new();
  int fd = temp_file(bytes, FILE_LEN);
  struct evbuffer_file_segment *seg =
      evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_LOCKING);
  assert_non_null(seg);
  cleanups = 0;
  evbuffer_file_segment_add_cleanup_cb(seg, count_cleanup, &cleanups);
  assert_int_equal(evbuffer_add_file_segment(a, seg, 0, 600000), 0);
  assert_int_equal(evbuffer_add_file_segment(a, seg, 10, 20), 0);
  evbuffer_file_segment_free(seg);
  /* Half of the first range moves to b; reading some loads windows. */
  assert_int_equal(evbuffer_remove_buffer(a, b, 300001), 300001);
  assert_non_null(evbuffer_pullup(b, 1000));
  assert_int_equal(evbuffer_drain(a, 299999), 0);
  assert_int_equal(cleanups, 0);
  evbuffer_free(b);
  assert_int_equal(cleanups, 0);
  assert_drains_to(a, bytes + 10, 20, 7);
  assert_int_equal(cleanups, 1);
  evbuffer_free(a);
  assert_int_equal(cleanups, 1);
}

static void the_same_segment_added_twice_reads_twice(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int fd = temp_file(bytes, FILE_LEN);
  struct evbuffer_file_segment *seg = evbuffer_file_segment_new(fd, 0, 400000, 0);
  unsigned char *expect = malloc(800000);
  assert_non_null(seg);
  memcpy(expect, bytes, 400000);
  memcpy(expect + 400000, bytes, 400000);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  assert_drains_to(buf, expect, 800000, 77777);
  free(expect);
  evbuffer_free(buf);
  evbuffer_file_segment_free(seg);
  close(fd);
}

static void search_finds_bytes_across_windows(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_ptr p, start;
  assert_int_equal(evbuffer_add_file(buf, temp_file(bytes, FILE_LEN), 0, -1), 0);
  p = evbuffer_search(buf, MARK, strlen(MARK), NULL);
  assert_int_equal(p.pos, MARK_AT);
  /* From a position set far in, and for bytes that are not there. */
  assert_int_equal(evbuffer_ptr_set(buf, &start, MARK_AT + 1, EVBUFFER_PTR_SET), 0);
  p = evbuffer_search(buf, MARK, strlen(MARK), &start);
  assert_int_equal(p.pos, -1);
  p = evbuffer_search(buf, (const char *)bytes + FILE_LEN - 40, 40, NULL);
  assert_int_equal(p.pos, FILE_LEN - 40);
  evbuffer_free(buf);
}

static void peek_counts_then_fills_the_same_extents(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec *v;
  struct evbuffer_ptr at;
  size_t done = 0;
  int n, i;
  evbuffer_add(buf, "x", 1);
  assert_int_equal(evbuffer_add_file(buf, temp_file(bytes, FILE_LEN), 0, -1), 0);
  assert_int_equal(evbuffer_drain(buf, 1), 0);
  n = evbuffer_peek(buf, -1, NULL, NULL, 0);
  assert_true(n >= 1);
  v = calloc((size_t)n, sizeof(*v));
  assert_int_equal(evbuffer_peek(buf, -1, NULL, v, n), n);
  for (i = 0; i < n; i++) {
    assert_memory_equal(v[i].iov_base, bytes + done, v[i].iov_len);
    done += v[i].iov_len;
  }
  assert_int_equal(done, FILE_LEN);
  free(v);
  /* From a position inside: the first extent starts there. */
  v = calloc(1, sizeof(*v));
  assert_int_equal(evbuffer_ptr_set(buf, &at, 700001, EVBUFFER_PTR_SET), 0);
  assert_true(evbuffer_peek(buf, 10, &at, v, 1) >= 1);
  assert_true(v[0].iov_len >= 10);
  assert_memory_equal(v[0].iov_base, bytes + 700001, 10);
  free(v);
  evbuffer_free(buf);
}

static void copyout_from_a_position_inside(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_ptr at;
  unsigned char out[5000];
  assert_int_equal(evbuffer_add_file(buf, temp_file(bytes, FILE_LEN), 0, -1), 0);
  assert_int_equal(evbuffer_ptr_set(buf, &at, 1000000, EVBUFFER_PTR_SET), 0);
  assert_int_equal(evbuffer_copyout_from(buf, &at, out, sizeof(out)), sizeof(out));
  assert_memory_equal(out, bytes + 1000000, sizeof(out));
  assert_int_equal(evbuffer_get_length(buf), FILE_LEN);
  evbuffer_free(buf);
}

static void pullup_gathers_a_segment(void **state) {
  struct evbuffer *buf = evbuffer_new();
  unsigned char *p;
  assert_int_equal(evbuffer_add_file(buf, temp_file(bytes, FILE_LEN), 0, -1), 0);
  p = evbuffer_pullup(buf, 1000);
  assert_non_null(p);
  assert_memory_equal(p, bytes, 1000);
  p = evbuffer_pullup(buf, 600000);
  assert_non_null(p);
  assert_memory_equal(p, bytes, 600000);
  assert_true(evbuffer_get_contiguous_space(buf) >= 600000);
  assert_drains_to(buf, bytes, FILE_LEN, 300000);
  evbuffer_free(buf);
}

static void lines_are_read_from_a_file(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char text[8000], want[32];
  size_t len = 0, n;
  int i;
  for (i = 0; i < 700; i++)
    len += (size_t)snprintf(text + len, sizeof(text) - len, "line %d\r\n", i);
  assert_int_equal(evbuffer_add_file(buf, temp_file(text, len), 0, -1), 0);
  for (i = 0; i < 700; i++) {
    char *line = evbuffer_readln(buf, &n, EVBUFFER_EOL_CRLF);
    snprintf(want, sizeof(want), "line %d", i);
    assert_non_null(line);
    assert_string_equal(line, want);
    free(line);
  }
  assert_int_equal(evbuffer_get_length(buf), 0);
  evbuffer_free(buf);
}

/* head + segment + tail, moved whole, then split in the middle of the
 * segment, then put back in front. */
static void buffers_with_segments_move_and_split(void **state) {
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *c = evbuffer_new();
  unsigned char *expect = malloc(FILE_LEN + 8);
  assert_non_null(expect);
  memcpy(expect, "head", 4);
  memcpy(expect + 4, bytes, FILE_LEN);
  memcpy(expect + 4 + FILE_LEN, "tail", 4);
  evbuffer_add(a, "head", 4);
  assert_int_equal(evbuffer_add_file(a, temp_file(bytes, FILE_LEN), 0, -1), 0);
  evbuffer_add(a, "tail", 4);
  assert_int_equal(evbuffer_add_buffer(b, a), 0);
  assert_int_equal(evbuffer_get_length(a), 0);
  assert_int_equal(evbuffer_remove_buffer(b, c, 654321), 654321);
  assert_int_equal(evbuffer_get_length(b), FILE_LEN + 8 - 654321);
  assert_int_equal(evbuffer_prepend_buffer(b, c), 0);
  assert_int_equal(evbuffer_get_length(c), 0);
  assert_drains_to(b, expect, FILE_LEN + 8, 65536);
  free(expect);
  evbuffer_free(a);
  evbuffer_free(b);
  evbuffer_free(c);
}

/* evbuffer_write_atmost of a segment (sendfile in libevent and, where the
 * system has it, in uvbev; reads without it). */
static void write_segment_to_a_socket(unsigned fs_flags) {
  struct evbuffer *buf = evbuffer_new();
  evutil_socket_t sv[2];
  unsigned char *got = malloc(FILE_LEN);
  size_t sent = 0;
  struct evbuffer_file_segment *seg =
      evbuffer_file_segment_new(temp_file(bytes, FILE_LEN), 0, -1, EVBUF_FS_CLOSE_ON_FREE | fs_flags);
  cu_ignore_sigpipe();
  assert_int_equal(cu_tcp_pair(sv), 0);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  while (sent < FILE_LEN) {
    /* Blocking sockets: write a little, then read exactly that. */
    int w = evbuffer_write_atmost(buf, sv[0], 32768), r;
    size_t end;
    assert_true(w > 0);
    for (end = sent + (size_t)w; sent < end; sent += (size_t)r) {
      r = (int)recv(sv[1], (char *)got + sent, (int)(end - sent), 0);
      assert_true(r > 0);
    }
  }
  assert_memory_equal(got, bytes, FILE_LEN);
  assert_int_equal(evbuffer_get_length(buf), 0);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  free(got);
  evbuffer_free(buf);
}

static void write_sends_a_segment_to_a_socket(void **state) {
  write_segment_to_a_socket(0);
  write_segment_to_a_socket(EVBUF_FS_DISABLE_SENDFILE);
  write_segment_to_a_socket(EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_SENDFILE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(offset_and_length_select_the_bytes),
      cmocka_unit_test(length_minus_one_runs_to_the_end),
#ifndef _WIN32
      cmocka_unit_test(close_on_free_closes_the_fd_with_the_last_chunk),
      cmocka_unit_test(without_close_on_free_the_fd_stays_open),
      cmocka_unit_test(add_file_that_fails_closes_the_fd),
#endif
      cmocka_unit_test(cleanup_runs_once_when_the_last_chunk_goes),
      cmocka_unit_test(the_same_segment_added_twice_reads_twice),
      cmocka_unit_test(search_finds_bytes_across_windows),
      cmocka_unit_test(peek_counts_then_fills_the_same_extents),
      cmocka_unit_test(copyout_from_a_position_inside),
      cmocka_unit_test(pullup_gathers_a_segment),
      cmocka_unit_test(lines_are_read_from_a_file),
      cmocka_unit_test(buffers_with_segments_move_and_split),
      cmocka_unit_test(write_sends_a_segment_to_a_socket),
  };
  int r;
  make_bytes();
  r = cmocka_run_group_tests(tests, NULL, NULL);
  free(bytes);
  return r;
}
