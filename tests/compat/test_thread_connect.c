/* SPDX-License-Identifier: MIT */
/* Connecting a bufferevent and enabling a listener from a thread other than
 * the one running the loop (blocked in poll meanwhile): the connection is
 * made and echoes, the held connection is accepted.  libevent API (+ threads):
 * built against uvbev and libevent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "compat-util.h"
#include "sock-util.h"
#include "thread-util.h"

struct shared {
  struct event_base *base;
  struct tu_flag running; /* the loop ran its first callback */
  struct bufferevent *bev;
  struct evconnlistener *lev;
  struct sockaddr_in sin;
  int thread_result;
  int connected;
  int accepted;
  struct evbuffer *echoed;
};

static void mark_running(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  tu_flag_set(arg, 1);
}

static void keep_busy(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}

/* Dispatches with a long timer pending (so the loop sits in poll) while fn
 * runs on another thread once the loop is running. */
static void run_with_thread(struct shared *s, tu_thread_fn fn) {
  struct timeval long_tv = {30, 0};
  struct event *keepalive = event_new(s->base, -1, EV_PERSIST, keep_busy, NULL);
  struct event *safety = cu_safety_timeout(s->base, 10000);
  struct tu_thread *t;
  event_add(keepalive, &long_tv);
  event_base_once(s->base, -1, EV_TIMEOUT, mark_running, &s->running, NULL);
  t = tu_thread_start(fn, s);
  assert_non_null(t);
  event_base_dispatch(s->base);
  tu_thread_join(t);
  event_free(keepalive);
  event_free(safety);
}

static void on_echo(struct bufferevent *bev, void *arg) {
  struct shared *s = arg;
  evbuffer_add_buffer(s->echoed, bufferevent_get_input(bev));
  if (evbuffer_get_length(s->echoed) >= 5) event_base_loopexit(s->base, NULL);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct shared *s = arg;
  if (what & BEV_EVENT_CONNECTED) {
    s->connected++;
    bufferevent_write(bev, "hello", 5);
  } else {
    event_base_loopexit(s->base, NULL);
  }
}

static void connect_thread(void *arg) {
  struct shared *s = arg;
  if (!tu_flag_wait(&s->running, 10000)) return;
  tu_sleep_ms(20);
  s->thread_result = bufferevent_socket_connect(s->bev, (struct sockaddr *)&s->sin, sizeof(s->sin));
}

