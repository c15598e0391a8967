/* SPDX-License-Identifier: MIT */
/* Happy Eyeballs in bufferevent_socket_connect_hostname (uvbev goes further
 * than libevent, which connects to the first address only).
 *
 * The name FAKE_NAME is answered by a resolver hook (dns-internal.h) with
 * loopback addresses chosen by each test, per family as the lookup asks.
 * A "black hole" is a loopback listener with backlog 0 whose one queue slot
 * a filler connection holds and that never accepts: Linux then drops the
 * SYNs of further connects (tcp_abort_on_overflow = 0), which stay pending
 * for the whole SYN retry time (minutes).  It is checked once; where the
 * platform refuses instead, the tests that need it are skipped.  Without
 * racing, a black-holed first address would cost that whole time, so "well
 * under a second" cannot be met by chance. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <uvbev/uvbev.h>

#include "dns-internal.h"
#if UVBEV_WITH_OPENSSL
#include <event2/bufferevent_ssl.h>
#include "../compat/ssl_cert_helper.h"
#endif

#define FAKE_NAME "eyeballs.test"
#define MAX_FAKE 8
#define SAFETY_S 10
#define FAST_MS 1000 /* "well under a second": the black hole takes minutes */

/* ---- the resolver hook -------------------------------------------------------- */

struct fake_addr {
  int family;
  int port;
};
static struct fake_addr fake[MAX_FAKE];
static int n_fake;
static unsigned fake_sleep_ms[2]; /* [0]: AAAA (and AF_UNSPEC) lookups, [1]: A */
/* Lookups seen, by the family asked for; written by the thread pool, read
 * after the loop (uv_queue_work orders them). */
static int calls_unspec, calls_v6, calls_v4;

static void fake_add(int family, int port) {
  assert_true(n_fake < MAX_FAKE);
  fake[n_fake].family = family;
  fake[n_fake++].port = port;
}

static struct evutil_addrinfo *numeric(int family, int port) {
  struct evutil_addrinfo hints, *res = NULL;
  char serv[16];
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = EVUTIL_AI_NUMERICHOST;
  snprintf(serv, sizeof(serv), "%d", port);
  if (evutil_getaddrinfo(family == AF_INET6 ? "::1" : "127.0.0.1", serv, &hints, &res) != 0)
    return NULL;
  return res;
}

static void count_call(int family) {
  if (family == AF_INET6)
    calls_v6++;
  else if (family == AF_INET)
    calls_v4++;
  else
    calls_unspec++;
}

static int fake_resolve(const char *node, const char *serv, const struct evutil_addrinfo *hints,
                        struct evutil_addrinfo **res) {
  int family = hints ? hints->ai_family : AF_UNSPEC;
  struct evutil_addrinfo *head = NULL, **tail = &head;
  int i;
  if (!node || strcmp(node, FAKE_NAME) != 0) return evutil_getaddrinfo(node, serv, hints, res);
  count_call(family);
  if (fake_sleep_ms[family == AF_INET]) uv_sleep(fake_sleep_ms[family == AF_INET]);
  for (i = 0; i < n_fake; i++) {
    if (family != AF_UNSPEC && fake[i].family != family) continue;
    *tail = numeric(fake[i].family, fake[i].port);
    while (*tail)
      tail = &(*tail)->ai_next;
  }
  *res = head;
  return head ? 0 : EVUTIL_EAI_NONAME;
}

/* ---- the fixture ----------------------------------------------------------------- */

struct fx {
  struct event_base *base;
  struct bufferevent *bev;  /* the connecting one (or the layer over it) */
  struct bufferevent *peer; /* the accepted side */
  struct evconnlistener *lev[2];
  evutil_socket_t hole[2][2]; /* black holes: listener, filler */
  int nholes;
  int accepted, accepted_port;
  int nevents;
  short first_event;
  int sock_err, dns_err;
  uint64_t t0_ms, event_ms;
  struct evbuffer *got;
  size_t want;
  void *server_tls; /* an SSL_CTX: the accepted side speaks TLS */
};

