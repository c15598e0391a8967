/* Suspension and timeouts of a bufferevent: which directions actually run,
 * and the two uv_timer_t that watch them.
 *
 * A direction runs when it is enabled and not suspended.  The read timeout is
 * armed while reading runs; the write timeout while writing runs and there is
 * something to write (output not empty, or a connect pending).  An armed timer
 * restarts on progress (a read, a write) and on bufferevent_enable() /
 * bufferevent_set_timeouts(); it never restarts merely because some other
 * state was re-evaluated.
 */
#include "bufferevent-internal.h"

static uint64_t bev_tv_to_ms(const struct timeval *tv) {
  return (uint64_t)tv->tv_sec * 1000u + ((uint64_t)tv->tv_usec + 999u) / 1000u;
}

static int bev_tv_set(const struct timeval *tv) {
  return tv->tv_sec != 0 || tv->tv_usec != 0;
}

short bev_core_active_(struct bufferevent *bev) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  short active = bev->enabled & (EV_READ | EV_WRITE);
  if (p->read_suspended) active &= ~EV_READ;
  if (p->write_suspended) active &= ~EV_WRITE;
  return active;
}

static int bev_timeout_wanted(struct bufferevent *bev, short what) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (p->unlinked || !(bev_core_active_(bev) & what)) return 0;
  if (what == EV_READ) return bev_tv_set(&bev->timeout_read);
  return bev_tv_set(&bev->timeout_write) &&
         (p->write_wanted || evbuffer_get_length(bev->output) > 0);
}

static void bev_on_timeout(struct bufferevent *bev, short what) {
  short flag = what == EV_READ ? BEV_EVENT_READING : BEV_EVENT_WRITING;
  BEV_LOCK(bev);
  bev_core_incref_(bev);
  bufferevent_disable(bev, what);
  bev_core_run_eventcb_(bev, BEV_EVENT_TIMEOUT | flag, 0);
  BEV_UNLOCK(bev);
  bev_core_decref_(bev);
}

static void bev_on_read_timeout(uv_timer_t *t) {
  bev_on_timeout(t->data, EV_READ);
}
static void bev_on_write_timeout(uv_timer_t *t) {
  bev_on_timeout(t->data, EV_WRITE);
}

static int bev_timers_open(struct bufferevent_private *p) {
  uv_loop_t *loop;
  if (p->timers_open) return 0;
  loop = uvbev_base_loop_(p->bev.ev_base);
  if (!loop || uv_timer_init(loop, &p->read_timer) != 0) return -1;
  if (uv_timer_init(loop, &p->write_timer) != 0) {
    /* cannot fail on any platform libuv supports; keep the pair consistent */
    p->refcnt++;
    uv_close((uv_handle_t *)&p->read_timer, bev_core_handle_closed_);
    return -1;
  }
  p->read_timer.data = p->write_timer.data = p;
  p->timers_open = 1;
  return 0;
}

void bev_core_close_timers_(struct bufferevent_private *p) {
  if (!p->timers_open) return;
  p->timers_open = 0;
  p->refcnt += 2; /* dropped by the two close callbacks */
  uv_close((uv_handle_t *)&p->read_timer, bev_core_handle_closed_);
  uv_close((uv_handle_t *)&p->write_timer, bev_core_handle_closed_);
}

/* Arms or disarms one timer; restart says whether an armed one starts over. */
static void bev_timer_update(struct bufferevent *bev, short what, int restart) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  uv_timer_t *t = what == EV_READ ? &p->read_timer : &p->write_timer;
  const struct timeval *tv = what == EV_READ ? &bev->timeout_read : &bev->timeout_write;
  int wanted = bev_timeout_wanted(bev, what);
  if (!wanted && !p->timers_open)
    return; /* nothing to touch: the common case costs no thread check */
  if (!bev_core_on_loop_(bev)) {
    bev_core_sync_timers_(bev, what, restart);
    return;
  }
  if (!wanted) {
    uv_timer_stop(t);
    return;
  }
  if (bev_timers_open(p) < 0) return;
  if (restart || !uv_is_active((uv_handle_t *)t))
    uv_timer_start(t, what == EV_READ ? bev_on_read_timeout : bev_on_write_timeout,
                   bev_tv_to_ms(tv), 0);
}

void bev_core_adj_timeouts_(struct bufferevent *bev) {
  bev_timer_update(bev, EV_READ, 0);
  bev_timer_update(bev, EV_WRITE, 0);
}

void bev_core_restart_progress_(struct bufferevent *bev, short what) {
  if (what & EV_READ) bev_timer_update(bev, EV_READ, 1);
  if (what & EV_WRITE) bev_timer_update(bev, EV_WRITE, 1);
}

void bev_core_set_write_wanted_(struct bufferevent *bev, int wanted) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  p->write_wanted = wanted ? 1 : 0;
  bev_timer_update(bev, EV_WRITE, 0);
}

/* Output changes start (first byte queued) or stop (drained) the write
 * timeout; the callback is installed only once a write timeout is set. */
static void bev_on_output_changed(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                  void *arg) {
  (void)buf;
  (void)info;
  bev_timer_update(arg, EV_WRITE, 0);
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
  if (bev_tv_set(&bev->timeout_write) && !p->output_tm_cb) {
    p->output_tm_cb = evbuffer_add_cb(bev->output, bev_on_output_changed, bev);
    if (!p->output_tm_cb) r = -1;
  }
  bev_core_restart_progress_(bev, EV_READ | EV_WRITE);
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
  if (!was) bev_core_kind_disable_(bev, what);
  bev_timer_update(bev, what, 0);
}

static void bev_unsuspend(struct bufferevent *bev, short what, short reason) {
  short *suspended = bev_suspended(BEV_UPCAST(bev), what);
  short was = *suspended;
  *suspended &= ~reason;
  if (was && !*suspended && (bev->enabled & what)) bev_core_kind_enable_(bev, what);
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
