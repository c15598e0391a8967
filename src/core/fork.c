/* SPDX-License-Identifier: MIT */
/* Fork safety: the one place that knows whether a base runs in the process
 * that owns its libuv state.
 *
 * After fork() the child's copy of a loop still names the parent's epoll set
 * (shared: epoll_ctl in the child changes what the parent watches), the
 * parent's async descriptor, and libuv's process-wide signal lock pipe.  A
 * child may also have closed all of them (closefrom) before it deletes events
 * and frees objects, as tmux does.  So until event_reinit, closing a handle in
 * the child goes through uvbev_base_close_handle_, which keeps the handle on
 * base->orphans instead of calling libuv:
 *   - event_reinit (uv_loop_fork gave the child its own epoll set and
 *     descriptors) closes the orphans for real;
 *   - event_base_free without event_reinit never runs the loop: it runs the
 *     orphans' close callbacks itself (they only release uvbev memory), and
 *     keeps the base with its loop on a list instead of uv_loop_close, which
 *     would need libuv to close handles.
 * Signal dispositions are process-local and are restored either way
 * (signal.c).  On Windows there is no fork: the process id is a constant. */
#include <stdlib.h>

#include "mm-internal.h"
#include "base-internal.h"
#include "thread-internal.h"

struct orphan {
  struct uvbev_list node; /* base->orphans */
  uv_handle_t *handle;
  uv_close_cb cb;
};

static uv_once_t once_ = UV_ONCE_INIT;
static uv_mutex_t parked_mutex_;
static struct event_base *parked_; /* bases freed in a forked child */

static void fork_once(void) {
  if (uv_mutex_init(&parked_mutex_) != 0) abort();
}

void uvbev_fork_init_(struct event_base *base) {
  base->pid = uvbev_process_id_();
  uvbev_list_init(&base->orphans);
}

int uvbev_base_forked_(struct event_base *base) {
  return base->pid != uvbev_process_id_();
}

void uvbev_base_close_handle_(struct event_base *base, uv_handle_t *h, uv_close_cb cb) {
  struct orphan *o;
  if (!uvbev_base_forked_(base)) {
    uv_close(h, cb);
    return;
  }
  o = uvbev_malloc_(sizeof(*o));
  if (!o) return; /* the handle's memory stays allocated: a leak, not a crash */
  o->handle = h;
  o->cb = cb;
  UVBEV_LOCK(base->lock);
  uvbev_list_insert_tail(&base->orphans, &o->node);
  UVBEV_UNLOCK(base->lock);
}

/* Unlinks the first orphan, or returns NULL. */
static struct orphan *orphan_pop(struct event_base *base) {
  struct orphan *o = NULL;
  UVBEV_LOCK(base->lock);
  if (!uvbev_list_empty(&base->orphans)) {
    o = UVBEV_CONTAINER_OF(base->orphans.next, struct orphan, node);
    uvbev_list_remove(&o->node);
  }
  UVBEV_UNLOCK(base->lock);
  return o;
}

void uvbev_fork_reinit_(struct event_base *base) {
  struct orphan *o;
  base->pid = uvbev_process_id_();
  uvbev_signals_reinit_(base);
  while ((o = orphan_pop(base)) != NULL) {
    uv_close(o->handle, o->cb);
    uvbev_free_(o);
  }
}

int uvbev_fork_drop_orphans_(struct event_base *base) {
  struct orphan *o;
  int n = 0;
  while ((o = orphan_pop(base)) != NULL) {
    /* a borrowed loop is the application's: its handle list must not point
     * at freed memory, so the handle stays allocated */
    if (base->owns_loop && o->cb) o->cb(o->handle);
    uvbev_free_(o);
    n++;
  }
  return n;
}

void uvbev_fork_park_(struct event_base *base) {
  uv_once(&once_, fork_once);
  uv_mutex_lock(&parked_mutex_);
  base->parked_next = parked_;
  parked_ = base;
  uv_mutex_unlock(&parked_mutex_);
}
