/* SPDX-License-Identifier: MIT */
/* Connecting to a name: Happy Eyeballs v2 (RFC 8305) for
 * bufferevent_socket_connect_hostname() and bev_socket_connect_addrs_().
 *
 * Resolution (§3): with AF_UNSPEC, AAAA and A are looked up in parallel on
 * the thread pool (two lookups, src[0] and src[1]; one for an address
 * literal).  Attempts start with the first answer, except that an A answer
 * waits up to RESOLUTION_DELAY_MS for the AAAA one.  An answer arriving
 * later joins the addresses still to try.
 *
 * Order (§4): IPv6 first, then the families alternate; within a family the
 * resolver's order.  A caller's list starts with the family of its first
 * address and alternates the same way.
 *
 * Attempts (§5): each address gets its own socket (the first may be the
 * caller's, installed by bufferevent_socket_new).  The next attempt starts
 * when the previous one fails, or when the connection attempt delay
 * (uvbev_bufferevent_set_connect_attempt_delay, 250 ms by default) has passed
 * while earlier attempts stay open, at most MAX_ATTEMPTS at a time.  The
 * first to connect becomes s->conn, exactly as a sequential connect would
 * leave it; the others are closed.  When none is left, the last to fail
 * stays as s->conn (as libevent leaves a failed socket) and its error is
 * reported.
 *
 * A delay of 0 turns all of this off: one lookup of the caller's family,
 * whose addresses are tried one after another in the resolver's order.
 *
 * Everything runs on the loop thread under the bufferevent's lock.  Attempts
 * in flight are not s->conn (nothing reads or writes on them); every
 * lookup holds a reference on the bufferevent until its callback, closing
 * sockets and the timer hold one until their close callbacks, so freeing the
 * bufferevent mid-race leaks nothing and calls nobody. */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "bev_socket-internal.h"
#include "dns-internal.h"
#include "event-internal.h"
#include "uvbev/uvbev.h"

#define DEFAULT_ATTEMPT_DELAY_MS 250u
#define MIN_ATTEMPT_DELAY_MS 10u /* RFC 8305 §5: never below 10 ms */
#define MAX_ATTEMPT_DELAY_MS 60000u
#define RESOLUTION_DELAY_MS 50u
#define MAX_ATTEMPTS 8

/* Addresses of one family (or, with a delay of 0, of any): a lookup's list,
 * or the part of the caller's list that has this family. */
struct race_src {
  struct uvbev_lookup *lookup;   /* pending lookup, or NULL */
  struct evutil_addrinfo *owned; /* list to free (NULL: another source owns it) */
  struct evutil_addrinfo *cur;   /* next address to try, or NULL */
  int family;                    /* of the addresses taken (AF_UNSPEC: both) */
};

struct race_timer {
  uv_timer_t timer;
  struct bev_socket *s;
};

struct bev_socket_addrs {
  struct race_src src[2];             /* [0]: the family tried first */
  struct bev_conn *att[MAX_ATTEMPTS]; /* attempts in flight */
  int n_att;
  int turn;                 /* the source of the next attempt */
  int tried;                /* addresses taken in this race */
  int active;               /* a race runs */
  int last_err;             /* libuv error of the last failed attempt */
  int dns_err;              /* EVUTIL_EAI_* of the last failed lookup */
  int dns_error;            /* bufferevent_socket_get_dns_error's answer */
  struct race_timer *timer; /* attempt or resolution delay, or NULL */
  unsigned delay_ms;        /* the race's attempt delay; 0: sequential */
  unsigned delay_setting;   /* for the next race (the user's) */
};

/* s->addrs, allocated on first use (NULL: out of memory). */
static struct bev_socket_addrs *addrs_get(struct bev_socket *s) {
  if (s->addrs) return s->addrs;
  s->addrs = uvbev_calloc_(1, sizeof(*s->addrs));
  if (s->addrs) s->addrs->delay_setting = DEFAULT_ATTEMPT_DELAY_MS;
  return s->addrs;
}

/* ---- sockets of the attempts ------------------------------------------------------ */

/* A socket for an attempt, not s->conn: the caller's own socket the first
 * time, else a new one (bev_socket_conn_create_ installs what it makes, so
 * s->conn is set aside meanwhile).  Returns 0 or a libuv error. */
static int attempt_conn(struct bev_socket *s, int family, struct bev_conn **out) {
  struct bev_conn *keep = s->conn;
  int r = 0;
  if (keep && !keep->failed && !keep->connecting) {
    *out = keep; /* the caller's socket, from bufferevent_socket_new */
    s->conn = NULL;
    return 0;
  }
  s->conn = NULL;
  r = bev_socket_conn_create_(s, family);
  *out = s->conn;
  s->conn = keep;
  return r;
}

