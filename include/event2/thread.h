/* SPDX-License-Identifier: MIT */
/** @file
 * Thread support (libevent 2.1's <event2/thread.h>).
 *
 * Call evthread_use_pthreads() (or evthread_use_windows_threads(), or install
 * lock callbacks) before creating any base: bases, bufferevents and evbuffers
 * created afterwards get recursive locks.  uvbev's default locks are libuv's
 * recursive mutexes on every platform, so both evthread_use_* functions work
 * everywhere.
 *
 * What runs where.  libuv handles may be touched only by the thread running
 * their loop, so uvbev does every libuv call on the loop thread and lets other
 * threads ask for it:
 *   - event_active, event_base_loopbreak, event_base_loopexit(NULL) and the
 *     scheduling of deferred callbacks record the request under the base's
 *     lock and wake the loop (its uv_async_t);
 *   - event_add, event_del (and event_del_noblock, event_del_block),
 *     event_remove_timer, event_base_loopexit with a timeout,
 *     bufferevent_socket_connect, bufferevent_socket_connect_hostname,
 *     evconnlistener_free, _enable, _disable and _set_cb, called on another
 *     thread while the loop runs, are run by the loop thread between two
 *     callbacks; the caller waits until that is done (so an event may be
 *     freed as soon as event_del returns, and a callback of it that was
 *     running has returned): none of these returns before its work is done.
 *     Do not make them from another thread while holding a lock that a
 *     callback of that loop waits for.  While no loop runs, they run on the
 *     calling thread.  This hand-off needs the base's lock: a base created
 *     before threading was enabled, or with EVENT_BASE_FLAG_NOLOCK, has none,
 *     and these calls must then come from the loop thread;
 *   - on a BEV_OPT_THREADSAFE bufferevent, bufferevent_write (and any change
 *     to its output) is done when it returns, under the bufferevent's lock,
 *     and the loop thread, woken, sends the bytes.  Through a filter or a TLS
 *     layer the bytes reach the underlying bufferevent from the loop thread
 *     too (the output's callbacks are deferred), not inside bufferevent_write.
 *     bufferevent_enable, _disable, _setwatermark, _set_timeouts, _flush,
 *     _setfd and _free update the bufferevent's state before they return and
 *     the loop thread applies it to libuv (starting or stopping reads,
 *     timers, unlinking a freed bufferevent) right after.  bufferevent_flush from another thread returns 0 before
 *     flushing; bufferevent_setfd from another thread installs the new fd
 *     soon after returning (getfd answers the old one until then);
 *     bufferevent_trigger from another thread always defers the callbacks;
 *   - callbacks (events, bufferevents, evbuffer callbacks of a THREADSAFE
 *     bufferevent's output) run on the loop thread.  The evbuffer callbacks
 *     of a THREADSAFE bufferevent's output are deferred (they run from the
 *     loop, not inside the write that triggered them); its input's are not.
 *
 * Locks and their order.  A base has one lock, a bufferevent one (shared with
 * its two evbuffers).  A stack of bufferevents has ONE lock: a filter (and an
 * OpenSSL bufferevent) uses its underlying bufferevent's lock, a pair's two
 * sides use one lock.  So no two threads can deadlock through a stack: there
 * is no second lock to take in the other order.  uvbev takes a bufferevent's
 * lock before the base's, never the reverse, and releases the base's lock
 * before running any callback.  Without BEV_OPT_UNLOCK_CALLBACKS, user
 * callbacks run with the bufferevent's lock held: a callback that waits for a
 * thread that wants that lock deadlocks, as in libevent; with it (and
 * BEV_OPT_DEFER_CALLBACKS) the lock is released around each callback.
 *
 * Bufferevents without BEV_OPT_THREADSAFE take no lock and do no thread
 * check: use them from the loop thread only. */
#ifndef UVBEV_EVENT2_THREAD_H_INCLUDED_
#define UVBEV_EVENT2_THREAD_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EVTHREAD_WRITE 0x04 /**< lock mode: for writing (read-write locks; uvbev passes 0) */
#define EVTHREAD_READ 0x08  /**< lock mode: for reading (read-write locks; uvbev passes 0) */
#define EVTHREAD_TRY 0x10   /**< lock mode: do not wait (rate-limit groups ask for it) */

