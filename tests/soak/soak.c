/* SPDX-License-Identifier: MIT */
/* Soak: many loopback connections through evconnlistener and socket
 * bufferevents, plain, under the zlib filter and under TLS filters, each
 * echoing a random amount of data written in random chunks (1 B .. 256 KiB),
 * with random watermarks and pauses on both sides.  At the end: every
 * connection finished, no byte lost or changed (position-checked, and running
 * checksums per direction agree), as many descriptors open as before, and the
 * resident size at the end at most RSS_SLACK_BYTES above what it was once
 * loaded (sampled when half the connections have finished; checked when at
 * most half run at once, so that the sample is taken in a steady state).
 *   soak [-n connections (1000)] [-c concurrent (100)] [-t seconds (60)]
 *        [-b max bytes per connection (262144)] [-s seed]
 * Loopback only; stops by itself after -n connections or -t seconds (the
 * latter is a failure).  Exit status 0 = all checks passed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <uvbev/zlib.h>

#include "ssl_cert_helper.h"

#define MAX_CHUNK (256 * 1024)
/* RSS may grow past its value once loaded by at most this (stated bound). */
#define RSS_SLACK_BYTES (64u << 20)

enum kind { PLAIN, ZLIB, TLS, KINDS };
static const char *const kind_name[KINDS] = {"plain", "zlib", "tls"};

struct soak {
  struct event_base *base;
  struct evconnlistener *listener[KINDS];
  struct sockaddr_in addr[KINDS];
  SSL_CTX *server_ctx, *client_ctx;
  struct event *deadline;
  uint64_t rng;
  long n, concurrent, started, finished, failed, live_servers;
  uint64_t max_bytes, bytes_echoed, lost, mismatches;
  size_t rss_loaded;
  int timed_out;
};

/* One side of a connection: the client checks, the server echoes. */
struct side {
  struct soak *s;
  struct bufferevent *bev;
  struct event *pause;
  enum kind kind;
  int is_client;
  uint64_t total, sent, received, rng;
  uint32_t sum_sent, sum_received;
};

static uint64_t next_rand(uint64_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

/* The byte at position i of the stream a client with this total sends. */
static unsigned char stream_byte(uint64_t total, uint64_t i) {
  return (unsigned char)((i * 2654435761u + total) >> 11);
}

static uint32_t sum_add(uint32_t sum, const unsigned char *p, size_t n) {
  size_t k;
  for (k = 0; k < n; k++)
    sum = sum * 31 + p[k];
  return sum;
}

static size_t rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(f);
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)) != NULL)
    n += e->d_name[0] != '.';
  closedir(d);
  return n - 1; /* the directory itself */
}

static void random_watermarks(struct side *c) {
  uint64_t r = next_rand(&c->rng);
  size_t high = r & 1 ? 0 : 1 + (size_t)(r >> 8) % MAX_CHUNK;
  bufferevent_setwatermark(c->bev, EV_READ, 0, high);
}

static void side_free(struct side *c) {
  if (c->pause) event_free(c->pause);
  if (c->bev) bufferevent_free(c->bev);
  free(c);
}

static void start_connection(struct soak *s);

static void client_done(struct side *c, int ok) {
  struct soak *s = c->s;
  if (!ok || c->sum_received != c->sum_sent || c->received != c->total) {
    fprintf(stderr, "soak: %s connection failed: %llu of %llu bytes back\n", kind_name[c->kind],
            (unsigned long long)c->received, (unsigned long long)c->total);
    s->failed++;
    s->lost += c->total - c->received;
  }
  s->finished++;
  s->bytes_echoed += c->received;
  side_free(c);
  if (s->finished == s->n / 2 && s->concurrent <= s->n / 2) s->rss_loaded = rss_bytes();
  start_connection(s);
}

static void resume(evutil_socket_t fd, short what, void *arg) {
  struct side *c = arg;
  (void)fd;
  (void)what;
  bufferevent_enable(c->bev, EV_READ);
}

/* Now and then, stop reading for 1-10 ms. */
static void maybe_pause(struct side *c) {
  uint64_t r = next_rand(&c->rng);
  struct timeval tv = {0, 1000 * (long)(1 + (r >> 8) % 10)};
  if (r % 16) return;
  bufferevent_disable(c->bev, EV_READ);
  event_add(c->pause, &tv);
}

