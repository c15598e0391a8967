/* SPDX-License-Identifier: MIT */
/* Sending a file over a socket bufferevent, libevent API only: built against
 * uvbev (bench_file) and libevent 2.1 (bench_file_libevent); tests/bench/
 * run.sh runs both.  Loopback TCP, the file a 1 GiB sparse file in the
 * temporary directory (its bytes are in no disk: what is measured is the
 * library, not the disk).  Prints one line per figure:
 *   metric <name> <value> <unit> <higher|lower>
 *
 *   file_send_1gib            evbuffer_add_file of the whole file (MiB/s):
 *                             sendfile in both
 *   file_send_1gib_nosendfile the same with EVBUF_FS_DISABLE_SENDFILE (MiB/s):
 *                             libevent maps the file, uvbev reads windows on
 *                             libuv's thread pool
 *   file_send_1gib_mmap       the same, mapped in both (MiB/s): uvbev with
 *                             its UVBEV_EVBUF_FS_MMAP (views of 256 KiB
 *                             windows), libevent as in the row above (it
 *                             maps by default)
 *   file_send_peak_rss_kib    peak RSS of the process after both (KiB;
 *                             Linux only)
 * BENCH_FILE_SCALE (default 1) divides the size for a quick run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#ifdef BENCH_UVBEV
#include <uvbev/uvbev.h>
#define BENCH_FS_MMAP UVBEV_EVBUF_FS_MMAP
#else
#define BENCH_FS_MMAP 0 /* libevent maps unless told not to */
#endif

#include "bench-util.h"
#include "peak_rss.h"

struct send {
  struct event_base *base;
  size_t received, total;
};

static void drain(struct bufferevent *bev, void *arg) {
  struct send *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  s->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (s->received >= s->total) event_base_loopexit(s->base, NULL);
}

/* A sparse temporary file of len bytes, deleted once closed. */
static int sparse_file(size_t len) {
  FILE *f = tmpfile();
  int fd;
  if (f == NULL) bench_die("tmpfile");
#ifdef _WIN32
  if (_chsize_s(_fileno(f), (__int64)len) != 0) bench_die("truncate");
  fd = _dup(_fileno(f));
#else
  if (ftruncate(fileno(f), (off_t)len) != 0) bench_die("truncate");
  fd = dup(fileno(f));
#endif
  fclose(f);
  return fd;
}

/* Sends `total` bytes of a sparse file; MiB/s as metric `name`. */
static void bench_send(const char *name, size_t total, unsigned fs_flags) {
  struct send s;
  evutil_socket_t sv[2];
  struct bufferevent *w, *r;
  struct evbuffer_file_segment *seg;
  double t0, dt;
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  s.total = total;
  bench_tcp_pair(sv);
  w = bufferevent_socket_new(s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  r = bufferevent_socket_new(s.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  seg = evbuffer_file_segment_new(sparse_file(total), 0, -1, EVBUF_FS_CLOSE_ON_FREE | fs_flags);
  if (w == NULL || r == NULL || seg == NULL) bench_die("setup");
  bufferevent_setcb(r, drain, NULL, NULL, &s);
  bufferevent_enable(r, EV_READ);
  bufferevent_enable(w, EV_WRITE);
  t0 = bench_now_s();
  if (evbuffer_add_file_segment(bufferevent_get_output(w), seg, 0, -1) != 0) bench_die("add");
  evbuffer_file_segment_free(seg);
  event_base_dispatch(s.base);
  dt = bench_now_s() - t0;
  if (s.received != total) bench_die("short transfer");
  bench_metric(name, (double)total / (1024.0 * 1024.0) / dt, "MiB/s", "higher");
  bufferevent_free(w);
  bufferevent_free(r);
  event_base_free(s.base);
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  const char *sc = getenv("BENCH_FILE_SCALE");
  size_t total = (size_t)1 << 30;
  long rss;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  if (sc && atoi(sc) > 0) total /= (size_t)atoi(sc);
  printf("# bench_file (%s)\n", BENCH_IMPL_NAME);
  if (!only || !strcmp(only, "send")) bench_send("file_send_1gib", total, 0);
  if (!only || !strcmp(only, "nosendfile"))
    bench_send("file_send_1gib_nosendfile", total, EVBUF_FS_DISABLE_SENDFILE);
  if (!only || !strcmp(only, "mmap"))
    bench_send("file_send_1gib_mmap", total, EVBUF_FS_DISABLE_SENDFILE | BENCH_FS_MMAP);
  if ((rss = cu_peak_rss_kib()) >= 0)
    bench_metric("file_send_peak_rss_kib", (double)rss, "KiB", "lower");
  bench_tcp_pairs_done();
  return 0;
}
