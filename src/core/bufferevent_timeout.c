/* SPDX-License-Identifier: MIT */
/* Suspension and timeouts of a bufferevent: which directions actually run,
 * and the two uv_timer_t that watch them.
 *
 * A direction runs when it is enabled and not suspended.  The read timeout is
 * armed while reading runs.  The write timeout, as libevent's, while writing
 * runs and the kind has something to write (output not empty, or a connect
 * pending), or cannot tell that it has nothing to write:
 *   - libevent arms it on bufferevent_enable(EV_WRITE), on data added and on
 *     progress ("latched" here), and only a write that empties the output
 *     disarms it; so a socket with no descriptor, which never writes, times
 *     out with an empty output;
 *   - its filters and TLS filters disarm it only on disable: a latched write
 *     timeout of a filter runs until the filter moves more (write_tm_idle);
 *   - bufferevent_set_timeouts() latches it only if there is data to write,
 *     and disabling writing unlatches it.
 * An armed timer restarts on progress (a read, a write) and on
 * bufferevent_enable() / bufferevent_set_timeouts(); it never restarts merely
 * because some other state was re-evaluated.
 */
#include <stdlib.h>

#include "mm-internal.h"
#include "bufferevent-internal.h"

static uint64_t bev_tv_to_ms(const struct timeval *tv) {
  return (uint64_t)tv->tv_sec * 1000u + ((uint64_t)tv->tv_usec + 999u) / 1000u;
}

static int bev_tv_set(const struct timeval *tv) {
  return tv->tv_sec != 0 || tv->tv_usec != 0;
}

short bev_core_desired_io_(struct bufferevent *bev) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  short active = bev->enabled & (EV_READ | EV_WRITE);
  if (p->read_suspended) active &= ~EV_READ;
  if (p->write_suspended) active &= ~EV_WRITE;
  return active;
}

/* A latched write timeout with nothing to write runs on a filter, and on a
 * kind with no descriptor to write to (see the top of the file). */
static int bev_write_latch_runs(struct bufferevent *bev) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  union bev_ctrl_data d;
  if (!p->write_latched) return 0;
  if (p->write_tm_idle) return 1;
  if (!bev->be_ops->ctrl) return 0; /* a pair writes to its partner */
  d.fd = (evutil_socket_t)-1;
  return bev->be_ops->ctrl(bev, BEV_CTRL_GET_FD, &d) < 0 || d.fd == (evutil_socket_t)-1;
}

static int bev_timeout_wanted(struct bufferevent *bev, short what) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (p->unlinked || !(bev_core_desired_io_(bev) & what)) return 0;
  if (what == EV_READ) return bev_tv_set(&bev->timeout_read);
  return bev_tv_set(&bev->timeout_write) &&
         (p->connect_pending || evbuffer_get_length(bev->output) > 0 || bev_write_latch_runs(bev));
}

static void bev_on_timeout(struct bufferevent *bev, short what) {
  short flag = what == EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING;
  bev_core_incref_and_lock_(bev);
  bufferevent_disable(bev, what);
  bev_core_run_eventcb_(bev, BEV_EVENT_TIMEOUT | flag, 0);
  bev_core_decref_and_unlock_(bev);
}

/* The two timers live in their own block: it is freed by the second close
 * callback, which then drops the reference the block held on its owner. */
struct bev_timers {
  uv_timer_t read;
  uv_timer_t write;
  struct bufferevent_private *owner;
  int closing; /* close callbacks still to come */
};

static void bev_on_read_timeout(uv_timer_t *t) {
  bev_on_timeout(&((struct bev_timers *)t->data)->owner->bev, EV_READ);
}
static void bev_on_write_timeout(uv_timer_t *t) {
  bev_on_timeout(&((struct bev_timers *)t->data)->owner->bev, EV_WRITE);
}

static void bev_timers_closed(uv_handle_t *h) {
  struct bev_timers *timers = h->data;
  struct bufferevent_private *owner = timers->owner;
  if (--timers->closing > 0) return;
  uvbev_free_(timers);
  bev_core_decref_(&owner->bev);
}

static int bev_timers_open(struct bufferevent_private *p) {
  uv_loop_t *loop = uvbev_base_loop_(p->bev.ev_base);
  struct bev_timers *timers;
  if (p->timers) return 0;
  timers = uvbev_calloc_(1, sizeof(*timers));
  if (!timers || !loop) {
    uvbev_free_(timers);
    return -1;
  }
  /* uv_timer_init only fills the struct: it cannot fail */
  uv_timer_init(loop, &timers->read);
  uv_timer_init(loop, &timers->write);
  timers->read.data = timers->write.data = timers;
  timers->owner = p;
  p->timers = timers;
  return 0;
}

void bev_core_close_timers_(struct bufferevent_private *p) {
  struct bev_timers *timers = p->timers;
  if (!timers) return;
  p->timers = NULL;
  bev_core_incref_(&p->bev); /* dropped when the block is freed */
  timers->closing = 2;
  uvbev_base_close_handle_(p->bev.ev_base, (uv_handle_t *)&timers->read, bev_timers_closed);
  uvbev_base_close_handle_(p->bev.ev_base, (uv_handle_t *)&timers->write, bev_timers_closed);
}

