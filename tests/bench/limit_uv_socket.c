/* SPDX-License-Identifier: MIT */
/* Bare libuv doing bench_socket's figures: the floor under any library built
 * on libuv (uvbev's own engine).  tests/bench/run.sh runs it beside
 * bench_socket, bench_socket_libevent and limit_socket (raw epoll).  Same
 * metric names and sizes as bench_socket:
 *
 *   socket_stream_1gib        1 GiB over one connection, at most 1 MiB queued
 *                             for writing (uv_write of 64 KiB blocks; the
 *                             stream sweep gathers smaller writes into 64 KiB
 *                             ones, as a buffer would), read into one 64 KiB
 *                             buffer
 *   socket_stream_1gib_noncopy  the same loop again (it copies nothing, so
 *                             it is the limit of bench_socket's no-copy row too)
 *   socket_stream_1gib_sndbuf, socket_stream_1gib_noncopy_sndbuf  the same
 *                             with the writer's SO_SNDBUF at 128 KiB
 *   socket_pingpong_64b_x100  100 connections echoing 64-byte messages
 *                             (uv_try_write), read into one shared buffer
 *   socket_latency_64b_p50_us, _p99_us  one connection, one 64-byte message
 *                             in flight (uv_try_write both ways)
 *   socket_idle_bytes_each    resident memory per idle connected uv_tcp_t
 *                             reading (N = 10000, or what the descriptor
 *                             limit allows), and the same after each read one
 *                             64-byte message (socket_idle_after_msg_bytes_each)
 *
 * BENCH_SOCKET_SCALE (default 1) divides the sizes, as for bench_socket. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench-util.h"

static int scale = 1;
static char shared_buf[64 * 1024];
static uv_loop_t *loop;

static void alloc_shared(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(shared_buf, sizeof(shared_buf));
}

static uv_tcp_t *tcp_on(evutil_socket_t fd, void *data) {
  uv_tcp_t *t = malloc(sizeof(*t));
  if (!t || uv_tcp_init(loop, t) != 0 || uv_tcp_open(t, (uv_os_sock_t)fd) != 0)
    bench_die("uv_tcp_open");
  t->data = data;
  return t;
}

static void close_free(uv_handle_t *h) {
  uv_close(h, (uv_close_cb)free);
}

/* ---- streams ----------------------------------------------------------------- */

/* At most 1 MiB queued for writing.  Blocks of at least 64 KiB are written
 * as they are; smaller ones are copied together into 64 KiB writes first, as
 * any program writing small pieces does (a library's output buffer does the
 * same): then there are 16 write buffers of 64 KiB. */
enum { GATHER = 64 * 1024, QUEUED = 1024 * 1024 };

struct stream {
  uv_tcp_t *w, *r;
  size_t to_write, received, total, block;
  int nbufs;
  uv_write_t *reqs;
  char **bufs; /* one per request: the gathered bytes, or the block */
  int *free_reqs, nfree;
  char *data;
};

static void stream_write_more(struct stream *s);

static void stream_written(uv_write_t *req, int status) {
  struct stream *s = req->data;
  if (status != 0) bench_die("stream: write");
  s->free_reqs[s->nfree++] = (int)(req - s->reqs);
  stream_write_more(s);
}

/* The next write's bytes in the request's buffer: gathered blocks, or one. */
static size_t stream_fill(struct stream *s, int i) {
  size_t n = 0;
  if (s->block >= GATHER) {
    n = s->to_write < s->block ? s->to_write : s->block;
  } else {
    while (n + s->block <= GATHER && n < s->to_write) {
      size_t k = s->to_write - n < s->block ? s->to_write - n : s->block;
      memcpy(s->bufs[i] + n, s->data, k);
      n += k;
    }
  }
  s->to_write -= n;
  return n;
}

static void stream_write_more(struct stream *s) {
  while (s->to_write > 0 && s->nfree > 0) {
    int i = s->free_reqs[--s->nfree];
    size_t n = stream_fill(s, i);
    uv_buf_t b = uv_buf_init(s->bufs[i], (unsigned)n);
    s->reqs[i].data = s;
    if (uv_write(&s->reqs[i], (uv_stream_t *)s->w, &b, 1, stream_written) != 0)
      bench_die("uv_write");
  }
}

static void stream_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  struct stream *s = h->data;
  (void)buf;
  if (n < 0) bench_die("stream: read");
  s->received += (size_t)n;
  if (s->received >= s->total) uv_read_stop(h);
}

