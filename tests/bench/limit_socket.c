/* SPDX-License-Identifier: MIT */
/* The machine's limit for bench_socket's figures: the same work done with
 * raw non-blocking sockets and epoll, no library.  tests/bench/run.sh runs it
 * beside bench_socket and bench_socket_libevent and prints the ratio of each
 * to it.  Linux only (epoll); same metric names and sizes as bench_socket:
 *
 *   socket_stream_1gib        1 GiB over one connection: a non-blocking
 *                             send/recv loop keeping at most 128 KiB unreceived
 *                             (the stream sweep gathers writes under 64 KiB
 *                             into 64 KiB sends, as a buffer would)
 *   socket_stream_1gib_noncopy  the same loop again (it copies nothing, so
 *                             it is the limit of bench_socket's no-copy row too)
 *   socket_stream_1gib_sndbuf, socket_stream_1gib_noncopy_sndbuf  the same
 *                             with the writer's SO_SNDBUF at 128 KiB
 *   socket_pingpong_64b_x100  100 connections echoing 64-byte messages, one
 *                             read and one write per message per side
 *   socket_latency_64b_p50_us, _p99_us  one connection, one 64-byte message
 *                             in flight: round-trip time (epoll_wait, one read
 *                             and one write per side)
 *   socket_connect_close_1000 1000 connections opened and closed, 50 at a time
 *
 * and, for the ping-pong, what a message costs the process: minor page
 * faults (getrusage) and mallocs (none here, by construction).
 * BENCH_SOCKET_SCALE (default 1) divides the sizes, as for bench_socket. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-util.h"

static int scale = 1;

/* ---- 1 GiB stream ---------------------------------------------------------- */

enum { GATHER = 64 * 1024 };

/* The bytes to send next: blocks of at least GATHER bytes are sent as they
 * are; smaller ones are copied together into GATHER-byte sends first, as any
 * program writing small pieces does (a library's output buffer does the
 * same). */
struct source {
  const char *block;
  size_t block_len, produced, total;
  char *gather;
  size_t len, off; /* what is gathered, and sent of it */
};

static const char *source_next(struct source *src, size_t *n) {
  if (src->block_len >= GATHER) {
    *n = src->total - src->produced < src->block_len ? src->total - src->produced : src->block_len;
    return src->block;
  }
  if (src->off == src->len) {
    src->off = src->len = 0;
    while (src->len + src->block_len <= GATHER && src->produced + src->len < src->total) {
      size_t k = src->total - src->produced - src->len;
      if (k > src->block_len) k = src->block_len;
      memcpy(src->gather + src->len, src->block, k);
      src->len += k;
    }
  }
  *n = src->len - src->off;
  return src->gather + src->off;
}

static void source_sent(struct source *src, size_t n) {
  src->produced += n;
  if (src->block_len < GATHER) src->off += n;
}

/* `total` bytes written `block` at a time, at most 128 KiB (or one block)
 * unreceived; MiB/s as metric `name`. */
static void limit_stream(const char *name, size_t total, size_t block) {
  static char in[64 * 1024], gather[GATHER];
  struct source src = {NULL, block, 0, total, gather, 0, 0};
  char *out = malloc(block);
  size_t unreceived = block > 128 * 1024 ? block : 128 * 1024, received = 0;
  evutil_socket_t sv[2];
  double t0, dt;
  memset(out, 's', block);
  src.block = out;
  bench_tcp_pair(sv);
  t0 = bench_now_s();
  while (received < total) {
    size_t room = unreceived - (src.produced - received), n;
    const char *p = source_next(&src, &n);
    ssize_t r;
    if (n > room) n = room;
    if (n > 0 && (r = send(sv[0], p, n, 0)) > 0) source_sent(&src, (size_t)r);
    if ((r = recv(sv[1], in, sizeof(in), 0)) > 0) received += (size_t)r;
    if (r == 0) bench_die("stream: early EOF");
  }
  dt = bench_now_s() - t0;
  bench_metric(name, (double)total / (1024.0 * 1024.0) / dt, "MiB/s", "higher");
  close(sv[0]);
  close(sv[1]);
  free(out);
}

/* ---- ping-pong ----------------------------------------------------------------- */