/* Arms or disarms one timer; restart says whether an armed one starts over. */
static void bev_timer_update(struct bufferevent *bev, short what, int restart) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  const struct timeval *tv = what == EV_READ ? &bev->timeout_read : &bev->timeout_write;
  int wanted;
  uv_timer_t *t;
  /* The common case, no timeout ever set, costs two tests per read or write. */
  if (!p->timers && !bev_tv_set(tv)) return;
  wanted = bev_timeout_wanted(bev, what);
  if (!wanted && !p->timers) return; /* nothing to touch: costs no thread check */
  if (!bev_core_on_loop_(bev)) {
    bev_core_sync_timers_(bev, what, restart);
    return;
  }
  if (!wanted) {
    uv_timer_stop(what == EV_READ ? &p->timers->read : &p->timers->write);
    return;
  }
  if (bev_timers_open(p) < 0) return;
  t = what == EV_READ ? &p->timers->read : &p->timers->write;
  if (restart || !uv_is_active((uv_handle_t *)t))
    uv_timer_start(t, what == EV_READ ? bev_on_read_timeout : bev_on_write_timeout,
                   uvbev_base_timer_delay_(bev->ev_base, bev_tv_to_ms(tv)), 0);
}

void bev_core_adj_timeouts_(struct bufferevent *bev) {
  bev_timer_update(bev, EV_READ, 0);
  bev_timer_update(bev, EV_WRITE, 0);
}

void bev_core_restart_progress_(struct bufferevent *bev, short what) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (what & EV_WRITE) p->write_latched = 1;
  /* Called on every read and write: without timeouts, return at once. */
  if (!p->timers && !bev_tv_set(&bev->timeout_read) && !bev_tv_set(&bev->timeout_write)) return;
  if (what & EV_READ) bev_timer_update(bev, EV_READ, 1);
  if (what & EV_WRITE) bev_timer_update(bev, EV_WRITE, 1);
}

void bev_core_unlatch_write_(struct bufferevent *bev) {
  BEV_UPCAST(bev)->write_latched = 0;
}

void bev_core_set_connect_pending_(struct bufferevent *bev, int pending) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  p->connect_pending = pending ? 1 : 0;
  bev_timer_update(bev, EV_WRITE, 0);
}

/* Output changes start (first byte queued) or stop (drained) the write
 * timeout; the callback is installed only once a write timeout is set. */
static void bev_on_output_changed(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                  void *arg) {
  struct bufferevent *bev = arg;
  (void)buf;
  if (info->n_added && (bev->enabled & EV_WRITE)) BEV_UPCAST(bev)->write_latched = 1;
  bev_timer_update(bev, EV_WRITE, 0);
}

int bufferevent_set_timeouts(struct bufferevent *bev, const struct timeval *tv_read,
                             const struct timeval *tv_write) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  static const struct timeval zero = {0, 0};
  int r = 0;
  if (!bev) return -1;
  BEV_LOCK(bev);
  bev->timeout_read = tv_read ? *tv_read : zero;
  bev->timeout_write = tv_write ? *tv_write : zero;
  if (bev_tv_set(&bev->timeout_write) && !p->output_tm_tracked) {
    if (evbuffer_add_cb(bev->output, bev_on_output_changed, bev))
      p->output_tm_tracked = 1; /* kept until the output is freed */
    else
      r = -1;
  }
  bev_core_restart_progress_(bev, EV_READ | EV_WRITE);
  p->write_latched = evbuffer_get_length(bev->output) > 0;
  bev_timer_update(bev, EV_WRITE, 0);
  BEV_UNLOCK(bev);
  return r;
}

static short *bev_suspended(struct bufferevent_private *p, short what) {
  return what == EV_READ ? &p->read_suspended : &p->write_suspended;
}

/* The kind's I/O stops at the first reason and restarts when the last goes
 * (and the direction is enabled). */
static void bev_suspend(struct bufferevent *bev, short what, short reason) {
  short *suspended = bev_suspended(BEV_UPCAST(bev), what);
  short was = *suspended;
  *suspended |= reason;
  if (!was) bev_core_reconcile_(bev, what);
  bev_timer_update(bev, what, 0);
}

static void bev_unsuspend(struct bufferevent *bev, short what, short reason) {
  short *suspended = bev_suspended(BEV_UPCAST(bev), what);
  short was = *suspended;
  *suspended &= ~reason;
  if (was && !*suspended && (bev->enabled & what)) bev_core_reconcile_(bev, what);
  bev_timer_update(bev, what, 0);
}

void bev_core_suspend_read_(struct bufferevent *bev, short reason) {
  bev_suspend(bev, EV_READ, reason);
}
void bev_core_unsuspend_read_(struct bufferevent *bev, short reason) {
  bev_unsuspend(bev, EV_READ, reason);
}
void bev_core_suspend_write_(struct bufferevent *bev, short reason) {
  bev_suspend(bev, EV_WRITE, reason);
}
void bev_core_unsuspend_write_(struct bufferevent *bev, short reason) {
  bev_unsuspend(bev, EV_WRITE, reason);
}
