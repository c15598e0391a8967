/* SPDX-License-Identifier: MIT */
/* Helpers for compat tests: libevent public API and plain sockets only, so
 * that they build against uvbev and against libevent (the oracle). */
#ifndef COMPAT_UTIL_H
#define COMPAT_UTIL_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "loopback.h"

/* Ignores SIGPIPE (no-op on Windows). Call first in tests that write. */
void cu_ignore_sigpipe(void);

/* Asserts that buf holds exactly the string expect (without its NUL). */
void cu_assert_contents(struct evbuffer *buf, const char *expect);

/* A timer that fails the running test (cmocka fail_msg) if it fires after
 * `ms` milliseconds.  Free it with event_free before freeing the base. */
struct event *cu_safety_timeout(struct event_base *base, int ms);

/* event_base_dispatch under a safety timeout of `ms` (see above). */
void cu_dispatch_bounded(struct event_base *base, int ms);

/* Milliseconds of wall-clock time since an arbitrary start. */
long cu_now_ms(void);

#endif
