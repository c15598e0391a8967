/* Helpers for compat tests: libevent public API and plain sockets only, so
 * that they build against uvbev and against libevent (the oracle). */
#ifndef COMPAT_UTIL_H
#define COMPAT_UTIL_H

#include <event2/event.h>
#include <event2/util.h>

/* Ignores SIGPIPE (no-op on Windows). Call first in tests that write. */
void cu_ignore_sigpipe(void);

/* A listening TCP socket on 127.0.0.1, port chosen by the kernel.  Returns
 * the port (host order) and stores the socket in *fd_out, or returns -1. */
int cu_listen_loopback(evutil_socket_t *fd_out);

/* A connected loopback TCP pair (sv[0] connected, sv[1] accepted), both
 * blocking.  Returns 0 or -1. */
int cu_tcp_pair(evutil_socket_t sv[2]);

/* A timer that fails the running test (cmocka fail_msg) if it fires after
 * `ms` milliseconds.  Free it with event_free before freeing the base. */
struct event *cu_safety_timeout(struct event_base *base, int ms);

/* Milliseconds of wall-clock time since an arbitrary start. */
long cu_now_ms(void);

#endif
