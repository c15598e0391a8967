/* SPDX-License-Identifier: MIT */
/* The one reconcile point of a bufferevent (contract at the top of
 * bufferevent-internal.h), and bufferevents changed from threads other than
 * the loop's (BEV_OPT_THREADSAFE).
 *
 * Triggers.  bufferevent_enable/_disable, suspension (watermarks, connects,
 * layers), data added to the output and bufferevent_flush call
 * bev_core_reconcile_ with what they changed.  On the loop thread the kind's
 * reconcile runs at once, as libevent's enable and disable act at once (a
 * read callback that disables reading gets no further read).  Elsewhere, and
 * for what a kind wants done off the caller's stack, the change is OR-ed into
 * p->rc_changed and the reconcile deferred is queued: it holds the only
 * reference a kind's pending work needs, and it runs the kind's reconcile
 * once for everything recorded, on the loop thread.  It is the only deferred
 * a kind's work goes through: a filter continues its pumps with it
 * (BEV_RC_AGAIN_*), and a rate-limit bucket emptied on another thread has
 * its refill timer started by it.
 *
 * Threads.  libuv handles may be touched only by the thread running their
 * loop.  A public call on another thread therefore changes the bufferevent's
 * state at once, under its lock (so bufferevent_get_enabled and friends
 * answer the new state, and the kind, which reads that state under the same
 * lock, obeys it from its next callback on), and records in p->sync what
 * else the loop thread must do: the timeouts to re-evaluate, a flush (the
 * strongest mode asked), a new fd, the unlinking of a freed bufferevent,
 * the rate-limit refill timer to start.  The reconcile deferred applies the
 * unlinking and the fd before the kind's reconcile (which gets the flush),
 * the timers after it; its reference keeps a bufferevent freed by another
 * thread alive until the loop thread has unlinked it.
 *
 * Every kind reconciles (struct bev_kind): a disable and an enable from two
 * threads end in whatever the state says last, since reconcile reads the
 * state.
 *
 * A bufferevent without a lock has no struct bev_sync, and bev_core_on_loop_
 * costs it one NULL test.
 */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "bufferevent-internal.h"
#include "ratelim-internal.h"

struct bev_sync {
  short timers;  /* timeouts to re-evaluate */
  short restart; /* armed timeouts to start over */
  short flush;   /* bufferevent_flush iotypes */
  unsigned unlink : 1;
  unsigned setfd : 1;
  unsigned refill : 1; /* a rate-limit bucket emptied: its refill timer */
  enum bufferevent_flush_mode flush_mode;
  evutil_socket_t fd;
};

int bev_core_on_loop_(struct bufferevent *bev) {
  return !BEV_UPCAST(bev)->lock || uvbev_base_on_loop_thread_(bev->ev_base);
}

/* ---- the kind's op ------------------------------------------------------------- */

static int bev_kind_reconcile(struct bufferevent *bev, short changed) {
  void *entered = uvbev_base_enter_(bev->ev_base); /* before the loop runs */
  /* be_ops is the first member of the kind's struct bev_kind */
  int r = ((const struct bev_kind *)bev->be_ops)->reconcile(bev, changed);
  uvbev_base_leave_(entered);
  return r;
}

/* ---- triggers ------------------------------------------------------------------ */

void bev_core_reconcile_later_(struct bufferevent *bev, short changed) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (p->unlinked) return;
  p->rc_changed |= changed;
  bev_core_defer_(bev, &p->reconcile_d);
}

int bev_core_reconcile_(struct bufferevent *bev, short changed) {
  if (!changed || BEV_UPCAST(bev)->unlinked) return 0;
  if (bev_core_on_loop_(bev)) return bev_kind_reconcile(bev, changed);
  bev_core_reconcile_later_(bev, changed);
  return 0;
}

short bev_core_flush_asked_(struct bufferevent *bev, enum bufferevent_flush_mode *mode) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (mode) *mode = p->flush_mode;
  return p->flush_iotype;
}

/* The kind's reconcile with a flush of iotype/mode asked (for the call
 * only: a flush inside it, from a callback, asks its own). */
static int bev_reconcile_flush(struct bufferevent *bev, short changed, short iotype,
                               enum bufferevent_flush_mode mode) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  short saved_iotype = p->flush_iotype;
  enum bufferevent_flush_mode saved_mode = p->flush_mode;
  int r;
  p->flush_iotype = iotype;
  p->flush_mode = mode;
  r = bev_kind_reconcile(bev, changed | BEV_RC_FLUSH);
  p->flush_iotype = saved_iotype;
  p->flush_mode = saved_mode;
  return r;
}