/* Client: writes the next random chunk while its output is low. */
static void client_write(struct bufferevent *bev, void *arg) {
  static unsigned char chunk[MAX_CHUNK];
  struct side *c = arg;
  size_t n, k;
  if (c->sent == c->total) return;
  n = 1 + (size_t)(next_rand(&c->rng) % MAX_CHUNK);
  if (n > c->total - c->sent) n = (size_t)(c->total - c->sent);
  for (k = 0; k < n; k++)
    chunk[k] = stream_byte(c->total, c->sent + k);
  c->sum_sent = sum_add(c->sum_sent, chunk, n);
  c->sent += n;
  bufferevent_write(bev, chunk, n);
  bufferevent_flush(bev, EV_WRITE, BEV_FLUSH); /* a zlib filter ends its block */
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct side *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  struct evbuffer_iovec v[8];
  int n = evbuffer_peek(in, -1, NULL, v, 8), i;
  size_t k, used = 0;
  for (i = 0; i < n && i < 8; i++) {
    const unsigned char *p = v[i].iov_base;
    for (k = 0; k < v[i].iov_len; k++)
      if (p[k] != stream_byte(c->total, c->received + used + k)) c->s->mismatches++;
    c->sum_received = sum_add(c->sum_received, p, v[i].iov_len);
    used += v[i].iov_len;
  }
  evbuffer_drain(in, used);
  c->received += used;
  if (c->received >= c->total) {
    client_done(c, c->received == c->total);
    return;
  }
  random_watermarks(c);
  maybe_pause(c);
}

static void client_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) client_done(arg, 0);
}

/* Server: echoes everything, reading no further while 1 MiB waits. */
static void server_read(struct bufferevent *bev, void *arg) {
  struct side *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev), *out = bufferevent_get_output(bev);
  c->received += evbuffer_get_length(in);
  evbuffer_add_buffer(out, in);
  bufferevent_flush(bev, EV_WRITE, BEV_FLUSH);
  if (evbuffer_get_length(out) > (1u << 20))
    bufferevent_disable(bev, EV_READ);
  else
    maybe_pause(c);
  random_watermarks(c);
}

static void server_write(struct bufferevent *bev, void *arg) {
  struct side *c = arg;
  if (!evtimer_pending(c->pause, NULL)) bufferevent_enable(bev, EV_READ);
}

static void server_event(struct bufferevent *bev, short what, void *arg) {
  struct side *c = arg;
  struct soak *s = c->s;
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    s->live_servers--;
    side_free(c);
    if (s->finished == s->n && s->live_servers == 0) event_base_loopexit(s->base, NULL);
  }
}

/* The stack of `kind` over a socket bufferevent (NULL on failure). */
static struct bufferevent *stack(struct soak *s, struct bufferevent *sock, enum kind kind,
                                 int accepting) {
  SSL *ssl;
  if (!sock || kind == PLAIN) return sock;
  if (kind == ZLIB) return uvbev_zlib_filter_new(sock, BEV_OPT_CLOSE_ON_FREE, NULL);
  ssl = SSL_new(accepting ? s->server_ctx : s->client_ctx);
  if (!ssl) return NULL;
  return bufferevent_openssl_filter_new(
      s->base, sock, ssl, accepting ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING,
      BEV_OPT_CLOSE_ON_FREE);
}