enum { PP_MSG = 64 };

struct pp_end {
  int fd;
  int is_client;
  long rounds;
};

/* One read, one write: the echo side writes back what it read; the client
 * counts a message and sends the next until its rounds are done. */
static int pp_ready(struct pp_end *e, long *done) {
  char msg[PP_MSG];
  ssize_t n = recv(e->fd, msg, sizeof(msg), 0);
  if (n <= 0) return n == 0 || (errno != EAGAIN) ? -1 : 0;
  if (!e->is_client) return send(e->fd, msg, (size_t)n, 0) == n ? 0 : -1;
  if (n != PP_MSG) bench_die("pingpong: short message"); /* 64 bytes arrive whole on loopback */
  (*done)++;
  if (--e->rounds > 0 && send(e->fd, msg, PP_MSG, 0) != PP_MSG) return -1;
  return e->rounds > 0 ? 0 : 1;
}

/* `conns` connections, `rounds` messages each; messages/s as metric `name`,
 * and faults and mallocs per message. */
static void limit_pingpong(const char *name, int conns, long rounds) {
  struct pp_end *ends = calloc(2 * (size_t)conns, sizeof(*ends));
  struct epoll_event evs[64];
  char msg[PP_MSG];
  int ep = epoll_create1(0), i, left = conns;
  long done = 0, faults;
  double t0, dt;
  memset(msg, 'p', sizeof(msg));
  for (i = 0; i < conns; i++) {
    evutil_socket_t sv[2];
    int k;
    bench_tcp_pair(sv);
    for (k = 0; k < 2; k++) {
      struct epoll_event ev;
      struct pp_end *e = &ends[2 * i + k];
      e->fd = sv[k];
      e->is_client = k == 0;
      e->rounds = rounds;
      ev.events = EPOLLIN;
      ev.data.ptr = e;
      if (epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) != 0) bench_die("epoll_ctl");
    }
  }
  faults = bench_minor_faults();
  t0 = bench_now_s();
  for (i = 0; i < conns; i++)
    if (send(ends[2 * i].fd, msg, PP_MSG, 0) != PP_MSG) bench_die("pingpong: send");
  while (left > 0) {
    int n = epoll_wait(ep, evs, 64, -1), k;
    for (k = 0; k < n; k++) {
      int r = pp_ready(evs[k].data.ptr, &done);
      if (r < 0) bench_die("pingpong: I/O");
      if (r > 0) left--;
    }
  }
  dt = bench_now_s() - t0;
  faults = bench_minor_faults() - faults;
  bench_pingpong_metrics(name, done, dt, faults, 0); /* no allocation, by construction */
  for (i = 0; i < 2 * conns; i++)
    close(ends[i].fd);
  close(ep);
  free(ends);
}

/* ---- latency: one message in flight -------------------------------------------- */

/* Waits for one end to be readable and handles it: the echo side writes back
 * what it read; returns 1 once the client has its message back. */
static int lat_step(int ep, int client) {
  struct epoll_event evs[2];
  int n = epoll_wait(ep, evs, 2, -1), k, back = 0;
  for (k = 0; k < n; k++) {
    int fd = evs[k].data.fd;
    char msg[PP_MSG];
    ssize_t r = recv(fd, msg, sizeof(msg), 0);
    if (r < 0 && errno == EAGAIN) continue;
    if (r <= 0) bench_die("latency: recv");
    if (fd == client)
      back = 1;
    else if (send(fd, msg, (size_t)r, 0) != r)
      bench_die("latency: send");
  }
  return back;
}

static void limit_latency(const char *name, long rounds) {
  double *samples = calloc((size_t)rounds, sizeof(*samples));
  char msg[PP_MSG];
  evutil_socket_t sv[2];
  int ep = epoll_create1(0), k;
  long i;
  if (!samples) bench_die("latency: no memory");
  memset(msg, 'l', sizeof(msg));
  bench_tcp_pair(sv);
  for (k = 0; k < 2; k++) {
    struct epoll_event ev;
    ev.events = EPOLLIN;
    ev.data.fd = sv[k];
    if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[k], &ev) != 0) bench_die("epoll_ctl");
  }
  for (i = 0; i < rounds; i++) {
    double t0 = bench_mono_s();
    if (send(sv[0], msg, PP_MSG, 0) != PP_MSG) bench_die("latency: send");
    while (!lat_step(ep, sv[0])) {
    }
    samples[i] = bench_mono_s() - t0;
  }
  bench_latency_metrics(name, samples, (size_t)rounds);
  close(sv[0]);
  close(sv[1]);
  close(ep);
  free(samples);
}