/* Closes an attempt's socket (bev_socket_conn_drop_ works on s->conn). */
static void attempt_close(struct bev_socket *s, struct bev_conn *c) {
  struct bev_conn *keep = s->conn;
  s->conn = c;
  bev_socket_conn_drop_(s);
  s->conn = keep;
}

/* Removes c from the attempts in flight; 0 if it was not one of them. */
static int attempt_forget(struct bev_socket_addrs *a, struct bev_conn *c) {
  int i;
  for (i = 0; i < a->n_att; i++) {
    if (a->att[i] != c) continue;
    a->att[i] = a->att[--a->n_att];
    return 1;
  }
  return 0;
}

static int attempt_start(struct bev_socket *s, const struct evutil_addrinfo *ai) {
  struct bev_conn *c = NULL;
  int r = attempt_conn(s, ai->ai_family, &c);
  if (r < 0) return r;
  r = bev_socket_conn_connect_(c, ai->ai_addr, (int)ai->ai_addrlen);
  if (r < 0) {
    attempt_close(s, c);
    return r;
  }
  s->addrs->att[s->addrs->n_att++] = c;
  return 0;
}

/* ---- the timer ---------------------------------------------------------------------- */

static void race_next(struct bev_socket *s);

static void on_timer(uv_timer_t *t) {
  struct bev_socket *s = ((struct race_timer *)t->data)->s;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_(bev);
  BEV_LOCK(bev);
  if (!s->p.freed && s->addrs && s->addrs->active) race_next(s);
  BEV_UNLOCK(bev);
  bev_core_decref_(bev);
}

static void timer_closed(uv_handle_t *h) {
  struct race_timer *rt = h->data;
  struct bufferevent *bev = &rt->s->p.bev;
  uvbev_free_(rt);
  bev_core_decref_(bev);
}

static void timer_close(struct bev_socket *s) {
  struct race_timer *rt = s->addrs->timer;
  if (!rt) return;
  s->addrs->timer = NULL;
  bev_core_incref_(&s->p.bev); /* dropped by timer_closed */
  uvbev_base_close_handle_(s->p.bev.ev_base, (uv_handle_t *)&rt->timer, timer_closed);
}

/* Runs race_next after ms (restarting the timer).  Out of memory: never; a
 * failure or an answer still moves the race on. */
static void timer_arm(struct bev_socket *s, unsigned ms) {
  struct event_base *base = s->p.bev.ev_base;
  struct race_timer *rt = s->addrs->timer;
  if (!rt) {
    rt = uvbev_calloc_(1, sizeof(*rt));
    if (!rt) return;
    uv_timer_init(uvbev_base_loop_(base), &rt->timer); /* only fills the struct */
    rt->timer.data = rt;
    rt->s = s;
    s->addrs->timer = rt;
  }
  uv_timer_start(&rt->timer, on_timer, uvbev_base_timer_delay_(base, ms), 0);
}

static int timer_running(const struct bev_socket_addrs *a) {
  return a->timer && uv_is_active((const uv_handle_t *)&a->timer->timer);
}

/* ---- the order of the addresses ------------------------------------------------------ */

/* The first address, from ai on, of `family` (AF_UNSPEC: IPv4 or IPv6). */
static struct evutil_addrinfo *first_of(struct evutil_addrinfo *ai, int family) {
  for (; ai; ai = ai->ai_next) {
    int f = ai->ai_addr ? ai->ai_family : AF_UNSPEC;
    if (family == AF_UNSPEC ? (f == AF_INET || f == AF_INET6) : f == family) return ai;
  }
  return NULL;
}

static void src_set(struct race_src *src, struct evutil_addrinfo *owned,
                    struct evutil_addrinfo *list, int family) {
  src->owned = owned;
  src->family = family;
  src->cur = first_of(list, family);
}

/* The next address to try: from the source whose turn it is, else from the
 * other one; the turn then passes to the other family. */
static const struct evutil_addrinfo *take_next(struct bev_socket_addrs *a) {
  int k;
  for (k = 0; k < 2; k++) {
    int i = (a->turn + k) % 2;
    struct evutil_addrinfo *ai = a->src[i].cur;
    if (!ai) continue;
    a->src[i].cur = first_of(ai->ai_next, a->src[i].family);
    a->turn = 1 - i;
    a->tried++;
    return ai;
  }
  return NULL;
}

/* ---- the race ------------------------------------------------------------------------ */

/* Ends the race: lookups cancelled (their callbacks see EVUTIL_EAI_CANCEL),
 * attempts and timer closed, addresses freed.  The delay setting stays. */