static uint64_t now_ms(void) {
  return uv_hrtime() / 1000000u;
}

static void fx_setup(struct fx *f) {
  memset(f, 0, sizeof(*f));
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  f->base = event_base_new();
  assert_non_null(f->base);
  f->got = evbuffer_new();
  n_fake = 0;
  fake_sleep_ms[0] = fake_sleep_ms[1] = 0;
  calls_unspec = calls_v6 = calls_v4 = 0;
  uvbev_lookup_set_resolver_(fake_resolve);
}

static void fx_teardown(struct fx *f) {
  int i;
  if (f->bev) bufferevent_free(f->bev);
  if (f->peer) bufferevent_free(f->peer);
  for (i = 0; i < 2; i++)
    if (f->lev[i]) evconnlistener_free(f->lev[i]);
  for (i = 0; i < f->nholes; i++) {
    evutil_closesocket(f->hole[i][0]);
    evutil_closesocket(f->hole[i][1]);
  }
  evbuffer_free(f->got);
  event_base_free(f->base);
  uvbev_lookup_set_resolver_(NULL);
}

static void stop(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopexit(arg, NULL);
}

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

/* Runs until a callback exits the loop (ms 0) or for ms milliseconds. */
static void run(struct fx *f, unsigned ms) {
  struct timeval tv = {ms ? 0 : SAFETY_S, (long)ms * 1000};
  struct event *ev = evtimer_new(f->base, ms ? stop : safety, f->base);
  evtimer_add(ev, &tv);
  event_base_dispatch(f->base);
  event_free(ev);
}

static int loopback_addr(int family, int port, struct sockaddr_storage *ss) {
  struct evutil_addrinfo *ai = numeric(family, port);
  int len;
  if (!ai) return -1;
  memcpy(ss, ai->ai_addr, ai->ai_addrlen);
  len = (int)ai->ai_addrlen;
  evutil_freeaddrinfo(ai);
  return len;
}

