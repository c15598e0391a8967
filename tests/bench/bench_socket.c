/* SPDX-License-Identifier: MIT */
/* Socket bufferevent benchmark, libevent API only: built against uvbev
 * (bench_socket) and libevent 2.1 (bench_socket_libevent); tests/bench/run.sh
 * runs both.  Loopback TCP only.  Prints one line per figure:
 *   metric <name> <value> <unit> <higher|lower>
 *
 *   socket_stream_1gib         1 GiB over one connection (MiB/s), written with
 *                              bufferevent_write (one copy into the output)
 *   socket_stream_1gib_noncopy the same with evbuffer_add_reference: no copy,
 *                              as the raw loops send from their block
 *   socket_stream_1gib_sndbuf, socket_stream_1gib_noncopy_sndbuf  both again
 *                              with the writer's SO_SNDBUF at 128 KiB (the
 *                              kernel's autotuned buffer otherwise lets
 *                              megabytes sit in flight: bench_stream_rows)
 *   socket_pingpong_64b_x100   100 connections echoing 64-byte messages (messages/s)
 *   socket_latency_64b_p50_us, _p99_us  one connection, one 64-byte message in
 *                              flight: round-trip time, median and 99th percentile
 *   socket_connect_close_1000  1000 connections opened and closed, 50 at a time
 *                              (connections/s)
 *   socket_idle_bytes_each     resident memory of N idle connected bufferevents
 *   socket_idle_after_msg_bytes_each  the same once each has received and
 *                              drained one 64-byte message (what idle
 *                              connections of a real server look like)
 *                              (bytes each; N = 10000, or fewer when the file
 *                              descriptor limit is lower: printed as a comment)
 * BENCH_SOCKET_SCALE (default 1) divides the sizes for a quick run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "bench-util.h"

static int scale = 1;

/* ---- 1 GiB stream ---------------------------------------------------------- */

struct stream {
  struct event_base *base;
  size_t to_write, received, total;
  const char *block;
  size_t block_len;
  int by_reference; /* evbuffer_add_reference instead of a copy */
};

static void stream_refill(struct bufferevent *bev, void *arg) {
  struct stream *s = arg;
  struct evbuffer *out = bufferevent_get_output(bev);
  while (s->to_write > 0 && evbuffer_get_length(out) < 1024 * 1024) {
    size_t n = s->to_write < s->block_len ? s->to_write : s->block_len;
    if (s->by_reference)
      evbuffer_add_reference(out, s->block, n, NULL, NULL);
    else
      bufferevent_write(bev, s->block, n);
    s->to_write -= n;
  }
}

static void stream_drain(struct bufferevent *bev, void *arg) {
  struct stream *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  s->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (s->received >= s->total) event_base_loopexit(s->base, NULL);
}

/* `total` bytes written `block_len` at a time; MiB/s as metric `name`. */
static void stream_run(const char *name, size_t total, size_t block_len, int by_reference) {
  struct stream s;
  evutil_socket_t sv[2];
  struct bufferevent *w, *r;
  char *block = malloc(block_len);
  double t0, dt;
  memset(block, 's', block_len);
  memset(&s, 0, sizeof(s));
  s.base = event_base_new();
  s.total = s.to_write = total;
  s.block = block;
  s.block_len = block_len;
  s.by_reference = by_reference;
  bench_tcp_pair(sv);
  w = bufferevent_socket_new(s.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  r = bufferevent_socket_new(s.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setwatermark(w, EV_WRITE, 256 * 1024, 0);
  bufferevent_setcb(w, NULL, stream_refill, NULL, &s);
  bufferevent_setcb(r, stream_drain, NULL, NULL, &s);
  bufferevent_enable(r, EV_READ);
  t0 = bench_now_s();
  stream_refill(w, &s);
  event_base_dispatch(s.base);
  dt = bench_now_s() - t0;
  if (s.received != s.total) bench_die("stream incomplete");
  bench_metric(name, (double)s.total / (1024.0 * 1024.0) / dt, "MiB/s", "higher");
  bufferevent_free(w);
  bufferevent_free(r);
  event_base_free(s.base);
  free(block);
}

static void bench_stream(const char *name, size_t total, size_t block_len) {
  stream_run(name, total, block_len, 0);
}

static void bench_stream_noncopy(const char *name, size_t total, size_t block_len) {
  stream_run(name, total, block_len, 1);
}

static void pingpong_plain(const char *name, int conns, long rounds) {
  bench_pingpong_n(name, 0, conns, rounds);
}

/* ---- connections opened and closed ------------------------------------------ */

struct churn {
  struct event_base *base;
  struct sockaddr_in sin;
  int to_start, in_flight, closed_by_server, total;
};

static void churn_start(struct churn *c);

static void churn_server_event(struct bufferevent *bev, short what, void *arg) {
  struct churn *c = arg;
  (void)what;
  bufferevent_free(bev);
  if (++c->closed_by_server == c->total) event_base_loopexit(c->base, NULL);
}

static void churn_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                         int socklen, void *arg) {
  struct bufferevent *bev =
      bufferevent_socket_new(evconnlistener_get_base(lev), fd, BEV_OPT_CLOSE_ON_FREE);
  (void)sa;
  (void)socklen;
  bufferevent_setcb(bev, NULL, NULL, churn_server_event, arg);
  bufferevent_enable(bev, EV_READ);
}

static void churn_client_event(struct bufferevent *bev, short what, void *arg) {
  struct churn *c = arg;
  if (!(what & BEV_EVENT_CONNECTED)) bench_die("churn connect failed");
  bufferevent_free(bev); /* the server sees EOF */
  c->in_flight--;
  churn_start(c);
}

static void churn_start(struct churn *c) {
  while (c->to_start > 0 && c->in_flight < 50) {
    struct bufferevent *bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, NULL, NULL, churn_client_event, c);
    if (bufferevent_socket_connect(bev, (struct sockaddr *)&c->sin, sizeof(c->sin)) < 0)
      bench_die("churn connect");
    c->to_start--;
    c->in_flight++;
  }
}

