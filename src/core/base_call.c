/* SPDX-License-Identifier: MIT */
/* Calls from other threads: libevent lets any thread add, delete or activate
 * an event, but libuv handles belong to the loop thread.  A caller on another
 * thread queues a struct base_call on its own stack, wakes the loop and waits
 * on calls_cond; the loop thread runs the call from its async callback (or
 * when event_base_loop returns) and signals.
 *
 * A loop that is not running has no thread of its own: the caller runs the
 * call itself, under calls_lock, since other threads may be doing the same
 * (libevent's regress thread/basic: a hundred threads adding timers while the
 * main thread adds its own and only then dispatches).  event_base_loop takes
 * calls_lock to set `running`, so a loop never starts under a direct call,
 * and the calls it runs when it returns take it too. */
#include <string.h>

#include "base-internal.h"
#include "platform-internal.h"
#include "thread-internal.h"

struct base_call {
  struct uvbev_list node;
  void *obj_lock; /* taken before calls_lock: see uvbev_base_call_under_ */
  uvbev_base_call_fn fn;
  void *obj;
  const struct timeval *tv;
  int result;
  int done;
};

void uvbev_base_calls_init_(struct event_base *base) {
  uvbev_list_init(&base->calls);
  if (!base->lock) return;
  base->calls_lock = uvbev_lock_new_();
  if (!base->calls_lock) return;
  if (uv_mutex_init(&base->calls_mutex) == 0) {
    if (uv_cond_init(&base->calls_cond) == 0) {
      base->calls_ready = 1;
      return;
    }
    uv_mutex_destroy(&base->calls_mutex);
  }
  uvbev_lock_free_(base->calls_lock);
  base->calls_lock = NULL;
}

void uvbev_base_calls_free_(struct event_base *base) {
  if (!base->calls_ready) return;
  uv_cond_destroy(&base->calls_cond);
  uv_mutex_destroy(&base->calls_mutex);
  uvbev_lock_free_(base->calls_lock);
  base->calls_lock = NULL;
  base->calls_ready = 0;
}

/* The loops this thread is inside (event_base_loop, which may run another
 * base's loop from a callback): the innermost, and how many.  They answer
 * running_here without a lock in all but nested loops. */
static UVBEV_THREAD_LOCAL struct event_base *innermost_loop;
static UVBEV_THREAD_LOCAL unsigned loops_here;

void uvbev_base_set_running_(struct event_base *base, int running) {
  if (running) {
    base->outer_loop = innermost_loop;
    innermost_loop = base;
    loops_here++;
  } else {
    innermost_loop = base->outer_loop;
    loops_here--;
  }
  UVBEV_LOCK(base->calls_lock);
  UVBEV_LOCK(base->lock);
  base->running = running;
  if (running) base->got_exit = base->got_break = 0;
  UVBEV_UNLOCK(base->lock);
  UVBEV_UNLOCK(base->calls_lock);
}

void uvbev_base_run_calls_(struct event_base *base) {
  if (!base->calls_ready) return;
  for (;;) {
    struct base_call *c;
    int result;
    UVBEV_LOCK(base->lock);
    if (uvbev_list_empty(&base->calls)) {
      UVBEV_UNLOCK(base->lock);
      return;
    }
    c = UVBEV_CONTAINER_OF(base->calls.next, struct base_call, node);
    uvbev_list_remove(&c->node);
    UVBEV_UNLOCK(base->lock);
    UVBEV_LOCK(c->obj_lock);
    UVBEV_LOCK(base->calls_lock); /* after event_base_loop, others call directly */
    result = c->fn(c->obj, c->tv);
    UVBEV_UNLOCK(base->calls_lock);
    UVBEV_UNLOCK(c->obj_lock);
    uv_mutex_lock(&base->calls_mutex);
    c->result = result;
    c->done = 1;
    uv_cond_broadcast(&base->calls_cond);
    uv_mutex_unlock(&base->calls_mutex);
  }
}

/* Not in a forked child before event_reinit: the async descriptor is the
 * parent's (or closed). */
void uvbev_base_wake_(struct event_base *base) {
  if (!uvbev_base_forked_(base)) uv_async_send(&base->async);
}

/* Whether the caller is the thread inside event_base_loop, which owns the
 * loop.  A thread inside no loop, or inside this one last, knows at once;
 * inside nested loops both fields are read at once: event_base_loop names its
 * thread before it sets `running`, so a thread that owned the loop earlier
 * never sees itself as the owner of a loop another thread has started. */
static int running_here(struct event_base *base) {
  int here;
  if (innermost_loop == base) return 1;
  if (loops_here == 0) return 0;
  UVBEV_LOCK(base->lock);
  here = base->running && base->loop_thread == uvbev_thread_id_();
  UVBEV_UNLOCK(base->lock);
  return here;
}

/* Whether the caller may touch the loop without taking a turn: a base
 * without threads, the thread inside event_base_loop, or a forked child
 * (which has only the thread that forked: nobody else to run a call). */
static int owns_loop(struct event_base *base) {
  return !base->calls_ready || running_here(base) || uvbev_base_forked_(base);
}

void *uvbev_base_enter_(struct event_base *base) {
  if (owns_loop(base)) return NULL;
  UVBEV_LOCK(base->calls_lock);
  return base->calls_lock;
}

void uvbev_base_leave_(void *entered) {
  UVBEV_UNLOCK(entered);
}

/* Under calls_lock: runs fn here when no loop runs (or the base is being
 * freed), else queues c for the loop thread.  Returns whether it ran fn. */
static int call_here_or_queue(struct event_base *base, struct base_call *c) {
  int here;
  UVBEV_LOCK(base->lock);
  here = !base->running || base->freeing;
  if (!here) uvbev_list_insert_tail(&base->calls, &c->node);
  UVBEV_UNLOCK(base->lock);
  if (here) c->result = c->fn(c->obj, c->tv);
  return here;
}

int uvbev_base_call_(struct event_base *base, uvbev_base_call_fn fn, void *obj,
                     const struct timeval *tv) {
  return uvbev_base_call_under_(base, NULL, fn, obj, tv);
}

int uvbev_base_call_under_(struct event_base *base, void *obj_lock, uvbev_base_call_fn fn,
                           void *obj, const struct timeval *tv) {
  struct base_call c;
  int here;
  if (owns_loop(base)) return fn(obj, tv);
  memset(&c, 0, sizeof(c));
  c.fn = fn;
  c.obj = obj;
  c.tv = tv;
  c.obj_lock = obj_lock;
  UVBEV_LOCK(obj_lock);
  UVBEV_LOCK(base->calls_lock);
  here = call_here_or_queue(base, &c);
  UVBEV_UNLOCK(base->calls_lock);
  UVBEV_UNLOCK(obj_lock);
  if (here) return c.result;
  uvbev_base_wake_(base);
  uv_mutex_lock(&base->calls_mutex);
  while (!c.done)
    uv_cond_wait(&base->calls_cond, &base->calls_mutex);
  uv_mutex_unlock(&base->calls_mutex);
  return c.result;
}