static int port_of(const struct sockaddr_storage *ss) {
  if (ss->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
  return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* ---- peers: an accepting listener, a black hole, a closed port -------------------- */

static void peer_read(struct bufferevent *bev, void *arg) {
  struct fx *f = arg;
  bufferevent_read_buffer(bev, f->got);
  if (f->want && evbuffer_get_length(f->got) >= f->want) event_base_loopexit(f->base, NULL);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg) {
  struct fx *f = arg;
  struct sockaddr_storage local;
  ev_socklen_t len = sizeof(local);
  (void)lev;
  (void)sa;
  (void)socklen;
  getsockname(fd, (struct sockaddr *)&local, &len);
  f->accepted++;
  f->accepted_port = port_of(&local);
#if UVBEV_WITH_OPENSSL
  if (f->server_tls)
    f->peer = bufferevent_openssl_socket_new(f->base, fd, SSL_new(f->server_tls),
                                             BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
  else
#endif
    f->peer = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(f->peer, peer_read, NULL, NULL, f);
  bufferevent_enable(f->peer, EV_READ);
}

/* An accepting listener on the loopback of `family`; its port, or -1. */
static int listener(struct fx *f, int family) {
  struct sockaddr_storage ss;
  ev_socklen_t len;
  int i = f->lev[0] ? 1 : 0;
  int sl = loopback_addr(family, 0, &ss);
  if (sl < 0) return -1;
  f->lev[i] = evconnlistener_new_bind(f->base, on_accept, f, LEV_OPT_CLOSE_ON_FREE, 16,
                                      (struct sockaddr *)&ss, sl);
  if (!f->lev[i]) return -1;
  len = sizeof(ss);
  getsockname(evconnlistener_get_fd(f->lev[i]), (struct sockaddr *)&ss, &len);
  return port_of(&ss);
}

/* A port of `family`'s loopback nobody listens on (refused at once). */
static int closed_port(int family) {
  struct sockaddr_storage ss;
  ev_socklen_t len = sizeof(ss);
  int sl = loopback_addr(family, 0, &ss);
  evutil_socket_t fd = socket(family, SOCK_STREAM, 0);
  assert_true(sl > 0 && fd != EVUTIL_INVALID_SOCKET);
  assert_int_equal(bind(fd, (struct sockaddr *)&ss, (ev_socklen_t)sl), 0);
  getsockname(fd, (struct sockaddr *)&ss, &len);
  evutil_closesocket(fd);
  return port_of(&ss);
}

/* A black hole on `family`'s loopback (see the top of the file); its port. */
static int black_hole(struct fx *f, int family) {
  struct sockaddr_storage ss;
  ev_socklen_t len = sizeof(ss);
  int sl = loopback_addr(family, 0, &ss);
  evutil_socket_t l = socket(family, SOCK_STREAM, 0), filler = socket(family, SOCK_STREAM, 0);
  assert_true(f->nholes < 2 && sl > 0);
  assert_true(l != EVUTIL_INVALID_SOCKET && filler != EVUTIL_INVALID_SOCKET);
  assert_int_equal(bind(l, (struct sockaddr *)&ss, (ev_socklen_t)sl), 0);
  assert_int_equal(listen(l, 0), 0);
  getsockname(l, (struct sockaddr *)&ss, &len);
  assert_int_equal(connect(filler, (struct sockaddr *)&ss, len), 0); /* takes the one slot */
  f->hole[f->nholes][0] = l;
  f->hole[f->nholes++][1] = filler;
  return port_of(&ss);
}

static int have_ipv6(void) {
  struct sockaddr_storage ss;
  int sl = loopback_addr(AF_INET6, 0, &ss);
  evutil_socket_t fd;
  int ok;
  if (sl < 0) return 0;
  fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd == EVUTIL_INVALID_SOCKET) return 0;
  ok = bind(fd, (struct sockaddr *)&ss, (ev_socklen_t)sl) == 0;
  evutil_closesocket(fd);
  return ok;
}

/* ---- the connecting side --------------------------------------------------------- */

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct fx *f = arg;
  int err = EVUTIL_SOCKET_ERROR(); /* before anything can change it */
  if (f->nevents++ == 0) {
    f->first_event = what;
    f->sock_err = err;
    f->dns_err = bufferevent_socket_get_dns_error(bev);
    f->event_ms = now_ms() - f->t0_ms;
  }
  if (!f->want || !(what & BEV_EVENT_CONNECTED)) event_base_loopexit(f->base, NULL);
}

static void connect_name(struct fx *f, int family) {
  if (!f->bev) f->bev = bufferevent_socket_new(f->base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(f->bev);
  bufferevent_setcb(f->bev, NULL, NULL, on_event, f);
  bufferevent_enable(f->bev, EV_READ | EV_WRITE);
  f->t0_ms = now_ms();
  assert_int_equal(bufferevent_socket_connect_hostname(f->bev, NULL, family, FAKE_NAME, 80), 0);
}

/* The port of the peer the connected socket under bev talks to. */
static int connected_port(struct bufferevent *bev) {
  struct sockaddr_storage ss;
  ev_socklen_t len = sizeof(ss);
  assert_int_equal(getpeername(bufferevent_getfd(bev), (struct sockaddr *)&ss, &len), 0);
  return port_of(&ss);
}

static void assert_connected_to(struct fx *f, int port) {
  assert_int_equal(f->first_event, BEV_EVENT_CONNECTED);
  assert_int_equal(connected_port(f->bev), port);
}

/* Once per process: does a black hole hold a connect for 300 ms? */
static int black_holes_work(void) {
  static int known = -1;
  struct fx f;
  struct timeval tv = {0, 300000};
  if (known >= 0) return known;
  fx_setup(&f);
  fake_add(AF_INET, black_hole(&f, AF_INET));
  connect_name(&f, AF_INET);
  bufferevent_set_timeouts(f.bev, NULL, &tv);
  run(&f, 0);
  known = f.first_event == (BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  if (!known) fprintf(stderr, "no black hole on this platform (event 0x%x)\n", f.first_event);
  fx_teardown(&f);
  return known;
}

#define NEED_BLACK_HOLES()                                                                         \
  do {                                                                                             \
    if (!black_holes_work()) skip();                                                               \
  } while (0)

/* ---- racing ------------------------------------------------------------------------ */

static void black_holed_first_address_loses_to_the_second(void **state) {
  struct fx f;
  int good;
  (void)state;
  NEED_BLACK_HOLES();
  fx_setup(&f);
  fake_add(AF_INET, black_hole(&f, AF_INET));
  fake_add(AF_INET, good = listener(&f, AF_INET));
  connect_name(&f, AF_INET);
  run(&f, 0);
  assert_connected_to(&f, good);
  assert_true(f.event_ms < FAST_MS);
  fx_teardown(&f);
}

static void black_holed_ipv6_loses_to_ipv4(void **state) {
  struct fx f;
  int good;
  (void)state;
  NEED_BLACK_HOLES();
  if (!have_ipv6()) skip();
  fx_setup(&f);
  fake_add(AF_INET6, black_hole(&f, AF_INET6));
  fake_add(AF_INET, good = listener(&f, AF_INET));
  connect_name(&f, AF_UNSPEC);
  run(&f, 0);
  assert_connected_to(&f, good);
  assert_true(f.event_ms < FAST_MS);
  assert_int_equal(calls_v6, 1); /* AAAA and A asked separately */
  assert_int_equal(calls_v4, 1);
  assert_int_equal(calls_unspec, 0);
  fx_teardown(&f);
}

/* With a delay of 2 s, only the order decides: the IPv4 address comes first
 * in the resolver's list, IPv6 is still tried first. */
static void ipv6_is_tried_first(void **state) {
  struct fx f;
  int v6;
  (void)state;
  if (!have_ipv6()) skip();
  fx_setup(&f);
  fake_add(AF_INET, listener(&f, AF_INET));
  fake_add(AF_INET6, v6 = listener(&f, AF_INET6));
  f.bev = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 2000), 0);
  connect_name(&f, AF_UNSPEC);
  run(&f, 0);
  assert_connected_to(&f, v6);
  fx_teardown(&f);
}

/* RFC 8305 §4: after a stalled IPv6 address the next attempt is IPv4,
 * before the second IPv6 address. */
static void families_alternate(void **state) {
  struct fx f;
  int v4;
  (void)state;
  NEED_BLACK_HOLES();
  if (!have_ipv6()) skip();
  fx_setup(&f);
  fake_add(AF_INET6, black_hole(&f, AF_INET6));
  fake_add(AF_INET6, listener(&f, AF_INET6));
  fake_add(AF_INET, v4 = listener(&f, AF_INET));
  connect_name(&f, AF_UNSPEC);
  run(&f, 0);
  assert_connected_to(&f, v4);
  assert_true(f.event_ms < FAST_MS);
  fx_teardown(&f);
}

/* Windows answers a connect to a closed loopback port only after retrying
 * for about 2 s; elsewhere the refusal is immediate. */
#ifdef _WIN32
#define REFUSAL_MS 5000
#else
#define REFUSAL_MS FAST_MS
#endif

/* A delay of 9 s: only the refusal can move the race on in time. */
static void refused_first_address_moves_on_at_once(void **state) {
  struct fx f;
  int good;
  (void)state;
  fx_setup(&f);
  fake_add(AF_INET, closed_port(AF_INET));
  fake_add(AF_INET, good = listener(&f, AF_INET));
  f.bev = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 9000), 0);
  connect_name(&f, AF_INET);
  run(&f, 0);
  assert_connected_to(&f, good);
  assert_true(f.event_ms < REFUSAL_MS);
  assert_int_equal(f.nevents, 1);
  fx_teardown(&f);
}

