/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private log-internal.h (see regress-shim.h).  The
 * logging functions are libevent-internal: a test that calls one is
 * excluded. */
#ifndef UVBEV_REGRESS_LOG_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_LOG_INTERNAL_H_INCLUDED_

#include "regress-shim.h"

#define event_err(...) ((void)REGRESS_INTERNAL(event_err))
#define event_sock_err(...) ((void)REGRESS_INTERNAL(event_sock_err))
#define event_errx(...) ((void)REGRESS_INTERNAL(event_errx))
#define event_warn(...) ((void)REGRESS_INTERNAL(event_warn))
#define event_sock_warn(...) ((void)REGRESS_INTERNAL(event_sock_warn))
#define event_warnx(...) ((void)REGRESS_INTERNAL(event_warnx))
#define event_msgx(...) ((void)REGRESS_INTERNAL(event_msgx))
#define event_debugx_(...) ((void)REGRESS_INTERNAL(event_debugx_))
#define event_debug(x) ((void)REGRESS_INTERNAL(event_debug))

#endif
