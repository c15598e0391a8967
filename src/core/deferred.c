/* SPDX-License-Identifier: MIT */
/* The base's deferred-callback queue (contract in event-internal.h).
 *
 * Drain: the queue is captured (moved to a local list, ordered by priority,
 * stable) under the base lock, then run one callback at a time with the lock
 * released around each call.  Callbacks scheduled meanwhile go to the base's
 * now-empty queue and run in the next iteration.  A loopbreak stops the drain;
 * what is left goes back to the front of the queue. */
#include "base-internal.h"
#include "thread-internal.h"

void uvbev_deferred_init_(struct uvbev_deferred *d, uvbev_deferred_fn cb, void *arg) {
  uvbev_list_init(&d->node);
  d->cb = cb;
  d->arg = arg;
  d->priority = 0;
}

int uvbev_deferred_schedule_(struct event_base *base, struct uvbev_deferred *d) {
  UVBEV_LOCK(base->lock);
  if (uvbev_list_linked(&d->node)) {
    UVBEV_UNLOCK(base->lock);
    return 0;
  }
  uvbev_list_insert_tail(&base->deferred, &d->node);
  UVBEV_UNLOCK(base->lock);
  uvbev_base_request_drain_(base);
  return 1;
}

int uvbev_deferred_cancel_(struct event_base *base, struct uvbev_deferred *d) {
  int was_queued;
  UVBEV_LOCK(base->lock);
  was_queued = uvbev_list_linked(&d->node);
  uvbev_list_remove(&d->node);
  UVBEV_UNLOCK(base->lock);
  return was_queued;
}

int uvbev_deferred_pending_(struct event_base *base) {
  return !uvbev_list_empty(&base->deferred);
}

static int deferred_priority(struct uvbev_list *n) {
  return UVBEV_CONTAINER_OF(n, struct uvbev_deferred, node)->priority;
}

/* Moves src's nodes into the empty list dst ordered by priority, stable
 * (linear when all priorities are equal, the usual case). */
static void capture_sorted(struct uvbev_list *src, struct uvbev_list *dst) {
  uvbev_list_init(dst);
  while (!uvbev_list_empty(src)) {
    struct uvbev_list *n = src->next;
    struct uvbev_list *after = dst->prev;
    int prio = deferred_priority(n);
    uvbev_list_remove(n);
    while (after != dst && deferred_priority(after) > prio)
      after = after->prev;
    /* insert n right after `after` */
    n->next = after->next;
    n->prev = after;
    after->next->prev = n;
    after->next = n;
  }
}

/* Puts what is left of a drain back in front of the queue. */
static void requeue_front(struct uvbev_list *left, struct uvbev_list *queue) {
  while (!uvbev_list_empty(left)) {
    struct uvbev_list *n = left->prev;
    uvbev_list_remove(n);
    n->next = queue->next;
    n->prev = queue;
    queue->next->prev = n;
    queue->next = n;
  }
}

void uvbev_deferred_drain_(struct event_base *base) {
  struct uvbev_list local;
  UVBEV_LOCK(base->lock);
  capture_sorted(&base->deferred, &local);
  for (;;) {
    struct uvbev_deferred *d;
    if (uvbev_list_empty(&local)) break;
    if (base->got_break && !base->freeing) {
      requeue_front(&local, &base->deferred);
      break;
    }
    d = UVBEV_CONTAINER_OF(local.next, struct uvbev_deferred, node);
    uvbev_list_remove(&d->node);
    base->ncallbacks++;
    UVBEV_UNLOCK(base->lock);
    d->cb(d, d->arg);
    UVBEV_LOCK(base->lock);
  }
  UVBEV_UNLOCK(base->lock);
}
