/* SPDX-License-Identifier: MIT */
/* BEV_OPT_THREADSAFE socket bufferevents used from several threads: writes
 * from other threads arrive whole and promptly, bufferevent_free from another
 * thread while the loop runs, BEV_OPT_UNLOCK_CALLBACKS against a lock order
 * inversion.  libevent API (+ evthread_use_pthreads / _windows_threads). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "compat-util.h"
#include "sock-util.h"
#include "thread-util.h"

/* cmocka's assertions may only fail on the test's own thread: other threads
 * count their failures here, the test asserts the count. */
static struct tu_flag thread_failures;
#define THREAD_CHECK(cond)                                                                         \
  do {                                                                                             \
    if (!(cond)) tu_flag_set(&thread_failures, tu_flag_get(&thread_failures) + 1);                 \
  } while (0)

/* ---- a connected pair of threadsafe socket bufferevents -------------------- */

struct conn {
  struct event_base *base;
  struct bufferevent *sender;
  struct bufferevent *receiver;
};

static void conn_open(struct conn *c, int recv_options) {
  evutil_socket_t sv[2];
  memset(c, 0, sizeof(*c));
  c->base = event_base_new();
  assert_non_null(c->base);
  assert_int_equal(cu_tcp_pair(sv), 0);
  assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
  assert_int_equal(evutil_make_socket_nonblocking(sv[1]), 0);
  c->sender = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  c->receiver = bufferevent_socket_new(c->base, sv[1],
                                       BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE | recv_options);
  assert_non_null(c->sender);
  assert_non_null(c->receiver);
}

static void conn_close(struct conn *c) {
  if (c->sender) bufferevent_free(c->sender);
  if (c->receiver) bufferevent_free(c->receiver);
  event_base_free(c->base);
  assert_int_equal(tu_flag_get(&thread_failures), 0);
}

/* ---- records: 32 bytes, thread id, sequence, payload, checksum ------------- */

#define NTHREADS 8
#define NRECORDS 10000
#define RECSIZE 32

struct record {
  uint32_t thread;
  uint32_t seq;
  unsigned char payload[RECSIZE - 12];
  uint32_t sum;
};

static uint32_t record_sum(const struct record *r) {
  uint32_t s = r->thread * 2654435761u ^ r->seq;
  size_t i;
  for (i = 0; i < sizeof(r->payload); i++)
    s = s * 31u + r->payload[i];
  return s;
}

static void record_fill(struct record *r, uint32_t thread, uint32_t seq) {
  size_t i;
  r->thread = thread;
  r->seq = seq;
  for (i = 0; i < sizeof(r->payload); i++)
    r->payload[i] = (unsigned char)(thread + seq + i);
  r->sum = record_sum(r);
}

struct writers {
  struct conn c;
  uint32_t next_seq[NTHREADS]; /* receiver side (loop thread only) */
  long received;
  int bad;
};

struct writer {
  struct writers *w;
  uint32_t id;
};

static void writer_main(void *arg) {
  struct writer *me = arg;
  struct bufferevent *bev = me->w->c.sender;
  struct record r;
  uint32_t seq;
  for (seq = 0; seq < NRECORDS; seq++) {
    record_fill(&r, me->id, seq);
    /* Odd threads hold the bufferevent's lock around the write; each
     * bufferevent_write of one record is atomic either way. */
    if (me->id & 1) bufferevent_lock(bev);
    THREAD_CHECK(bufferevent_write(bev, &r, sizeof(r)) == 0);
    if (me->id & 1) bufferevent_unlock(bev);
  }
}

static void records_read(struct bufferevent *bev, void *arg) {
  struct writers *w = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  struct record r;
  while (evbuffer_get_length(in) >= sizeof(r)) {
    evbuffer_remove(in, &r, sizeof(r));
    if (r.thread >= NTHREADS || r.sum != record_sum(&r) || r.seq != w->next_seq[r.thread]) {
      w->bad++;
      event_base_loopbreak(w->c.base);
      return;
    }
    w->next_seq[r.thread]++;
    w->received++;
  }
  if (w->received == (long)NTHREADS * NRECORDS) event_base_loopexit(w->c.base, NULL);
}

