/* SPDX-License-Identifier: MIT */
/* The ping-pong benchmark shared by bench_socket and bench_thread: loopback
 * connections each echoing a 64-byte message `rounds` times. */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bench-util.h"

enum { PP_MSG = 64 };

struct pingpong {
  struct event_base *base;
  long done;
  int conns_left;
};

struct pp_client {
  struct pingpong *pp;
  long rounds;
};

static void pp_echo(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void pp_client_read(struct bufferevent *bev, void *arg) {
  struct pp_client *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  char msg[PP_MSG];
  while (evbuffer_get_length(in) >= PP_MSG) {
    evbuffer_remove(in, msg, PP_MSG);
    c->pp->done++;
    if (--c->rounds > 0)
      bufferevent_write(bev, msg, PP_MSG);
    else if (--c->pp->conns_left == 0)
      event_base_loopexit(c->pp->base, NULL);
  }
}

void bench_pingpong(const char *name, int options, long rounds) {
  bench_pingpong_n(name, options, 100, rounds);
}

void bench_pingpong_n(const char *name, int options, int conns, long rounds) {
  struct pingpong pp;
  struct pp_client *clients = calloc((size_t)conns, sizeof(*clients));
  struct bufferevent **bevs = calloc(2 * (size_t)conns, sizeof(*bevs));
  char msg[PP_MSG];
  double t0, dt;
  long faults;
  unsigned long mallocs;
  int i;
  memset(&pp, 0, sizeof(pp));
  if (!clients || !bevs) bench_die("pingpong: no memory");
  memset(msg, 'p', sizeof(msg));
  pp.base = event_base_new();
  pp.conns_left = conns;
  for (i = 0; i < conns; i++) {
    evutil_socket_t sv[2];
    bench_tcp_pair(sv);
    clients[i].pp = &pp;
    clients[i].rounds = rounds;
    bevs[2 * i] = bufferevent_socket_new(pp.base, sv[0], BEV_OPT_CLOSE_ON_FREE | options);
    bevs[2 * i + 1] = bufferevent_socket_new(pp.base, sv[1], BEV_OPT_CLOSE_ON_FREE | options);
    if (!bevs[2 * i] || !bevs[2 * i + 1]) bench_die("bufferevent_socket_new");
    bufferevent_setcb(bevs[2 * i], pp_client_read, NULL, NULL, &clients[i]);
    bufferevent_setcb(bevs[2 * i + 1], pp_echo, NULL, NULL, NULL);
    bufferevent_enable(bevs[2 * i], EV_READ);
    bufferevent_enable(bevs[2 * i + 1], EV_READ);
  }
  faults = bench_minor_faults();
  mallocs = bench_allocations();
  t0 = bench_now_s();
  for (i = 0; i < conns; i++)
    bufferevent_write(bevs[2 * i], msg, PP_MSG);
  event_base_dispatch(pp.base);
  dt = bench_now_s() - t0;
  faults = bench_minor_faults() - faults;
  mallocs = bench_allocations() - mallocs;
  bench_pingpong_metrics(name, pp.done, dt, faults, mallocs);
  for (i = 0; i < 2 * conns; i++)
    bufferevent_free(bevs[i]);
  event_base_free(pp.base);
  free(clients);
  free(bevs);
}

/* ---- latency: one message in flight ----------------------------------------- */

struct latency {
  struct event_base *base;
  double *samples, sent_at;
  long n, rounds;
};

static void lat_client_read(struct bufferevent *bev, void *arg) {
  struct latency *l = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  char msg[PP_MSG];
  if (evbuffer_get_length(in) < PP_MSG) return;
  evbuffer_remove(in, msg, PP_MSG);
  l->samples[l->n++] = bench_mono_s() - l->sent_at;
  if (l->n == l->rounds) {
    event_base_loopexit(l->base, NULL);
    return;
  }
  l->sent_at = bench_mono_s();
  bufferevent_write(bev, msg, PP_MSG);
}

void bench_latency(const char *name, long rounds) {
  struct latency l;
  struct bufferevent *c, *e;
  evutil_socket_t sv[2];
  char msg[PP_MSG];
  memset(msg, 'l', sizeof(msg));
  memset(&l, 0, sizeof(l));
  l.base = event_base_new();
  l.rounds = rounds;
  l.samples = calloc((size_t)rounds, sizeof(*l.samples));
  if (!l.base || !l.samples) bench_die("latency: no memory");
  bench_tcp_pair(sv);
  c = bufferevent_socket_new(l.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  e = bufferevent_socket_new(l.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  if (!c || !e) bench_die("bufferevent_socket_new");
  bufferevent_setcb(c, lat_client_read, NULL, NULL, &l);
  bufferevent_setcb(e, pp_echo, NULL, NULL, NULL);
  bufferevent_enable(c, EV_READ);
  bufferevent_enable(e, EV_READ);
  l.sent_at = bench_mono_s();
  bufferevent_write(c, msg, PP_MSG);
  event_base_dispatch(l.base);
  if (l.n != rounds) bench_die("latency: incomplete");
  bench_latency_metrics(name, l.samples, (size_t)l.n);
  bufferevent_free(c);
  bufferevent_free(e);
  event_base_free(l.base);
  free(l.samples);
}
