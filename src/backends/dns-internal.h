/* SPDX-License-Identifier: MIT */
/* Asynchronous name lookups, shared by evdns_getaddrinfo() and
 * bufferevent_socket_connect_hostname().
 *
 * A lookup runs the platform resolver (evutil_getaddrinfo) on libuv's thread
 * pool (uv_queue_work) and calls back on the loop.  uv_getaddrinfo would do
 * the same, but on Windows it returns its own single-block copy of the list,
 * which evutil_freeaddrinfo() (the platform's freeaddrinfo) cannot free; the
 * lists handed to users must be the platform's.
 *
 * Life: uvbev_lookup_start_ -> exactly one callback, always from the loop
 * (never from inside start) -> the lookup frees itself after the callback.
 * uvbev_lookup_cancel_ makes that one callback report EVUTIL_EAI_CANCEL with
 * no result (uv_cancel stops the work while it is queued; a lookup already
 * running finishes and its result is thrown away).  Each lookup is a child of
 * the base: event_base_free cancels it, and waits for one already running
 * (its callback needs the loop, which cannot close before). */
#ifndef UVBEV_DNS_INTERNAL_H_
#define UVBEV_DNS_INTERNAL_H_

#include "event2/util.h"

struct event_base;
struct uvbev_lookup;

/* eai_err: 0 or an EVUTIL_EAI_* code; res (NULL on error) belongs to the
 * callback, to be freed with evutil_freeaddrinfo. */
typedef void (*uvbev_lookup_cb)(int eai_err, struct evutil_addrinfo *res, void *arg);

/* Starts a lookup.  Returns it, or NULL (out of memory; no callback). */
struct uvbev_lookup *uvbev_lookup_start_(struct event_base *base, const char *node,
                                         const char *serv, const struct evutil_addrinfo *hints,
                                         uvbev_lookup_cb cb, void *arg);

/* Cancels a lookup whose callback has not run yet (see above); NULL does
 * nothing. */
void uvbev_lookup_cancel_(struct uvbev_lookup *l);

/* Test hook, not API: the resolver the lookups call on the thread pool,
 * instead of evutil_getaddrinfo (NULL puts it back).  Its lists are freed
 * with evutil_freeaddrinfo.  Set it only while no lookup is running. */
typedef int (*uvbev_resolver_fn)(const char *node, const char *serv,
                                 const struct evutil_addrinfo *hints, struct evutil_addrinfo **res);
void uvbev_lookup_set_resolver_(uvbev_resolver_fn fn);

#endif
