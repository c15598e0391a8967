/* SPDX-License-Identifier: MIT */
/* What the rest of uvbev may use of struct event_base.
 *
 * The base owns (or borrows) a uv_loop_t.  Other modules reach it only through
 * the functions below and uvbev_base_get_loop(); struct event_base itself is
 * private to src/core/event_base.c and its siblings.
 *
 * Deferred callbacks.  BEV_OPT_DEFER_CALLBACKS, deferred evbuffer callbacks and
 * every "run this soon, not from inside the current call" need go through one
 * queue per base.  It is drained once per loop iteration, after I/O callbacks
 * (a uv_check_t), never re-entrantly: a callback scheduled while the queue is
 * being drained runs in the next iteration, and while the queue is not empty
 * the loop does not block in poll (a uv_idle_t is started).  A queued deferred
 * keeps event_base_dispatch from returning "no events".
 *
 * Children.  Every object that owns libuv handles on a base (events,
 * bufferevents, listeners, DNS requests) registers a child.  event_base_free
 * calls each remaining child's shutdown hook, which must uv_close its handles,
 * then runs the loop until all close callbacks ran, then closes the loop (if
 * owned).  Objects the user never freed stay allocated: that is the user's
 * leak, as in libevent; their handles are closed all the same.
 *
 * Threads.  All functions here are safe to call from any thread once the base
 * has a lock (threading enabled before event_base_new); work that must touch
 * libuv is queued and the loop woken with the base's uv_async_t.
 */
#ifndef UVBEV_EVENT_INTERNAL_H_
#define UVBEV_EVENT_INTERNAL_H_

#include <uv.h>
#include "list-internal.h"

struct event_base;

/* ---- deferred callbacks --------------------------------------------------- */

struct uvbev_deferred;
typedef void (*uvbev_deferred_fn)(struct uvbev_deferred *d, void *arg);

struct uvbev_deferred {
  struct uvbev_list node; /* linked while queued */
  uvbev_deferred_fn cb;
  void *arg;
  int priority; /* lower runs first within one drain; default 0 */
};

void uvbev_deferred_init_(struct uvbev_deferred *d, uvbev_deferred_fn cb, void *arg);
/* Queues d on base.  Returns 1 if it was queued now, 0 if it already was
 * (several schedules before it runs coalesce into one call). */
int uvbev_deferred_schedule_(struct event_base *base, struct uvbev_deferred *d);
/* Unqueues d.  Returns 1 if it was queued.  After this returns, d's callback
 * does not run (unless it is running right now on another thread). */
int uvbev_deferred_cancel_(struct event_base *base, struct uvbev_deferred *d);
static inline int uvbev_deferred_is_queued_(const struct uvbev_deferred *d) {
  return uvbev_list_linked(&d->node);
}

/* ---- children (objects owning handles on the base) ------------------------ */

struct uvbev_child;
typedef void (*uvbev_child_shutdown_fn)(struct uvbev_child *c);

struct uvbev_child {
  struct uvbev_list node;
  uvbev_child_shutdown_fn shutdown; /* must uv_close every handle it owns */
};

void uvbev_base_add_child_(struct event_base *base, struct uvbev_child *c,
                           uvbev_child_shutdown_fn shutdown);
void uvbev_base_remove_child_(struct event_base *base, struct uvbev_child *c);

/* ---- closing handles -------------------------------------------------------- */

/* uv_close for every handle a uvbev object owns on base.  In a child after
 * fork() and before event_reinit, closing would reach libuv state that the
 * parent shares (its epoll set, the signal machinery): the handle is kept
 * instead, then closed for real by event_reinit, or dropped by
 * event_base_free, which runs cb without libuv. */
void uvbev_base_close_handle_(struct event_base *base, uv_handle_t *h, uv_close_cb cb);

/* ---- loop and threads ------------------------------------------------------ */

/* The loop the base runs on (owned or borrowed).  Same as the public
 * uvbev_base_get_loop(). */
uv_loop_t *uvbev_base_loop_(struct event_base *base);
/* The loop's cache of read chunks (evbuffer-uv-internal.h); loop thread only. */
struct evbuffer_uv_cache *uvbev_base_read_cache_(struct event_base *base);

/* Non-zero when called on the thread currently running the base's loop, or
 * when no thread is running it. */
int uvbev_base_on_loop_thread_(struct event_base *base);

/* Runs fn(obj, tv) on the loop thread and returns its result: at once when
 * called there (or on a base that is not thread-aware); when no loop runs, at
 * once under the base's calls_lock, so that threads take turns; else by
 * waking the loop and waiting until it ran it.  For the
 * calls libevent allows on any thread that touch libuv handles (event_add,
 * event_del, loopexit with a timeout, socket connects, listener enable and
 * free).  The caller must not hold a lock that the loop thread may be
 * waiting for (a bufferevent's or listener's own lock, for instance). */
typedef int (*uvbev_base_call_fn)(void *obj, const struct timeval *tv);
int uvbev_base_call_(struct event_base *base, uvbev_base_call_fn fn, void *obj,
                     const struct timeval *tv);
/* Around a change to the loop that the loop thread makes itself (a
 * bufferevent's reconcile or unlink, the drain's idle handle): while no loop
 * runs, it takes the base's calls_lock, so that other threads' direct calls
 * (uvbev_base_call_) wait for it.  Returns what uvbev_base_leave_ takes
 * (NULL when nothing was taken: inside event_base_loop, or no threads). */
void *uvbev_base_enter_(struct event_base *base);
void uvbev_base_leave_(void *entered);

/* uvbev_base_call_ for an fn that takes obj_lock (a bufferevent's): wherever
 * fn runs, obj_lock is taken before the base's calls_lock, the order every
 * thread keeps, so that a thread holding obj_lock while it adds an event
 * cannot deadlock with fn.  obj_lock must outlive the call. */
int uvbev_base_call_under_(struct event_base *base, void *obj_lock, uvbev_base_call_fn fn,
                           void *obj, const struct timeval *tv);

/* Counts a user callback that ran from a libuv callback rather than from the
 * base's own queues (bufferevent, listener, name lookup callbacks), so that
 * EVLOOP_ONCE returns after a round that ran any callback, as in libevent. */
void uvbev_base_note_callback_(struct event_base *base);

/* The delay to give uv_timer_start for a timeout of `ms` milliseconds that
 * starts now.  libuv counts timers from the loop's cached time (uv_now),
 * which only a running loop refreshes: inside event_base_loop that is the
 * iteration's time, as libevent's cached time is, and `ms` is returned.
 * Outside it (before the first dispatch, between dispatches) the cache may
 * be arbitrarily old, so this refreshes it, and adds a millisecond because
 * uv_now is rounded down: the timer then never fires before `ms` has passed
 * since the call, as libevent's never does. */
uint64_t uvbev_base_timer_delay_(struct event_base *base, uint64_t ms);

/* Non-zero when event_base_loopbreak was called during the running
 * event_base_loop (on its thread, or seen there since): no user callback may
 * run before the next loop.  For libuv callbacks that would call user code
 * (several reads of one wake-up, say); call on the loop thread only. */
int uvbev_base_broken_(struct event_base *base);

/* The base event_init() made (the "current" base of the pre-2.0 API), or NULL. */
struct event_base *uvbev_current_base_(void);

/* Number of priorities set with event_base_priority_init (>= 1). */
int uvbev_base_npriorities_(struct event_base *base);

#endif
