/* Thread support (libevent 2.1's <event2/thread.h>).
 *
 * Call evthread_use_pthreads() (or evthread_use_windows_threads(), or install
 * lock callbacks) before creating any base: bases, bufferevents and evbuffers
 * created afterwards get recursive locks.  uvbev's default locks are libuv's
 * recursive mutexes on every platform, so both evthread_use_* functions work
 * everywhere. */
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
