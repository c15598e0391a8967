/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private defer-internal.h (see regress-shim.h): the
 * deferred-callback queue is internal; tests that use it are excluded. */
#ifndef UVBEV_REGRESS_DEFER_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_DEFER_INTERNAL_H_INCLUDED_

#include "regress-shim.h"

#define event_callback regress_event_callback_
struct regress_event_callback_ {
	int regress_unused_;
};
#define event_deferred_cb_init_(...) ((void)REGRESS_INTERNAL(event_deferred_cb_init_))
#define event_deferred_cb_schedule_(...) REGRESS_INTERNAL(event_deferred_cb_schedule_)
#define event_deferred_cb_cancel_(...) REGRESS_INTERNAL(event_deferred_cb_cancel_)

#endif
