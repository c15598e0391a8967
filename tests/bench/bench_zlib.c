/* SPDX-License-Identifier: MIT */
/* zlib filter benchmark (uvbev only: libevent has no zlib filter).
 *
 *   zlib_plain_loop      deflate + inflate of the data with plain zlib calls in
 *                        one loop, 64 KiB at a time: the limit (MiB/s of
 *                        uncompressed data)
 *   zlib_filter_pair     the same data written to a zlib filter over one side
 *                        of a bufferevent pair and read inflated from a zlib
 *                        filter over the other side (MiB/s)
 *   zlib_filter_tcp      the same over a loopback TCP connection (MiB/s)
 *   zlib_pair_vs_plain   throughput per CPU second (user + system) of the
 *                        pair run relative to the plain loop (percent); CPU
 *                        time rather than wall time, so that other processes
 *                        on a shared machine do not skew the comparison
 *   zlib_tcp_vs_plain    the same for the TCP run (which also pays for the
 *                        kernel's loopback copies)
 *
 * Data: compressible text (ratio about 4:1) at level BENCH_ZLIB_LEVEL
 * (default 1), BENCH_ZLIB_MIB MiB in total (default 256; 1024 = 1 GiB).  The
 * reader checks the length only.  Everything runs on one thread, as the
 * plain loop does.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "bench-util.h"
#include <uvbev/zlib.h>

#define CHUNK 65536

static size_t total;
static int level = 1;
static unsigned char *data; /* CHUNK * 16 bytes of text, reused cyclically */
#define DATA_CHUNKS 16

/* Process CPU time (user + system), seconds. */
static double cpu_s(void) {
  return (double)clock() / CLOCKS_PER_SEC;
}

struct timing {
  double wall, cpu;
};

static struct timing timing_start(void) {
  struct timing t;
  t.wall = bench_now_s();
  t.cpu = cpu_s();
  return t;
}

/* MiB/s of wall time in .wall, MiB per CPU second in .cpu */
static struct timing timing_rate(struct timing t0) {
  struct timing r;
  double mib = (double)total / (1024.0 * 1024.0);
  r.wall = mib / (bench_now_s() - t0.wall);
  r.cpu = mib / (cpu_s() - t0.cpu);
  return r;
}

static void make_text(void) {
  static const char *words[] = {
      "event ", "buffer ",  "libuv ",   "zlib ", "filter ",    "pair ",     "socket ", "loop ",
      "\n",     "deflate ", "inflate ", "42 ",   "watermark ", "callback ", "chunk ",  "stream "};
  size_t n = (size_t)CHUNK * DATA_CHUNKS, i = 0;
  unsigned long long s = 12345;
  data = malloc(n);
  if (!data) bench_die("out of memory");
  while (i < n) {
    const char *w;
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    w = words[(s >> 33) % 16];
    for (; *w && i < n; w++)
      data[i++] = (unsigned char)*w;
  }
}

static const unsigned char *chunk_at(size_t offset) {
  return data + (offset / CHUNK % DATA_CHUNKS) * CHUNK;
}

/* ---- the limit: plain zlib ------------------------------------------------------ */

static struct timing plain_loop(void) {
  z_stream d, f;
  static unsigned char comp[CHUNK * 2], out[CHUNK * 4];
  size_t done = 0, inflated = 0;
  struct timing t0;
  memset(&d, 0, sizeof(d));
  memset(&f, 0, sizeof(f));
  if (deflateInit(&d, level) != Z_OK || inflateInit(&f) != Z_OK) bench_die("zlib init");
  t0 = timing_start();
  while (done < total) {
    int last = done + CHUNK >= total;
    d.next_in = (unsigned char *)chunk_at(done);
    d.avail_in = CHUNK;
    done += CHUNK;
    do {
      d.next_out = comp;
      d.avail_out = sizeof(comp);
      deflate(&d, last ? Z_FINISH : Z_NO_FLUSH);
      f.next_in = comp;
      f.avail_in = (uInt)(sizeof(comp) - d.avail_out);
      do {
        f.next_out = out;
        f.avail_out = sizeof(out);
        inflate(&f, Z_NO_FLUSH);
        inflated += sizeof(out) - f.avail_out;
      } while (f.avail_out == 0);
    } while (d.avail_out == 0);
  }
  if (inflated != total) bench_die("plain loop lost bytes");
  t0 = timing_rate(t0);
  deflateEnd(&d);
  inflateEnd(&f);
  return t0;
}

