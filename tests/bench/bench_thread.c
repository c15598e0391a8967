/* SPDX-License-Identifier: MIT */
/* Cost of BEV_OPT_THREADSAFE, libevent API only: built against uvbev
 * (bench_thread) and libevent 2.1 (bench_thread_libevent); tests/bench/run.sh
 * runs both.  Loopback TCP.  One line per figure:
 *   metric <name> <value> <unit> <higher|lower>
 *
 *   thread_stream_plain        256 MiB over one connection, no lock (MiB/s)
 *   thread_stream_threadsafe   the same with BEV_OPT_THREADSAFE (MiB/s)
 *   thread_stream_other_thread the same, written by another thread (MiB/s;
 *                              not on Windows: pthreads)
 *   thread_pingpong_plain      100 connections echoing 64-byte messages
 *                              (messages/s)
 *   thread_pingpong_threadsafe the same with BEV_OPT_THREADSAFE (messages/s)
 * BENCH_THREAD_SCALE (default 1) divides the sizes for a quick run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <pthread.h>
#include <signal.h>
#include <time.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "bench-util.h"

static int scale = 1;

/* ---- one stream ------------------------------------------------------------- */

#define BLOCK (64 * 1024)
#define OUT_LIMIT (1024 * 1024)

struct stream {
  struct event_base *base;
  struct bufferevent *w;
  size_t to_write, received, total;
  char *block;
#ifndef _WIN32
  pthread_mutex_t mu; /* the other-thread writer waits for room here */
  pthread_cond_t room;
  int room_signalled; /* under mu: the write callback saw the output drain */
  int threaded;
#endif
};

static void stream_refill(struct bufferevent *bev, void *arg) {
  struct stream *s = arg;
  struct evbuffer *out = bufferevent_get_output(bev);
#ifndef _WIN32
  if (s->threaded) {
    pthread_mutex_lock(&s->mu);
    s->room_signalled = 1;
    pthread_cond_signal(&s->room);
    pthread_mutex_unlock(&s->mu);
    return;
  }
#endif
  while (s->to_write > 0 && evbuffer_get_length(out) < OUT_LIMIT) {
    size_t n = s->to_write < BLOCK ? s->to_write : BLOCK;
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

#ifndef _WIN32
static void *stream_writer(void *arg) {
  struct stream *s = arg;
  struct evbuffer *out = bufferevent_get_output(s->w);
  while (s->to_write > 0) {
    size_t n = s->to_write < BLOCK ? s->to_write : BLOCK;
    /* Never call into the bufferevent while holding mu: the write callback
     * takes mu while the loop holds the bufferevent's lock. */
    if (evbuffer_get_length(out) >= OUT_LIMIT) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 50 * 1000000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_mutex_lock(&s->mu);
      if (!s->room_signalled) pthread_cond_timedwait(&s->room, &s->mu, &ts);
      s->room_signalled = 0;
      pthread_mutex_unlock(&s->mu);
      continue;
    }
    bufferevent_write(s->w, s->block, n);
    s->to_write -= n;
  }
  return NULL;
}
#endif

static void bench_stream(const char *name, int options, int threaded) {
  struct stream s;
  evutil_socket_t sv[2];
  struct bufferevent *r;
  double t0, dt;
#ifndef _WIN32
  pthread_t writer;
#else
  if (threaded) return;
#endif
  memset(&s, 0, sizeof(s));
  s.block = malloc(BLOCK);
  memset(s.block, 's', BLOCK);
  s.base = event_base_new();
  s.total = s.to_write = ((size_t)256 << 20) / (size_t)scale;
  bench_tcp_pair(sv);
  s.w = bufferevent_socket_new(s.base, sv[0], BEV_OPT_CLOSE_ON_FREE | options);
  r = bufferevent_socket_new(s.base, sv[1], BEV_OPT_CLOSE_ON_FREE | options);
  if (!s.w || !r) bench_die("bufferevent_socket_new");
  bufferevent_setwatermark(s.w, EV_WRITE, 256 * 1024, 0);
  bufferevent_setcb(s.w, NULL, stream_refill, NULL, &s);
  bufferevent_setcb(r, stream_drain, NULL, NULL, &s);
  bufferevent_enable(r, EV_READ);
  t0 = bench_now_s();
#ifndef _WIN32
  s.threaded = threaded;
  pthread_mutex_init(&s.mu, NULL);
  pthread_cond_init(&s.room, NULL);
  if (threaded && pthread_create(&writer, NULL, stream_writer, &s) != 0) bench_die("pthread_create");
#endif
  if (!threaded) stream_refill(s.w, &s);
  event_base_dispatch(s.base);
  dt = bench_now_s() - t0;
#ifndef _WIN32
  if (threaded) pthread_join(writer, NULL);
  pthread_cond_destroy(&s.room);
  pthread_mutex_destroy(&s.mu);
#endif
  if (s.received != s.total) bench_die("stream incomplete");
  bench_metric(name, (double)s.total / (1024.0 * 1024.0) / dt, "MiB/s", "higher");
  bufferevent_free(s.w);
  bufferevent_free(r);
  event_base_free(s.base);
  free(s.block);
}

int main(void) {
  const char *sc = getenv("BENCH_THREAD_SCALE");
  bench_count_allocations(); /* before the library allocates anything */
  if (sc && atoi(sc) > 0) scale = atoi(sc);
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
  if (evthread_use_pthreads() != 0) bench_die("evthread_use_pthreads");
#else
  if (evthread_use_windows_threads() != 0) bench_die("evthread_use_windows_threads");
#endif
  bench_stream("thread_stream_plain", 0, 0);
  bench_stream("thread_stream_threadsafe", BEV_OPT_THREADSAFE, 0);
  bench_stream("thread_stream_other_thread", BEV_OPT_THREADSAFE, 1);
  bench_pingpong("thread_pingpong_plain", 0, 2000 / scale + 1);
  bench_pingpong("thread_pingpong_threadsafe", BEV_OPT_THREADSAFE, 2000 / scale + 1);
  return 0;
}
