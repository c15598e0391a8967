/* SPDX-License-Identifier: MIT */
/* File segments sent by the system on a plain socket bufferevent (issue 18,
 * uvbev-only): TransmitFile on Windows, sendfile elsewhere.  On Windows a
 * test hook counts the TransmitFiles started, which proves that the segment
 * did not go through memory; everywhere: a file arrives intact (checksum at
 * a loopback reader), a segment between bytes keeps the stream's order, a
 * rate limit bounds each transfer and the pace, and a bufferevent freed
 * while a big segment is in flight neither crashes, nor leaks (ASan), nor
 * calls back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>

#include "file_send_rig.h"

#include "bev_socket-internal.h"
#include "platform-internal.h"

#define MIB ((size_t)1 << 20)

/* What the hook saw: transfers started, their bytes, the largest. */
static size_t xmits, xmit_bytes, xmit_largest;

static void count_xmit(struct bufferevent *bev, size_t len) {
  (void)bev;
  xmits++;
  xmit_bytes += len;
  if (len > xmit_largest) xmit_largest = len;
}

static int setup(void **state) {
  (void)state;
  xmits = xmit_bytes = xmit_largest = 0;
  bev_socket_set_xmit_hook_(count_xmit);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bev_socket_set_xmit_hook_(NULL);
  return 0;
}

/* TransmitFile sent `len` bytes of the file, where there is one (Windows);
 * never elsewhere. */
static void check_transmitted(size_t len) {
  print_message("TransmitFile: %lu transfers, %lu bytes, largest %lu\n", (unsigned long)xmits,
                (unsigned long)xmit_bytes, (unsigned long)xmit_largest);
  if (UVBEV_HAS_XMIT) {
    assert_true(xmits > 0);
    assert_int_equal(xmit_bytes, len);
  } else {
    assert_int_equal(xmits, 0);
  }
}

/* A few MiB of known bytes arrive intact, through TransmitFile on Windows. */
static void file_arrives_intact(void **state) {
  size_t len = 5 * MIB + 4321;
  struct fsr_run r;
  uint32_t sum;
  int fd = fsr_temp_file(len, 0, &sum);
  (void)state;
  assert_true(fd >= 0);
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  fsr_send(&r, fd, len, 0, 0);
  fsr_check_bounds(&r, "file over a plain socket");
  assert_int_equal(r.sum, sum);
  check_transmitted(len);
  fsr_free(&r);
}

/* Bytes, then a segment from the middle of a file, then bytes: the stream
 * holds them in that order (the transfer neither overtakes the bytes before
 * it nor is overtaken by those after). */