static void eight_threads_write_whole_records_in_order(void **state) {
  struct writers *w = calloc(1, sizeof(*w));
  struct writer ids[NTHREADS];
  struct tu_thread *threads[NTHREADS];
  struct event *guard;
  int i;
  (void)state;
  assert_non_null(w);
  conn_open(&w->c, 0);
  bufferevent_setcb(w->c.receiver, records_read, NULL, NULL, w);
  bufferevent_enable(w->c.receiver, EV_READ);
  guard = cu_safety_timeout(w->c.base, 60000);
  for (i = 0; i < NTHREADS; i++) {
    ids[i].w = w;
    ids[i].id = (uint32_t)i;
    threads[i] = tu_thread_start(writer_main, &ids[i]);
    assert_non_null(threads[i]);
  }
  assert_int_equal(event_base_dispatch(w->c.base), 0);
  for (i = 0; i < NTHREADS; i++)
    tu_thread_join(threads[i]);
  assert_int_equal(w->bad, 0);
  assert_int_equal(w->received, (long)NTHREADS * NRECORDS);
  for (i = 0; i < NTHREADS; i++)
    assert_int_equal(w->next_seq[i], NRECORDS);
  event_free(guard);
  conn_close(&w->c);
  free(w);
}

/* ---- a write from another thread wakes an idle loop ------------------------- */

struct one_write {
  struct conn c;
  struct tu_flag loop_running;
  char got[8];
};

static void one_write_thread(void *arg) {
  struct one_write *o = arg;
  /* write only once the loop is blocked waiting for I/O */
  THREAD_CHECK(tu_flag_wait(&o->loop_running, 10000) != 0);
  tu_sleep_ms(50);
  THREAD_CHECK(bufferevent_write(o->c.sender, "wake-up", 8) == 0);
}

static void one_write_read(struct bufferevent *bev, void *arg) {
  struct one_write *o = arg;
  if (evbuffer_get_length(bufferevent_get_input(bev)) < 8) return;
  bufferevent_read(bev, o->got, 8);
  event_base_loopexit(o->c.base, NULL);
}

static void mark_running(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  tu_flag_set(arg, 1);
}

static void write_from_other_thread_wakes_idle_loop(void **state) {
  struct one_write o;
  struct tu_thread *t;
  struct event *guard;
  (void)state;
  memset(&o, 0, sizeof(o));
  tu_flag_init(&o.loop_running);
  conn_open(&o.c, 0);
  bufferevent_setcb(o.c.receiver, one_write_read, NULL, NULL, &o);
  bufferevent_enable(o.c.receiver, EV_READ);
  guard = cu_safety_timeout(o.c.base, 10000);
  event_base_once(o.c.base, -1, EV_TIMEOUT, mark_running, &o.loop_running, NULL);
  t = tu_thread_start(one_write_thread, &o);
  assert_int_equal(event_base_dispatch(o.c.base), 0);
  tu_thread_join(t);
  assert_string_equal(o.got, "wake-up");
  event_free(guard);
  conn_close(&o.c);
  tu_flag_free(&o.loop_running);
}

/* ---- bufferevent_free from another thread while the loop runs -------------- */

struct free_test {
  struct conn c;
  struct tu_flag freed;   /* bufferevent_free returned */
  struct tu_flag reading; /* the receiver's read callback ran at least once */
  int calls_after_free;
  int ticks_after_free;
  struct event *feeder;
};

static void free_test_read(struct bufferevent *bev, void *arg) {
  struct free_test *f = arg;
  if (tu_flag_get(&f->freed)) f->calls_after_free++;
  evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
  tu_flag_set(&f->reading, 1);
}

static void free_test_event(struct bufferevent *bev, short what, void *arg) {
  struct free_test *f = arg;
  (void)bev;
  (void)what;
  if (tu_flag_get(&f->freed)) f->calls_after_free++;
}

/* Keeps bytes flowing to the receiver, so that its callbacks would run. */
static void free_test_feed(evutil_socket_t fd, short what, void *arg) {
  struct free_test *f = arg;
  (void)fd;
  (void)what;
  bufferevent_write(f->c.sender, "0123456789", 10);
  if (tu_flag_get(&f->freed) && ++f->ticks_after_free == 20) {
    event_del(f->feeder);
    event_base_loopexit(f->c.base, NULL);
  }
}

static void free_test_thread(void *arg) {
  struct free_test *f = arg;
  THREAD_CHECK(tu_flag_wait(&f->reading, 10000) != 0);
  bufferevent_free(f->c.receiver);
  tu_flag_set(&f->freed, 1);
}

