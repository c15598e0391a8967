/* SPDX-License-Identifier: MIT */
/* The machine's limit for bench_ssl's figures: the same 1 GiB of TLS 1.3
 * (TLS_AES_128_GCM_SHA256) over loopback, with OpenSSL alone on plain
 * sockets: SSL_write of 16 KiB (one full record each) and SSL_read with
 * read-ahead (large reads below TLS).  tests/bench/run.sh runs it beside
 * bench_ssl and bench_ssl_libevent; same metric names:
 *
 *   ssl_stream_1gib_2threads  the sender on its own thread, blocking sockets
 *   ssl_stream_1gib_1thread   one thread: a non-blocking loop that writes
 *                             until OpenSSL would block or 128 KiB are
 *                             unreceived, then reads until it would block
 *   ssl_stream_*_cpu          MiB per second of the process's CPU time
 *
 * Linux (built with the other limit programs).  BENCH_SSL_SCALE divides the
 * size, as for bench_ssl. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-ssl.h"

#define RECORD (16 * 1024)
#define UNRECEIVED_MAX (128 * 1024)

static unsigned char out[RECORD], in[64 * 1024];

struct pair {
  SSL *client, *server;
  int fd[2];
};

static void set_blocking(int fd, int blocking) {
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
}

/* A connected pair of TLS ends on non-blocking loopback sockets. */
static void pair_open(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx) {
  int cdone = 0, sdone = 0, spins = 0;
  bench_tcp_pair(p->fd);
  p->client = SSL_new(cctx);
  p->server = SSL_new(sctx);
  if (!p->client || !p->server) bench_die("SSL_new");
  SSL_set_fd(p->client, p->fd[0]);
  SSL_set_fd(p->server, p->fd[1]);
  SSL_set_connect_state(p->client);
  SSL_set_accept_state(p->server);
  while (!(cdone && sdone)) {
    if (++spins > 1000000) bench_die("handshake");
    if (!cdone) cdone = SSL_do_handshake(p->client) == 1;
    if (!sdone) sdone = SSL_do_handshake(p->server) == 1;
  }
}

static void pair_close(struct pair *p) {
  SSL_free(p->client);
  SSL_free(p->server);
  close(p->fd[0]);
  close(p->fd[1]);
}

static void report(const char *name, size_t total, double s, double cpu) {
  double mib = (double)total / (1024.0 * 1024.0);
  if (s <= 0) bench_die("no time");
  bench_metric(name, mib / s, "MiB/s", "higher");
  if (cpu > 0) {
    char metric[128];
    snprintf(metric, sizeof(metric), "%s_cpu", name);
    bench_metric(metric, mib / cpu, "MiB/cpu-s", "higher");
  }
}

/* Writes records while OpenSSL can and the reader is not too far behind. */
static void write_some(SSL *ssl, size_t *sent, size_t received, size_t total) {
  while (*sent < total && *sent - received < UNRECEIVED_MAX) {
    size_t n = total - *sent < RECORD ? total - *sent : RECORD;
    int r = SSL_write(ssl, out, (int)n);
    if (r > 0) {
      *sent += (size_t)r;
      continue;
    }
    if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_WRITE) bench_die("SSL_write");
    return;
  }
}

static void read_some(SSL *ssl, size_t *received) {
  for (;;) {
    int r = SSL_read(ssl, in, (int)sizeof(in));
    if (r > 0) {
      *received += (size_t)r;
      continue;
    }
    if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) bench_die("SSL_read");
    return;
  }
}

static void stream_one_thread(SSL_CTX *cctx, SSL_CTX *sctx, size_t total) {
  struct pair p;
  size_t sent = 0, received = 0;
  double t0;
  clock_t c0;
  pair_open(&p, cctx, sctx);
  t0 = bench_now_s();
  c0 = clock();
  while (received < total) {
    write_some(p.client, &sent, received, total);
    read_some(p.server, &received);
  }
  report("ssl_stream_1gib_1thread", total, bench_now_s() - t0,
         (double)(clock() - c0) / CLOCKS_PER_SEC);
  pair_close(&p);
}

struct writer {
  SSL *ssl;
  size_t total;
};

static void *writer_thread(void *arg) {
  struct writer *w = arg;
  size_t sent = 0;
  while (sent < w->total) {
    size_t n = w->total - sent < RECORD ? w->total - sent : RECORD;
    int r = SSL_write(w->ssl, out, (int)n);
    if (r <= 0) bench_die("SSL_write (blocking)");
    sent += (size_t)r;
  }
  return NULL;
}

static void stream_two_threads(SSL_CTX *cctx, SSL_CTX *sctx, size_t total) {
  struct pair p;
  struct writer w;
  pthread_t th;
  size_t received = 0;
  double t0;
  clock_t c0;
  pair_open(&p, cctx, sctx);
  set_blocking(p.fd[0], 1);
  set_blocking(p.fd[1], 1);
  w.ssl = p.client;
  w.total = total;
  t0 = bench_now_s();
  c0 = clock();
  if (pthread_create(&th, NULL, writer_thread, &w) != 0) bench_die("pthread_create");
  while (received < total) {
    int r = SSL_read(p.server, in, (int)sizeof(in));
    if (r <= 0) bench_die("SSL_read (blocking)");
    received += (size_t)r;
  }
  report("ssl_stream_1gib_2threads", total, bench_now_s() - t0,
         (double)(clock() - c0) / CLOCKS_PER_SEC);
  pthread_join(th, NULL);
  pair_close(&p);
}

int main(void) {
  const char *env = getenv("BENCH_SSL_SCALE");
  int scale = env ? atoi(env) : 1;
  size_t total, i;
  SSL_CTX *cctx, *sctx;
  signal(SIGPIPE, SIG_IGN);
  if (scale < 1) scale = 1;
  total = ((size_t)1 << 30) / (size_t)scale;
  for (i = 0; i < sizeof(out); i++)
    out[i] = (unsigned char)(i * 2654435761u >> 24);
  cctx = bench_ssl_ctx(0);
  sctx = bench_ssl_ctx(1);
  SSL_CTX_set_read_ahead(sctx, 1);
  printf("# limit_ssl (raw OpenSSL %s), %zu bytes per stream\n", OpenSSL_version(OPENSSL_VERSION),
         total);
  stream_two_threads(cctx, sctx, total);
  stream_one_thread(cctx, sctx, total);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
  bench_tcp_pairs_done();
  return 0;
}
