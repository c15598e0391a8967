/* SPDX-License-Identifier: MIT */
/* Bare libuv doing bench_socket's figures: the floor under any library built
 * on libuv (uvbev's own engine).  tests/bench/run.sh runs it beside
 * bench_socket, bench_socket_libevent and limit_socket (raw epoll).  Same
 * metric names and sizes as bench_socket:
 *
 *   socket_stream_1gib        1 GiB over one connection, at most 1 MiB queued
 *                             for writing (uv_write of 64 KiB blocks), read
 *                             into one 64 KiB buffer
 *   socket_pingpong_64b_x100  100 connections echoing 64-byte messages
 *                             (uv_try_write), read into one shared buffer
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
#include <sys/resource.h>
#include <uv.h>

#include "bench-util.h"

static int scale = 1;
static char shared_buf[64 * 1024];

static void alloc_shared(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(shared_buf, sizeof(shared_buf));
}

static uv_tcp_t *tcp_on(uv_loop_t *loop, evutil_socket_t fd, void *data) {
  uv_tcp_t *t = malloc(sizeof(*t));
  if (!t || uv_tcp_init(loop, t) != 0 || uv_tcp_open(t, (uv_os_sock_t)fd) != 0)
    bench_die("uv_tcp_open");
  t->data = data;
  return t;
}

static void close_free(uv_handle_t *h) {
  uv_close(h, (uv_close_cb)free);
}

/* ---- 1 GiB stream ---------------------------------------------------------- */

enum { BLOCK = 64 * 1024, IN_FLIGHT = 16 }; /* 16 x 64 KiB: 1 MiB queued */

struct stream {
  uv_tcp_t *w, *r;
  size_t to_write, received, total;
  int in_flight;
  uv_write_t reqs[IN_FLIGHT];
  int free_reqs[IN_FLIGHT], nfree;
  char block[BLOCK];
};

static void stream_write_more(struct stream *s);

static void stream_written(uv_write_t *req, int status) {
  struct stream *s = req->data;
  if (status != 0) bench_die("stream: write");
  s->free_reqs[s->nfree++] = (int)(req - s->reqs);
  stream_write_more(s);
}

static void stream_write_more(struct stream *s) {
  while (s->to_write > 0 && s->nfree > 0) {
    uv_write_t *req = &s->reqs[s->free_reqs[--s->nfree]];
    size_t n = s->to_write < BLOCK ? s->to_write : BLOCK;
    uv_buf_t b = uv_buf_init(s->block, (unsigned)n);
    req->data = s;
    if (uv_write(req, (uv_stream_t *)s->w, &b, 1, stream_written) != 0) bench_die("uv_write");
    s->to_write -= n;
  }
}

static void stream_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  struct stream *s = h->data;
  (void)buf;
  if (n < 0) bench_die("stream: read");
  s->received += (size_t)n;
  if (s->received >= s->total) uv_read_stop(h);
}

static void limit_stream(uv_loop_t *loop) {
  struct stream *s = calloc(1, sizeof(*s));
  evutil_socket_t sv[2];
  double t0, dt;
  int i;
  memset(s->block, 's', BLOCK);
  s->total = s->to_write = ((size_t)1 << 30) / (size_t)scale;
  for (i = 0; i < IN_FLIGHT; i++)
    s->free_reqs[s->nfree++] = i;
  bench_tcp_pair(sv);
  s->w = tcp_on(loop, sv[0], s);
  s->r = tcp_on(loop, sv[1], s);
  t0 = bench_now_s();
  uv_read_start((uv_stream_t *)s->r, alloc_shared, stream_read);
  stream_write_more(s);
  uv_run(loop, UV_RUN_DEFAULT);
  dt = bench_now_s() - t0;
  if (s->received != s->total) bench_die("stream incomplete");
  bench_metric("socket_stream_1gib", (double)s->total / (1024.0 * 1024.0) / dt, "MiB/s", "higher");
  close_free((uv_handle_t *)s->w);
  close_free((uv_handle_t *)s->r);
  uv_run(loop, UV_RUN_DEFAULT);
  free(s);
}

/* ---- ping-pong ----------------------------------------------------------------- */

enum { PP_CONNS = 100, PP_MSG = 64 };

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

static void limit_pingpong(uv_loop_t *loop, long rounds) {
  struct pp_end ends[2 * PP_CONNS];
  uv_tcp_t *tcps[2 * PP_CONNS];
  char msg[PP_MSG];
  uv_buf_t b = uv_buf_init(msg, PP_MSG);
  long done = 0, faults;
  double t0, dt;
  int i;
  memset(msg, 'p', sizeof(msg));
  for (i = 0; i < PP_CONNS; i++) {
    evutil_socket_t sv[2];
    bench_tcp_pair(sv);
    ends[2 * i].rounds = rounds;
    ends[2 * i + 1].rounds = -1;
    ends[2 * i].done = ends[2 * i + 1].done = &done;
    tcps[2 * i] = tcp_on(loop, sv[0], &ends[2 * i]);
    tcps[2 * i + 1] = tcp_on(loop, sv[1], &ends[2 * i + 1]);
    uv_read_start((uv_stream_t *)tcps[2 * i], alloc_shared, pp_read);
    uv_read_start((uv_stream_t *)tcps[2 * i + 1], alloc_shared, pp_read);
  }
  faults = bench_minor_faults();
  t0 = bench_now_s();
  for (i = 0; i < PP_CONNS; i++)
    if (uv_try_write((uv_stream_t *)tcps[2 * i], &b, 1) != PP_MSG) bench_die("pingpong: first");
  /* the echo sides keep reading: stop once every client is done */
  while (done < (long)PP_CONNS * rounds)
    uv_run(loop, UV_RUN_ONCE);
  dt = bench_now_s() - t0;
  faults = bench_minor_faults() - faults;
  bench_metric("socket_pingpong_64b_x100", (double)done / dt, "messages/s", "higher");
  bench_metric("socket_pingpong_64b_x100_faults_per_msg", (double)faults / (double)done, "faults",
               "lower");
  bench_metric("socket_pingpong_64b_x100_mallocs_per_msg", 0.0, "mallocs", "lower");
  for (i = 0; i < 2 * PP_CONNS; i++)
    close_free((uv_handle_t *)tcps[i]);
  uv_run(loop, UV_RUN_DEFAULT);
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

static int idle_count(void) {
  struct rlimit rl;
  int n = 10000;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < 2L * n + 64)
      n = (int)(((long)rl.rlim_cur - 64) / 2);
  }
  return n / scale;
}

static void idle_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  if (n > 0) --*(int *)h->data;
}

static void limit_idle_memory(uv_loop_t *loop) {
  int n = idle_count(), i, remaining = n;
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
    tcps[i] = tcp_on(loop, fds[2 * i], &remaining);
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
  uv_loop_t loop;
  signal(SIGPIPE, SIG_IGN);
  if (sc && atoi(sc) > 0) scale = atoi(sc);
  uv_loop_init(&loop);
  printf("# limit_uv_socket (bare libuv %s)\n", uv_version_string());
  if (!only || !strcmp(only, "stream")) limit_stream(&loop);
  if (!only || !strcmp(only, "pingpong")) limit_pingpong(&loop, 2000 / scale + 1);
  if (!only || !strcmp(only, "idle")) limit_idle_memory(&loop);
  bench_tcp_pairs_done();
  uv_loop_close(&loop);
  return 0;
}