static void free_from_other_thread_stops_callbacks(void **state) {
  struct free_test f;
  struct tu_thread *t;
  struct event *guard;
  struct timeval tick = {0, 5000};
  (void)state;
  memset(&f, 0, sizeof(f));
  tu_flag_init(&f.freed);
  tu_flag_init(&f.reading);
  conn_open(&f.c, 0);
  bufferevent_setcb(f.c.receiver, free_test_read, NULL, free_test_event, &f);
  bufferevent_enable(f.c.receiver, EV_READ);
  f.feeder = event_new(f.c.base, -1, EV_PERSIST, free_test_feed, &f);
  event_add(f.feeder, &tick);
  guard = cu_safety_timeout(f.c.base, 10000);
  t = tu_thread_start(free_test_thread, &f);
  assert_int_equal(event_base_dispatch(f.c.base), 0);
  tu_thread_join(t);
  assert_int_equal(tu_flag_get(&f.freed), 1);
  assert_int_equal(f.calls_after_free, 0);
  assert_int_equal(f.ticks_after_free, 20);
  f.c.receiver = NULL; /* freed by the thread */
  event_free(f.feeder);
  event_free(guard);
  conn_close(&f.c);
  tu_flag_free(&f.freed);
  tu_flag_free(&f.reading);
}

/* ---- BEV_OPT_UNLOCK_CALLBACKS: no deadlock through a user lock -------------- *
 * The other thread holds a plain mutex M and then takes the bufferevent's lock
 * (bufferevent_lock + bufferevent_write); the read callback, on the loop
 * thread, waits for M.  With the bufferevent's lock held around the callback
 * these two would deadlock; UNLOCK_CALLBACKS drops it. */

struct unlock_test {
  struct conn c;
  struct tu_mutex *m;
  struct tu_flag holding_m; /* the thread holds M */
  struct tu_flag in_cb;     /* the callback is about to wait for M */
  struct tu_flag wrote;     /* the thread wrote under the bufferevent's lock */
  int cb_saw_write;
};

static void unlock_test_thread(void *arg) {
  struct unlock_test *u = arg;
  tu_mutex_lock(u->m);
  tu_flag_set(&u->holding_m, 1);
  THREAD_CHECK(tu_flag_wait(&u->in_cb, 10000) != 0);
  tu_sleep_ms(50); /* let the callback block on M */
  bufferevent_lock(u->c.receiver);
  THREAD_CHECK(bufferevent_write(u->c.receiver, "reply", 5) == 0);
  bufferevent_unlock(u->c.receiver);
  tu_flag_set(&u->wrote, 1);
  tu_mutex_unlock(u->m);
}

static void unlock_test_read(struct bufferevent *bev, void *arg) {
  struct unlock_test *u = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  evbuffer_drain(in, evbuffer_get_length(in));
  tu_flag_set(&u->in_cb, 1);
  tu_mutex_lock(u->m);
  u->cb_saw_write = tu_flag_get(&u->wrote);
  tu_mutex_unlock(u->m);
  bufferevent_disable(bev, EV_READ);
}

static void unlock_test_sender_read(struct bufferevent *bev, void *arg) {
  struct unlock_test *u = arg;
  if (evbuffer_get_length(bufferevent_get_input(bev)) >= 5) event_base_loopexit(u->c.base, NULL);
}

static void unlock_callbacks_let_callback_wait_for_other_thread(void **state) {
  struct unlock_test u;
  struct tu_thread *t;
  struct tu_watchdog *dog;
  struct event *guard;
  (void)state;
  memset(&u, 0, sizeof(u));
  u.m = tu_mutex_new();
  tu_flag_init(&u.holding_m);
  tu_flag_init(&u.in_cb);
  tu_flag_init(&u.wrote);
  conn_open(&u.c, BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS);
  bufferevent_setcb(u.c.receiver, unlock_test_read, NULL, NULL, &u);
  bufferevent_enable(u.c.receiver, EV_READ);
  bufferevent_setcb(u.c.sender, unlock_test_sender_read, NULL, NULL, &u);
  bufferevent_enable(u.c.sender, EV_READ);
  guard = cu_safety_timeout(u.c.base, 10000);
  dog = tu_watchdog_start(20000, "unlock_callbacks test");
  t = tu_thread_start(unlock_test_thread, &u);
  assert_int_not_equal(tu_flag_wait(&u.holding_m, 10000), 0);
  assert_int_equal(bufferevent_write(u.c.sender, "ping", 4), 0);
  assert_int_equal(event_base_dispatch(u.c.base), 0);
  tu_thread_join(t);
  tu_watchdog_stop(dog);
  assert_int_equal(u.cb_saw_write, 1);
  event_free(guard);
  conn_close(&u.c);
  tu_mutex_free(u.m);
  tu_flag_free(&u.holding_m);
  tu_flag_free(&u.in_cb);
  tu_flag_free(&u.wrote);
}

