/* SPDX-License-Identifier: MIT */
/* Calls from other threads: libevent lets any thread add, delete or activate
 * an event, but libuv handles belong to the loop thread.  A caller on another
 * thread queues a struct base_call on its own stack, wakes the loop and waits
 * on calls_cond; the loop thread runs the call from its async callback (or
 * when event_base_loop returns) and signals.  A loop that is not running has
 * no thread to race with: the caller runs the call itself. */
#include <string.h>

#include "base-internal.h"
#include "thread-internal.h"

struct base_call {
  struct uvbev_list node;
  uvbev_base_call_fn fn;
  void *obj;
  const struct timeval *tv;
  int result;
  int done;
};

void uvbev_base_calls_init_(struct event_base *base) {
  uvbev_list_init(&base->calls);
  if (base->lock && uv_mutex_init(&base->calls_mutex) == 0) {
    if (uv_cond_init(&base->calls_cond) == 0)
      base->calls_ready = 1;
    else
      uv_mutex_destroy(&base->calls_mutex);
  }
}

void uvbev_base_calls_free_(struct event_base *base) {
  if (!base->calls_ready) return;
  uv_cond_destroy(&base->calls_cond);
  uv_mutex_destroy(&base->calls_mutex);
  base->calls_ready = 0;
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
    result = c->fn(c->obj, c->tv);
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

int uvbev_base_call_(struct event_base *base, uvbev_base_call_fn fn, void *obj,
                     const struct timeval *tv) {
  struct base_call c;
  /* a forked child has only the thread that forked: nobody else to run it */
  if (!base->calls_ready || uvbev_base_on_loop_thread_(base) || uvbev_base_forked_(base))
    return fn(obj, tv);
  UVBEV_LOCK(base->lock);
  if (!base->running || base->freeing) {
    UVBEV_UNLOCK(base->lock);
    return fn(obj, tv);
  }
  memset(&c, 0, sizeof(c));
  c.fn = fn;
  c.obj = obj;
  c.tv = tv;
  uvbev_list_insert_tail(&base->calls, &c.node);
  UVBEV_UNLOCK(base->lock);
  uvbev_base_wake_(base);
  uv_mutex_lock(&base->calls_mutex);
  while (!c.done)
    uv_cond_wait(&base->calls_cond, &base->calls_mutex);
  uv_mutex_unlock(&base->calls_mutex);
  return c.result;
}
