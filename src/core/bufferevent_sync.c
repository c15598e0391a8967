/* SPDX-License-Identifier: MIT */
/* Bufferevents changed from threads other than the loop's (BEV_OPT_THREADSAFE).
 *
 * libuv handles may be touched only by the thread running their loop.  A
 * public call on another thread therefore changes the bufferevent's state at
 * once, under its lock (so bufferevent_get_enabled and friends answer the new
 * state, and the kind, which reads that state under the same lock, obeys it
 * from its next callback on), and records here what the kind and the core's
 * timers must be told: the directions to start or stop, the timeouts to
 * re-evaluate, a flush, a new fd, the unlinking of a freed bufferevent.  The
 * "sync" deferred applies the record on the loop thread.  It holds a
 * reference while queued, so a bufferevent freed by another thread lives
 * until the loop thread has unlinked it.
 *
 * Start and stop requests are reconciled with the state when the sync runs:
 * ops->disable gets the recorded directions that are inactive by then,
 * ops->enable those that are active (both are idempotent), so a disable and
 * an enable from two threads end in whatever the state says last.
 *
 * A bufferevent without a lock is never looked at here: bev_core_on_loop_
 * costs one NULL test for it, and it has no struct bev_sync.
 */
#include <stdlib.h>

#include "mm-internal.h"
#include "bufferevent-internal.h"

struct bev_sync {
  struct uvbev_deferred deferred;
  struct bufferevent_private *p;
  short enable;  /* directions to hand to ops->enable, if active by then */
  short disable; /* directions to hand to ops->disable, if inactive by then */
  short timers;  /* timeouts to re-evaluate */
  short restart; /* armed timeouts to start over */
  short flush;   /* bufferevent_flush iotypes */
  unsigned unlink : 1;
  unsigned setfd : 1;
  enum bufferevent_flush_mode flush_mode;
  evutil_socket_t fd;
};

int bev_core_on_loop_(struct bufferevent *bev) {
  return !BEV_UPCAST(bev)->lock || uvbev_base_on_loop_thread_(bev->ev_base);
}

/* Queues the sync (only a bufferevent with a lock gets here: it has one). */
static void bev_sync_schedule(struct bufferevent_private *p) {
  if (p->sync) bev_core_defer_(&p->bev, &p->sync->deferred);
}

int bev_core_kind_enable_(struct bufferevent *bev, short what) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!what || p->unlinked || !bev->be_ops->enable) return 0;
  if (bev_core_on_loop_(bev)) return bev->be_ops->enable(bev, what);
  p->sync->enable |= what;
  bev_sync_schedule(p);
  return 0;
}

int bev_core_kind_disable_(struct bufferevent *bev, short what) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!what || p->unlinked || !bev->be_ops->disable) return 0;
  if (bev_core_on_loop_(bev)) return bev->be_ops->disable(bev, what);
  p->sync->disable |= what;
  bev_sync_schedule(p);
  return 0;
}

void bev_core_sync_timers_(struct bufferevent *bev, short what, int restart) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  p->sync->timers |= what;
  if (restart) p->sync->restart |= what;
  bev_sync_schedule(p);
}

void bev_core_sync_unlink_(struct bufferevent_private *p) {
  p->sync->unlink = 1;
  bev_sync_schedule(p);
}

int bev_core_sync_setfd_(struct bufferevent_private *p, evutil_socket_t fd) {
  p->sync->fd = fd;
  p->sync->setfd = 1;
  bev_sync_schedule(p);
  return 0;
}

void bev_core_sync_flush_(struct bufferevent_private *p, short iotype,
                          enum bufferevent_flush_mode mode) {
  p->sync->flush |= iotype & (EV_READ | EV_WRITE);
  if (mode > p->sync->flush_mode) p->sync->flush_mode = mode;
  bev_sync_schedule(p);
}

static void bev_sync_apply_io(struct bufferevent *bev, short enable, short disable) {
  short active = bev_core_active_(bev);
  disable &= (short)~active;
  enable &= active;
  if (disable && bev->be_ops->disable) bev->be_ops->disable(bev, disable);
  if (enable && bev->be_ops->enable) bev->be_ops->enable(bev, enable);
}

static void bev_sync_apply(struct bufferevent_private *p, struct bev_sync *req) {
  struct bufferevent *bev = &p->bev;
  if (req->unlink) bev_core_unlink_(p);
  if (p->unlinked) return;
  if (req->setfd && bev->be_ops->ctrl) {
    union bev_ctrl_data data;
    data.fd = req->fd;
    bev->be_ops->ctrl(bev, BEV_CTRL_SET_FD, &data);
  }
  bev_sync_apply_io(bev, req->enable, req->disable);
  if (req->flush && bev->be_ops->flush) bev->be_ops->flush(bev, req->flush, req->flush_mode);
  if (req->restart) bev_core_restart_progress_(bev, req->restart);
  if (req->timers) bev_core_adj_timeouts_(bev);
}

static void bev_sync_run(struct uvbev_deferred *d, void *arg) {
  struct bev_sync *sync = arg, req;
  struct bufferevent_private *p = sync->p;
  (void)d;
  BEV_LOCK(&p->bev);
  /* take the record: what the kind does now may record more */
  req = *sync;
  sync->enable = sync->disable = sync->timers = sync->restart = sync->flush = 0;
  sync->unlink = sync->setfd = 0;
  sync->flush_mode = BEV_NORMAL;
  bev_sync_apply(p, &req);
  bev_core_decref_and_unlock_(&p->bev); /* the queued sync's reference */
}

int bev_core_init_sync_(struct bufferevent_private *p) {
  if (!p->lock) return 0;
  p->sync = uvbev_calloc_(1, sizeof(*p->sync));
  if (!p->sync) return -1;
  p->sync->p = p;
  uvbev_deferred_init_(&p->sync->deferred, bev_sync_run, p->sync);
  return 0;
}

void bev_core_cancel_sync_(struct bufferevent_private *p) {
  struct bev_sync *sync = p->sync;
  if (!sync) return;
  bev_core_undefer_(&p->bev, &sync->deferred);
  sync->enable = sync->disable = sync->timers = sync->restart = sync->flush = 0;
  sync->unlink = sync->setfd = 0;
}

void bev_core_free_sync_(struct bufferevent_private *p) {
  uvbev_free_(p->sync);
  p->sync = NULL;
}
