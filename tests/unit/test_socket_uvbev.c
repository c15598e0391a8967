/* SPDX-License-Identifier: MIT */
/* uvbev-only socket behaviour: half-close with BEV_FINISHED (libevent's
 * socket flush does nothing), trying the next address, the zero-copy read
 * path, adoption from the accepted-handle registry, evdns_base_free with
 * pending requests, bad arguments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "bev_socket-internal.h"
#include "evbuffer-internal.h"

struct ctx {
  struct event_base *base;
  struct evconnlistener *lev;
  struct bufferevent *bev;
  evutil_socket_t accepted_fd;
  int accepted;
  int nevents;
  short first_event;
  struct evbuffer *got;
  size_t want;
  void *seen_mem[64];
  int nseen;
  int reads;
  int gai_calls;
  int gai_result;
};

static void ignore_sigpipe(void) {
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
}

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void run_bounded(struct event_base *base) {
  struct timeval tv = {10, 0};
  struct event *ev = evtimer_new(base, safety, NULL);
  evtimer_add(ev, &tv);
  event_base_dispatch(base);
  event_free(ev);
}

static void loopback(struct sockaddr_in *sin, int port) {
  memset(sin, 0, sizeof(*sin));
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(0x7f000001);
  sin->sin_port = htons((unsigned short)port);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct ctx *c = arg;
  (void)lev;
  (void)sa;
  (void)socklen;
  c->accepted++;
  c->accepted_fd = fd;
  event_base_loopexit(c->base, NULL);
}

/* A listener on 127.0.0.1 whose callback records the fd; returns the port. */
static int start_listener(struct ctx *c) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  loopback(&sin, 0);
  c->lev = evconnlistener_new_bind(c->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE, -1,
                                   (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(c->lev);
  assert_int_equal(getsockname(evconnlistener_get_fd(c->lev), (struct sockaddr *)&sin, &len), 0);
  return ntohs(sin.sin_port);
}

static evutil_socket_t blocking_client(int port) {
  struct sockaddr_in sin;
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
#ifndef _WIN32
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
#endif
  loopback(&sin, port);
  assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  return fd;
}

static void setup(struct ctx *c) {
  memset(c, 0, sizeof(*c));
  ignore_sigpipe();
  c->base = event_base_new();
  c->got = evbuffer_new();
}

static void teardown(struct ctx *c) {
  if (c->bev) bufferevent_free(c->bev);
  if (c->lev) evconnlistener_free(c->lev);
  evbuffer_free(c->got);
  event_base_free(c->base);
}

/* ---- half-close ---------------------------------------------------------- */

static void stop_when_output_empty(struct bufferevent *bev, void *arg) {
  struct ctx *c = arg;
  if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) event_base_loopexit(c->base, NULL);
}

static void flush_finished_half_closes_after_all_data(void **state) {
  struct ctx c;
  evutil_socket_t cl;
  size_t n = 512 * 1024, got = 0;
  unsigned char *data = malloc(n), *in = malloc(n + 1);
  char tail[4];
  size_t i;
  (void)state;
  setup(&c);
  cl = blocking_client(start_listener(&c));
  run_bounded(c.base);
  c.bev = bufferevent_socket_new(c.base, c.accepted_fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(c.bev, NULL, stop_when_output_empty, NULL, &c);
  for (i = 0; i < n; i++)
    data[i] = (unsigned char)(i * 7);
  bufferevent_write(c.bev, data, n);
  assert_int_equal(bufferevent_flush(c.bev, EV_WRITE, BEV_FINISHED), 0);
  run_bounded(c.base);
  {
    struct timeval tv = {0, 100000};
    event_base_loopexit(c.base, &tv); /* the shutdown request */
    run_bounded(c.base);
  }
  while (got < n) {
    long r = (long)recv(cl, (char *)in + got, (int)(n - got), 0);
    assert_true(r > 0);
    got += (size_t)r;
  }
  assert_memory_equal(in, data, n);
  assert_int_equal(recv(cl, tail, sizeof(tail), 0), 0); /* EOF */
  /* the other direction still works */
  assert_int_equal(send(cl, "back", 4, 0), 4);
  evutil_closesocket(cl);
  free(data);
  free(in);
  teardown(&c);
}

/* ---- next address ------------------------------------------------------- */

static void record_event(struct bufferevent *bev, short what, void *arg) {
  struct ctx *c = arg;
  (void)bev;
  if (c->nevents++ == 0) c->first_event = what;
  event_base_loopexit(c->base, NULL);
}

static int closed_port(void) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  loopback(&sin, 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  getsockname(fd, (struct sockaddr *)&sin, &len);
  evutil_closesocket(fd);
  return ntohs(sin.sin_port);
}

static struct evutil_addrinfo *numeric(int port) {
  struct evutil_addrinfo hints, *res = NULL;
  char serv[16];
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = EVUTIL_AI_NUMERICHOST;
  snprintf(serv, sizeof(serv), "%d", port);
  assert_int_equal(evutil_getaddrinfo("127.0.0.1", serv, &hints, &res), 0);
  return res;
}

static void connect_tries_the_next_address_after_a_refusal(void **state) {
  struct ctx c;
  struct evutil_addrinfo *list, *last;
  int port;
  (void)state;
  setup(&c);
  port = start_listener(&c);
  list = numeric(closed_port());
  for (last = list; last->ai_next; last = last->ai_next)
    ;
  last->ai_next = numeric(port);
  c.bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(c.bev, NULL, NULL, record_event, &c);
  assert_int_equal(bev_socket_connect_addrs_(bev_socket_upcast_(c.bev), list), 0);
  run_bounded(c.base); /* CONNECTED or the accept: both exit */
  if (c.nevents == 0) run_bounded(c.base);
  assert_int_equal(c.first_event, BEV_EVENT_CONNECTED);
  if (c.accepted) evutil_closesocket(c.accepted_fd);
  teardown(&c);
}

static void connect_reports_error_when_every_address_fails(void **state) {
  struct ctx c;
  struct evutil_addrinfo *list;
  (void)state;
  setup(&c);
  list = numeric(closed_port());
  list->ai_next = numeric(closed_port());
  c.bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(c.bev, NULL, NULL, record_event, &c);
  assert_int_equal(bev_socket_connect_addrs_(bev_socket_upcast_(c.bev), list), 0);
  run_bounded(c.base);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.first_event, BEV_EVENT_ERROR);
  teardown(&c);
}