/* ---- failing ---------------------------------------------------------------------- */

static void every_address_refused_reports_the_last_error(void **state) {
  struct fx f;
  int families = have_ipv6() ? AF_UNSPEC : AF_INET;
  (void)state;
  fx_setup(&f);
  if (families == AF_UNSPEC) fake_add(AF_INET6, closed_port(AF_INET6));
  fake_add(AF_INET, closed_port(AF_INET));
  fake_add(AF_INET, closed_port(AF_INET));
  connect_name(&f, families);
  run(&f, 0);
  run(&f, 50); /* nothing more comes */
  assert_int_equal(f.nevents, 1);
  assert_int_equal(f.first_event, BEV_EVENT_ERROR);
  assert_int_equal(f.dns_err, 0);
#ifdef _WIN32
  assert_int_equal(f.sock_err, WSAECONNREFUSED);
#else
  assert_int_equal(f.sock_err, ECONNREFUSED);
#endif
  /* as libevent: the failed socket stays for the event callback to judge */
  assert_true(bufferevent_getfd(f.bev) != EVUTIL_INVALID_SOCKET);
  fx_teardown(&f);
}

static void no_address_in_either_family_is_a_dns_error(void **state) {
  struct fx f;
  (void)state;
  fx_setup(&f);
  connect_name(&f, AF_UNSPEC);
  run(&f, 0);
  assert_int_equal(f.nevents, 1);
  assert_int_equal(f.first_event, BEV_EVENT_ERROR);
  assert_int_equal(f.dns_err, EVUTIL_EAI_NONAME);
  assert_int_equal(calls_v6 + calls_v4, 2);
  fx_teardown(&f);
}

