/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private util-internal.h (see regress-shim.h): the
 * portable format macros, socket-error predicates, assertion and upcast
 * macros and the tests' PRNG.  Reads no library state. */
#ifndef UVBEV_REGRESS_UTIL_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_UTIL_INTERNAL_H_INCLUDED_

#include "regress-shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#endif

#include "event2/event-config.h"
#include "event2/util.h"

/* printf formats, as libevent spells them */
#define EV_I64_FMT "%lld"
#define EV_U64_FMT "%llu"
#define EV_I64_ARG(x) ((long long)(x))
#define EV_U64_ARG(x) ((unsigned long long)(x))
#define EV_SIZE_FMT "%zu"
#define EV_SSIZE_FMT "%zd"
#define EV_SIZE_ARG(x) (x)
#define EV_SSIZE_ARG(x) (x)
#ifdef _WIN32
#define EV_SOCK_FMT "%Id"
#else
#define EV_SOCK_FMT "%d"
#endif
#define EV_SOCK_ARG(x) (x)

/* shutdown() directions */
#ifdef _WIN32
#define EVUTIL_SHUT_RD SD_RECEIVE
#define EVUTIL_SHUT_WR SD_SEND
#define EVUTIL_SHUT_BOTH SD_BOTH
#else
#define EVUTIL_SHUT_RD SHUT_RD
#define EVUTIL_SHUT_WR SHUT_WR
#define EVUTIL_SHUT_BOTH SHUT_RDWR
#endif

/* Which socket errors mean "try again" (POSIX spelling). */
#ifndef _WIN32
#define EVUTIL_ERR_RW_RETRIABLE(e) ((e) == EINTR || (e) == EAGAIN)
#define EVUTIL_ERR_CONNECT_RETRIABLE(e) ((e) == EINTR || (e) == EINPROGRESS)
#define EVUTIL_ERR_ACCEPT_RETRIABLE(e) ((e) == EINTR || (e) == EAGAIN || (e) == ECONNABORTED)
#define EVUTIL_ERR_CONNECT_REFUSED(e) ((e) == ECONNREFUSED)
#else
#define EVUTIL_ERR_RW_RETRIABLE(e) ((e) == WSAEWOULDBLOCK || (e) == WSAEINTR)
#define EVUTIL_ERR_CONNECT_RETRIABLE(e) \
	((e) == WSAEWOULDBLOCK || (e) == WSAEINTR || (e) == WSAEINPROGRESS || (e) == WSAEINVAL)
#define EVUTIL_ERR_ACCEPT_RETRIABLE(e) EVUTIL_ERR_RW_RETRIABLE(e)
#define EVUTIL_ERR_CONNECT_REFUSED(e) ((e) == WSAECONNREFUSED)
#endif

#define EVUTIL_ASSERT(cond)                                              \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: assertion %s failed\n", \
			    __FILE__, __LINE__, #cond);                  \
			abort();                                         \
		}                                                        \
	} while (0)

#ifndef EVUTIL_UPCAST
#define EVUTIL_UPCAST(ptr, type, field) \
	((type *)(((char *)(ptr)) - offsetof(type, field)))
#endif

#define EVUTIL_FAILURE_CHECK(cond) (cond)

/* libevent's locale-independent ctype helpers are private functions; the
 * tests use them as plain ASCII classification, which is what these are.
 * (util/EVUTIL_IS_, which tests libevent's own, is excluded.) */
#define REGRESS_IN_(c, lo, hi) ((unsigned char)(c) >= (lo) && (unsigned char)(c) <= (hi))
#define EVUTIL_ISDIGIT_(c) REGRESS_IN_(c, '0', '9')
#define EVUTIL_ISLOWER_(c) REGRESS_IN_(c, 'a', 'z')
#define EVUTIL_ISUPPER_(c) REGRESS_IN_(c, 'A', 'Z')
#define EVUTIL_ISALPHA_(c) (EVUTIL_ISLOWER_(c) || EVUTIL_ISUPPER_(c))
#define EVUTIL_ISALNUM_(c) (EVUTIL_ISALPHA_(c) || EVUTIL_ISDIGIT_(c))
#define EVUTIL_ISXDIGIT_(c) \
	(EVUTIL_ISDIGIT_(c) || REGRESS_IN_(c, 'a', 'f') || REGRESS_IN_(c, 'A', 'F'))
#define EVUTIL_ISSPACE_(c) \
	((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' || (c) == '\v' || (c) == '\f')
#define EVUTIL_ISPRINT_(c) REGRESS_IN_(c, 0x20, 0x7e)
#define EVUTIL_TOUPPER_(c) ((char)(EVUTIL_ISLOWER_(c) ? (c) - 'a' + 'A' : (c)))
#define EVUTIL_TOLOWER_(c) ((char)(EVUTIL_ISUPPER_(c) ? (c) - 'A' + 'a' : (c)))

/* libevent-internal functions some tests call (those tests are excluded) */
#define evutil_rtrim_lws_(s) ((void)REGRESS_INTERNAL(evutil_rtrim_lws_))
#define evutil_v4addr_is_local_(a) REGRESS_INTERNAL(evutil_v4addr_is_local_)
#define evutil_v6addr_is_local_(a) REGRESS_INTERNAL(evutil_v6addr_is_local_)
#define evutil_sockaddr_is_loopback_(a) REGRESS_INTERNAL(evutil_sockaddr_is_loopback_)
#define evutil_format_sockaddr_port_(a, b, c) \
	((const char *)(intptr_t)REGRESS_INTERNAL(evutil_format_sockaddr_port_))

/* The tests' own PRNG (test_weakrand() in regress.h): a small LCG of the
 * harness, not libevent's. */
struct evutil_weakrand_state {
	ev_uint32_t seed;
};
#define EVUTIL_WEAKRAND_MAX 0x7fffffff
ev_uint32_t regress_weakrand_seed_(struct evutil_weakrand_state *state, ev_uint32_t seed);
ev_int32_t regress_weakrand_(struct evutil_weakrand_state *state);
ev_int32_t regress_weakrand_range_(struct evutil_weakrand_state *state, ev_int32_t top);
#define evutil_weakrand_seed_ regress_weakrand_seed_
#define evutil_weakrand_ regress_weakrand_
#define evutil_weakrand_range_ regress_weakrand_range_

/* Connecting a client socket, as the tests use libevent's private helper:
 * creates a non-blocking socket when *fd_ptr < 0, then connect()s.  Returns
 * 1 when connected, 0 when in progress, 2 when refused, -1 on other errors
 * (closing a socket it made).  Plain sockets, no library state. */
int regress_socket_connect_(evutil_socket_t *fd_ptr, const struct sockaddr *sa, int socklen);
#define evutil_socket_connect_ regress_socket_connect_

/* Sleeping, as the tests use it. */
void regress_usleep_(const struct timeval *tv);
#define evutil_usleep_ regress_usleep_

#endif