int bev_core_flush_(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (p->unlinked) return 0;
  if (bev_core_on_loop_(bev)) return bev_reconcile_flush(bev, 0, iotype, mode);
  /* another thread: the loop thread flushes (the strongest mode asked) */
  p->sync->flush |= iotype & (EV_READ | EV_WRITE);
  if (mode > p->sync->flush_mode) p->sync->flush_mode = mode;
  bev_core_reconcile_later_(bev, 0);
  return 0;
}

/* Data added to the output.  With a lock the output's callbacks are
 * deferred, so this runs on the loop thread. */
void bev_core_buffer_changed_(struct evbuffer *buf, const struct evbuffer_cb_info *info) {
  if (info->n_added > 0) bev_core_reconcile_(bev_core_of_buffer_(buf, EVBUFFER_EMBED_OUTPUT_), BEV_RC_OUTPUT);
}

/* ---- requests from other threads ------------------------------------------------ */

void bev_core_sync_timers_(struct bufferevent *bev, short what, int restart) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  p->sync->timers |= what;
  if (restart) p->sync->restart |= what;
  bev_core_reconcile_later_(bev, 0);
}

void bev_core_sync_unlink_(struct bufferevent_private *p) {
  p->sync->unlink = 1;
  bev_core_reconcile_later_(&p->bev, 0);
}

void bev_core_sync_refill_(struct bufferevent_private *p) {
  p->sync->refill = 1;
  bev_core_reconcile_later_(&p->bev, 0);
}

int bev_core_sync_setfd_(struct bufferevent_private *p, evutil_socket_t fd) {
  p->sync->fd = fd;
  p->sync->setfd = 1;
  bev_core_reconcile_later_(&p->bev, 0);
  return 0;
}

/* ---- the reconcile deferred ------------------------------------------------------ */

static void bev_apply_sync(struct bufferevent_private *p, const struct bev_sync *req) {
  struct bufferevent *bev = &p->bev;
  if (req->unlink) bev_core_unlink_(p);
  if (p->unlinked || !req->setfd || !bev->be_ops->ctrl) return;
  {
    union bev_ctrl_data data;
    data.fd = req->fd;
    bev->be_ops->ctrl(bev, BEV_CTRL_SET_FD, &data);
  }
}

static void bev_clear_sync(struct bev_sync *s) {
  memset(s, 0, sizeof(*s));
  s->flush_mode = BEV_NORMAL;
}

/* Takes p's records: what the kind does now may record more. */
static void bev_take_sync(struct bufferevent_private *p, struct bev_sync *req) {
  *req = *p->sync;
  bev_clear_sync(p->sync);
}

/* The reconcile deferred of a bufferevent with a lock: what other threads
 * recorded in p->sync too. */
static void bev_reconcile_synced(struct bufferevent_private *p, short changed) {
  struct bufferevent *bev = &p->bev;
  struct bev_sync req;
  bev_take_sync(p, &req);
  bev_apply_sync(p, &req);
  if (p->unlinked) return;
  if (req.flush)
    bev_reconcile_flush(bev, changed, req.flush, req.flush_mode);
  else
    bev_kind_reconcile(bev, changed);
  if (req.restart) bev_core_restart_progress_(bev, req.restart);
  if (req.timers) bev_core_adj_timeouts_(bev);
  if (req.refill) bev_ratelim_refill_asked_(p);
}

static void bev_on_reconcile(struct uvbev_deferred *d, void *arg) {
  struct bufferevent_private *p = arg;
  struct bufferevent *bev = &p->bev;
  short changed;
  (void)d;
  BEV_LOCK(bev);
  changed = p->rc_changed | BEV_RC_QUEUED;
  p->rc_changed = 0;
  if (p->sync)
    bev_reconcile_synced(p, changed);
  else if (!p->unlinked)
    bev_kind_reconcile(bev, changed);
  bev_core_decref_and_unlock_(bev); /* the queued deferred's reference */
}

int bev_core_init_reconcile_(struct bufferevent_private *p) {
  uvbev_deferred_init_(&p->reconcile_d, bev_on_reconcile, p);
  if (!p->lock) return 0;
  p->sync = uvbev_calloc_(1, sizeof(*p->sync));
  return p->sync ? 0 : -1;
}

void bev_core_cancel_reconcile_(struct bufferevent_private *p) {
  bev_core_undefer_(&p->bev, &p->reconcile_d);
  p->rc_changed = 0;
  if (p->sync) bev_clear_sync(p->sync);
}

void bev_core_free_sync_(struct bufferevent_private *p) {
  uvbev_free_(p->sync);
  p->sync = NULL;
}
