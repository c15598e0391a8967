/* SPDX-License-Identifier: MIT */
/* Thread support (libevent 2.1's <event2/thread.h>).
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
 *   - event_add, event_del, event_remove_timer and event_base_loopexit with
 *     a timeout, called on another thread while the loop runs, are run by the
 *     loop thread; the caller waits until that is done (so an event may be
 *     freed as soon as event_del returns).  Do not call them from another
 *     thread while holding a lock that a callback of that loop waits for;
 *   - on a BEV_OPT_THREADSAFE bufferevent, bufferevent_write (and any change
 *     to its output) takes effect at once under the bufferevent's lock and the
 *     bytes leave from the loop thread, woken at once; bufferevent_enable,
 *     _disable, _setwatermark, _set_timeouts, _flush, _setfd and _free update
 *     the bufferevent's state at once and the loop thread applies it to libuv
 *     (starting or stopping reads, timers, unlinking a freed bufferevent)
 *     right after.  bufferevent_flush from another thread returns 0 before
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

#define EVTHREAD_WRITE 0x04
#define EVTHREAD_READ 0x08
#define EVTHREAD_TRY 0x10

#define EVTHREAD_LOCK_API_VERSION 1
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
#define EVTHREAD_LOCKTYPE_READWRITE 2

struct evthread_lock_callbacks {
  int lock_api_version;         /* EVTHREAD_LOCK_API_VERSION */
  unsigned supported_locktypes; /* EVTHREAD_LOCKTYPE_* bits */
  void *(*alloc)(unsigned locktype);
  void (*free)(void *lock, unsigned locktype);
  int (*lock)(unsigned mode, void *lock);
  int (*unlock)(unsigned mode, void *lock);
};

/* Installs lock callbacks (a copy is kept); they must provide recursive locks.
 * NULL resets to no locking.  Returns 0, or -1 if the callbacks are
 * incomplete, of another API version, or lack recursive locks. */
UVBEV_API int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs);

#define EVTHREAD_CONDITION_API_VERSION 1
struct timeval;
struct evthread_condition_callbacks {
  int condition_api_version;
  void *(*alloc_condition)(unsigned condtype);
  void (*free_condition)(void *cond);
  int (*signal_condition)(void *cond, int broadcast);
  int (*wait_condition)(void *cond, void *lock, const struct timeval *timeout);
};

/* Stores condition callbacks (uvbev does not need conditions; accepted for
 * compatibility).  Returns 0, or -1 if incomplete. */
UVBEV_API int evthread_set_condition_callbacks(const struct evthread_condition_callbacks *cbs);
/* Stores a thread-id function used to tell threads apart (optional). */
UVBEV_API void evthread_set_id_callback(unsigned long (*id_fn)(void));

/* Enables threading with uvbev's default locks (libuv mutexes).  Both are
 * available on every platform in uvbev.  Return 0. */
UVBEV_API int evthread_use_windows_threads(void);
#define EVTHREAD_USE_WINDOWS_THREADS_IMPLEMENTED 1
UVBEV_API int evthread_use_pthreads(void);
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1

/* Accepted; uvbev does no lock debugging.  */
UVBEV_API void evthread_enable_lock_debugging(void);
UVBEV_API void evthread_enable_lock_debuging(void);

/* Every uvbev base can already be woken from another thread (uv_async_t).
 * Returns 0, or -1 for NULL. */
struct event_base;
UVBEV_API int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif
