/* SPDX-License-Identifier: MIT */
/* Sending a file through a bufferevent to a loopback reader on the same
 * base (header-only; test_file_send.c and test_ssl_file_send.c): the reader
 * counts the bytes and checksums them, a 10 ms timer on the base records the
 * longest gap between its firings, and the peak RSS of the process is read
 * at the end.  A file is either sparse (made with a truncate: its bytes are
 * zeros, and no disk holds them) or pseudo-random bytes written to disk.
 * Include it after <cmocka.h>: the helpers at the end assert. */
#ifndef FILE_SEND_RIG_H
#define FILE_SEND_RIG_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "loopback.h"
#include "peak_rss.h"

#ifdef _WIN32
#include <io.h>
#include <windows.h> /* in already, through event2/util.h's winsock2.h */
#define fsr_dup _dup
#define fsr_truncate(fd, len) _chsize_s((fd), (len))
/* Non-zero under wine, whose ntdll exports wine_get_version. */
static inline int fsr_under_wine(void) {
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
}
#else
#include <unistd.h>
#define fsr_dup dup
#define fsr_truncate(fd, len) ftruncate((fd), (off_t)(len))
static inline int fsr_under_wine(void) {
  return 0;
}
#endif

/* ASan holds freed blocks in a quarantine (256 MiB by default) that would
 * count in the RSS measured here: keep it small in these tests. */
#if defined(__SANITIZE_ADDRESS__) /* GCC */
#define FSR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang */
#define FSR_ASAN 1
#endif
#endif
#ifdef FSR_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "quarantine_size_mb=8";
}
#endif

/* The loop must not be blocked for this long while the file is sent: a
 * correctness bound, not a speed one (reading 1 GiB on the loop thread, as
 * uvbev once did, blocks it for seconds); far above what scheduling noise
 * on a busy machine adds to a 10 ms timer. */
#define FSR_STALL_MAX_MS 250
/* Peak RSS bound: far below the 1 GiB a sender that read the whole file
 * would hold. */
#define FSR_RSS_MAX_KIB (64L * 1024)

struct fsr_run {
  struct event_base *base;
  struct bufferevent *writer, *reader;
  size_t expect, received;
  int sparse;   /* the file is zeros: bytes compared, no checksum */
  int nonzero;  /* reads of a sparse file that were not all zeros */
  uint32_t sum; /* FNV-1a of the bytes received (else) */
  int errors;
  long last_tick_ms, max_gap_ms;
  struct event *tick;
};

static inline long fsr_now_ms(void) {
  struct timeval tv;
  evutil_gettimeofday(&tv, NULL);
  return (long)tv.tv_sec * 1000 + (long)(tv.tv_usec / 1000);
}

static inline uint32_t fsr_fnv(uint32_t h, const unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static inline unsigned char fsr_byte(size_t i) {
  uint64_t z = (uint64_t)(i >> 3) + 0x9e3779b97f4a7c15u;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (unsigned char)(z >> ((i & 7) * 8));
}

/* A temporary file of len bytes, deleted once closed: zeros without disk
 * blocks (sparse), or fsr_byte(i) written out (*sum gets their FNV-1a). */
static inline int fsr_temp_file(size_t len, int sparse, uint32_t *sum) {
  FILE *f = tmpfile();
  unsigned char buf[65536];
  size_t done = 0, i;
  int fd;
  if (f == NULL) return -1;
  *sum = 2166136261u;
  if (sparse) {
    fflush(f);
    if (fsr_truncate(fileno(f), len) != 0) {
      fclose(f);
      return -1;
    }
  }
  while (!sparse && done < len) {
    size_t k = len - done < sizeof(buf) ? len - done : sizeof(buf);
    for (i = 0; i < k; i++)
      buf[i] = fsr_byte(done + i);
    *sum = fsr_fnv(*sum, buf, k);
    if (fwrite(buf, 1, k, f) != k) break;
    done += k;
  }
  fflush(f);
  fd = fsr_dup(fileno(f));
  fclose(f);
  return fd;
}

static inline void fsr_on_tick(evutil_socket_t fd, short what, void *arg) {
  struct fsr_run *r = arg;
  long now = fsr_now_ms();
  (void)fd;
  (void)what;
  if (now - r->last_tick_ms > r->max_gap_ms) r->max_gap_ms = now - r->last_tick_ms;
  r->last_tick_ms = now;
}

/* The reader checksums what it gets; zeros (a sparse file) are compared
 * with memcmp, which keeps a Debug build's 1 GiB quick. */
static inline void fsr_on_read(struct bufferevent *bev, void *arg) {
  static const unsigned char zeros[65536];
  struct fsr_run *r = arg;
  unsigned char buf[65536];
  int n;
  while ((n = bufferevent_read(bev, buf, sizeof(buf))) > 0) {
    if (r->sparse)
      r->nonzero += memcmp(buf, zeros, (size_t)n) != 0;
    else
      r->sum = fsr_fnv(r->sum, buf, (size_t)n);
    r->received += (size_t)n;
  }
  if (r->received >= r->expect) event_base_loopbreak(r->base);
}

static inline void fsr_on_event(struct bufferevent *bev, short what, void *arg) {
  struct fsr_run *r = arg;
  (void)bev;
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) {
    r->errors++;
    event_base_loopbreak(r->base);
  }
}

/* Appends file fd (owned: closed with the segment) whole to out, as a
 * segment with EVBUF_FS_* flags fs_flags.  Returns 0 or -1. */
static inline int fsr_add_file(struct evbuffer *out, int fd, unsigned fs_flags) {
  struct evbuffer_file_segment *seg =
      evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE | fs_flags);
  int r = seg != NULL ? evbuffer_add_file_segment(out, seg, 0, -1) : -1;
  evbuffer_file_segment_free(seg);
  return r;
}

/* Sends `len` bytes of file fd (see fsr_add_file; fd -1: the writer's
 * output holds them already) from writer to reader, both set up on
 * r->base, and runs the base until all arrived (or an error).  The tick
 * runs throughout. */
static inline void fsr_send(struct fsr_run *r, int fd, size_t len, int sparse, unsigned fs_flags) {
  struct timeval ten_ms = {0, 10000};
  r->expect = len;
  r->sparse = sparse;
  r->sum = 2166136261u;
  bufferevent_setcb(r->writer, NULL, NULL, fsr_on_event, r);
  bufferevent_setcb(r->reader, fsr_on_read, NULL, fsr_on_event, r);
  bufferevent_enable(r->writer, EV_READ | EV_WRITE);
  bufferevent_enable(r->reader, EV_READ);
  if (fd >= 0 && fsr_add_file(bufferevent_get_output(r->writer), fd, fs_flags) != 0) r->errors++;
  r->tick = event_new(r->base, -1, EV_PERSIST, fsr_on_tick, r);
  r->last_tick_ms = fsr_now_ms();
  event_add(r->tick, &ten_ms);
  if (r->errors == 0) event_base_dispatch(r->base);
  event_free(r->tick);
}

/* r->base with a loopback TCP pair on it: r->writer and r->reader. */
static inline void fsr_socket_pair(struct fsr_run *r) {
  evutil_socket_t sv[2];
  assert_int_equal(cu_tcp_pair(sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  r->base = event_base_new();
  assert_non_null(r->base);
  r->writer = bufferevent_socket_new(r->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  r->reader = bufferevent_socket_new(r->base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(r->writer);
  assert_non_null(r->reader);
}

static inline void fsr_free(struct fsr_run *r) {
  bufferevent_free(r->writer);
  bufferevent_free(r->reader);
  event_base_free(r->base);
}

/* Stores the events it sees in *(short *)arg. */
static inline void fsr_error_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  *(short *)arg = what;
}

/* Sets up a socket pair in r, writes segment seg (the caller's reference
 * is given up) with no one reading until the writer sees an event, and
 * returns that event. */
static inline short fsr_send_to_event(struct fsr_run *r, struct evbuffer_file_segment *seg) {
  short what = 0;
  memset(r, 0, sizeof(*r));
  fsr_socket_pair(r);
  assert_int_equal(evbuffer_add_file_segment(bufferevent_get_output(r->writer), seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  bufferevent_setcb(r->writer, NULL, NULL, fsr_error_event, &what);
  bufferevent_enable(r->writer, EV_WRITE);
  event_base_dispatch(r->base);
  return what;
}

/* Everything arrived, without errors, the loop kept running and the peak
 * RSS stayed under FSR_RSS_MAX_KIB. */
static inline void fsr_check_bounds(const struct fsr_run *r, const char *what) {
  long rss = cu_peak_rss_kib();
  print_message("%s: %lu bytes, longest gap between 10 ms ticks %ld ms, peak RSS %ld KiB\n", what,
                (unsigned long)r->received, r->max_gap_ms, rss);
  assert_int_equal(r->errors, 0);
  assert_int_equal(r->received, r->expect);
  assert_true(r->max_gap_ms < FSR_STALL_MAX_MS);
  if (rss >= 0) assert_true(rss < FSR_RSS_MAX_KIB);
}

#endif