/* ---- enable / disable / watermarks from another thread ---------------------- */

struct toggle_test {
  struct conn c;
  struct tu_flag phase;
  size_t got;
};

static void toggle_read(struct bufferevent *bev, void *arg) {
  struct toggle_test *tt = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  tt->got += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (tt->got >= 3000) event_base_loopexit(tt->c.base, NULL);
}

static void toggle_thread(void *arg) {
  struct toggle_test *tt = arg;
  char chunk[1000];
  memset(chunk, 'x', sizeof(chunk));
  THREAD_CHECK(tu_flag_wait(&tt->phase, 10000) != 0);
  /* reading is disabled: bytes wait in the kernel */
  bufferevent_write(tt->c.sender, chunk, sizeof(chunk));
  bufferevent_setwatermark(tt->c.receiver, EV_READ, 3000, 0);
  bufferevent_write(tt->c.sender, chunk, sizeof(chunk));
  bufferevent_write(tt->c.sender, chunk, sizeof(chunk));
  tu_sleep_ms(50);
  bufferevent_enable(tt->c.receiver, EV_READ);
}

static void enable_and_watermark_from_other_thread(void **state) {
  struct toggle_test tt;
  struct tu_thread *t;
  struct event *guard;
  (void)state;
  memset(&tt, 0, sizeof(tt));
  tu_flag_init(&tt.phase);
  conn_open(&tt.c, 0);
  bufferevent_setcb(tt.c.receiver, toggle_read, NULL, NULL, &tt);
  guard = cu_safety_timeout(tt.c.base, 10000);
  event_base_once(tt.c.base, -1, EV_TIMEOUT, mark_running, &tt.phase, NULL);
  t = tu_thread_start(toggle_thread, &tt);
  assert_int_equal(event_base_dispatch(tt.c.base), 0);
  tu_thread_join(t);
  /* one read callback, once the low watermark was reached */
  assert_int_equal(tt.got, 3000);
  assert_int_equal(bufferevent_get_enabled(tt.c.receiver) & EV_READ, EV_READ);
  event_free(guard);
  conn_close(&tt.c);
  tu_flag_free(&tt.phase);
}

/* ---- bufferevents and listeners made on other threads while the loop runs -- */

/* The threaded-server pattern: threads wrap sockets in bufferevents, and open
 * listeners, on a base whose loop another thread runs; every byte and every
 * connection arrives.  uvbev used to open their libuv handles on the calling
 * thread, under the running loop's feet. */
#define MAKERS 4
#define MADE_PER_MAKER 20
#define MADE_MSG 64

struct made {
  struct event_base *base;
  struct tu_flag loop_running;
  struct bufferevent *bevs[MAKERS][MADE_PER_MAKER];
  evutil_socket_t peers[MAKERS][MADE_PER_MAKER];
  struct evconnlistener *levs[MAKERS];
  evutil_socket_t clients[MAKERS];
  size_t received; /* on the loop thread */
  int accepted;    /* on the loop thread */
};

struct maker {
  struct made *m;
  int id;
};

static void made_check_done(struct made *m) {
  if (m->received == (size_t)MAKERS * MADE_PER_MAKER * MADE_MSG && m->accepted == MAKERS)
    event_base_loopexit(m->base, NULL);
}

static void made_read(struct bufferevent *bev, void *arg) {
  struct made *m = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  m->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  made_check_done(m);
}

static void made_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                        int socklen, void *arg) {
  struct made *m = arg;
  (void)lev, (void)sa, (void)socklen;
  evutil_closesocket(fd);
  m->accepted++;
  made_check_done(m);
}

static void make_one_listener(struct maker *k) {
  struct made *m = k->m;
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  su_loopback_sin(&sin, 0);
  m->levs[k->id] = evconnlistener_new_bind(m->base, made_accept, m, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_THREADSAFE,
                                           16, (struct sockaddr *)&sin, sizeof(sin));
  THREAD_CHECK(m->levs[k->id] != NULL);
  if (!m->levs[k->id]) return;
  THREAD_CHECK(getsockname(evconnlistener_get_fd(m->levs[k->id]), (struct sockaddr *)&sin, &len) == 0);
  m->clients[k->id] = socket(AF_INET, SOCK_STREAM, 0);
  THREAD_CHECK(connect(m->clients[k->id], (struct sockaddr *)&sin, sizeof(sin)) == 0);
}