/* ---- the write timeout ----------------------------------------------------------------- */

static void write_timeout_covers_the_attempts(void **state) {
  struct fx f;
  struct timeval tv = {0, 200000};
  (void)state;
  NEED_BLACK_HOLES();
  fx_setup(&f);
  fake_add(AF_INET, black_hole(&f, AF_INET));
  fake_add(AF_INET, black_hole(&f, AF_INET));
  connect_name(&f, AF_INET);
  bufferevent_set_timeouts(f.bev, NULL, &tv);
  run(&f, 0);
  assert_int_equal(f.first_event, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  assert_true(f.event_ms >= 150 && f.event_ms < 5 * FAST_MS);
  fx_teardown(&f);
}

static void write_timeout_covers_the_lookup(void **state) {
  struct fx f;
  struct timeval tv = {0, 100000};
  (void)state;
  fx_setup(&f);
  fake_add(AF_INET, listener(&f, AF_INET));
  fake_sleep_ms[0] = fake_sleep_ms[1] = 600;
  connect_name(&f, AF_UNSPEC);
  bufferevent_set_timeouts(f.bev, NULL, &tv);
  run(&f, 0);
  assert_int_equal(f.first_event, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  assert_int_equal(f.accepted, 0);
  bufferevent_free(f.bev);
  f.bev = NULL;
  run(&f, 800); /* the lookups finish, cancelled */
  assert_int_equal(f.nevents, 1);
  fx_teardown(&f);
}

/* ---- freeing mid-race ------------------------------------------------------------------- */

static void free_with_attempts_in_flight(void **state) {
  struct fx f;
  (void)state;
  NEED_BLACK_HOLES();
  fx_setup(&f);
  fake_add(AF_INET, black_hole(&f, AF_INET));
  fake_add(AF_INET, black_hole(&f, AF_INET));
  fake_add(AF_INET, closed_port(AF_INET));
  f.bev = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 10), 0);
  connect_name(&f, AF_INET);
  run(&f, 100); /* all three started, the timer running */
  bufferevent_free(f.bev);
  f.bev = NULL;
  run(&f, 100);
  assert_int_equal(f.nevents, 0); /* the refused one said nothing either */
  fx_teardown(&f);                /* ASan: nothing leaked, nothing touched after free */
}