#define EVTHREAD_LOCK_API_VERSION 1   /**< the lock_api_version uvbev accepts */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1 /**< a recursive mutex (what uvbev allocates) */
#define EVTHREAD_LOCKTYPE_READWRITE 2 /**< a read-write lock (uvbev allocates none) */

/** Lock functions for evthread_set_lock_callbacks(). */
struct evthread_lock_callbacks {
  int lock_api_version;         /**< EVTHREAD_LOCK_API_VERSION */
  unsigned supported_locktypes; /**< EVTHREAD_LOCKTYPE_* bits; RECURSIVE is required */
  void *(*alloc)(unsigned locktype);           /**< a new lock, or NULL */
  void (*free)(void *lock, unsigned locktype); /**< frees a lock */
  int (*lock)(unsigned mode, void *lock);      /**< acquires; 0 on success */
  int (*unlock)(unsigned mode, void *lock);    /**< releases; 0 on success */
};

/** Installs lock callbacks (a copy is kept); they must provide recursive locks.
 * NULL resets to no locking.  Returns 0, or -1 if the callbacks are
 * incomplete, of another API version, or lack recursive locks. */
UVBEV_API int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs);

/** The condition_api_version of struct evthread_condition_callbacks. */
#define EVTHREAD_CONDITION_API_VERSION 1
struct timeval;
/** Condition-variable functions for evthread_set_condition_callbacks(). */
struct evthread_condition_callbacks {
  int condition_api_version;                          /**< EVTHREAD_CONDITION_API_VERSION */
  void *(*alloc_condition)(unsigned condtype);        /**< a new condition */
  void (*free_condition)(void *cond);                 /**< frees a condition */
  int (*signal_condition)(void *cond, int broadcast); /**< wakes one waiter, or all */
  int (*wait_condition)(void *cond, void *lock, const struct timeval *timeout); /**< waits */
};

/** Stores condition callbacks (uvbev does not need conditions; accepted for
 * compatibility).  Returns 0, or -1 if incomplete. */
UVBEV_API int evthread_set_condition_callbacks(const struct evthread_condition_callbacks *cbs);
/** Sets the function that identifies the calling thread; uvbev then uses it
 * to tell the loop thread from others.  NULL: the platform's thread id.
 * @param id_fn the function, or NULL */
UVBEV_API void evthread_set_id_callback(unsigned long (*id_fn)(void));

/** Enables threading with uvbev's default locks (libuv's recursive
 * mutexes), on every platform; the same as evthread_use_pthreads().
 * @return 0 */
UVBEV_API int evthread_use_windows_threads(void);
/** Defined: evthread_use_windows_threads() exists. */
#define EVTHREAD_USE_WINDOWS_THREADS_IMPLEMENTED 1
/** Enables threading with uvbev's default locks (libuv's recursive
 * mutexes), on every platform, replacing lock callbacks installed before.
 * @return 0 */
UVBEV_API int evthread_use_pthreads(void);
/** Defined: evthread_use_pthreads() exists. */
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1

/** Makes locks exist, as libevent's does: libevent wraps the lock callbacks
 * in checking ones, which are locks of their own when none were set, so
 * BEV_OPT_THREADSAFE works after it even without evthread_use_pthreads().
 * uvbev makes no lock-misuse checks: when threading is not enabled yet it
 * enables it with the default locks (evthread_use_pthreads()), else it does
 * nothing.  Call it before creating any base, as libevent requires. */
UVBEV_API void evthread_enable_lock_debugging(void);
/** Old misspelling of evthread_enable_lock_debugging(); the same. */
UVBEV_API void evthread_enable_lock_debuging(void);

struct event_base;
/** Accepted: every uvbev base can be woken from another thread already
 * (libuv's uv_async_t).
 * @return 0, or -1 for NULL */
UVBEV_API int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif
