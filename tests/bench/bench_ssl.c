/* SPDX-License-Identifier: MIT */
/* TLS bufferevent benchmark, libevent API only: built against uvbev
 * (bench_ssl) and libevent 2.1 (bench_ssl_libevent); tests/bench/run.sh runs
 * both.  Loopback TCP, TLS 1.3 with TLS_AES_128_GCM_SHA256, socket flavour
 * (bufferevent_openssl_socket_new) on both ends.  Prints one line per figure:
 *   metric <name> <value> <unit> <higher|lower>
 *
 *   ssl_stream_1gib_2threads  1 GiB client -> server, the client on its own
 *                             thread and event_base (one core encrypts, one
 *                             decrypts), MiB/s; not on Windows (pthreads)
 *   ssl_stream_1gib_1thread   the same with both ends on one event_base (one
 *                             core does both), MiB/s
 *   ssl_stream_*_cpu          the same streams per second of CPU time of the
 *                             whole process (encrypting, decrypting and both
 *                             TCP stacks): MiB per CPU-second, which moves
 *                             less than MiB/s when the machine is shared
 * Compare with `openssl speed -evp aes-128-gcm` on one core (the cipher's
 * limit; see BENCHMARKS.md).  BENCH_SSL_SCALE (default 1) divides the size. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef _WIN32
#include <pthread.h>
#endif

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>

#include "bench-util.h"
#include "bench-ssl.h"

#define CHUNK (64 * 1024)
#define TOP_UP (1024 * 1024)

static unsigned char chunk[CHUNK];

/* ---- the two ends ------------------------------------------------------------------- */

struct sender {
  struct event_base *base;
  struct bufferevent *bev;
  size_t left;
};

struct receiver {
  struct event_base *base;
  struct bufferevent *bev;
  size_t total, got;
  double start, end;
  clock_t cpu_start, cpu_end;
};

static void sender_top_up(struct bufferevent *bev, void *arg) {
  struct sender *s = arg;
  struct evbuffer *out = bufferevent_get_output(bev);
  while (s->left > 0 && evbuffer_get_length(out) < TOP_UP) {
    size_t n = s->left < CHUNK ? s->left : CHUNK;
    evbuffer_add(out, chunk, n);
    s->left -= n;
  }
}

/* The receiver's one byte says everything arrived. */
static void sender_read(struct bufferevent *bev, void *arg) {
  struct sender *s = arg;
  (void)bev;
  event_base_loopexit(s->base, NULL);
}

static void sender_event(struct bufferevent *bev, short what, void *arg) {
  struct sender *s = arg;
  if (what & BEV_EVENT_CONNECTED) {
    sender_top_up(bev, arg);
    return;
  }
  fprintf(stderr, "bench_ssl: sender event 0x%x\n", what);
  event_base_loopexit(s->base, NULL);
}

static void receiver_read(struct bufferevent *bev, void *arg) {
  struct receiver *r = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (r->got == 0) {
    r->start = bench_now_s();
    r->cpu_start = clock();
  }
  r->got += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (r->got >= r->total) {
    r->end = bench_now_s();
    r->cpu_end = clock();
    bufferevent_write(bev, "k", 1);
    bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
  }
}

static void receiver_event(struct bufferevent *bev, short what, void *arg) {
  (void)arg;
  if (what & BEV_EVENT_CONNECTED) return;
  fprintf(stderr, "bench_ssl: receiver event 0x%x\n", what);
  event_base_loopexit(bufferevent_get_base(bev), NULL);
}

static struct bufferevent *tls_end(struct event_base *base, evutil_socket_t fd, SSL_CTX *ctx,
                                   enum bufferevent_ssl_state st) {
  struct bufferevent *bev =
      bufferevent_openssl_socket_new(base, fd, SSL_new(ctx), st, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) bench_die("bufferevent_openssl_socket_new");
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  return bev;
}

static void setup_sender(struct sender *s, struct event_base *base, evutil_socket_t fd,
                         SSL_CTX *ctx, size_t total) {
  s->base = base;
  s->left = total;
  s->bev = tls_end(base, fd, ctx, BUFFEREVENT_SSL_CONNECTING);
  bufferevent_setwatermark(s->bev, EV_WRITE, TOP_UP / 2, 0);
  bufferevent_setcb(s->bev, sender_read, sender_top_up, sender_event, s);
}