static void free_with_lookups_in_flight(void **state) {
  struct fx f;
  (void)state;
  fx_setup(&f);
  fake_add(AF_INET, listener(&f, AF_INET));
  fake_sleep_ms[0] = fake_sleep_ms[1] = 100;
  connect_name(&f, AF_UNSPEC);
  bufferevent_free(f.bev);
  f.bev = NULL;
  run(&f, 300);
  assert_int_equal(f.nevents, 0);
  assert_int_equal(f.accepted, 0);
  fx_teardown(&f);
}

static void fail_on_log(int severity, const char *msg) {
  fail_msg("libuvbev logged (%d): %s", severity, msg);
}

/* A wins while the AAAA lookup still runs: freeing everything at once then
 * waits for that lookup (its result is dropped), leaks nothing (ASan) and
 * leaves the loop closable (no warning). */
static void base_free_waits_for_the_slower_lookup(void **state) {
  struct fx f;
  int good;
  (void)state;
  fx_setup(&f);
  fake_add(AF_INET, good = listener(&f, AF_INET));
  fake_sleep_ms[0] = 300;
  connect_name(&f, AF_UNSPEC);
  run(&f, 0);
  assert_connected_to(&f, good);
  event_set_log_callback(fail_on_log);
  fx_teardown(&f);
  event_set_log_callback(NULL);
  assert_int_equal(calls_v6, 1);
}

/* ---- turned off ------------------------------------------------------------------------ */

/* A delay of 0: one lookup, the resolver's order (IPv4 first here). */
static void delay_zero_keeps_the_resolver_order(void **state) {
  struct fx f;
  int v4;
  (void)state;
  if (!have_ipv6()) skip();
  fx_setup(&f);
  fake_add(AF_INET, v4 = listener(&f, AF_INET));
  fake_add(AF_INET6, listener(&f, AF_INET6));
  f.bev = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 0), 0);
  connect_name(&f, AF_UNSPEC);
  run(&f, 0);
  assert_connected_to(&f, v4);
  assert_int_equal(calls_unspec, 1);
  assert_int_equal(calls_v6 + calls_v4, 0);
  fx_teardown(&f);
}

/* A delay of 0 waits on a black-holed first address: still nothing after
 * 1 s, the good second address untouched. */
static void delay_zero_does_not_race(void **state) {
  struct fx f;
  struct timeval tv = {1, 0};
  (void)state;
  NEED_BLACK_HOLES();
  fx_setup(&f);
  fake_add(AF_INET, black_hole(&f, AF_INET));
  fake_add(AF_INET, listener(&f, AF_INET));
  f.bev = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 0), 0);
  connect_name(&f, AF_INET);
  bufferevent_set_timeouts(f.bev, NULL, &tv);
  run(&f, 0);
  assert_int_equal(f.first_event, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  assert_int_equal(f.accepted, 0);
  fx_teardown(&f);
}

/* ---- data and layers ---------------------------------------------------------------- */

/* Bytes written before the connect arrive whole at the winner's peer. */
static void data_before_connect_arrives_intact(struct fx *f, struct bufferevent *top) {
  size_t n = 256 * 1024, i;
  unsigned char *data = malloc(n), *got;
  int good;
  assert_non_null(data);
  for (i = 0; i < n; i++)
    data[i] = (unsigned char)(i * 7 + (i >> 11));
  fake_add(AF_INET, black_hole(f, AF_INET));
  fake_add(AF_INET, good = listener(f, AF_INET));
  f->bev = top;
  assert_int_equal(bufferevent_write(top, data, n), 0);
  f->want = n;
  connect_name(f, AF_INET);
  run(f, 0);
  assert_int_equal(f->first_event, BEV_EVENT_CONNECTED);
  assert_true(f->event_ms < FAST_MS);
  assert_int_equal(evbuffer_get_length(f->got), n);
  got = evbuffer_pullup(f->got, -1);
  assert_memory_equal(got, data, n);
  assert_int_equal(f->accepted_port, good);
  free(data);
}