static void stream_alloc(struct stream *s, size_t total, size_t block) {
  size_t unit = block >= GATHER ? block : GATHER;
  int i;
  memset(s, 0, sizeof(*s));
  s->total = s->to_write = total;
  s->block = block;
  s->nbufs = unit >= QUEUED ? 1 : (int)(QUEUED / unit);
  s->data = malloc(block);
  s->reqs = malloc(sizeof(*s->reqs) * (size_t)s->nbufs);
  s->bufs = malloc(sizeof(*s->bufs) * (size_t)s->nbufs);
  s->free_reqs = malloc(sizeof(int) * (size_t)s->nbufs);
  if (!s->data || !s->reqs || !s->bufs || !s->free_reqs) bench_die("stream: no memory");
  memset(s->data, 's', block);
  for (i = 0; i < s->nbufs; i++) {
    s->bufs[i] = block >= GATHER ? s->data : malloc(GATHER);
    if (!s->bufs[i]) bench_die("stream: no memory");
    s->free_reqs[s->nfree++] = i;
  }
}

static void stream_free(struct stream *s) {
  int i;
  for (i = 0; i < s->nbufs; i++)
    if (s->bufs[i] != s->data) free(s->bufs[i]);
  free(s->data);
  free(s->reqs);
  free(s->bufs);
  free(s->free_reqs);
}

/* `total` bytes written `block` at a time; MiB/s as metric `name`. */
static void limit_stream(const char *name, size_t total, size_t block) {
  struct stream s;
  evutil_socket_t sv[2];
  double t0, dt;
  stream_alloc(&s, total, block);
  bench_tcp_pair(sv);
  s.w = tcp_on(sv[0], &s);
  s.r = tcp_on(sv[1], &s);
  t0 = bench_now_s();
  uv_read_start((uv_stream_t *)s.r, alloc_shared, stream_read);
  stream_write_more(&s);
  uv_run(loop, UV_RUN_DEFAULT);
  dt = bench_now_s() - t0;
  if (s.received != s.total) bench_die("stream incomplete");
  bench_metric(name, (double)s.total / (1024.0 * 1024.0) / dt, "MiB/s", "higher");
  close_free((uv_handle_t *)s.w);
  close_free((uv_handle_t *)s.r);
  uv_run(loop, UV_RUN_DEFAULT);
  stream_free(&s);
}

/* ---- ping-pong ----------------------------------------------------------------- */

enum { PP_MSG = 64 };

struct pp_end {
  long rounds; /* client: messages still to send; echo side: -1 */
  long *done;
};

static void pp_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  struct pp_end *e = h->data;
  uv_buf_t b = uv_buf_init(buf->base, (unsigned)(n > 0 ? n : 0));
  if (n < 0) bench_die("pingpong: read");
  if (n == 0) return;
  if (e->rounds < 0) { /* echo */
    if (uv_try_write(h, &b, 1) != n) bench_die("pingpong: echo");
    return;
  }
  (*e->done)++;
  if (--e->rounds > 0) {
    if (uv_try_write(h, &b, 1) != n) bench_die("pingpong: send");
  } else {
    uv_read_stop(h);
  }
}

/* `conns` connections, `rounds` messages each; messages/s as metric `name`,
 * and faults and mallocs per message. */
static void limit_pingpong(const char *name, int conns, long rounds) {
  struct pp_end *ends = calloc(2 * (size_t)conns, sizeof(*ends));
  uv_tcp_t **tcps = calloc(2 * (size_t)conns, sizeof(*tcps));
  char msg[PP_MSG];
  uv_buf_t b = uv_buf_init(msg, PP_MSG);
  long done = 0, faults;
  double t0, dt;
  int i;
  if (!ends || !tcps) bench_die("pingpong: no memory");
  memset(msg, 'p', sizeof(msg));
  for (i = 0; i < conns; i++) {
    evutil_socket_t sv[2];
    bench_tcp_pair(sv);
    ends[2 * i].rounds = rounds;
    ends[2 * i + 1].rounds = -1;
    ends[2 * i].done = ends[2 * i + 1].done = &done;
    tcps[2 * i] = tcp_on(sv[0], &ends[2 * i]);
    tcps[2 * i + 1] = tcp_on(sv[1], &ends[2 * i + 1]);
    uv_read_start((uv_stream_t *)tcps[2 * i], alloc_shared, pp_read);
    uv_read_start((uv_stream_t *)tcps[2 * i + 1], alloc_shared, pp_read);
  }
  faults = bench_minor_faults();
  t0 = bench_now_s();
  for (i = 0; i < conns; i++)
    if (uv_try_write((uv_stream_t *)tcps[2 * i], &b, 1) != PP_MSG) bench_die("pingpong: first");
  /* the echo sides keep reading: stop once every client is done */
  while (done < (long)conns * rounds)
    uv_run(loop, UV_RUN_ONCE);
  dt = bench_now_s() - t0;
  faults = bench_minor_faults() - faults;
  bench_pingpong_metrics(name, done, dt, faults, 0); /* no allocation, by construction */
  for (i = 0; i < 2 * conns; i++)
    close_free((uv_handle_t *)tcps[i]);
  uv_run(loop, UV_RUN_DEFAULT);
  free(ends);
  free(tcps);
}

/* ---- latency: one message in flight ----------------------------------------- */

