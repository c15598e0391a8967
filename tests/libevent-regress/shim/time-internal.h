/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private time-internal.h (see regress-shim.h).  The
 * private monotonic-clock functions are internal: tests that call them are
 * excluded.  The timer struct only has to exist for those tests to compile. */
#ifndef UVBEV_REGRESS_TIME_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_TIME_INTERNAL_H_INCLUDED_

#include "regress-shim.h"

struct evutil_monotonic_timer {
	int regress_unused_;
};
/* Public in libevent's util.h; defined here for the excluded tests only when
 * the library's header lacks them. */
#ifndef EV_MONOT_PRECISE
#define EV_MONOT_PRECISE 1
#endif
#ifndef EV_MONOT_FALLBACK
#define EV_MONOT_FALLBACK 2
#endif
#define evutil_configure_monotonic_time_(t, f) \
	REGRESS_INTERNAL(evutil_configure_monotonic_time_)
#define evutil_gettime_monotonic_(t, tv) REGRESS_INTERNAL(evutil_gettime_monotonic_)

#endif
