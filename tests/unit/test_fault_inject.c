/* SPDX-License-Identifier: MIT */
/* Fault injection (UVBEV_FAULT_INJECTION): the socket kind's reads and writes
 * really are disturbed (the counter of injected faults moves during a
 * transfer), and the bytes still arrive whole and in order, over TCP (both
 * directions at once, writes added while earlier ones are pinned) and to and
 * from a regular file (bev_socket_fdio.c).  Skipped in a build without the option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "skip-all.h"

#ifdef UVBEV_FAULT_INJECTION

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "fault_inject-internal.h"
#include "loopback.h"

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

/* Bytes each side sends: enough for hundreds of reads and writes. */
#define STREAM_BYTES (256 * 1024)

struct side {
  struct bufferevent *bev;
  size_t sent;     /* bytes handed to bufferevent_write so far */
  size_t received; /* bytes read and checked so far */
  int bad;         /* a byte arrived that was not the one expected */
  int eof;
  struct side *peer;
  int *done;
  struct event_base *base;
};

/* Byte i of the stream: not periodic in any chunk size. */
static unsigned char pattern(size_t i) {
  return (unsigned char)((i * 7 + (i >> 9) * 13) & 0xff);
}

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void run_bounded(struct event_base *base) {
  struct timeval tv = {30, 0};
  struct event *ev = evtimer_new(base, safety, NULL);
  evtimer_add(ev, &tv);
  event_base_dispatch(base);
  event_free(ev);
}

/* Writes the next piece (sizes vary from 1 byte to 12 KB) while the output is
 * short, so that new data lands behind bytes a write holds pinned. */
static void feed(struct side *s) {
  unsigned char piece[12288];
  while (s->sent < STREAM_BYTES && evbuffer_get_length(bufferevent_get_output(s->bev)) < 65536) {
    size_t n = 1 + (s->sent * 31 + 17) % sizeof(piece), i;
    if (n > STREAM_BYTES - s->sent) n = STREAM_BYTES - s->sent;
    for (i = 0; i < n; i++) piece[i] = pattern(s->sent + i);
    assert_int_equal(bufferevent_write(s->bev, piece, n), 0);
    s->sent += n;
  }
}

static void check_input(struct side *s) {
  struct evbuffer *in = bufferevent_get_input(s->bev);
  unsigned char buf[4096];
  int n;
  while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
    int i;
    for (i = 0; i < n; i++)
      if (buf[i] != pattern(s->received + (size_t)i)) s->bad = 1;
    s->received += (size_t)n;
  }
}

static void maybe_done(struct side *s) {
  if (s->received == STREAM_BYTES && s->peer->received == STREAM_BYTES)
    event_base_loopexit(s->base, NULL);
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct side *s = arg;
  (void)bev;
  check_input(s);
  maybe_done(s);
}

static void on_write(struct bufferevent *bev, void *arg) {
  struct side *s = arg;
  (void)bev;
  feed(s);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct side *s = arg;
  (void)bev;
  (void)s;
  fail_msg("unexpected event 0x%x", (unsigned)what);
}

static void tcp_streams_arrive_whole_under_injected_faults(void **state) {
  evutil_socket_t sv[2];
  struct event_base *base = event_base_new();
  struct side a, b;
  unsigned long before = uvbev_fault_injected_();
  (void)state;
  assert_non_null(base);
  assert_int_equal(cu_tcp_pair(sv), 0);
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  a.base = b.base = base;
  a.peer = &b;
  b.peer = &a;
  a.bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  b.bev = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(a.bev);
  assert_non_null(b.bev);
  /* A small high watermark on one side: reading stops and starts again. */
  bufferevent_setwatermark(b.bev, EV_READ, 0, 3000);
  bufferevent_setcb(a.bev, on_read, on_write, on_event, &a);
  bufferevent_setcb(b.bev, on_read, on_write, on_event, &b);
  assert_int_equal(bufferevent_enable(a.bev, EV_READ | EV_WRITE), 0);
  assert_int_equal(bufferevent_enable(b.bev, EV_READ | EV_WRITE), 0);
  feed(&a);
  feed(&b);
  run_bounded(base);
  assert_int_equal(a.received, STREAM_BYTES);
  assert_int_equal(b.received, STREAM_BYTES);
  assert_false(a.bad);
  assert_false(b.bad);
  /* Hundreds of reads and writes at a rate of 30 % by default. */
  print_message("tcp: %lu faults injected\n", uvbev_fault_injected_() - before);
  assert_true(uvbev_fault_injected_() - before >= 10);
  bufferevent_free(a.bev);
  bufferevent_free(b.bev);
  event_base_free(base);
}

#ifndef _WIN32
struct file_reader {
  struct event_base *base;
  size_t received;
  int bad;
  int eof;
};

