/* SPDX-License-Identifier: MIT */
/* evdns_base and evdns_getaddrinfo (include/event2/dns.h) over the shared
 * asynchronous lookup (dns-internal.h).  An evdns_base is a list of its
 * pending requests; requests outlive it (detached) until their lookup calls
 * back.  Starting, cancelling and freeing touch the loop and that list: from
 * another thread (libevent allows any), the loop thread does them while the
 * caller waits (uvbev_base_call_). */
#include <stdlib.h>

#include "mm-internal.h"
#include "event2/dns.h"
#include "dns-internal.h"
#include "event-internal.h"
#include "list-internal.h"

struct evdns_base {
  struct event_base *base;
  struct uvbev_list requests;
};

struct evdns_getaddrinfo_request {
  struct uvbev_list node; /* on dns->requests while attached */
  struct event_base *base;
  struct evdns_base *dns; /* NULL once the evdns_base was freed */
  struct uvbev_lookup *lookup;
  evdns_getaddrinfo_cb cb; /* NULL: nobody wants the answer any more */
  void *arg;
};

#define EVDNS_BASE_KNOWN_FLAGS                                                                     \
  (EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE |                          \
   EVDNS_BASE_NAMESERVERS_NO_DEFAULT)

struct evdns_base *evdns_base_new(struct event_base *event_base, int flags) {
  struct evdns_base *dns;
  if (!event_base || (flags & ~EVDNS_BASE_KNOWN_FLAGS)) return NULL;
  dns = uvbev_calloc_(1, sizeof(*dns));
  if (!dns) return NULL;
  dns->base = event_base;
  uvbev_list_init(&dns->requests);
  return dns;
}

struct free_call {
  struct evdns_base *dns;
  int fail_requests;
};

static int base_free_on_loop(void *obj, const struct timeval *tv) {
  struct free_call *f = obj;
  (void)tv;
  while (!uvbev_list_empty(&f->dns->requests)) {
    struct evdns_getaddrinfo_request *req =
        UVBEV_CONTAINER_OF(f->dns->requests.next, struct evdns_getaddrinfo_request, node);
    uvbev_list_remove(&req->node);
    req->dns = NULL;
    if (!f->fail_requests) req->cb = NULL;
    uvbev_lookup_cancel_(req->lookup);
  }
  return 0;
}

void evdns_base_free(struct evdns_base *dns, int fail_requests) {
  struct free_call f;
  if (!dns) return;
  f.dns = dns;
  f.fail_requests = fail_requests;
  uvbev_base_call_(dns->base, base_free_on_loop, &f, NULL);
  uvbev_free_(dns);
}

static void request_done(int err, struct evutil_addrinfo *res, void *arg) {
  struct evdns_getaddrinfo_request *req = arg;
  if (req->dns) uvbev_list_remove(&req->node);
  if (req->cb)
    req->cb(err, res, req->arg);
  else if (res)
    evutil_freeaddrinfo(res);
  uvbev_free_(req);
}

struct start_call {
  struct evdns_getaddrinfo_request *req;
  const char *nodename;
  const char *servname;
  const struct evutil_addrinfo *hints;
};

static int request_start_on_loop(void *obj, const struct timeval *tv) {
  struct start_call *c = obj;
  struct evdns_getaddrinfo_request *req = c->req;
  (void)tv;
  req->lookup =
      uvbev_lookup_start_(req->base, c->nodename, c->servname, c->hints, request_done, req);
  if (!req->lookup) return -1;
  uvbev_list_insert_tail(&req->dns->requests, &req->node);
  return 0;
}

struct evdns_getaddrinfo_request *evdns_getaddrinfo(struct evdns_base *dns_base,
                                                    const char *nodename, const char *servname,
                                                    const struct evutil_addrinfo *hints_in,
                                                    evdns_getaddrinfo_cb cb, void *arg) {
  struct evdns_getaddrinfo_request *req;
  struct start_call start;
  if (!dns_base || !cb) return NULL;
  if (!nodename && !servname) {
    cb(EVUTIL_EAI_NONAME, NULL, arg); /* as libevent: answered at once */
    return NULL;
  }
  req = uvbev_calloc_(1, sizeof(*req));
  if (!req) return NULL;
  req->base = dns_base->base;
  req->dns = dns_base;
  req->cb = cb;
  req->arg = arg;
  start.req = req;
  start.nodename = nodename;
  start.servname = servname;
  start.hints = hints_in;
  if (uvbev_base_call_(req->base, request_start_on_loop, &start, NULL) < 0) {
    uvbev_free_(req);
    return NULL;
  }
  return req;
}

static int request_cancel_on_loop(void *obj, const struct timeval *tv) {
  struct evdns_getaddrinfo_request *req = obj;
  (void)tv;
  uvbev_lookup_cancel_(req->lookup);
  return 0;
}

void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req) {
  if (req) uvbev_base_call_(req->base, request_cancel_on_loop, req, NULL);
}
