/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private event-internal.h (see regress-shim.h). */
#ifndef UVBEV_REGRESS_EVENT_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_EVENT_INTERNAL_H_INCLUDED_

#include "regress-shim.h"
#include "event2/util.h"

/* event_base_assert_ok_() checks libevent's private queues and heap; there is
 * no public equivalent, and the check is left out on both sides.  Every
 * public-API assertion of the tests that call it stays. */
#define event_base_assert_ok_(base) ((void)(base))

#define event_base_add_virtual_(base) ((void)REGRESS_INTERNAL(event_base_add_virtual_))
#define event_base_del_virtual_(base) ((void)REGRESS_INTERNAL(event_base_del_virtual_))
#define event_active_later_(ev, res) ((void)REGRESS_INTERNAL(event_active_later_))

/* regress.c's test_fork reads libevent's private event_global_current_base_,
 * the base that event_init() made current.  The harness records the base its
 * legacy setup got from event_init() instead (public knowledge, no library
 * state). */
extern struct event_base *regress_current_base_;
#define event_global_current_base_ regress_current_base_

/* NOT libevent's layout.  struct event_base is opaque in the public API;
 * this member exists only so that thread_basic() compiles: its "forking"
 * variant reads base->th_notify_fd and is excluded (thread/forking), the
 * variant that runs (thread/basic) never reaches that code. */
struct event_base {
	evutil_socket_t th_notify_fd[2];
};

#endif
