/* SPDX-License-Identifier: MIT */
/* Locks.  Every lock in uvbev is recursive and is NULL when threading was not
 * enabled (evthread_use_pthreads / evthread_use_windows_threads /
 * evthread_set_lock_callbacks): then locking costs one NULL test.
 * The default implementation is uv_mutex_t (recursive); callbacks installed
 * with evthread_set_lock_callbacks replace it. */
#ifndef UVBEV_THREAD_INTERNAL_H_
#define UVBEV_THREAD_INTERNAL_H_

/* Non-zero once the application enabled threading. */
int uvbev_threading_enabled_(void);

/* A new recursive lock, or NULL when threading is not enabled. */
void *uvbev_lock_new_(void);
void uvbev_lock_free_(void *lock);
void uvbev_lock_acquire_(void *lock);
void uvbev_lock_release_(void *lock);
/* Takes the lock if no other thread holds it: 1 if taken (or lock is NULL),
 * else 0.  For the one place that must lock against the usual order. */
int uvbev_lock_try_(void *lock);

#define UVBEV_LOCK(lock) \
  do { if (lock) uvbev_lock_acquire_(lock); } while (0)
#define UVBEV_UNLOCK(lock) \
  do { if (lock) uvbev_lock_release_(lock); } while (0)

/* Identity of the calling thread, comparable with ==. */
unsigned long uvbev_thread_id_(void);

#endif