/* ---- connections opened and closed ------------------------------------------- */

struct churn {
  int ep, listener;
  struct sockaddr_in sin;
  int to_start, in_flight, closed_by_server;
};

/* Tags in epoll data: the listener, a connecting client, an accepted socket. */
enum { CH_LISTENER = -1 };
#define CH_TAG(fd, client) ((uint64_t)(unsigned)(fd) << 1 | (client))

static void churn_watch(struct churn *c, int fd, uint32_t events, uint64_t tag) {
  struct epoll_event ev;
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) != 0) bench_die("churn: epoll_ctl");
}

static void churn_start(struct churn *c) {
  while (c->to_start > 0 && c->in_flight < 50) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) bench_die("churn: socket");
    if (connect(fd, (struct sockaddr *)&c->sin, sizeof(c->sin)) != 0 && errno != EINPROGRESS)
      bench_die("churn: connect");
    churn_watch(c, fd, EPOLLOUT, CH_TAG(fd, 1));
    c->to_start--;
    c->in_flight++;
  }
}

static void churn_event(struct churn *c, uint64_t tag) {
  int fd = (int)(tag >> 1);
  if (tag == (uint64_t)CH_LISTENER) {
    int s;
    while ((s = accept4(c->listener, NULL, NULL, SOCK_NONBLOCK)) >= 0)
      churn_watch(c, s, EPOLLIN, CH_TAG(s, 0));
    return;
  }
  close(fd); /* connected client: close; accepted socket: EOF, close */
  if (tag & 1) {
    c->in_flight--;
    churn_start(c);
  } else {
    c->closed_by_server++;
  }
}

static void limit_connect_close(void) {
  struct churn c;
  struct epoll_event evs[64];
  socklen_t len = sizeof(c.sin);
  int total = 1000 / scale;
  double t0, dt;
  memset(&c, 0, sizeof(c));
  c.ep = epoll_create1(0);
  c.to_start = total;
  c.sin.sin_family = AF_INET;
  c.sin.sin_addr.s_addr = htonl(0x7f000001);
  c.listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (bind(c.listener, (struct sockaddr *)&c.sin, sizeof(c.sin)) != 0 ||
      listen(c.listener, 512) != 0 || getsockname(c.listener, (struct sockaddr *)&c.sin, &len) != 0)
    bench_die("churn: listen");
  churn_watch(&c, c.listener, EPOLLIN, (uint64_t)CH_LISTENER);
  t0 = bench_now_s();
  churn_start(&c);
  while (c.closed_by_server < total) {
    int n = epoll_wait(c.ep, evs, 64, -1), k;
    for (k = 0; k < n; k++)
      churn_event(&c, evs[k].data.u64);
  }
  dt = bench_now_s() - t0;
  bench_metric("socket_connect_close_1000", (double)total / dt, "connections/s", "higher");
  close(c.listener);
  close(c.ep);
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  const char *sc = getenv("BENCH_SOCKET_SCALE");
  signal(SIGPIPE, SIG_IGN);
  if (sc && atoi(sc) > 0) scale = atoi(sc);
  printf("# limit_socket (raw epoll)\n");
  bench_stream_rows(only, scale, limit_stream, limit_stream); /* copies nothing either way */
  if (!only || !strcmp(only, "pingpong"))
    limit_pingpong("socket_pingpong_64b_x100", 100, 2000 / scale + 1);
  if (!only || !strcmp(only, "latency")) limit_latency("socket_latency_64b", 20000 / scale + 1);
  if (!only || !strcmp(only, "churn")) limit_connect_close();
  bench_sweep(only, scale, limit_pingpong, limit_stream); /* charts.sh's points */
  bench_tcp_pairs_done();
  return 0;
}