static void file_on_read(struct bufferevent *bev, void *arg) {
  struct file_reader *r = arg;
  unsigned char buf[4096];
  int n;
  while ((n = evbuffer_remove(bufferevent_get_input(bev), buf, sizeof(buf))) > 0) {
    int i;
    for (i = 0; i < n; i++)
      if (buf[i] != pattern(r->received + (size_t)i)) r->bad = 1;
    r->received += (size_t)n;
  }
}

static void file_on_event(struct bufferevent *bev, short what, void *arg) {
  struct file_reader *r = arg;
  (void)bev;
  assert_true(what & BEV_EVENT_EOF);
  r->eof = 1;
  event_base_loopexit(r->base, NULL);
}

static void file_reads_arrive_whole_under_injected_faults(void **state) {
  char path[] = "/tmp/uvbev-fault-XXXXXX";
  int fd = mkstemp(path);
  unsigned char buf[1000];
  size_t off, i;
  struct file_reader r;
  struct bufferevent *bev;
  unsigned long before = uvbev_fault_injected_();
  (void)state;
  assert_true(fd >= 0);
  unlink(path);
  for (off = 0; off < 100 * sizeof(buf); off += sizeof(buf)) {
    for (i = 0; i < sizeof(buf); i++) buf[i] = pattern(off + i);
    assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
  }
  assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
  memset(&r, 0, sizeof(r));
  r.base = event_base_new();
  assert_non_null(r.base);
  bev = bufferevent_socket_new(r.base, fd, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  /* Small reads: many of them, each one a chance for a fault. */
  assert_int_equal(bufferevent_set_max_single_read(bev, 512), 0);
  bufferevent_setcb(bev, file_on_read, NULL, file_on_event, &r);
  assert_int_equal(bufferevent_enable(bev, EV_READ), 0);
  run_bounded(r.base);
  assert_true(r.eof);
  assert_int_equal(r.received, 100 * sizeof(buf));
  assert_false(r.bad);
  print_message("file: %lu faults injected\n", uvbev_fault_injected_() - before);
  assert_true(uvbev_fault_injected_() - before >= 10);
  bufferevent_free(bev);
  event_base_free(r.base);
}

/* Writes to a regular file (always writable, so the bufferevent writes as
 * fast as the loop turns): short writes must leave the rest queued. */
static void on_file_written(struct bufferevent *bev, void *arg) {
  (void)bev;
  event_base_loopexit(arg, NULL);
}

static void file_writes_arrive_whole_under_injected_faults(void **state) {
  char path[] = "/tmp/uvbev-fault-XXXXXX";
  int fd = mkstemp(path), rfd;
  unsigned char buf[1000];
  size_t off, i;
  ssize_t n;
  struct event_base *base = event_base_new();
  struct bufferevent *bev;
  unsigned long before = uvbev_fault_injected_();
  (void)state;
  assert_true(fd >= 0);
  rfd = open(path, O_RDONLY);
  assert_true(rfd >= 0);
  unlink(path);
  assert_non_null(base);
  bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  /* Small writes: many of them, each one a chance for a fault. */
  assert_int_equal(bufferevent_set_max_single_write(bev, 512), 0);
  bufferevent_setcb(bev, NULL, on_file_written, NULL, base);
  for (off = 0; off < 100 * sizeof(buf); off += sizeof(buf)) {
    for (i = 0; i < sizeof(buf); i++) buf[i] = pattern(off + i);
    assert_int_equal(bufferevent_write(bev, buf, sizeof(buf)), 0);
  }
  run_bounded(base);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(bev)), 0);
  bufferevent_free(bev);
  event_base_free(base);
  for (off = 0; (n = read(rfd, buf, sizeof(buf))) > 0; off += (size_t)n)
    for (i = 0; i < (size_t)n; i++)
      if (buf[i] != pattern(off + i)) fail_msg("byte %zu differs", off + i);
  close(rfd);
  assert_int_equal(off, 100 * sizeof(buf));
  print_message("file writes: %lu faults injected\n", uvbev_fault_injected_() - before);
  assert_true(uvbev_fault_injected_() - before >= 10);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tcp_streams_arrive_whole_under_injected_faults),
#ifndef _WIN32
      cmocka_unit_test(file_reads_arrive_whole_under_injected_faults),
      cmocka_unit_test(file_writes_arrive_whole_under_injected_faults),
#endif
  };
  const char *rate = getenv("UVBEV_FAULT_RATE");
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  if (rate && strtol(rate, NULL, 10) == 0) {
    cu_skip_all("unit_fault_inject", "UVBEV_FAULT_RATE=0: nothing is injected");
    return 77; /* CTest: skipped, not passed */
  }
  return cmocka_run_group_tests_name("unit_fault_inject", tests, NULL, NULL);
}

#else

int main(void) {
  cu_skip_all("unit_fault_inject", "built without UVBEV_FAULT_INJECTION");
  return 77; /* CTest: skipped, not passed */
}

#endif