static void bench_connect_close(void) {
  struct churn c;
  struct evconnlistener *lev;
  ev_socklen_t len = sizeof(c.sin);
  double t0, dt;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  c.total = c.to_start = 1000 / scale;
  c.sin.sin_family = AF_INET;
  c.sin.sin_addr.s_addr = htonl(0x7f000001);
  lev = evconnlistener_new_bind(c.base, churn_accept, &c, LEV_OPT_CLOSE_ON_FREE, 512,
                                (struct sockaddr *)&c.sin, sizeof(c.sin));
  if (!lev) bench_die("listener");
  getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&c.sin, &len);
  t0 = bench_now_s();
  churn_start(&c);
  event_base_dispatch(c.base);
  dt = bench_now_s() - t0;
  bench_metric("socket_connect_close_1000", (double)c.total / dt, "connections/s", "higher");
  evconnlistener_free(lev);
  event_base_free(c.base);
}

/* ---- idle memory ------------------------------------------------------------- */

static long rss_bytes(void) {
#ifdef __linux__
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * 4096L;
#else
  return -1;
#endif
}

struct idle_ctx {
  struct event_base *base;
  int remaining;
};

static void idle_drain(struct bufferevent *bev, void *arg) {
  struct idle_ctx *ic = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (--ic->remaining == 0) event_base_loopbreak(ic->base);
}

/* Each peer sends one 64-byte message; returns once every bufferevent has
 * read and drained it (or after 20 s). */
static void idle_exchange_one_message(struct event_base *base, struct bufferevent **bevs,
                                      evutil_socket_t *fds, int n) {
  struct idle_ctx ic;
  struct timeval limit = {20, 0};
  char msg[64];
  int i;
  memset(msg, 'm', sizeof(msg));
  ic.base = base;
  ic.remaining = n;
  for (i = 0; i < n; i++) {
    bufferevent_setcb(bevs[i], idle_drain, NULL, NULL, &ic);
    if (send(fds[2 * i + 1], msg, sizeof(msg), 0) != (ev_ssize_t)sizeof(msg)) ic.remaining--;
  }
  event_base_loopexit(base, &limit);
  event_base_dispatch(base);
}

static void bench_idle_memory(void) {
  int n = bench_max_conns(10000) / scale, i;
  evutil_socket_t *fds = malloc(sizeof(*fds) * 2 * (size_t)n);
  struct bufferevent **bevs = malloc(sizeof(*bevs) * (size_t)n);
  struct event_base *base = event_base_new();
  long before, after, after_msg;
  for (i = 0; i < n; i++)
    bench_tcp_pair(&fds[2 * i]);
  event_base_loop(base, EVLOOP_NONBLOCK);
  before = rss_bytes();
  for (i = 0; i < n; i++) {
    bevs[i] = bufferevent_socket_new(base, fds[2 * i], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_enable(bevs[i], EV_READ | EV_WRITE);
  }
  event_base_loop(base, EVLOOP_NONBLOCK);
  after = rss_bytes();
  idle_exchange_one_message(base, bevs, fds, n);
  after_msg = rss_bytes();
  printf("# idle connected bufferevents: %d\n", n);
  if (before >= 0 && after >= 0) {
    bench_metric("socket_idle_bytes_each", (double)(after - before) / n, "bytes", "lower");
    bench_metric("socket_idle_after_msg_bytes_each", (double)(after_msg - before) / n, "bytes",
                 "lower");
  }
  for (i = 0; i < n; i++) {
    bufferevent_free(bevs[i]);
    evutil_closesocket(fds[2 * i + 1]);
  }
  event_base_free(base);
  free(bevs);
  free(fds);
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  const char *sc = getenv("BENCH_SOCKET_SCALE");
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  bench_count_allocations(); /* before the library allocates anything */
  if (sc && atoi(sc) > 0) scale = atoi(sc);
  printf("# bench_socket (%s)\n", BENCH_IMPL_NAME);
  bench_stream_rows(only, scale, bench_stream, bench_stream_noncopy);
  if (!only || !strcmp(only, "pingpong"))
    bench_pingpong("socket_pingpong_64b_x100", 0, 2000 / scale + 1); /* bench-pingpong.c */
  if (!only || !strcmp(only, "latency")) bench_latency("socket_latency_64b", 20000 / scale + 1);
  if (!only || !strcmp(only, "churn")) bench_connect_close();
  if (!only || !strcmp(only, "idle")) bench_idle_memory();
  bench_sweep(only, scale, pingpong_plain, bench_stream); /* charts.sh's points */
  bench_tcp_pairs_done();
  return 0;
}