static void setup_receiver(struct receiver *r, struct event_base *base, evutil_socket_t fd,
                           SSL_CTX *ctx, size_t total) {
  r->base = base;
  r->total = total;
  r->bev = tls_end(base, fd, ctx, BUFFEREVENT_SSL_ACCEPTING);
  bufferevent_setcb(r->bev, receiver_read, NULL, receiver_event, r);
}

static void report(const char *name, const struct receiver *r) {
  double s = r->end - r->start;
  double cpu = (double)(r->cpu_end - r->cpu_start) / CLOCKS_PER_SEC;
  double mib = (double)r->total / (1024.0 * 1024.0);
  if (r->got < r->total || s <= 0) bench_die("stream did not complete");
  printf("metric %s %.1f MiB/s higher\n", name, mib / s);
  if (cpu > 0) printf("metric %s_cpu %.1f MiB/cpu-s higher\n", name, mib / cpu);
  fflush(stdout);
}

static void stream_one_thread(SSL_CTX *cctx, SSL_CTX *sctx, size_t total) {
  struct event_base *base = event_base_new();
  struct sender s;
  struct receiver r;
  evutil_socket_t sv[2];
  memset(&s, 0, sizeof(s));
  memset(&r, 0, sizeof(r));
  bench_tcp_pair(sv);
  setup_sender(&s, base, sv[0], cctx, total);
  setup_receiver(&r, base, sv[1], sctx, total); /* the sender ends the loop */
  event_base_dispatch(base);
  report("ssl_stream_1gib_1thread", &r);
  bufferevent_free(s.bev);
  bufferevent_free(r.bev);
  event_base_free(base);
}

#ifndef _WIN32
static volatile sig_atomic_t sender_done;

static void *sender_thread(void *arg) {
  struct sender *s = arg;
  event_base_dispatch(s->base);
  sender_done = 1;
  return NULL;
}

/* The receiver's loop runs until the sender has heard back (the "k" must be
 * written by this loop). */
static void check_sender(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  if (sender_done) event_base_loopexit(arg, NULL);
}

static void stream_two_threads(SSL_CTX *cctx, SSL_CTX *sctx, size_t total) {
  struct event_base *cbase = event_base_new(), *sbase = event_base_new();
  struct sender s;
  struct receiver r;
  evutil_socket_t sv[2];
  pthread_t th;
  struct timeval tick = {0, 10 * 1000};
  struct event *check = event_new(sbase, -1, EV_PERSIST, check_sender, sbase);
  memset(&s, 0, sizeof(s));
  memset(&r, 0, sizeof(r));
  bench_tcp_pair(sv);
  setup_sender(&s, cbase, sv[0], cctx, total);
  setup_receiver(&r, sbase, sv[1], sctx, total);
  event_add(check, &tick);
  if (pthread_create(&th, NULL, sender_thread, &s) != 0) bench_die("pthread_create");
  event_base_dispatch(sbase);
  pthread_join(th, NULL);
  event_free(check);
  report("ssl_stream_1gib_2threads", &r);
  bufferevent_free(s.bev);
  bufferevent_free(r.bev);
  event_base_free(cbase);
  event_base_free(sbase);
}
#endif

int main(void) {
  const char *env = getenv("BENCH_SSL_SCALE");
  int scale = env ? atoi(env) : 1;
  size_t total;
  SSL_CTX *cctx, *sctx;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  if (scale < 1) scale = 1;
  total = ((size_t)1 << 30) / (size_t)scale;
  for (size_t i = 0; i < CHUNK; i++)
    chunk[i] = (unsigned char)(i * 2654435761u >> 24);
  cctx = bench_ssl_ctx(0);
  sctx = bench_ssl_ctx(1);
  printf("# %s, OpenSSL %s, %zu bytes per stream\n", BENCH_IMPL_NAME,
         OpenSSL_version(OPENSSL_VERSION), total);
#ifndef _WIN32
  stream_two_threads(cctx, sctx, total);
#endif
  stream_one_thread(cctx, sctx, total);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
  return 0;
}
