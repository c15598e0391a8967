/* SPDX-License-Identifier: MIT */
/* File segments that stream (issue 18, uvbev-only: libevent maps the file or
 * uses sendfile; uvbev reads it in bounded windows, off the loop thread on
 * the socket write path, or sends it with sendfile).  A 1 GiB sparse file
 * and a smaller file of real bytes sent over a loopback socket bufferevent,
 * with sendfile and without (EVBUF_FS_DISABLE_SENDFILE): every byte arrives, the
 * sender's peak RSS stays far below the file's size, and the loop keeps
 * running (a 10 ms timer on the same base keeps firing).  Then what goes
 * wrong: a file shorter than its segment, a bufferevent freed while a window
 * is being read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "file_send_rig.h"

#define GIB ((size_t)1 << 30)
#define REAL_LEN ((size_t)(8u << 20) + 12345)

static void send_over_socket(size_t len, int sparse, unsigned fs_flags, const char *what) {
  struct fsr_run r;
  uint32_t sum;
  int fd = fsr_temp_file(len, sparse, &sum);
  if (fd < 0 && sparse) skip(); /* no sparse file here */
  assert_true(fd >= 0);
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  fsr_send(&r, fd, len, sparse, fs_flags);
  fsr_check_bounds(&r, what);
  if (sparse)
    assert_int_equal(r.nonzero, 0);
  else
    assert_int_equal(r.sum, sum);
  fsr_free(&r);
}

/* sendfile where the system has it (the default), TransmitFile on
 * Windows. */
static void sparse_gib_streams_over_a_socket(void **state) {
  (void)state;
  /* wine (8.0) emulates TransmitFile and never frees the send buffer it
   * allocates for each call (64 KiB, ntdll's sock_transmit): 1 GiB in
   * 64 KiB writes costs it 1 GiB of memory, where Windows holds none.
   * real_file_arrives_intact_over_a_socket still sends through it. */
  if (fsr_under_wine()) skip();
  send_over_socket(GIB, 1, 0, "1 GiB sparse over a socket");
}

/* Windows read on the thread pool and written with uv_write. */
static void sparse_gib_streams_without_sendfile(void **state) {
  (void)state;
  send_over_socket(GIB, 1, EVBUF_FS_DISABLE_SENDFILE, "1 GiB sparse, no sendfile");
}

static void real_file_arrives_intact_over_a_socket(void **state) {
  (void)state;
  send_over_socket(REAL_LEN, 0, 0, "real file over a socket");
}

static void real_file_arrives_intact_without_sendfile(void **state) {
  (void)state;
  send_over_socket(REAL_LEN, 0, EVBUF_FS_DISABLE_SENDFILE, "real file, no sendfile");
}

/* Through a pair the segment moves between buffers, never read until the
 * reader takes the bytes. */
static void real_file_arrives_intact_over_a_pair(void **state) {
  struct fsr_run r;
  struct bufferevent *pair[2];
  uint32_t sum;
  int fd = fsr_temp_file(REAL_LEN, 0, &sum);
  (void)state;
  assert_true(fd >= 0);
  memset(&r, 0, sizeof(r));
  r.base = event_base_new();
  assert_int_equal(bufferevent_pair_new(r.base, BEV_OPT_CLOSE_ON_FREE, pair), 0);
  r.writer = pair[0];
  r.reader = pair[1];
  fsr_send(&r, fd, REAL_LEN, 0, 0);
  assert_int_equal(r.errors, 0);
  assert_int_equal(r.received, REAL_LEN);
  assert_int_equal(r.sum, sum);
  fsr_free(&r);
}

/* A consumer that takes a buffer's bytes with remove, or with peek of one
 * extent and drain (as a filter layer does), holds a window at most: the
 * bytes of a 256 MiB file never pile up in the buffer. */
static void consumers_hold_a_window_at_most(void **state) {
  static unsigned char out[65536];
  size_t total = (size_t)256 << 20, done = 0;
  uint32_t sum;
  int fd = fsr_temp_file(total, 1, &sum);
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v;
  long rss;
  (void)state;
  if (fd < 0) skip(); /* no sparse file here */
  assert_int_equal(evbuffer_add_file(buf, fd, 0, -1), 0);
  while (done < total / 2) {
    int n = evbuffer_remove(buf, out, sizeof(out));
    assert_true(n > 0);
    done += (size_t)n;
  }
  while (evbuffer_peek(buf, -1, NULL, &v, 1) == 1) {
    assert_true(v.iov_len > 0);
    assert_int_equal(memcmp(v.iov_base, out, v.iov_len < sizeof(out) ? v.iov_len : sizeof(out)), 0);
    done += v.iov_len;
    assert_int_equal(evbuffer_drain(buf, v.iov_len), 0);
  }
  assert_int_equal(done, total);
  rss = cu_peak_rss_kib();
  print_message("256 MiB through remove and peek/drain: peak RSS %ld KiB\n", rss);
  if (rss >= 0) assert_true(rss < FSR_RSS_MAX_KIB);
  evbuffer_free(buf);
}

