/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private evthread-internal.h (see regress-shim.h).
 *
 * Tests use these macros for locks and conditions of their own (counters
 * shared by test threads).  Here they are plain pthread objects owned by the
 * test: they read no library state.  libevent's wrappers themselves are
 * tested only by thread/conditions_simple, which is excluded. */
#ifndef UVBEV_REGRESS_EVTHREAD_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_EVTHREAD_INTERNAL_H_INCLUDED_

#include <pthread.h>
#include <sys/time.h>

#include "event2/thread.h"
#include "regress-shim.h"

void *regress_lock_new_(unsigned locktype);
void regress_lock_free_(void *lock);
void regress_lock_(void *lock);
void regress_unlock_(void *lock);
void *regress_cond_new_(void);
void regress_cond_free_(void *cond);
int regress_cond_signal_(void *cond, int broadcast);
int regress_cond_wait_(void *cond, void *lock, const struct timeval *tv);

/* libevent's installed lock callbacks are internal state. */
#define evthread_get_lock_callbacks() \
	((struct evthread_lock_callbacks *)(intptr_t)REGRESS_INTERNAL(evthread_get_lock_callbacks))

#define EVTHREAD_ALLOC_LOCK(lockvar, locktype) \
	((lockvar) = regress_lock_new_(locktype))
#define EVTHREAD_FREE_LOCK(lockvar, locktype) regress_lock_free_(lockvar)
#define EVLOCK_LOCK(lockvar, mode) regress_lock_(lockvar)
#define EVLOCK_UNLOCK(lockvar, mode) regress_unlock_(lockvar)
#define EVTHREAD_ALLOC_COND(condvar) ((condvar) = regress_cond_new_())
#define EVTHREAD_FREE_COND(condvar) regress_cond_free_(condvar)
#define EVTHREAD_COND_SIGNAL(condvar) regress_cond_signal_((condvar), 0)
#define EVTHREAD_COND_BROADCAST(condvar) regress_cond_signal_((condvar), 1)
#define EVTHREAD_COND_WAIT(condvar, lockvar) \
	regress_cond_wait_((condvar), (lockvar), NULL)
#define EVTHREAD_COND_WAIT_TIMED(condvar, lockvar, tv) \
	regress_cond_wait_((condvar), (lockvar), (tv))

#endif
