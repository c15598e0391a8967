/* SPDX-License-Identifier: MIT */
/* Running a bufferevent's user callbacks, at once or from the base's deferred
 * queue.
 *
 * Deferred mode (BEV_OPT_DEFER_CALLBACKS, or BEV_TRIG_DEFER_CALLBACKS on one
 * trigger): each trigger sets a pending flag and queues the bufferevent's one
 * uvbev_deferred, so triggers before the queue drains coalesce into one call
 * of each callback (event flags OR-ed).  The queued deferred holds a
 * reference.  The drain runs CONNECTED first (so a user sees the connection
 * before its data), then read, write, and the remaining event flags with the
 * socket error that was current when the last of them was triggered.
 */
#include <string.h>

#include "bufferevent-internal.h"

static int bev_cb_should_defer(struct bufferevent_private *p, int trig) {
  return (p->options & BEV_OPT_DEFER_CALLBACKS) || (trig & BEV_TRIG_DEFER_CALLBACKS);
}

static void bev_cb_schedule(struct bufferevent_private *p) {
  bev_core_defer_(&p->bev, &p->deferred);
}

/* With BEV_OPT_UNLOCK_CALLBACKS the lock is dropped around user code, so a
 * callback may block on something another thread does while holding it. */
static void bev_cb_call_data(struct bufferevent_private *p, bufferevent_data_cb cb) {
  struct bufferevent *bev = &p->bev;
  void *arg = bev->cbarg;
  uvbev_base_note_callback_(bev->ev_base);
  if (p->options & BEV_OPT_UNLOCK_CALLBACKS) {
    BEV_UNLOCK(bev);
    cb(bev, arg);
    BEV_LOCK(bev);
  } else {
    cb(bev, arg);
  }
}

static void bev_cb_call_event(struct bufferevent_private *p, short what, int err) {
  struct bufferevent *bev = &p->bev;
  bufferevent_event_cb cb = bev->errorcb;
  void *arg = bev->cbarg;
  if (!cb) return;
  uvbev_base_note_callback_(bev->ev_base);
  EVUTIL_SET_SOCKET_ERROR(err);
  if (p->options & BEV_OPT_UNLOCK_CALLBACKS) {
    BEV_UNLOCK(bev);
    cb(bev, what, arg);
    BEV_LOCK(bev);
  } else {
    cb(bev, what, arg);
  }
}

static void bev_cb_on_deferred(struct uvbev_deferred *d, void *arg) {
  struct bufferevent_private *p = arg;
  struct bufferevent *bev = &p->bev;
  (void)d;

  BEV_LOCK(bev);
  if (p->eventcb_pending & BEV_EVENT_CONNECTED) {
    p->eventcb_pending &= ~BEV_EVENT_CONNECTED;
    bev_cb_call_event(p, BEV_EVENT_CONNECTED, p->errno_pending);
  }
  if (p->readcb_pending) {
    p->readcb_pending = 0;
    if (bev->readcb) bev_cb_call_data(p, bev->readcb);
  }
  if (p->writecb_pending) {
    p->writecb_pending = 0;
    if (bev->writecb) bev_cb_call_data(p, bev->writecb);
  }
  if (p->eventcb_pending) {
    short what = p->eventcb_pending;
    p->eventcb_pending = 0;
    bev_cb_call_event(p, what, p->errno_pending);
  }
  bev_core_decref_and_unlock_(bev); /* the queued deferred's reference */
}

void bev_core_init_deferred_(struct bufferevent_private *p) {
  uvbev_deferred_init_(&p->deferred, bev_cb_on_deferred, p);
}

void bev_core_run_readcb_(struct bufferevent *bev, int trig) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!bev->readcb) return;
  if (bev_cb_should_defer(p, trig)) {
    p->readcb_pending = 1;
    bev_cb_schedule(p);
  } else {
    bev_cb_call_data(p, bev->readcb);
  }
}

void bev_core_run_writecb_(struct bufferevent *bev, int trig) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!bev->writecb) return;
  if (bev_cb_should_defer(p, trig)) {
    p->writecb_pending = 1;
    bev_cb_schedule(p);
  } else {
    bev_cb_call_data(p, bev->writecb);
  }
}

void bev_core_run_eventcb_(struct bufferevent *bev, short what, int trig) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  int err = EVUTIL_SOCKET_ERROR();
  /* A deferred event is kept even with no callback yet: a layer that fails
   * while it is being made (a TLS client's first flight that cannot be
   * buffered) reports it before its creator could call setcb, and the
   * callback set by then gets it (libevent drops it: a silent dead layer).
   * bev_cb_call_event checks for a callback when it runs. */
  if (!bev->errorcb && !bev_cb_should_defer(p, trig)) return;
  if (bev_cb_should_defer(p, trig)) {
    p->eventcb_pending |= what;
    p->errno_pending = err;
    bev_cb_schedule(p);
  } else {
    bev_cb_call_event(p, what, err);
  }
}

static void input_added(struct bufferevent *bev, int trig) {
  bev_core_restart_progress_(bev, EV_READ);
  if (evbuffer_get_length(bev->input) >= bev->wm_read.low) bev_core_run_readcb_(bev, trig);
}

static void output_drained(struct bufferevent *bev, int trig) {
  bev_core_restart_progress_(bev, EV_WRITE);
  if (evbuffer_get_length(bev->output) <= bev->wm_write.low) bev_core_run_writecb_(bev, trig);
}

void bev_core_input_added_(struct bufferevent *bev) {
  input_added(bev, 0);
}

void bev_core_output_drained_(struct bufferevent *bev) {
  output_drained(bev, 0);
}

void bev_core_input_added_later_(struct bufferevent *bev) {
  input_added(bev, BEV_TRIG_DEFER_CALLBACKS);
}

void bev_core_output_drained_later_(struct bufferevent *bev) {
  output_drained(bev, BEV_TRIG_DEFER_CALLBACKS);
}

void bufferevent_trigger(struct bufferevent *bev, short iotype, int options) {
  int ignore_wm = options & BEV_TRIG_IGNORE_WATERMARKS;
  if (!bev) return;
  bev_core_incref_and_lock_(bev);
  if (!bev_core_on_loop_(bev))
    options |= BEV_TRIG_DEFER_CALLBACKS; /* user callbacks run on the loop thread */
  if ((iotype & EV_READ) && (ignore_wm || evbuffer_get_length(bev->input) >= bev->wm_read.low))
    bev_core_run_readcb_(bev, options);
  if ((iotype & EV_WRITE) && (ignore_wm || evbuffer_get_length(bev->output) <= bev->wm_write.low))
    bev_core_run_writecb_(bev, options);
  bev_core_decref_and_unlock_(bev);
}

void bufferevent_trigger_event(struct bufferevent *bev, short what, int options) {
  if (!bev) return;
  bev_core_incref_and_lock_(bev);
  if (!bev_core_on_loop_(bev)) options |= BEV_TRIG_DEFER_CALLBACKS;
  bev_core_run_eventcb_(bev, what, options);
  bev_core_decref_and_unlock_(bev);
}