/* libevent 2.1 gives a segment made at an offset with length -1 the whole
 * file's size (past its end); uvbev runs it to the end of the file. */
static void segment_at_an_offset_runs_to_the_end(void **state) {
  struct evbuffer *buf = evbuffer_new();
  uint32_t sum;
  int fd = fsr_temp_file(100000, 0, &sum);
  struct evbuffer_file_segment *seg =
      evbuffer_file_segment_new(fd, 99000, -1, EVBUF_FS_CLOSE_ON_FREE);
  unsigned char out[1000];
  size_t i;
  (void)state;
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  assert_int_equal(evbuffer_get_length(buf), 1000);
  assert_int_equal(evbuffer_remove(buf, out, sizeof(out)), 1000);
  for (i = 0; i < sizeof(out); i++)
    assert_int_equal(out[i], fsr_byte(99000 + i));
  evbuffer_file_segment_free(seg);
  evbuffer_free(buf);
}

/* The segment claims more than the file holds: what the file has is sent,
 * then the write fails (libevent's sendfile would fail the write too). */
static void short_file_fails_the_write(unsigned fs_flags) {
  struct fsr_run r;
  struct evbuffer_file_segment *seg;
  uint32_t sum;
  int fd = fsr_temp_file(1000, 0, &sum);
  seg = evbuffer_file_segment_new(fd, 0, 300000, EVBUF_FS_CLOSE_ON_FREE | fs_flags);
  assert_non_null(seg);
  assert_int_equal(fsr_send_to_event(&r, seg), BEV_EVENT_ERROR | BEV_EVENT_WRITING);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(r.writer)), 299000);
  fsr_free(&r);
}

static void file_shorter_than_its_segment_fails_the_write(void **state) {
  (void)state;
  short_file_fails_the_write(0);
  short_file_fails_the_write(EVBUF_FS_DISABLE_SENDFILE);
}

/* A socket pair whose writer has a file segment queued (no sendfile) and has
 * run one loop iteration: its first window is being read on the thread pool. */
static void start_loading_a_window(struct fsr_run *r, short *what) {
  uint32_t sum;
  int fd = fsr_temp_file(REAL_LEN, 0, &sum);
  memset(r, 0, sizeof(*r));
  fsr_socket_pair(r);
  assert_int_equal(fsr_add_file(bufferevent_get_output(r->writer), fd, EVBUF_FS_DISABLE_SENDFILE),
                   0);
  bufferevent_setcb(r->writer, NULL, NULL, fsr_error_event, what);
  bufferevent_enable(r->writer, EV_WRITE);
  event_base_loop(r->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Freed while a window is read on the thread pool: the read completes into
 * nothing, no callback runs, nothing leaks (ASan). */
static void freed_while_a_window_loads(void **state) {
  struct fsr_run r;
  short what = 0;
  (void)state;
  start_loading_a_window(&r, &what);
  bufferevent_free(r.writer);
  r.writer = NULL;
  event_base_dispatch(r.base);
  assert_int_equal(what, 0);
  bufferevent_free(r.reader);
  event_base_free(r.base);
}

/* The base freed right after the bufferevent, a window still being read:
 * event_base_free waits for the read, which frees what it holds. */
static void base_freed_while_a_window_loads(void **state) {
  struct fsr_run r;
  short what = 0;
  (void)state;
  start_loading_a_window(&r, &what);
  bufferevent_free(r.writer);
  bufferevent_free(r.reader);
  event_base_free(r.base);
  assert_int_equal(what, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sparse_gib_streams_over_a_socket),
      cmocka_unit_test(sparse_gib_streams_without_sendfile),
      cmocka_unit_test(real_file_arrives_intact_over_a_socket),
      cmocka_unit_test(real_file_arrives_intact_without_sendfile),
      cmocka_unit_test(real_file_arrives_intact_over_a_pair),
      cmocka_unit_test(consumers_hold_a_window_at_most),
      cmocka_unit_test(segment_at_an_offset_runs_to_the_end),
      cmocka_unit_test(file_shorter_than_its_segment_fails_the_write),
      cmocka_unit_test(freed_while_a_window_loads),
      cmocka_unit_test(base_freed_while_a_window_loads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
