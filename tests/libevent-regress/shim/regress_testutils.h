/* SPDX-License-Identifier: MIT */
/* The harness's own version of libevent's test helper header: only the
 * helpers the in-scope tests use (no DNS server). */
#ifndef UVBEV_REGRESS_TESTUTILS_H_INCLUDED_
#define UVBEV_REGRESS_TESTUTILS_H_INCLUDED_

#include "event2/util.h"

struct evconnlistener;
struct sockaddr;

/** The port a socket is bound on, in host order; -1 on error. */
int regress_get_socket_port(evutil_socket_t fd);

/** getsockname() of a listener's socket. */
int regress_get_listener_addr(struct evconnlistener *lev,
    struct sockaddr *sa, ev_socklen_t *socklen);

#endif
