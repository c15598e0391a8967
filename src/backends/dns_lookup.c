/* SPDX-License-Identifier: MIT */
/* Asynchronous name lookups on libuv's thread pool (dns-internal.h). */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "mm-internal.h"
#include "dns-internal.h"
#include "event-internal.h"
#include "base-internal.h"

struct uvbev_lookup {
  uv_work_t work;
  struct uvbev_child child; /* the base cancels us when it is freed */
  struct event_base *base;
  char *node;
  char *serv;
  struct evutil_addrinfo hints;
  int has_hints;
  int cancelled;
  int err;
  struct evutil_addrinfo *res;
  uvbev_lookup_cb cb;
  void *arg;
  int awaited;  /* the base's shutdown waits for the callback, then frees */
  int finished; /* the callback has run */
};

static char *dup_or_null(const char *s) {
  size_t n;
  char *d;
  if (!s) return NULL;
  n = strlen(s) + 1;
  d = uvbev_malloc_(n);
  if (d) memcpy(d, s, n);
  return d;
}

static void lookup_free(struct uvbev_lookup *l) {
  uvbev_free_(l->node);
  uvbev_free_(l->serv);
  uvbev_free_(l);
}

/* Tests only (dns-internal.h): uv_queue_work orders the store before the
 * thread pool's read. */
static uvbev_resolver_fn resolver_hook;

void uvbev_lookup_set_resolver_(uvbev_resolver_fn fn) {
  resolver_hook = fn;
}

/* Thread pool: the blocking resolver. */
static void lookup_work(uv_work_t *req) {
  struct uvbev_lookup *l = req->data;
  uvbev_resolver_fn resolve = resolver_hook ? resolver_hook : evutil_getaddrinfo;
  l->res = NULL;
  l->err = resolve(l->node, l->serv, l->has_hints ? &l->hints : NULL, &l->res);
}

/* Loop: report and free. */
static void lookup_done(uv_work_t *req, int status) {
  struct uvbev_lookup *l = req->data;
  uvbev_base_remove_child_(l->base, &l->child);
  if (status == UV_ECANCELED || l->cancelled) {
    if (l->res) evutil_freeaddrinfo(l->res);
    l->res = NULL;
    l->err = EVUTIL_EAI_CANCEL;
  } else if (l->err != 0 && l->res) {
    evutil_freeaddrinfo(l->res);
    l->res = NULL;
  }
  uvbev_base_note_callback_(l->base);
  l->cb(l->err, l->res, l->arg);
  if (l->awaited)
    l->finished = 1;
  else
    lookup_free(l);
}

/* A lookup already running cannot be stopped and reports to the loop: the
 * base waits for it (the resolver's own timeouts bound the wait), so that the
 * loop can close and nothing runs once the base is gone.  Not in a forked
 * child before event_reinit, whose loop must not run (and whose thread pool
 * did not survive the fork). */
static void lookup_on_base_shutdown(struct uvbev_child *c) {
  struct uvbev_lookup *l = UVBEV_CONTAINER_OF(c, struct uvbev_lookup, child);
  uv_loop_t *loop = uvbev_base_loop_(l->base);
  uvbev_lookup_cancel_(l);
  if (uvbev_base_forked_(l->base)) return;
  l->awaited = 1;
  while (!l->finished)
    uv_run(loop, UV_RUN_ONCE);
  lookup_free(l);
}

struct uvbev_lookup *uvbev_lookup_start_(struct event_base *base, const char *node,
                                         const char *serv, const struct evutil_addrinfo *hints,
                                         uvbev_lookup_cb cb, void *arg) {
  struct uvbev_lookup *l = uvbev_calloc_(1, sizeof(*l));
  if (!l) return NULL;
  l->base = base;
  l->cb = cb;
  l->arg = arg;
  l->node = dup_or_null(node);
  l->serv = dup_or_null(serv);
  if ((node && !l->node) || (serv && !l->serv)) {
    lookup_free(l);
    return NULL;
  }
  if (hints) {
    /* Only the request fields: a caller's hints may carry stale pointers. */
    l->has_hints = 1;
    l->hints.ai_flags = hints->ai_flags;
    l->hints.ai_family = hints->ai_family;
    l->hints.ai_socktype = hints->ai_socktype;
    l->hints.ai_protocol = hints->ai_protocol;
  }
  l->work.data = l;
  if (uv_queue_work(uvbev_base_loop_(base), &l->work, lookup_work, lookup_done) < 0) {
    lookup_free(l);
    return NULL;
  }
  uvbev_base_add_child_(base, &l->child, lookup_on_base_shutdown);
  return l;
}

void uvbev_lookup_cancel_(struct uvbev_lookup *l) {
  if (!l || l->cancelled) return;
  l->cancelled = 1;
  uv_cancel((uv_req_t *)&l->work); /* UV_EBUSY when running: result dropped */
}