static void socket_connect_from_other_thread(void **state) {
  struct shared s;
  struct su_echo *echo;
  int port = 0;
  (void)state;
  memset(&s, 0, sizeof(s));
  tu_flag_init(&s.running);
  s.thread_result = -2;
  s.base = event_base_new();
  s.echoed = evbuffer_new();
  echo = su_echo_start(s.base, &port);
  assert_non_null(echo);
  su_loopback_sin(&s.sin, port);
  s.bev = bufferevent_socket_new(s.base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  assert_non_null(s.bev);
  bufferevent_setcb(s.bev, on_echo, NULL, on_event, &s);
  bufferevent_enable(s.bev, EV_READ | EV_WRITE);
  run_with_thread(&s, connect_thread);
  assert_int_equal(s.thread_result, 0);
  assert_int_equal(s.connected, 1);
  assert_int_equal(evbuffer_get_length(s.echoed), 5);
  assert_memory_equal(evbuffer_pullup(s.echoed, -1), "hello", 5);
  bufferevent_free(s.bev);
  su_echo_free(echo);
  evbuffer_free(s.echoed);
  event_base_free(s.base);
  tu_flag_free(&s.running);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct shared *s = arg;
  (void)lev, (void)sa, (void)socklen;
  s->accepted++;
  evutil_closesocket(fd);
  event_base_loopexit(s->base, NULL);
}

static void enable_thread(void *arg) {
  struct shared *s = arg;
  if (!tu_flag_wait(&s->running, 10000)) return;
  tu_sleep_ms(50); /* the client's connection waits in the backlog meanwhile */
  s->thread_result = evconnlistener_enable(s->lev);
}

static void listener_enable_from_other_thread(void **state) {
  struct shared s;
  struct bufferevent *client;
  ev_socklen_t len = sizeof(s.sin);
  (void)state;
  memset(&s, 0, sizeof(s));
  tu_flag_init(&s.running);
  s.thread_result = -2;
  s.base = event_base_new();
  su_loopback_sin(&s.sin, 0);
  s.lev = evconnlistener_new_bind(s.base, on_accept, &s,
                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED | LEV_OPT_THREADSAFE, 16,
                                  (struct sockaddr *)&s.sin, sizeof(s.sin));
  assert_non_null(s.lev);
  assert_int_equal(getsockname(evconnlistener_get_fd(s.lev), (struct sockaddr *)&s.sin, &len), 0);
  client = bufferevent_socket_new(s.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(bufferevent_socket_connect(client, (struct sockaddr *)&s.sin, sizeof(s.sin)), 0);
  run_with_thread(&s, enable_thread);
  assert_int_equal(s.thread_result, 0);
  assert_int_equal(s.accepted, 1);
  bufferevent_free(client);
  evconnlistener_free(s.lev);
  event_base_free(s.base);
  tu_flag_free(&s.running);
}

/* Before any loop runs, one thread holds a bufferevent's lock while it adds
 * and deletes a timer, and another connects that bufferevent: both finish,
 * and the connection is then made.  uvbev once ran the connect under the
 * base's call lock and then waited for the bufferevent's lock, while the
 * first thread waited for the call lock under it. */
#define LOCK_RACE_ROUNDS 40
#define LOCK_RACE_ADDS 200

struct lock_race {
  struct event_base *base;
  struct bufferevent *bev;
  struct event *timer;
  struct sockaddr_in sin;
  struct tu_flag go;
  int add_failures;
  int connect_result;
  int connected;
};

static void never_fires(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}

static void lock_race_event(struct bufferevent *bev, short what, void *arg) {
  struct lock_race *r = arg;
  (void)bev;
  if (what & BEV_EVENT_CONNECTED) r->connected++;
  event_base_loopexit(r->base, NULL);
}

static void locked_adds_thread(void *arg) {
  struct lock_race *r = arg;
  struct timeval tv = {5, 0};
  int i;
  if (!tu_flag_wait(&r->go, 10000)) return;
  for (i = 0; i < LOCK_RACE_ADDS; i++) {
    bufferevent_lock(r->bev);
    if (event_add(r->timer, &tv) != 0 || event_del(r->timer) != 0) r->add_failures++;
    bufferevent_unlock(r->bev);
  }
}

static void connect_now_thread(void *arg) {
  struct lock_race *r = arg;
  if (!tu_flag_wait(&r->go, 10000)) return;
  r->connect_result = bufferevent_socket_connect(r->bev, (struct sockaddr *)&r->sin, sizeof(r->sin));
}

static void lock_race_round(struct lock_race *r, struct su_echo **echo) {
  struct tu_thread *adder, *connecter;
  struct event *safety;
  int port = 0;
  memset(r, 0, sizeof(*r));
  tu_flag_init(&r->go);
  r->connect_result = -2;
  r->base = event_base_new();
  assert_non_null(r->base);
  *echo = su_echo_start(r->base, &port);
  assert_non_null(*echo);
  su_loopback_sin(&r->sin, port);
  r->bev = bufferevent_socket_new(r->base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  r->timer = evtimer_new(r->base, never_fires, NULL);
  assert_non_null(r->bev);
  assert_non_null(r->timer);
  bufferevent_setcb(r->bev, NULL, NULL, lock_race_event, r);
  adder = tu_thread_start(locked_adds_thread, r);
  connecter = tu_thread_start(connect_now_thread, r);
  assert_non_null(adder);
  assert_non_null(connecter);
  tu_flag_set(&r->go, 1);
  tu_thread_join(adder);
  tu_thread_join(connecter);
  safety = cu_safety_timeout(r->base, 10000);
  event_base_dispatch(r->base);
  event_free(safety);
}

static void connect_races_locked_event_add_before_dispatch(void **state) {
  struct lock_race r;
  struct tu_watchdog *dog;
  int round;
  (void)state;
  dog = tu_watchdog_start(60000, "connect_races_locked_event_add_before_dispatch");
  for (round = 0; round < LOCK_RACE_ROUNDS; round++) {
    struct su_echo *echo = NULL;
    lock_race_round(&r, &echo);
    assert_int_equal(r.add_failures, 0);
    assert_int_equal(r.connect_result, 0);
    assert_int_equal(r.connected, 1);
    event_free(r.timer);
    bufferevent_free(r.bev);
    su_echo_free(echo);
    event_base_free(r.base);
    tu_flag_free(&r.go);
  }
  tu_watchdog_stop(dog);
}

/* evdns_getaddrinfo from threads other than the loop's, while it runs:
 * every lookup answers once (libevent answers these from the caller's
 * thread at once, uvbev from the loop thread). */
#define DNS_THREADS 4
#define DNS_LOOKUPS 25

struct dns_shared {
  struct event_base *base;
  struct evdns_base *dns;
  struct tu_flag running;
  struct tu_mutex *counts; /* answers come on several threads with libevent */
  int answered;            /* answers with an address */
  int failed;              /* error answers */
};

static void count_answer(int result, struct evutil_addrinfo *res, void *arg) {
  struct dns_shared *d = arg;
  int all;
  tu_mutex_lock(d->counts);
  if (result == 0 && res)
    d->answered++;
  else
    d->failed++;
  all = d->answered + d->failed == DNS_THREADS * DNS_LOOKUPS;
  tu_mutex_unlock(d->counts);
  if (res) evutil_freeaddrinfo(res);
  if (all) event_base_loopexit(d->base, NULL);
}

static void lookup_thread(void *arg) {
  struct dns_shared *d = arg;
  struct evutil_addrinfo hints;
  int i;
  if (!tu_flag_wait(&d->running, 10000)) return;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = EVUTIL_AI_NUMERICHOST;
  for (i = 0; i < DNS_LOOKUPS; i++) evdns_getaddrinfo(d->dns, "127.0.0.1", "80", &hints, count_answer, d);
}

static void evdns_getaddrinfo_from_other_threads_answers_each(void **state) {
  struct dns_shared d;
  struct tu_thread *threads[DNS_THREADS];
  struct timeval long_tv = {30, 0};
  struct event *keepalive, *safety;
  int i;
  (void)state;
  memset(&d, 0, sizeof(d));
  tu_flag_init(&d.running);
  d.counts = tu_mutex_new();
  d.base = event_base_new();
  d.dns = evdns_base_new(d.base, 0);
  assert_non_null(d.dns);
  keepalive = event_new(d.base, -1, EV_PERSIST, keep_busy, NULL);
  event_add(keepalive, &long_tv);
  safety = cu_safety_timeout(d.base, 10000);
  event_base_once(d.base, -1, EV_TIMEOUT, mark_running, &d.running, NULL);
  for (i = 0; i < DNS_THREADS; i++) {
    threads[i] = tu_thread_start(lookup_thread, &d);
    assert_non_null(threads[i]);
  }
  event_base_dispatch(d.base);
  for (i = 0; i < DNS_THREADS; i++) tu_thread_join(threads[i]);
  tu_mutex_lock(d.counts);
  assert_int_equal(d.failed, 0);
  assert_int_equal(d.answered, DNS_THREADS * DNS_LOOKUPS);
  tu_mutex_unlock(d.counts);
  event_free(keepalive);
  event_free(safety);
  evdns_base_free(d.dns, 0);
  event_base_free(d.base);
  tu_flag_free(&d.running);
  tu_mutex_free(d.counts);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_connect_from_other_thread),
      cmocka_unit_test(listener_enable_from_other_thread),
      cmocka_unit_test(connect_races_locked_event_add_before_dispatch),
      cmocka_unit_test(evdns_getaddrinfo_from_other_threads_answers_each),
  };
  cu_ignore_sigpipe();
  if (tu_use_threads() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