static void data_written_before_connect_arrives(void **state) {
  struct fx f;
  (void)state;
  NEED_BLACK_HOLES();
  fx_setup(&f);
  data_before_connect_arrives_intact(&f, bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE));
  fx_teardown(&f);
}

/* Through a filter: the race happens on the socket at the bottom, and the
 * delay is set through the top. */
static void data_through_a_filter_arrives(void **state) {
  struct fx f;
  struct bufferevent *sock, *filter;
  (void)state;
  NEED_BLACK_HOLES();
  fx_setup(&f);
  sock = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  filter = bufferevent_filter_new(sock, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
  assert_non_null(filter);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(filter, 100), 0);
  data_before_connect_arrives_intact(&f, filter);
  fx_teardown(&f);
}

#if UVBEV_WITH_OPENSSL
/* Through TLS: the handshake runs on the winning socket. */
static void data_through_tls_arrives(void **state) {
  struct fx f;
  SSL_CTX *client_tls = sch_client_ctx(0);
  SSL_CTX *server_tls = sch_server_ctx(0);
  (void)state;
  NEED_BLACK_HOLES();
  assert_true(client_tls && server_tls);
  fx_setup(&f);
  f.server_tls = server_tls;
  data_before_connect_arrives_intact(
      &f, bufferevent_openssl_socket_new(f.base, -1, SSL_new(client_tls),
                                         BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE));
  fx_teardown(&f);
  SSL_CTX_free(client_tls);
  SSL_CTX_free(server_tls);
}
#endif

/* ---- the setting -------------------------------------------------------------------------- */

static void the_setting_refuses_bad_input(void **state) {
  struct fx f;
  struct bufferevent *pair[2];
  (void)state;
  fx_setup(&f);
  f.bev = bufferevent_socket_new(f.base, -1, BEV_OPT_CLOSE_ON_FREE);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(NULL, 250), -1);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 60001), -1);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 60000), 0);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(f.bev, 1), 0);
  assert_int_equal(bufferevent_pair_new(f.base, BEV_OPT_CLOSE_ON_FREE, pair), 0);
  assert_int_equal(uvbev_bufferevent_set_connect_attempt_delay(pair[0], 250), -1);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  fx_teardown(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(black_holed_first_address_loses_to_the_second),
    cmocka_unit_test(black_holed_ipv6_loses_to_ipv4),
    cmocka_unit_test(ipv6_is_tried_first),
    cmocka_unit_test(families_alternate),
    cmocka_unit_test(refused_first_address_moves_on_at_once),
    cmocka_unit_test(every_address_refused_reports_the_last_error),
    cmocka_unit_test(no_address_in_either_family_is_a_dns_error),
    cmocka_unit_test(write_timeout_covers_the_attempts),
    cmocka_unit_test(write_timeout_covers_the_lookup),
    cmocka_unit_test(free_with_attempts_in_flight),
    cmocka_unit_test(free_with_lookups_in_flight),
    cmocka_unit_test(base_free_waits_for_the_slower_lookup),
    cmocka_unit_test(delay_zero_keeps_the_resolver_order),
    cmocka_unit_test(delay_zero_does_not_race),
    cmocka_unit_test(data_written_before_connect_arrives),
    cmocka_unit_test(data_through_a_filter_arrives),
#if UVBEV_WITH_OPENSSL
    cmocka_unit_test(data_through_tls_arrives),
#endif
    cmocka_unit_test(the_setting_refuses_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