static struct side *side_new(struct soak *s, enum kind kind, int is_client) {
  struct side *c = calloc(1, sizeof(*c));
  if (!c) abort();
  c->s = s;
  c->kind = kind;
  c->is_client = is_client;
  c->rng = next_rand(&s->rng) | 1;
  c->pause = evtimer_new(s->base, resume, c);
  return c;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  struct soak *s = arg;
  enum kind kind = l == s->listener[ZLIB] ? ZLIB : l == s->listener[TLS] ? TLS : PLAIN;
  struct side *c = side_new(s, kind, 0);
  (void)sa;
  (void)len;
  c->bev = stack(s, bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE), kind, 1);
  if (!c->bev) abort();
  s->live_servers++;
  bufferevent_setcb(c->bev, server_read, server_write, server_event, c);
  bufferevent_setwatermark(c->bev, EV_WRITE, 1u << 19, 0);
  random_watermarks(c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void start_connection(struct soak *s) {
  enum kind kind;
  struct side *c;
  struct bufferevent *sock;
  if (s->started >= s->n) {
    if (s->finished == s->n && s->live_servers == 0) event_base_loopexit(s->base, NULL);
    return;
  }
  kind = (enum kind)(s->started++ % KINDS);
  c = side_new(s, kind, 1);
  c->total = 1 + next_rand(&c->rng) % s->max_bytes;
  sock = bufferevent_socket_new(s->base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!sock || bufferevent_socket_connect(sock, (struct sockaddr *)&s->addr[kind],
                                          (int)sizeof(s->addr[kind])) != 0) {
    fprintf(stderr, "soak: connect failed\n");
    abort();
  }
  c->bev = stack(s, sock, kind, 0);
  if (!c->bev) abort();
  bufferevent_setcb(c->bev, client_read, client_write, client_event, c);
  bufferevent_setwatermark(c->bev, EV_WRITE, 1u << 16, 0);
  random_watermarks(c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  client_write(c->bev, c);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg) {
  struct soak *s = arg;
  (void)fd;
  (void)what;
  s->timed_out = 1;
  event_base_loopbreak(s->base);
}

static int listen_all(struct soak *s) {
  int k;
  for (k = 0; k < KINDS; k++) {
    ev_socklen_t len = sizeof(s->addr[k]);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    s->listener[k] =
        evconnlistener_new_bind(s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                1024, (struct sockaddr *)&sin, (int)sizeof(sin));
    if (!s->listener[k] || getsockname(evconnlistener_get_fd(s->listener[k]),
                                       (struct sockaddr *)&s->addr[k], &len) != 0)
      return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct soak s;
  struct timeval limit = {60, 0};
  int opt, fds_before, fds_after, k, ok;
  size_t rss_end;
  memset(&s, 0, sizeof(s));
  s.n = 1000;
  s.concurrent = 100;
  s.max_bytes = MAX_CHUNK;
  s.rng = 0x9e3779b97f4a7c15ull;
  while ((opt = getopt(argc, argv, "n:c:t:b:s:")) != -1) {
    switch (opt) {
    case 'n':
      s.n = atol(optarg);
      break;
    case 'c':
      s.concurrent = atol(optarg);
      break;
    case 't':
      limit.tv_sec = atol(optarg);
      break;
    case 'b':
      s.max_bytes = strtoull(optarg, NULL, 10);
      break;
    case 's':
      s.rng = strtoull(optarg, NULL, 10) | 1;
      break;
    default:
      fprintf(stderr, "usage: soak [-n N] [-c C] [-t S] [-b BYTES] [-s SEED]\n");
      return 2;
    }
  }
  if (s.n < 1 || s.concurrent < 1 || s.max_bytes < 1) return 2;
  /* Descriptors are counted around the whole run, base included: libuv
   * keeps one per loop in reserve (for EMFILE), opened with the first
   * stream and closed with the loop.  Its first loop also opens a
   * process-wide pipe (its signal lock) that stays: a base made and freed
   * first keeps that one out of the count. */
  event_base_free(event_base_new());
  fds_before = open_fds();
  s.base = event_base_new();
  s.server_ctx = sch_server_ctx(0);
  s.client_ctx = sch_client_ctx(0);
  if (!s.base || !s.server_ctx || !s.client_ctx || listen_all(&s) != 0) {
    fprintf(stderr, "soak: setup failed\n");
    return 1;
  }
  s.deadline = evtimer_new(s.base, on_deadline, &s);
  event_add(s.deadline, &limit);
  for (k = 0; k < s.concurrent; k++)
    start_connection(&s);
  event_base_dispatch(s.base);
  rss_end = rss_bytes();
  event_free(s.deadline);
  for (k = 0; k < KINDS; k++)
    evconnlistener_free(s.listener[k]);
  SSL_CTX_free(s.server_ctx);
  SSL_CTX_free(s.client_ctx);
  event_base_free(s.base);
  fds_after = open_fds();

  ok = !s.timed_out && s.finished == s.n && s.failed == 0 && s.mismatches == 0 && s.lost == 0 &&
       fds_after == fds_before && s.live_servers == 0 &&
       (s.rss_loaded == 0 || rss_end <= s.rss_loaded + RSS_SLACK_BYTES);
  printf("soak: %ld/%ld connections (%s), %llu bytes echoed, %ld failed, %llu mismatched bytes, "
         "%llu lost bytes, fds %d before %d after, RSS once loaded %zu KiB (0: not sampled), at "
         "end %zu KiB (bound: +%u KiB): %s\n",
         s.finished, s.n, s.timed_out ? "TIMED OUT" : "in time", (unsigned long long)s.bytes_echoed,
         s.failed, (unsigned long long)s.mismatches, (unsigned long long)s.lost, fds_before,
         fds_after, s.rss_loaded >> 10, rss_end >> 10, RSS_SLACK_BYTES >> 10, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