/* ---- through the filter ------------------------------------------------------------ */

struct run {
  struct event_base *base;
  struct bufferevent *low[2], *z[2];
  size_t written, received;
  int failed;
};

static void produce(struct bufferevent *bev, void *arg) {
  struct run *r = arg;
  if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) return;
  if (r->written >= total) {
    bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
    bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
    return;
  }
  bufferevent_write(bev, chunk_at(r->written), CHUNK);
  r->written += CHUNK;
}

static void consume(struct bufferevent *bev, void *arg) {
  struct run *r = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  r->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct run *r = arg;
  consume(bev, arg);
  if (what & BEV_EVENT_ERROR) {
    fprintf(stderr, "bench_zlib: error: %s\n", uvbev_zlib_get_error(bev));
    r->failed = 1;
  }
  event_base_loopbreak(r->base);
}

static struct timing through_filter(struct run *r) {
  struct uvbev_zlib_config cfg;
  struct timing t0;
  uvbev_zlib_config_init(&cfg);
  cfg.level = level;
  for (int i = 0; i < 2; i++) {
    r->z[i] = uvbev_zlib_filter_new(r->low[i], BEV_OPT_CLOSE_ON_FREE, &cfg);
    if (!r->z[i]) bench_die("uvbev_zlib_filter_new");
  }
  bufferevent_setwatermark(r->low[0], EV_WRITE, 0, 256 * 1024);
  bufferevent_setwatermark(r->z[1], EV_READ, 0, 1024 * 1024);
  bufferevent_setcb(r->z[0], NULL, produce, NULL, r);
  bufferevent_setcb(r->z[1], consume, NULL, on_event, r);
  bufferevent_enable(r->z[1], EV_READ);
  t0 = timing_start();
  produce(r->z[0], r);
  event_base_dispatch(r->base);
  t0 = timing_rate(t0);
  if (r->failed || r->received != total) bench_die("filter run lost bytes");
  bufferevent_free(r->z[0]);
  bufferevent_free(r->z[1]);
  event_base_free(r->base);
  return t0;
}

static struct timing over_pair(void) {
  struct run r;
  memset(&r, 0, sizeof(r));
  r.base = event_base_new();
  if (!r.base || bufferevent_pair_new(r.base, 0, r.low) < 0) bench_die("pair");
  return through_filter(&r);
}

static struct timing over_tcp(void) {
  struct run r;
  evutil_socket_t sv[2];
  memset(&r, 0, sizeof(r));
  r.base = event_base_new();
  if (!r.base) bench_die("base");
  bench_tcp_pair(sv);
  for (int i = 0; i < 2; i++) {
    r.low[i] = bufferevent_socket_new(r.base, sv[i], BEV_OPT_CLOSE_ON_FREE);
    if (!r.low[i]) bench_die("bufferevent_socket_new");
  }
  return through_filter(&r);
}

int main(void) {
  const char *mib = getenv("BENCH_ZLIB_MIB"), *lvl = getenv("BENCH_ZLIB_LEVEL");
  struct timing plain, pair, tcp;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  total = (size_t)(mib ? atoi(mib) : 256) * 1024 * 1024;
  if (lvl) level = atoi(lvl);
  if (total < CHUNK) total = CHUNK;
  make_text();
  printf("# %zu MiB of text at level %d, %s\n", total >> 20, level, BENCH_IMPL_NAME);
  plain = plain_loop();
  bench_metric("zlib_plain_loop", plain.wall, "MiB/s", "higher");
  pair = over_pair();
  bench_metric("zlib_filter_pair", pair.wall, "MiB/s", "higher");
  tcp = over_tcp();
  bench_metric("zlib_filter_tcp", tcp.wall, "MiB/s", "higher");
  bench_metric("zlib_pair_vs_plain", 100.0 * pair.cpu / plain.cpu, "percent", "higher");
  bench_metric("zlib_tcp_vs_plain", 100.0 * tcp.cpu / plain.cpu, "percent", "higher");
  free(data);
  return 0;
}