static void maker_thread(void *arg) {
  struct maker *k = arg;
  struct made *m = k->m;
  char msg[MADE_MSG];
  int i;
  memset(msg, 'm', sizeof(msg));
  THREAD_CHECK(tu_flag_wait(&m->loop_running, 10000) != 0);
  for (i = 0; i < MADE_PER_MAKER; i++) {
    evutil_socket_t sv[2];
    struct bufferevent *bev;
    THREAD_CHECK(cu_tcp_pair(sv) == 0);
    bev = bufferevent_socket_new(m->base, sv[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
    THREAD_CHECK(bev != NULL);
    m->bevs[k->id][i] = bev;
    m->peers[k->id][i] = sv[0];
    if (!bev) continue;
    bufferevent_setcb(bev, made_read, NULL, NULL, m);
    THREAD_CHECK(bufferevent_enable(bev, EV_READ) == 0);
    THREAD_CHECK(send(sv[0], msg, sizeof(msg), 0) == (int)sizeof(msg));
  }
  make_one_listener(k);
}

static void bufferevents_and_listeners_made_on_other_threads(void **state) {
  static struct made m; /* off the stack */
  struct maker makers[MAKERS];
  struct tu_thread *threads[MAKERS];
  struct event *guard;
  int i, j;
  (void)state;
  memset(&m, 0, sizeof(m));
  tu_flag_init(&m.loop_running);
  m.base = event_base_new();
  assert_non_null(m.base);
  guard = cu_safety_timeout(m.base, 20000);
  event_base_once(m.base, -1, EV_TIMEOUT, mark_running, &m.loop_running, NULL);
  for (i = 0; i < MAKERS; i++) {
    makers[i].m = &m;
    makers[i].id = i;
    threads[i] = tu_thread_start(maker_thread, &makers[i]);
    assert_non_null(threads[i]);
  }
  assert_int_equal(event_base_dispatch(m.base), 0);
  for (i = 0; i < MAKERS; i++) tu_thread_join(threads[i]);
  assert_int_equal(tu_flag_get(&thread_failures), 0);
  assert_int_equal(m.received, (size_t)MAKERS * MADE_PER_MAKER * MADE_MSG);
  assert_int_equal(m.accepted, MAKERS);
  for (i = 0; i < MAKERS; i++) {
    for (j = 0; j < MADE_PER_MAKER; j++) {
      bufferevent_free(m.bevs[i][j]);
      evutil_closesocket(m.peers[i][j]);
    }
    evconnlistener_free(m.levs[i]);
    evutil_closesocket(m.clients[i]);
  }
  event_free(guard);
  event_base_free(m.base);
  tu_flag_free(&m.loop_running);
}

/* ---- bufferevents set up before dispatch while other threads add events ---- */

/* The loop's own thread makes, enables and writes to bufferevents before it
 * dispatches, while other threads add timers to the same base: every byte
 * and every timer arrives.  uvbev's reconcile touched the loop unserialised
 * before it ran. */
#define SETUP_PAIRS 30
#define SETUP_ADDERS 4
#define SETUP_TIMERS 100

struct setup_race {
  struct event_base *base;
  struct tu_flag go;
  struct bufferevent *ends[SETUP_PAIRS][2];
  struct event *timers[SETUP_ADDERS][SETUP_TIMERS];
  size_t received; /* on the loop thread */
  int fired;       /* on the loop thread */
};

struct setup_adder {
  struct setup_race *r;
  int id;
};

static void setup_check_done(struct setup_race *r) {
  if (r->received == (size_t)SETUP_PAIRS * MADE_MSG && r->fired == SETUP_ADDERS * SETUP_TIMERS)
    event_base_loopexit(r->base, NULL);
}

static void setup_read(struct bufferevent *bev, void *arg) {
  struct setup_race *r = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  r->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  setup_check_done(r);
}

static void setup_timer(evutil_socket_t fd, short what, void *arg) {
  struct setup_race *r = arg;
  (void)fd, (void)what;
  r->fired++;
  setup_check_done(r);
}

static void never_called(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}

/* Adds timers, and between them adds and deletes a read event on a socket
 * of its own (which the loop watches, as it watches the bufferevents). */
static void setup_adder_thread(void *arg) {
  struct setup_adder *a = arg;
  struct setup_race *r = a->r;
  evutil_socket_t sv[2];
  struct event *watch;
  int i;
  THREAD_CHECK(cu_tcp_pair(sv) == 0);
  watch = event_new(r->base, sv[0], EV_READ, never_called, NULL);
  THREAD_CHECK(watch != NULL);
  THREAD_CHECK(tu_flag_wait(&r->go, 10000) != 0);
  for (i = 0; i < SETUP_TIMERS; i++) {
    struct timeval tv = {0, 1000 * (i % 4)};
    r->timers[a->id][i] = evtimer_new(r->base, setup_timer, r);
    THREAD_CHECK(r->timers[a->id][i] != NULL && event_add(r->timers[a->id][i], &tv) == 0);
    THREAD_CHECK(event_add(watch, NULL) == 0 && event_del(watch) == 0);
  }
  event_free(watch);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
}

static void setup_pairs(struct setup_race *r) {
  char msg[MADE_MSG];
  int i, k;
  memset(msg, 's', sizeof(msg));
  for (i = 0; i < SETUP_PAIRS; i++) {
    evutil_socket_t sv[2];
    assert_int_equal(cu_tcp_pair(sv), 0);
    for (k = 0; k < 2; k++) {
      r->ends[i][k] = bufferevent_socket_new(r->base, sv[k], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
      assert_non_null(r->ends[i][k]);
    }
    bufferevent_setcb(r->ends[i][1], setup_read, NULL, NULL, r);
  }
  /* starting and stopping the reads: what the other threads' events change */
  for (k = 0; k < 20; k++)
    for (i = 0; i < SETUP_PAIRS; i++) {
      assert_int_equal(bufferevent_enable(r->ends[i][1], EV_READ), 0);
      if (k < 19) assert_int_equal(bufferevent_disable(r->ends[i][1], EV_READ), 0);
    }
  for (i = 0; i < SETUP_PAIRS; i++)
    assert_int_equal(bufferevent_write(r->ends[i][0], msg, sizeof(msg)), 0);
}

static void bufferevents_set_up_before_dispatch_while_threads_add_events(void **state) {
  static struct setup_race r; /* off the stack */
  struct setup_adder adders[SETUP_ADDERS];
  struct tu_thread *threads[SETUP_ADDERS];
  struct event *guard;
  int i, k;
  (void)state;
  memset(&r, 0, sizeof(r));
  tu_flag_init(&r.go);
  r.base = event_base_new();
  assert_non_null(r.base);
  for (i = 0; i < SETUP_ADDERS; i++) {
    adders[i].r = &r;
    adders[i].id = i;
    threads[i] = tu_thread_start(setup_adder_thread, &adders[i]);
    assert_non_null(threads[i]);
  }
  tu_flag_set(&r.go, 1);
  setup_pairs(&r);
  guard = cu_safety_timeout(r.base, 20000);
  assert_int_equal(event_base_dispatch(r.base), 0);
  for (i = 0; i < SETUP_ADDERS; i++) tu_thread_join(threads[i]);
  assert_int_equal(tu_flag_get(&thread_failures), 0);
  assert_int_equal(r.received, (size_t)SETUP_PAIRS * MADE_MSG);
  assert_int_equal(r.fired, SETUP_ADDERS * SETUP_TIMERS);
  for (i = 0; i < SETUP_PAIRS; i++)
    for (k = 0; k < 2; k++) bufferevent_free(r.ends[i][k]);
  for (i = 0; i < SETUP_ADDERS; i++)
    for (k = 0; k < SETUP_TIMERS; k++) event_free(r.timers[i][k]);
  event_free(guard);
  event_base_free(r.base);
  tu_flag_free(&r.go);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(eight_threads_write_whole_records_in_order),
      cmocka_unit_test(write_from_other_thread_wakes_idle_loop),
      cmocka_unit_test(free_from_other_thread_stops_callbacks),
      cmocka_unit_test(unlock_callbacks_let_callback_wait_for_other_thread),
      cmocka_unit_test(enable_and_watermark_from_other_thread),
      cmocka_unit_test(bufferevents_and_listeners_made_on_other_threads),
      cmocka_unit_test(bufferevents_set_up_before_dispatch_while_threads_add_events),
  };
  int r;
  cu_ignore_sigpipe();
  if (tu_use_threads() != 0) return 1;
  tu_flag_init(&thread_failures);
  r = cmocka_run_group_tests(tests, NULL, NULL);
  tu_flag_free(&thread_failures);
  return r;
}