static void race_stop(struct bev_socket *s) {
  struct bev_socket_addrs *a = s->addrs;
  int i;
  for (i = 0; i < 2; i++) {
    uvbev_lookup_cancel_(a->src[i].lookup);
    if (a->src[i].owned) evutil_freeaddrinfo(a->src[i].owned);
    memset(&a->src[i], 0, sizeof(a->src[i]));
  }
  while (a->n_att > 0)
    attempt_close(s, a->att[--a->n_att]);
  timer_close(s);
  a->active = 0;
}

/* Nothing in flight and nothing left to try: the race is lost.  `last` (the
 * attempt that failed last, or NULL) stays as the failed socket. */
static void race_lost(struct bev_socket *s, struct bev_conn *last) {
  struct bev_socket_addrs *a = s->addrs;
  int tried = a->tried, err = a->last_err;
  race_stop(s);
  if (last) {
    bev_socket_conn_drop_(s);
    s->conn = last;
  }
  if (tried == 0) {
    a->dns_error = a->dns_err ? a->dns_err : EVUTIL_EAI_NONAME;
    bev_socket_connect_end_(s);
    bev_core_run_eventcb_(&s->p.bev, BEV_EVENT_ERROR, 0);
    return;
  }
  bev_socket_connect_failed_(s, err ? err : UV_ECONNREFUSED);
}

static int race_exhausted(const struct bev_socket_addrs *a) {
  return a->n_att == 0 && !a->src[0].lookup && !a->src[1].lookup && !a->src[0].cur &&
         !a->src[1].cur;
}

/* Starts the next attempt now (the addresses that cannot start are
 * skipped) and arms the attempt delay for the one after it.  Returns 0 if
 * one started. */
static int race_try(struct bev_socket *s) {
  struct bev_socket_addrs *a = s->addrs;
  const struct evutil_addrinfo *ai;
  while (a->n_att < MAX_ATTEMPTS && (ai = take_next(a)) != NULL) {
    int r = attempt_start(s, ai);
    if (r == 0) {
      if (a->delay_ms) timer_arm(s, a->delay_ms);
      return 0;
    }
    a->last_err = r;
  }
  return -1;
}

static void race_next(struct bev_socket *s) {
  if (race_try(s) < 0 && race_exhausted(s->addrs)) race_lost(s, NULL);
}

static void race_won(struct bev_socket *s, struct bev_conn *c) {
  race_stop(s);
  bev_socket_conn_drop_(s); /* a socket left by an earlier connect */
  s->conn = c;
  bev_socket_connected_(s);
}

int bev_socket_race_attempt_done_(struct bev_socket *s, struct bev_conn *c, int status) {
  struct bev_socket_addrs *a = s->addrs;
  if (!a || !a->active || !attempt_forget(a, c)) return 0;
  if (status == 0) {
    race_won(s, c);
    return 1;
  }
  a->last_err = status;
  if (race_exhausted(a)) {
    race_lost(s, c);
    return 1;
  }
  attempt_close(s, c);
  race_next(s); /* a failure moves on at once */
  return 1;
}

/* Starts a race whose addresses come later or are set by the caller. */
static struct bev_socket_addrs *race_begin(struct bev_socket *s) {
  struct bev_socket_addrs *a = addrs_get(s);
  if (!a) return NULL;
  if (a->active) race_stop(s);
  a->active = 1;
  a->turn = a->tried = a->n_att = 0;
  a->last_err = a->dns_err = 0;
  a->delay_ms = a->delay_setting;
  /* A failed socket, or one a plain connect still uses, cannot serve. */
  if (s->conn && (s->conn->failed || s->conn->connecting)) bev_socket_conn_drop_(s);
  return a;
}

int bev_socket_connect_addrs_(struct bev_socket *s, struct evutil_addrinfo *list) {
  struct bev_socket_addrs *a = race_begin(s);
  int first;
  if (!a) {
    evutil_freeaddrinfo(list);
    return -1;
  }
  first = list && list->ai_family == AF_INET ? AF_INET : AF_INET6;
  src_set(&a->src[0], list, list, a->delay_ms ? first : AF_UNSPEC);
  if (a->delay_ms) src_set(&a->src[1], NULL, list, first == AF_INET ? AF_INET6 : AF_INET);
  bev_socket_connect_begin_(s);
  if (race_try(s) == 0) return 0;
  race_stop(s); /* nothing could start: -1 and no callback */
  bev_socket_connect_end_(s);
  return -1;
}

/* ---- lookups ------------------------------------------------------------------------- */