/* ---- zero-copy read path ------------------------------------------------ */

static void drain_and_note_chunk(struct bufferevent *bev, void *arg) {
  struct ctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  void *mem = in->last ? (void *)in->last->mem : NULL;
  int i, known = 0;
  for (i = 0; i < c->nseen; i++)
    known |= c->seen_mem[i] == mem;
  if (!known && c->nseen < 64) c->seen_mem[c->nseen++] = mem;
  c->reads++;
  c->want -= evbuffer_get_length(in) < c->want ? evbuffer_get_length(in) : c->want;
  evbuffer_drain(in, evbuffer_get_length(in));
  if (c->want == 0) event_base_loopexit(c->base, NULL);
}

/* Reads land in the input's own tail chunk: draining everything each time,
 * the same few chunks serve every read. */
static void reads_reuse_the_input_chunks(void **state) {
  struct ctx c;
  struct bufferevent *writer;
  evutil_socket_t sv[2];
  size_t n = 8 * 1024 * 1024;
  unsigned char *data = calloc(1, n);
  (void)state;
  setup(&c);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  c.bev = bufferevent_socket_new(c.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  writer = bufferevent_socket_new(c.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  c.want = n;
  bufferevent_setcb(c.bev, drain_and_note_chunk, NULL, NULL, &c);
  bufferevent_enable(c.bev, EV_READ);
  bufferevent_write(writer, data, n);
  run_bounded(c.base);
  assert_int_equal(c.want, 0);
  assert_true(c.reads >= 16);
  assert_true(c.nseen <= 4);
  bufferevent_free(writer);
  free(data);
  teardown(&c);
}

/* A connection that received a small message and was drained holds no read
 * chunk while idle (the socket ran dry), as libevent frees chunks on drain. */
static void idle_connection_keeps_no_read_buffer(void **state) {
  struct ctx c;
  struct bufferevent *writer;
  evutil_socket_t sv[2];
  (void)state;
  setup(&c);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  c.bev = bufferevent_socket_new(c.base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  writer = bufferevent_socket_new(c.base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  c.want = 64;
  bufferevent_setcb(c.bev, drain_and_note_chunk, NULL, NULL, &c);
  bufferevent_enable(c.bev, EV_READ);
  bufferevent_write(writer, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
  run_bounded(c.base);
  assert_int_equal(c.want, 0);
  assert_int_equal(evbuffer_get_length(bufferevent_get_input(c.bev)), 0);
  assert_null(bufferevent_get_input(c.bev)->first); /* no chunk kept */
  bufferevent_free(writer);
  teardown(&c);
}

/* ---- registry ----------------------------------------------------------------- */

/* The listener hands out a plain descriptor (no libuv handle behind it): a
 * bufferevent without BEV_OPT_CLOSE_ON_FREE leaves it open, and
 * evutil_closesocket closes it. */
static void accepted_fd_outlives_a_bufferevent_without_close_on_free(void **state) {
  struct ctx c;
  evutil_socket_t cl;
  char buf[8];
  (void)state;
  setup(&c);
  cl = blocking_client(start_listener(&c));
  run_bounded(c.base);
  c.bev = bufferevent_socket_new(c.base, c.accepted_fd, 0);
  assert_non_null(c.bev);
  assert_int_equal(bufferevent_getfd(c.bev), c.accepted_fd);
  bufferevent_write(c.bev, "hi", 2);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  assert_int_equal(recv(cl, buf, sizeof(buf), 0), 2);
  bufferevent_free(c.bev);
  c.bev = NULL;
  assert_int_equal(send(c.accepted_fd, "ok", 2, 0), 2);
  assert_int_equal(recv(cl, buf, sizeof(buf), 0), 2);
  assert_int_equal(evutil_closesocket(c.accepted_fd), 0);
  event_base_loop(c.base, EVLOOP_NONBLOCK);
  assert_int_equal(recv(cl, buf, sizeof(buf), 0), 0);
  evutil_closesocket(cl);
  teardown(&c);
}

/* ---- evdns_base_free with pending requests ------------------------------- */

static void on_gai(int result, struct evutil_addrinfo *res, void *arg) {
  struct ctx *c = arg;
  c->gai_calls++;
  c->gai_result = result;
  if (res) evutil_freeaddrinfo(res);
}

static void evdns_base_free_cancels_pending_requests(void **state) {
  struct ctx c;
  struct evdns_base *dns;
  struct timeval tv = {0, 300000};
  (void)state;
  setup(&c);
  dns = evdns_base_new(c.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  assert_non_null(evdns_getaddrinfo(dns, "localhost", "80", NULL, on_gai, &c));
  evdns_base_free(dns, 1);
  event_base_loopexit(c.base, &tv);
  run_bounded(c.base);
  assert_int_equal(c.gai_calls, 1);
  assert_int_equal(c.gai_result, EVUTIL_EAI_CANCEL);
  dns = evdns_base_new(c.base, 0);
  assert_non_null(evdns_getaddrinfo(dns, "localhost", "80", NULL, on_gai, &c));
  evdns_base_free(dns, 0);
  event_base_loopexit(c.base, &tv);
  run_bounded(c.base);
  assert_int_equal(c.gai_calls, 1); /* no callback without fail_requests */
  teardown(&c);
}

/* ---- bad arguments ------------------------------------------------------------- */

static void bad_arguments_are_refused(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  struct bufferevent *pair[2];
  (void)state;
  assert_null(bufferevent_socket_new(NULL, -1, 0));
  assert_int_equal(bufferevent_socket_connect(NULL, NULL, 0), -1);
  assert_int_equal(bufferevent_socket_connect(bev, NULL, 0), -1); /* no socket */
  assert_int_equal(bufferevent_socket_connect_hostname(NULL, NULL, AF_INET, "x", 80), -1);
  assert_int_equal(bufferevent_socket_connect_hostname(bev, NULL, AF_INET, NULL, 80), -1);
  assert_int_equal(bufferevent_socket_get_dns_error(NULL), 0);
  assert_int_equal(bufferevent_getfd(bev), -1);
  assert_null(evdns_base_new(NULL, 0));
  assert_null(evdns_base_new(base, 0x4000000));
  assert_null(evdns_getaddrinfo(NULL, "x", NULL, NULL, on_gai, NULL));
  evdns_base_free(NULL, 0);
  evdns_getaddrinfo_cancel(NULL);
  assert_null(evconnlistener_new(base, NULL, NULL, 0, -1, -1));
  assert_null(evconnlistener_new_bind(base, NULL, NULL, 0, -1, NULL, 0));
  assert_int_equal(evconnlistener_enable(NULL), -1);
  assert_int_equal(evconnlistener_disable(NULL), -1);
  assert_null(evconnlistener_get_base(NULL));
  assert_int_equal(evconnlistener_get_fd(NULL), -1);
  evconnlistener_free(NULL);
  /* a pair is no socket */
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  assert_int_equal(bufferevent_socket_connect_hostname(pair[0], NULL, AF_INET, "x", 80), -1);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  bufferevent_free(bev);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(flush_finished_half_closes_after_all_data),
      cmocka_unit_test(connect_tries_the_next_address_after_a_refusal),
      cmocka_unit_test(connect_reports_error_when_every_address_fails),
      cmocka_unit_test(reads_reuse_the_input_chunks),
      cmocka_unit_test(idle_connection_keeps_no_read_buffer),
      cmocka_unit_test(accepted_fd_outlives_a_bufferevent_without_close_on_free),
      cmocka_unit_test(evdns_base_free_cancels_pending_requests),
      cmocka_unit_test(bad_arguments_are_refused),
  };
  return cmocka_run_group_tests_name("socket_uvbev", tests, NULL, NULL);
}
