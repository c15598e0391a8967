/* SPDX-License-Identifier: MIT */
/* evdns_base and evdns_getaddrinfo (include/event2/dns.h) over the shared
 * asynchronous lookup (dns-internal.h).  An evdns_base is a list of its
 * pending requests; requests outlive it (detached) until their lookup calls
 * back. */
#include <stdlib.h>

#include "mm-internal.h"
#include "event2/dns.h"
#include "dns-internal.h"
#include "list-internal.h"

struct evdns_base {
  struct event_base *base;
  struct uvbev_list requests;
};

struct evdns_getaddrinfo_request {
  struct uvbev_list node; /* on dns->requests while attached */
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

void evdns_base_free(struct evdns_base *dns, int fail_requests) {
  if (!dns) return;
  while (!uvbev_list_empty(&dns->requests)) {
    struct evdns_getaddrinfo_request *req =
        UVBEV_CONTAINER_OF(dns->requests.next, struct evdns_getaddrinfo_request, node);
    uvbev_list_remove(&req->node);
    req->dns = NULL;
    if (!fail_requests) req->cb = NULL;
    uvbev_lookup_cancel_(req->lookup);
  }
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

struct evdns_getaddrinfo_request *evdns_getaddrinfo(struct evdns_base *dns_base,
                                                    const char *nodename, const char *servname,
                                                    const struct evutil_addrinfo *hints_in,
                                                    evdns_getaddrinfo_cb cb, void *arg) {
  struct evdns_getaddrinfo_request *req;
  if (!dns_base || !cb) return NULL;
  if (!nodename && !servname) {
    cb(EVUTIL_EAI_NONAME, NULL, arg); /* as libevent: answered at once */
    return NULL;
  }
  req = uvbev_calloc_(1, sizeof(*req));
  if (!req) return NULL;
  req->dns = dns_base;
  req->cb = cb;
  req->arg = arg;
  req->lookup =
      uvbev_lookup_start_(dns_base->base, nodename, servname, hints_in, request_done, req);
  if (!req->lookup) {
    uvbev_free_(req);
    return NULL;
  }
  uvbev_list_insert_tail(&dns_base->requests, &req->node);
  return req;
}

void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req) {
  if (req) uvbev_lookup_cancel_(req->lookup);
}
