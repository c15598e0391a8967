/* SPDX-License-Identifier: MIT */
/* event_base_once: a heap-allocated event freed after its one callback, or by
 * event_base_free if it never ran.  The base's list of them is touched under
 * the base lock: event_base_once (and a timed event_base_loopexit) may be
 * called from any thread. */
#include <stdlib.h>

#include "mm-internal.h"
#include "event2/event_compat.h"
#include "base-internal.h"
#include "thread-internal.h"

struct once_event {
  struct event ev;
  struct uvbev_list node; /* base->once_events */
  event_callback_fn cb;
  void *arg;
};

static void once_run(evutil_socket_t fd, short what, void *arg) {
  struct once_event *o = arg;
  event_callback_fn cb = o->cb;
  void *cb_arg = o->arg;
  struct event_base *base = o->ev.ev_base;
  UVBEV_LOCK(base->lock);
  uvbev_list_remove(&o->node);
  UVBEV_UNLOCK(base->lock);
  event_del(&o->ev);
  uvbev_free_(o);
  cb(fd, what, cb_arg);
}

int event_base_once(struct event_base *base, evutil_socket_t fd, short events, event_callback_fn cb,
                    void *arg, const struct timeval *tv) {
  struct once_event *o;
  if (!base || !cb || (events & (EV_SIGNAL | EV_PERSIST))) return -1;
  o = uvbev_calloc_(1, sizeof(*o));
  if (!o) return -1;
  o->cb = cb;
  o->arg = arg;
  if (event_assign(&o->ev, base, fd, events & (EV_READ | EV_WRITE | EV_TIMEOUT | EV_CLOSED),
                   once_run, o) != 0) {
    uvbev_free_(o);
    return -1;
  }
  UVBEV_LOCK(base->lock);
  uvbev_list_insert_tail(&base->once_events, &o->node);
  UVBEV_UNLOCK(base->lock);
  if (!(events & (EV_READ | EV_WRITE | EV_CLOSED)) && (!tv || !evutil_timerisset(tv))) {
    event_active(&o->ev, EV_TIMEOUT, 1);
    return 0;
  }
  if (event_add(&o->ev, tv) != 0) {
    UVBEV_LOCK(base->lock);
    uvbev_list_remove(&o->node);
    UVBEV_UNLOCK(base->lock);
    uvbev_free_(o);
    return -1;
  }
  return 0;
}

int event_once(evutil_socket_t fd, short events, void (*cb)(evutil_socket_t, short, void *),
               void *arg, const struct timeval *tv) {
  return event_base_once(uvbev_current_base_(), fd, events, cb, arg, tv);
}

void uvbev_events_free_once_(struct event_base *base) {
  while (!uvbev_list_empty(&base->once_events)) {
    struct once_event *o = UVBEV_CONTAINER_OF(base->once_events.next, struct once_event, node);
    uvbev_list_remove(&o->node);
    event_del(&o->ev);
    uvbev_free_(o);
  }
}

/* Finalizers: uvbev deletes at once (no other thread can be inside the
 * callback), then calls cb from the deferred queue. */
struct finalize_call {
  struct uvbev_deferred d;
  struct event *ev;
  event_finalize_callback_fn cb;
  int free_event;
};

static void finalize_run(struct uvbev_deferred *d, void *arg) {
  struct finalize_call *f = arg;
  f->cb(f->ev, f->ev->ev_arg);
  if (f->free_event) uvbev_free_(f->ev);
  uvbev_free_(f);
}

static int finalize(struct event *ev, event_finalize_callback_fn cb, int free_event) {
  struct finalize_call *f;
  if (!ev || !ev->ev_base || !cb) return -1;
  f = uvbev_malloc_(sizeof(*f));
  if (!f) return -1;
  event_del(ev);
  f->ev = ev;
  f->cb = cb;
  f->free_event = free_event;
  uvbev_deferred_init_(&f->d, finalize_run, f);
  uvbev_deferred_schedule_(ev->ev_base, &f->d);
  return 0;
}

int event_finalize(unsigned flags, struct event *ev, event_finalize_callback_fn cb) {
  return finalize(ev, cb, 0);
}

int event_free_finalize(unsigned flags, struct event *ev, event_finalize_callback_fn cb) {
  return finalize(ev, cb, 1);
}