static void segment_between_bytes_keeps_order(void **state) {
  static const char head[] = "head: some bytes in memory before the segment\n";
  static const char tail[] = "tail: and some after it\n";
  size_t file_len = 3 * MIB, off = 12345, seg_len = 2 * MIB + 777, i;
  struct evbuffer_file_segment *seg;
  struct evbuffer *out;
  struct fsr_run r;
  uint32_t sum, expect = 2166136261u;
  int fd = fsr_temp_file(file_len, 0, &sum);
  (void)state;
  assert_true(fd >= 0);
  expect = fsr_fnv(expect, (const unsigned char *)head, sizeof(head) - 1);
  for (i = off; i < off + seg_len; i++) {
    unsigned char b = fsr_byte(i);
    expect = fsr_fnv(expect, &b, 1);
  }
  expect = fsr_fnv(expect, (const unsigned char *)tail, sizeof(tail) - 1);
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  out = bufferevent_get_output(r.writer);
  assert_int_equal(evbuffer_add(out, head, sizeof(head) - 1), 0);
  seg = evbuffer_file_segment_new(fd, (ev_off_t)off, (ev_off_t)seg_len, EVBUF_FS_CLOSE_ON_FREE);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(out, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  assert_int_equal(evbuffer_add(out, tail, sizeof(tail) - 1), 0);
  fsr_send(&r, -1, sizeof(head) - 1 + seg_len + sizeof(tail) - 1, 0, 0);
  fsr_check_bounds(&r, "bytes, segment, bytes");
  assert_int_equal(r.sum, expect);
  check_transmitted(seg_len);
  fsr_free(&r);
}

/* A write rate limit bounds every transfer by the bucket (as it bounds a
 * write; below max_single_write, 256 KiB) and the whole by the rate:
 * 1 MiB at 32 KiB per 25 ms tick take at least 31 refills, 775 ms. */
static void rate_limit_bounds_transfers(void **state) {
  const size_t len = MIB, per_tick = 32 * 1024;
  struct timeval tick = {0, 25000};
  struct ev_token_bucket_cfg *cfg;
  struct fsr_run r;
  uint32_t sum;
  long start, took;
  int fd = fsr_temp_file(len, 0, &sum);
  (void)state;
  assert_true(fd >= 0);
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  cfg = ev_token_bucket_cfg_new(EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX, per_tick, per_tick, &tick);
  assert_non_null(cfg);
  assert_int_equal(bufferevent_set_rate_limit(r.writer, cfg), 0);
  start = fsr_now_ms();
  fsr_send(&r, fd, len, 0, 0);
  took = fsr_now_ms() - start;
  print_message("rate-limited: %ld ms\n", took);
  assert_int_equal(r.errors, 0);
  assert_int_equal(r.received, len);
  assert_int_equal(r.sum, sum);
  assert_true(took >= 700);
  check_transmitted(len);
  assert_true(xmit_largest <= per_tick);
  bufferevent_set_rate_limit(r.writer, NULL);
  fsr_free(&r);
  ev_token_bucket_cfg_free(cfg);
}

/* A socket bufferevent (with options) writing a 256 MiB segment to a peer
 * that never reads, run until the kernel's buffers are full: a transfer is
 * then in flight (Windows). */
static struct bufferevent *writer_stuck_in_a_transfer(struct event_base *base, evutil_socket_t fd,
                                                      int options, short *what) {
  struct timeval t = {0, 300000};
  struct bufferevent *w;
  uint32_t sum;
  int file = fsr_temp_file(256 * MIB, 1, &sum);
  if (file < 0) return NULL; /* no sparse file here */
  w = bufferevent_socket_new(base, fd, options);
  assert_non_null(w);
  assert_int_equal(fsr_add_file(bufferevent_get_output(w), file, 0), 0);
  bufferevent_setcb(w, NULL, NULL, fsr_error_event, what);
  bufferevent_enable(w, EV_WRITE);
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  assert_true(evbuffer_get_length(bufferevent_get_output(w)) > 0);
  if (UVBEV_HAS_XMIT) {
    struct bev_socket *s = bev_socket_upcast_(w);
    assert_non_null(s->conn);
    assert_true(bev_socket_xmit_busy_(s->conn)); /* in flight */
  }
  return w;
}

/* Freed in flight: the transfer is cancelled (after the bounded wait of a
 * kept descriptor), no callback runs, nothing leaks; the loop runs on. */
static void freed_in_flight(int options) {
  struct timeval t = {0, 50000};
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *w;
  short what = 0;
  long start, took;
  assert_non_null(base);
  assert_int_equal(cu_tcp_pair(sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  w = writer_stuck_in_a_transfer(base, sv[0], options, &what);
  if (w == NULL) skip();
  start = fsr_now_ms();
  bufferevent_free(w);
  took = fsr_now_ms() - start;
  print_message("bufferevent_free in flight: %ld ms\n", took);
  /* A kept descriptor waits for the peer at most 1 s (bev_socket_finish.c);
   * a cancel completes at once. */
  assert_true(took < ((options & BEV_OPT_CLOSE_ON_FREE) ? 500 : 1500));
  event_base_loopexit(base, &t);
  event_base_dispatch(base);
  assert_int_equal(what, 0);
  if (!(options & BEV_OPT_CLOSE_ON_FREE)) evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

static void freed_while_a_transfer_is_in_flight(void **state) {
  (void)state;
  freed_in_flight(BEV_OPT_CLOSE_ON_FREE);
}

static void freed_in_flight_on_a_kept_descriptor(void **state) {
  (void)state;
  freed_in_flight(0);
}

/* The peer goes away (unread bytes: a reset) while a transfer is in
 * flight: the write fails as any write does, with the socket's error. */
static void peer_reset_fails_the_transfer(void **state) {
  struct timeval t = {5, 0};
  struct linger lg = {1, 0};
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *w;
  short what = 0;
  (void)state;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  assert_non_null(base);
  assert_int_equal(cu_tcp_pair(sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  w = writer_stuck_in_a_transfer(base, sv[0], BEV_OPT_CLOSE_ON_FREE, &what);
  if (w == NULL) skip();
  assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg)), 0);
  evutil_closesocket(sv[1]);
  event_base_loopexit(base, &t);
  while (what == 0 && event_base_loop(base, EVLOOP_ONCE) == 0 && !event_base_got_exit(base))
    continue;
  print_message("after the reset: events 0x%x, socket error %d\n", (unsigned)what,
                EVUTIL_SOCKET_ERROR());
  assert_int_equal(what, BEV_EVENT_ERROR | BEV_EVENT_WRITING);
  assert_true(EVUTIL_SOCKET_ERROR() != 0);
  bufferevent_free(w);
  event_base_free(base);
}

/* The base freed right after the bufferevent, a transfer in flight. */
static void base_freed_while_a_transfer_is_in_flight(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2];
  struct bufferevent *w;
  short what = 0;
  (void)state;
  assert_non_null(base);
  assert_int_equal(cu_tcp_pair(sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  w = writer_stuck_in_a_transfer(base, sv[0], BEV_OPT_CLOSE_ON_FREE, &what);
  if (w == NULL) skip();
  bufferevent_free(w);
  event_base_free(base);
  assert_int_equal(what, 0);
  evutil_closesocket(sv[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(file_arrives_intact, setup, teardown),
      cmocka_unit_test_setup_teardown(segment_between_bytes_keeps_order, setup, teardown),
      cmocka_unit_test_setup_teardown(rate_limit_bounds_transfers, setup, teardown),
      cmocka_unit_test_setup_teardown(freed_while_a_transfer_is_in_flight, setup, teardown),
      cmocka_unit_test_setup_teardown(freed_in_flight_on_a_kept_descriptor, setup, teardown),
      cmocka_unit_test_setup_teardown(base_freed_while_a_transfer_is_in_flight, setup, teardown),
      cmocka_unit_test_setup_teardown(peer_reset_fails_the_transfer, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
