/* SPDX-License-Identifier: MIT */
/** @file
 * Asynchronous name resolution (the subset of libevent 2.1's <event2/dns.h>
 * that connecting by name needs), implemented by uvbev on libuv's thread pool
 * with the platform resolver.
 *
 * uvbev has no DNS client of its own: an evdns_base carries no nameserver
 * configuration, every lookup goes to the system resolver (getaddrinfo, so
 * /etc/hosts, nsswitch, resolv.conf apply as for any program), and results
 * always arrive asynchronously, from the loop. */
#ifndef UVBEV_EVENT2_DNS_H_INCLUDED_
#define UVBEV_EVENT2_DNS_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes of libevent's DNS client (0-5 as in RFC 1035).  uvbev reports
 * lookup errors as EVUTIL_EAI_* codes and never these; they are defined for
 * code that names them. */
#define DNS_ERR_NONE 0          /**< libevent DNS: no error */
#define DNS_ERR_FORMAT 1        /**< libevent DNS: the server did not understand the query */
#define DNS_ERR_SERVERFAILED 2  /**< libevent DNS: the server failed */
#define DNS_ERR_NOTEXIST 3      /**< libevent DNS: the name does not exist */
#define DNS_ERR_NOTIMPL 4       /**< libevent DNS: the server does not implement the query */
#define DNS_ERR_REFUSED 5       /**< libevent DNS: the server refused */
#define DNS_ERR_TRUNCATED 65    /**< libevent DNS: the reply was truncated */
#define DNS_ERR_UNKNOWN 66      /**< libevent DNS: unknown error */
#define DNS_ERR_TIMEOUT 67      /**< libevent DNS: no reply in time */
#define DNS_ERR_SHUTDOWN 68     /**< libevent DNS: the evdns_base was freed */
#define DNS_ERR_CANCEL 69       /**< libevent DNS: the request was cancelled */
#define DNS_ERR_NODATA 70       /**< libevent DNS: no record of the asked type */

#define DNS_IPv4_A 1    /**< libevent DNS record type A (not used by uvbev) */
#define DNS_PTR 2       /**< libevent DNS record type PTR (not used by uvbev) */
#define DNS_IPv6_AAAA 3 /**< libevent DNS record type AAAA (not used by uvbev) */

#define DNS_QUERY_NO_SEARCH 1 /**< libevent DNS query flag (not used by uvbev) */
#define DNS_NO_SEARCH DNS_QUERY_NO_SEARCH /**< old name of DNS_QUERY_NO_SEARCH */

#define DNS_OPTION_SEARCH 1      /**< libevent resolv.conf option (not used by uvbev) */
#define DNS_OPTION_NAMESERVERS 2 /**< libevent resolv.conf option (not used by uvbev) */
#define DNS_OPTION_MISC 4        /**< libevent resolv.conf option (not used by uvbev) */
#define DNS_OPTION_HOSTSFILE 8   /**< libevent resolv.conf option (not used by uvbev) */
/** Every DNS_OPTION_* above. */
#define DNS_OPTIONS_ALL                                                                            \
  (DNS_OPTION_SEARCH | DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC | DNS_OPTION_HOSTSFILE)
/** libevent resolv.conf option (not used by uvbev). */
#define DNS_OPTION_NAMESERVERS_NO_DEFAULT 16

/** evdns_base_new() flag: read the system's resolver configuration.
 * uvbev: accepted; the system resolver is always used. */
#define EVDNS_BASE_INITIALIZE_NAMESERVERS 1
/** evdns_base_new() flag: do not keep the loop alive while idle.
 * uvbev: accepted; an idle evdns_base never keeps the loop alive. */
#define EVDNS_BASE_DISABLE_WHEN_INACTIVE 0x8000
/** evdns_base_new() flag: no default nameserver.  uvbev: accepted, no effect. */
#define EVDNS_BASE_NAMESERVERS_NO_DEFAULT 0x10000

struct event_base;
struct evdns_base;
struct evdns_getaddrinfo_request;

/**
 * Creates a DNS resolver context for a base.
 * @param event_base the base on which lookups call back
 * @param flags 0 or EVDNS_BASE_* flags (all accepted, see above); older code
 *   passes 1 (= EVDNS_BASE_INITIALIZE_NAMESERVERS)
 * @return the new evdns_base, or NULL (NULL base, unknown flags, no memory)
 */
UVBEV_API struct evdns_base *evdns_base_new(struct event_base *event_base, int flags);

/**
 * Frees an evdns_base.  Its pending evdns_getaddrinfo() requests are
 * cancelled: with fail_requests non-zero their callbacks still run (later,
 * from the loop) with EVUTIL_EAI_CANCEL; with 0 they never run.
 * Lookups started by bufferevent_socket_connect_hostname() do not depend on
 * the evdns_base and are not affected.
 */
UVBEV_API void evdns_base_free(struct evdns_base *base, int fail_requests);

/** Callback of evdns_getaddrinfo(): result is 0 or an EVUTIL_EAI_* code;
 * res (NULL on error) is the caller's, to free with evutil_freeaddrinfo(). */
typedef void (*evdns_getaddrinfo_cb)(int result, struct evutil_addrinfo *res, void *arg);

/**
 * Resolves nodename/servname like getaddrinfo(), without blocking.
 * @param dns_base the resolver context (must not be NULL)
 * @param nodename host name or numeric address (may be NULL if servname is not)
 * @param servname service name or port number (may be NULL)
 * @param hints_in ai_family, ai_socktype, ai_protocol and ai_flags are used
 * @param cb called once with the result
 * @param arg passed to cb
 * @return the pending request, or NULL when cb was already called (both names
 *   NULL: EVUTIL_EAI_NONAME) or on bad arguments / no memory (cb not called).
 *
 * uvbev: the callback always runs later from the loop, even for numeric
 * addresses that libevent answers at once (returning NULL).
 */
UVBEV_API struct evdns_getaddrinfo_request *
evdns_getaddrinfo(struct evdns_base *dns_base, const char *nodename, const char *servname,
                  const struct evutil_addrinfo *hints_in, evdns_getaddrinfo_cb cb, void *arg);

/**
 * Cancels a pending evdns_getaddrinfo(): its callback runs later with
 * EVUTIL_EAI_CANCEL and no result.  Must not be called once the callback ran.
 */
UVBEV_API void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req);

#ifdef __cplusplus
}
#endif

#endif