static void resolved(struct bev_socket *s, int i, int err, struct evutil_addrinfo *res) {
  struct bev_socket_addrs *a = s->addrs;
  struct race_src *src = &a->src[i];
  src->lookup = NULL;
  if (err == 0 && res) {
    src_set(src, res, res, src->family);
  } else {
    if (res) evutil_freeaddrinfo(res);
    a->dns_err = err ? err : EVUTIL_EAI_NONAME;
  }
  if (i == 1 && a->src[0].lookup && a->tried == 0 && src->cur) {
    timer_arm(s, RESOLUTION_DELAY_MS); /* §3: the AAAA answer may follow soon */
    return;
  }
  if (a->n_att == 0 || (a->delay_ms && !timer_running(a))) {
    if (a->timer) uv_timer_stop(&a->timer->timer); /* the resolution delay */
    race_next(s);
  }
}

static void on_resolved(struct bev_socket *s, int i, int err, struct evutil_addrinfo *res) {
  struct bufferevent *bev = &s->p.bev;
  BEV_LOCK(bev);
  /* Cancelled: by race_stop, which forgot the lookup; res is NULL then. */
  if (err != EVUTIL_EAI_CANCEL) resolved(s, i, err, res);
  BEV_UNLOCK(bev);
  bev_core_decref_(bev); /* the lookup's reference */
}

static void on_resolved_0(int err, struct evutil_addrinfo *res, void *arg) {
  on_resolved(arg, 0, err, res);
}

static void on_resolved_1(int err, struct evutil_addrinfo *res, void *arg) {
  on_resolved(arg, 1, err, res);
}

/* Starts the lookup of source i, for `family`.  Returns 0 or -1. */
static int lookup_start(struct bev_socket *s, int i, int family, const char *hostname,
                        const char *port) {
  struct bufferevent *bev = &s->p.bev;
  struct evutil_addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  bev_core_incref_(bev); /* the lookup's reference */
  s->addrs->src[i].lookup = uvbev_lookup_start_(bev->ev_base, hostname, port, &hints,
                                                i ? on_resolved_1 : on_resolved_0, s);
  if (s->addrs->src[i].lookup) return 0;
  bev_core_decref_(bev);
  return -1;
}

/* An address literal has one family: asking the other would query DNS for
 * it as a name (RFC 8305 §7 leaves literals alone). */
static int is_literal(const char *hostname) {
  unsigned char buf[16];
  unsigned scope;
  return evutil_inet_pton(AF_INET, hostname, buf) == 1 ||
         evutil_inet_pton_scope(AF_INET6, hostname, buf, &scope) == 1;
}

int bev_socket_race_name_(struct bev_socket *s, int family, const char *hostname,
                          const char *port) {
  struct bev_socket_addrs *a = race_begin(s);
  int both;
  if (!a) return -1;
  both = a->delay_ms && family == AF_UNSPEC && !is_literal(hostname);
  a->src[0].family = both ? AF_INET6 : a->delay_ms ? family : AF_UNSPEC;
  a->src[1].family = AF_INET;
  if (lookup_start(s, 0, both ? AF_INET6 : family, hostname, port) < 0 ||
      (both && lookup_start(s, 1, AF_INET, hostname, port) < 0)) {
    race_stop(s);
    return -1;
  }
  bev_socket_connect_begin_(s);
  return 0;
}

/* ---- ends and settings ------------------------------------------------------------------ */

void bev_socket_cancel_lookup_(struct bev_socket *s) {
  if (!s->addrs || !s->addrs->active) return;
  race_stop(s);
  bev_socket_connect_end_(s);
}

void bev_socket_addrs_free_(struct bev_socket *s) {
  /* on_free stopped any race: only the memory is left */
  uvbev_free_(s->addrs);
  s->addrs = NULL;
}

int uvbev_bufferevent_set_connect_attempt_delay(struct bufferevent *bev, unsigned msec) {
  struct bev_socket *s = bev_socket_bottom_(bev);
  struct bev_socket_addrs *a;
  if (!s || msec > MAX_ATTEMPT_DELAY_MS) return -1;
  BEV_LOCK(&s->p.bev);
  a = addrs_get(s);
  if (a) a->delay_setting = msec && msec < MIN_ATTEMPT_DELAY_MS ? MIN_ATTEMPT_DELAY_MS : msec;
  BEV_UNLOCK(&s->p.bev);
  return a ? 0 : -1;
}

int bev_socket_dns_error_(const struct bev_socket *s) {
  return s->addrs ? s->addrs->dns_error : 0;
}

void bev_socket_dns_error_clear_(struct bev_socket *s) {
  if (s->addrs) s->addrs->dns_error = 0;
}