struct lat {
  double *samples, sent_at;
  long n, rounds;
};

static void lat_client_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  struct lat *l = h->data;
  uv_buf_t b = uv_buf_init(buf->base, PP_MSG);
  if (n < 0) bench_die("latency: read");
  if (n == 0) return;
  l->samples[l->n++] = bench_mono_s() - l->sent_at;
  if (l->n == l->rounds) {
    uv_read_stop(h);
    return;
  }
  l->sent_at = bench_mono_s();
  if (uv_try_write(h, &b, 1) != PP_MSG) bench_die("latency: send");
}

static void limit_latency(const char *name, long rounds) {
  struct lat l = {calloc((size_t)rounds, sizeof(double)), 0, 0, rounds};
  struct pp_end echo = {-1, NULL}; /* the ping-pong's echo side */
  char msg[PP_MSG];
  uv_buf_t b = uv_buf_init(msg, PP_MSG);
  evutil_socket_t sv[2];
  uv_tcp_t *c, *e;
  if (!l.samples) bench_die("latency: no memory");
  memset(msg, 'l', sizeof(msg));
  bench_tcp_pair(sv);
  c = tcp_on(sv[0], &l);
  e = tcp_on(sv[1], &echo);
  uv_read_start((uv_stream_t *)c, alloc_shared, lat_client_read);
  uv_read_start((uv_stream_t *)e, alloc_shared, pp_read);
  l.sent_at = bench_mono_s();
  if (uv_try_write((uv_stream_t *)c, &b, 1) != PP_MSG) bench_die("latency: first");
  while (l.n < rounds)
    uv_run(loop, UV_RUN_ONCE);
  bench_latency_metrics(name, l.samples, (size_t)l.n);
  close_free((uv_handle_t *)c);
  close_free((uv_handle_t *)e);
  uv_run(loop, UV_RUN_DEFAULT);
  free(l.samples);
}

/* ---- idle memory ------------------------------------------------------------- */

static long rss_bytes(void) {
  long pages = 0, resident = -1;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * 4096L;
}

static void idle_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  if (n > 0) --*(int *)h->data;
}

static void limit_idle_memory(void) {
  int n = bench_max_conns(10000) / scale, i, remaining = n;
  evutil_socket_t *fds = malloc(sizeof(*fds) * 2 * (size_t)n);
  uv_tcp_t **tcps = malloc(sizeof(*tcps) * (size_t)n);
  long before, after, after_msg;
  char msg[64];
  double deadline;
  memset(msg, 'm', sizeof(msg));
  for (i = 0; i < n; i++)
    bench_tcp_pair(&fds[2 * i]);
  uv_run(loop, UV_RUN_NOWAIT);
  before = rss_bytes();
  for (i = 0; i < n; i++) {
    tcps[i] = tcp_on(fds[2 * i], &remaining);
    uv_read_start((uv_stream_t *)tcps[i], alloc_shared, idle_read);
  }
  uv_run(loop, UV_RUN_NOWAIT);
  after = rss_bytes();
  for (i = 0; i < n; i++)
    if (send(fds[2 * i + 1], msg, sizeof(msg), 0) != (ssize_t)sizeof(msg)) remaining--;
  deadline = bench_now_s() + 20;
  while (remaining > 0 && bench_now_s() < deadline)
    uv_run(loop, UV_RUN_ONCE);
  after_msg = rss_bytes();
  printf("# idle connected uv_tcp_t: %d\n", n);
  bench_metric("socket_idle_bytes_each", (double)(after - before) / n, "bytes", "lower");
  bench_metric("socket_idle_after_msg_bytes_each", (double)(after_msg - before) / n, "bytes",
               "lower");
  for (i = 0; i < n; i++) {
    close_free((uv_handle_t *)tcps[i]);
    evutil_closesocket(fds[2 * i + 1]);
  }
  uv_run(loop, UV_RUN_DEFAULT);
  free(tcps);
  free(fds);
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  const char *sc = getenv("BENCH_SOCKET_SCALE");
  uv_loop_t the_loop;
  signal(SIGPIPE, SIG_IGN);
  if (sc && atoi(sc) > 0) scale = atoi(sc);
  uv_loop_init(&the_loop);
  loop = &the_loop;
  printf("# limit_uv_socket (bare libuv %s)\n", uv_version_string());
  bench_stream_rows(only, scale, limit_stream, limit_stream); /* copies nothing either way */
  if (!only || !strcmp(only, "pingpong"))
    limit_pingpong("socket_pingpong_64b_x100", 100, 2000 / scale + 1);
  if (!only || !strcmp(only, "latency")) limit_latency("socket_latency_64b", 20000 / scale + 1);
  if (!only || !strcmp(only, "idle")) limit_idle_memory();
  bench_sweep(only, scale, limit_pingpong, limit_stream); /* charts.sh's points */
  bench_tcp_pairs_done();
  uv_loop_close(&the_loop);
  return 0;
}
