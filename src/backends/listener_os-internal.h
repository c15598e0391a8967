/* SPDX-License-Identifier: MIT */
/* The listener's socket calls (listener.c), one implementation per
 * platform in listener_os.c, so that listener.c needs no #ifdef _WIN32. */
#ifndef UVBEV_LISTENER_OS_INTERNAL_H_
#define UVBEV_LISTENER_OS_INTERNAL_H_

#include "event2/util.h"
#include "sock_os-internal.h"

/* A non-blocking, close-on-exec stream socket of `family`, with
 * SO_KEEPALIVE (as libevent's listeners), or UVBEV_NO_SOCKET with the socket
 * error set. */
evutil_socket_t uvbev_sock_stream_(int family);

/* IPV6_V6ONLY on (LEV_OPT_BIND_IPV6ONLY): 0, or -1 with the socket error
 * set. */
int uvbev_sock_ipv6only_(evutil_socket_t fd);

/* listen(), bind(): 0, or -1 with the socket error set. */
int uvbev_sock_listen_(evutil_socket_t fd, int backlog);
int uvbev_sock_bind_(evutil_socket_t fd, const struct sockaddr *sa, int socklen);

/* accept() of one connection, made non-blocking (unless `blocking`) and
 * close-on-exec (if `cloexec`); *len in/out.  Returns the socket, or
 * UVBEV_NO_SOCKET with the socket error set. */
evutil_socket_t uvbev_sock_accept_(evutil_socket_t fd, struct sockaddr *sa, int *len, int blocking,
                                   int cloexec);

/* Non-zero if accept() failing with socket error `err` only means "not now"
 * (would block, interrupted, the peer gave up). */
int uvbev_sock_accept_retriable_(int err);

#endif
