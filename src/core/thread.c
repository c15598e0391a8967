/* SPDX-License-Identifier: MIT */
/* Locks (thread-internal.h) and the evthread_* API.  Default locks are
 * recursive uv_mutex_t; evthread_set_lock_callbacks replaces them. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "mm-internal.h"
#include "event2/thread.h"
#include "thread-internal.h"
#include "platform-internal.h"

static int enabled_;
static int use_user_locks_;
static struct evthread_lock_callbacks user_locks_;
static struct evthread_condition_callbacks user_conds_;
static unsigned long (*id_fn_)(void);

int uvbev_threading_enabled_(void) {
  return enabled_;
}

int evthread_use_pthreads(void) {
  enabled_ = 1;
  use_user_locks_ = 0;
  return 0;
}

int evthread_use_windows_threads(void) {
  return evthread_use_pthreads();
}

int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs) {
  if (!cbs) {
    use_user_locks_ = 0;
    enabled_ = 0;
    return 0;
  }
  if (cbs->lock_api_version != EVTHREAD_LOCK_API_VERSION || !cbs->alloc || !cbs->free ||
      !cbs->lock || !cbs->unlock || !(cbs->supported_locktypes & EVTHREAD_LOCKTYPE_RECURSIVE))
    return -1;
  user_locks_ = *cbs;
  use_user_locks_ = 1;
  enabled_ = 1;
  return 0;
}

int evthread_set_condition_callbacks(const struct evthread_condition_callbacks *cbs) {
  if (!cbs) {
    memset(&user_conds_, 0, sizeof(user_conds_));
    return 0;
  }
  if (!cbs->alloc_condition || !cbs->free_condition || !cbs->signal_condition ||
      !cbs->wait_condition)
    return -1;
  user_conds_ = *cbs;
  return 0;
}

void evthread_set_id_callback(unsigned long (*id_fn)(void)) {
  id_fn_ = id_fn;
}
void evthread_enable_lock_debugging(void) {
  if (!enabled_) evthread_use_pthreads();
}
void evthread_enable_lock_debuging(void) {
  evthread_enable_lock_debugging();
}

int evthread_make_base_notifiable(struct event_base *base) {
  return base ? 0 : -1;
}

void *uvbev_lock_new_(void) {
  uv_mutex_t *m;
  if (!enabled_) return NULL;
  if (use_user_locks_) return user_locks_.alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
  m = uvbev_malloc_(sizeof(*m));
  if (!m) return NULL;
  if (uv_mutex_init_recursive(m) != 0) {
    uvbev_free_(m);
    return NULL;
  }
  return m;
}

void uvbev_lock_free_(void *lock) {
  if (!lock) return;
  if (use_user_locks_) {
    user_locks_.free(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
    return;
  }
  uv_mutex_destroy(lock);
  uvbev_free_(lock);
}

void uvbev_lock_acquire_(void *lock) {
  if (use_user_locks_)
    user_locks_.lock(0, lock);
  else
    uv_mutex_lock(lock);
}

void uvbev_lock_release_(void *lock) {
  if (use_user_locks_)
    user_locks_.unlock(0, lock);
  else
    uv_mutex_unlock(lock);
}

int uvbev_lock_try_(void *lock) {
  if (!lock) return 1;
  if (use_user_locks_) return user_locks_.lock(EVTHREAD_TRY, lock) == 0;
  return uv_mutex_trylock(lock) == 0;
}

unsigned long uvbev_thread_id_(void) {
  if (id_fn_) return id_fn_();
  return uvbev_thread_self_id_();
}
