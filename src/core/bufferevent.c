/* SPDX-License-Identifier: MIT */
/* The bufferevent core: construction, references, freeing, and the public
 * functions that do not depend on the kind.  The life of a bufferevent is
 * described at the top of bufferevent-internal.h. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "bufferevent-internal.h"
#include "ratelim-internal.h"

/* ---- references and freeing ------------------------------------------------ */

void bev_core_incref_(struct bufferevent *bev) {
  BEV_LOCK(bev);
  BEV_UPCAST(bev)->refcnt++;
  BEV_UNLOCK(bev);
}

void bev_core_incref_and_lock_(struct bufferevent *bev) {
  BEV_LOCK(bev);
  BEV_UPCAST(bev)->refcnt++;
}

static void bev_core_finalize(struct bufferevent_private *p) {
  struct bufferevent *bev = &p->bev;
  void *lock = p->own_lock ? p->lock : NULL;
  /* Freeing a buffer removes its callbacks; the kind may still use the lock
   * (shared with an underlying it releases in destruct), so buffers go
   * first, the kind next, the lock last. */
  struct evbuffer *input = bev->input, *output = bev->output;
  bev->input = bev->output = NULL;
  evbuffer_embed_free_(input); /* no reference of theirs is left: they hold ours */
  evbuffer_embed_free_(output);
  if (bev->be_ops->destruct) bev->be_ops->destruct(bev);
  if (lock) uvbev_lock_free_(lock);
  bev_core_free_sync_(p);
  bev_ratelim_free_(p);
  uvbev_free_(p);
}

int bev_core_decref_and_unlock_(struct bufferevent *bev) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  int left;
  assert(p->refcnt > 0);
  left = --p->refcnt;
  BEV_UNLOCK(bev);
  if (left > 0) return 0;
  bev_core_finalize(p);
  return 1;
}

int bev_core_is_freed_(struct bufferevent *bev) {
  return BEV_UPCAST(bev)->freed;
}

int bev_core_decref_(struct bufferevent *bev) {
  BEV_LOCK(bev);
  return bev_core_decref_and_unlock_(bev);
}

void bev_core_buffer_hold_(struct evbuffer *buf, unsigned which) {
  bev_core_incref_(bev_core_of_buffer_(buf, which));
}

void bev_core_buffer_unhold_(struct evbuffer *buf, unsigned which) {
  bev_core_decref_(bev_core_of_buffer_(buf, which));
}

int bev_core_defer_(struct bufferevent *bev, struct uvbev_deferred *d) {
  if (BEV_UPCAST(bev)->unlinked || !uvbev_deferred_schedule_(bev->ev_base, d)) return 0;
  BEV_UPCAST(bev)->refcnt++; /* the queued deferred's, taken under the lock */
  return 1;
}

int bev_core_undefer_(struct bufferevent *bev, struct uvbev_deferred *d) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!uvbev_deferred_cancel_(bev->ev_base, d)) return 0;
  /* The caller holds another reference: this one is never the last. */
  assert(p->refcnt > 1);
  p->refcnt--;
  return 1;
}

/* Stops everything that could call back and closes every handle: on
 * bufferevent_free, or when the base shuts down under a bufferevent the user
 * never freed.  Runs once, on the loop thread (bufferevent_reconcile.c brings a
 * free from another thread here). */
void bev_core_unlink_(struct bufferevent_private *p) {
  struct bufferevent *bev = &p->bev;
  void *entered;
  if (p->unlinked) return;
  p->unlinked = 1;
  entered = uvbev_base_enter_(bev->ev_base); /* before the loop runs */
  uvbev_base_remove_child_(bev->ev_base, &p->child);
  bev_core_undefer_(bev, &p->deferred);
  bev_core_cancel_reconcile_(p);
  /* A queued run of the output's deferred callbacks would outlive the lock
   * the output shares with us: defer_callbacks again cancels it (the buffer
   * stays deferred, but nothing adds to it once we are unlinked). */
  if (p->lock) evbuffer_defer_callbacks(bev->output, bev->ev_base);
  p->readcb_pending = p->writecb_pending = 0;
  p->eventcb_pending = 0;
  bev_core_close_timers_(p);
  bev_ratelim_unlink_(p);
  if (bev->be_ops->on_free) bev->be_ops->on_free(bev);
  uvbev_base_leave_(entered);
}

static void bev_core_on_base_shutdown(struct uvbev_child *c) {
  struct bufferevent_private *p = UVBEV_CONTAINER_OF(c, struct bufferevent_private, child);
  /* Freed on another thread and waiting for its reconcile: unlinking cancels
   * the reconcile deferred, whose reference may be the last one. */
  bev_core_incref_and_lock_(&p->bev);
  bev_core_unlink_(p);
  bev_core_decref_and_unlock_(&p->bev);
}

void bufferevent_free(struct bufferevent *bev) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!bev) return;
  BEV_LOCK(bev);
  if (p->freed) {
    BEV_UNLOCK(bev);
    return;
  }
  /* No callback runs once this returns: callbacks are read under the lock,
   * and the loop thread holds it while running one (except with
   * BEV_OPT_UNLOCK_CALLBACKS, where a callback already running may still be
   * running when this returns, as in libevent). */
  p->freed = 1;
  bev->readcb = bev->writecb = NULL;
  bev->errorcb = NULL;
  if (bev_core_on_loop_(bev)) {
    bev_core_unlink_(p);
  } else {
    bev_core_sync_unlink_(p);
  }
  bev_core_decref_and_unlock_(bev);
}

void bufferevent_incref(struct bufferevent *bev) {
  if (bev) bev_core_incref_(bev);
}

int bufferevent_decref(struct bufferevent *bev) {
  return bev ? bev_core_decref_(bev) : 0;
}

/* ---- construction ---------------------------------------------------------- */

void bev_core_share_lock_(struct bufferevent_private *p, void *lock) {
  p->lock = lock;
  p->lock_shared = 1;
}

/* With a lock, the output's callbacks (the kind's, which start writes, and
 * the write-timeout tracking) are deferred so that they run on the loop
 * thread whoever writes.  The input's stay immediate: the read high
 * watermark must suspend reading before the next read. */
static int bev_core_init_lock(struct bufferevent_private *p, struct event_base *base, int options) {
  if (!p->lock_shared && (options & BEV_OPT_THREADSAFE)) {
    /* As libevent: THREADSAFE without evthread_use_*() is an error. */
    p->lock = uvbev_lock_new_();
    if (!p->lock) return -1;
    p->own_lock = 1;
  }
  if (p->lock && (evbuffer_enable_locking(p->bev.input, p->lock) < 0 ||
                  evbuffer_enable_locking(p->bev.output, p->lock) < 0 ||
                  evbuffer_defer_callbacks(p->bev.output, base) < 0))
    return -1;
  return 0;
}

int bev_core_init_kind_(struct bufferevent_private *p, struct event_base *base,
                        const struct bev_kind *kind, int options, short enabled) {
  struct bufferevent *bev = &p->bev;
  /* The one place that decides it: as in libevent, a NULL base is the one
   * event_init() made (every constructor passes its argument through). */
  if (!base) base = uvbev_current_base_();
  if (!base || !kind || !kind->reconcile) return -1;
  if ((options & BEV_OPT_UNLOCK_CALLBACKS) && !(options & BEV_OPT_DEFER_CALLBACKS))
    return -1; /* libevent refuses this combination too */
  bev->be_ops = &kind->ops;
  bev->input = evbuffer_embed_init_(&p->in_store, EVBUFFER_EMBED_INPUT_);
  bev->output = evbuffer_embed_init_(&p->out_store, EVBUFFER_EMBED_OUTPUT_);
  if (bev_core_init_lock(p, base, options) < 0 || bev_core_init_reconcile_(p) < 0) {
    evbuffer_embed_free_(bev->input);
    evbuffer_embed_free_(bev->output);
    if (p->own_lock) uvbev_lock_free_(p->lock);
    return -1;
  }
  bev->ev_base = base;
  bev->enabled = enabled;
  p->refcnt = 1;
  p->options = options;
  p->max_single_read = BEV_DEFAULT_MAX_SINGLE_READ;
  p->max_single_write = BEV_DEFAULT_MAX_SINGLE_WRITE;
  bev_core_init_deferred_(p);
  uvbev_base_add_child_(base, &p->child, bev_core_on_base_shutdown);
  return 0;
}

/* ---- callbacks, buffers ------------------------------------------------------ */

void bufferevent_setcb(struct bufferevent *bev, bufferevent_data_cb readcb,
                       bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *cbarg) {
  if (!bev) return;
  BEV_LOCK(bev);
  bev->readcb = readcb;
  bev->writecb = writecb;
  bev->errorcb = eventcb;
  bev->cbarg = cbarg;
  BEV_UNLOCK(bev);
}

void bufferevent_getcb(struct bufferevent *bev, bufferevent_data_cb *readcb_ptr,
                       bufferevent_data_cb *writecb_ptr, bufferevent_event_cb *eventcb_ptr,
                       void **cbarg_ptr) {
  if (!bev) return;
  BEV_LOCK(bev);
  if (readcb_ptr) *readcb_ptr = bev->readcb;
  if (writecb_ptr) *writecb_ptr = bev->writecb;
  if (eventcb_ptr) *eventcb_ptr = bev->errorcb;
  if (cbarg_ptr) *cbarg_ptr = bev->cbarg;
  BEV_UNLOCK(bev);
}

struct evbuffer *bufferevent_get_input(struct bufferevent *bev) {
  return bev ? bev->input : NULL;
}

struct evbuffer *bufferevent_get_output(struct bufferevent *bev) {
  return bev ? bev->output : NULL;
}

struct event_base *bufferevent_get_base(struct bufferevent *bev) {
  return bev ? bev->ev_base : NULL;
}

int bufferevent_write(struct bufferevent *bev, const void *data, size_t size) {
  if (!bev || (!data && size)) return -1;
  return evbuffer_add(bev->output, data, size) == -1 ? -1 : 0;
}

int bufferevent_write_buffer(struct bufferevent *bev, struct evbuffer *buf) {
  if (!bev || !buf) return -1;
  return evbuffer_add_buffer(bev->output, buf) == -1 ? -1 : 0;
}

size_t bufferevent_read(struct bufferevent *bev, void *data, size_t size) {
  int n;
  if (!bev || !data) return 0;
  n = evbuffer_remove(bev->input, data, size);
  return n > 0 ? (size_t)n : 0;
}

int bufferevent_read_buffer(struct bufferevent *bev, struct evbuffer *buf) {
  if (!bev || !buf) return -1;
  return evbuffer_add_buffer(buf, bev->input);
}

/* ---- enabling ------------------------------------------------------------------ */

int bufferevent_enable(struct bufferevent *bev, short event) {
  short start;
  int r = 0;
  if (!bev) return -1;
  event &= EV_READ | EV_WRITE;
  bev_core_incref_and_lock_(bev);
  bev->enabled |= event;
  start = event & bev_core_desired_io_(bev);
  if (bev_core_reconcile_(bev, start) < 0) r = -1;
  bev_core_restart_progress_(bev, event);
  bev_core_decref_and_unlock_(bev);
  return r;
}

int bufferevent_disable(struct bufferevent *bev, short event) {
  int r = 0;
  if (!bev) return -1;
  event &= EV_READ | EV_WRITE;
  BEV_LOCK(bev);
  bev->enabled &= ~event;
  if (event & EV_WRITE) bev_core_unlatch_write_(bev);
  if (bev_core_reconcile_(bev, event) < 0) r = -1;
  bev_core_adj_timeouts_(bev);
  BEV_UNLOCK(bev);
  return r;
}

short bufferevent_get_enabled(struct bufferevent *bev) {
  short r;
  if (!bev) return 0;
  BEV_LOCK(bev);
  r = bev->enabled;
  BEV_UNLOCK(bev);
  return r;
}

/* ---- watermarks ------------------------------------------------------------------ */

/* Input changed: reading stops while the input is at the high watermark and
 * restarts as soon as the user drains below it. */
static void bev_core_on_input_changed(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                      void *arg) {
  struct bufferevent *bev = arg;
  (void)info;
  if (bev->wm_read.high && evbuffer_get_length(buf) >= bev->wm_read.high)
    bev_core_suspend_read_(bev, BEV_SUSPEND_WM);
  else
    bev_core_unsuspend_read_(bev, BEV_SUSPEND_WM);
}

static void bev_core_set_read_watermark(struct bufferevent *bev, size_t low, size_t high) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  bev->wm_read.low = low;
  bev->wm_read.high = high;
  if (!high) {
    if (p->input_wm_cb) evbuffer_cb_clear_flags(bev->input, p->input_wm_cb, EVBUFFER_CB_ENABLED);
    bev_core_unsuspend_read_(bev, BEV_SUSPEND_WM);
    return;
  }
  if (!p->input_wm_cb)
    p->input_wm_cb = evbuffer_add_cb(bev->input, bev_core_on_input_changed, bev);
  else
    evbuffer_cb_set_flags(bev->input, p->input_wm_cb, EVBUFFER_CB_ENABLED);
  bev_core_on_input_changed(bev->input, NULL, bev);
}

void bufferevent_setwatermark(struct bufferevent *bev, short events, size_t lowmark,
                              size_t highmark) {
  if (!bev) return;
  bev_core_incref_and_lock_(bev);
  if (events & EV_WRITE) {
    bev->wm_write.low = lowmark;
    bev->wm_write.high = highmark;
  }
  if (events & EV_READ) bev_core_set_read_watermark(bev, lowmark, highmark);
  bev_core_decref_and_unlock_(bev);
}

int bufferevent_getwatermark(struct bufferevent *bev, short events, size_t *lowmark,
                             size_t *highmark) {
  const struct event_watermark *wm;
  if (!bev || (events != EV_READ && events != EV_WRITE)) return -1;
  BEV_LOCK(bev);
  wm = events == EV_READ ? &bev->wm_read : &bev->wm_write;
  if (lowmark) *lowmark = wm->low;
  if (highmark) *highmark = wm->high;
  BEV_UNLOCK(bev);
  return 0;
}

/* ---- locking, priority, limits --------------------------------------------------- */

void bufferevent_lock(struct bufferevent *bev) {
  if (bev) BEV_LOCK(bev);
}

void bufferevent_unlock(struct bufferevent *bev) {
  if (bev) BEV_UNLOCK(bev);
}

int bufferevent_priority_set(struct bufferevent *bev, int pri) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  if (!bev || pri < 0 || pri >= uvbev_base_npriorities_(bev->ev_base)) return -1;
  BEV_LOCK(bev);
  p->deferred.priority = pri;
  BEV_UNLOCK(bev);
  return 0;
}

int bufferevent_get_priority(const struct bufferevent *bev) {
  return bev ? ((const struct bufferevent_private *)bev)->deferred.priority : -1;
}

static int bev_core_set_limit(struct bufferevent *bev, uint32_t *field, size_t size,
                              uint32_t dflt) {
  if (!bev) return -1;
  BEV_LOCK(bev);
  if (size == 0 || size > (size_t)EV_SSIZE_MAX)
    *field = dflt;
  else
    *field = (uint64_t)size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
  BEV_UNLOCK(bev);
  return 0;
}

int bufferevent_set_max_single_read(struct bufferevent *bev, size_t size) {
  return bev_core_set_limit(bev, &BEV_UPCAST(bev)->max_single_read, size,
                            BEV_DEFAULT_MAX_SINGLE_READ);
}

int bufferevent_set_max_single_write(struct bufferevent *bev, size_t size) {
  return bev_core_set_limit(bev, &BEV_UPCAST(bev)->max_single_write, size,
                            BEV_DEFAULT_MAX_SINGLE_WRITE);
}

ev_ssize_t bufferevent_get_max_single_read(struct bufferevent *bev) {
  return bev ? (ev_ssize_t)BEV_UPCAST(bev)->max_single_read : -1;
}

ev_ssize_t bufferevent_get_max_single_write(struct bufferevent *bev) {
  return bev ? (ev_ssize_t)BEV_UPCAST(bev)->max_single_write : -1;
}

/* ---- what the kind answers --------------------------------------------------------- */

static int bev_core_ctrl(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *d) {
  int r = -1;
  if (!bev) return -1;
  BEV_LOCK(bev);
  if (bev->be_ops->ctrl) r = bev->be_ops->ctrl(bev, op, d);
  BEV_UNLOCK(bev);
  return r;
}

/* From another thread the new fd is installed by the loop thread soon after
 * this returns 0 (getfd answers the old one until then). */
int bufferevent_setfd(struct bufferevent *bev, evutil_socket_t fd) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  union bev_ctrl_data d;
  if (bev && !bev_core_on_loop_(bev)) {
    int r = -1;
    BEV_LOCK(bev);
    if (bev->be_ops->ctrl && !p->unlinked) {
      r = bev_core_sync_setfd_(p, fd);
    }
    BEV_UNLOCK(bev);
    return r;
  }
  d.fd = fd;
  return bev_core_ctrl(bev, BEV_CTRL_SET_FD, &d);
}

evutil_socket_t bufferevent_getfd(struct bufferevent *bev) {
  union bev_ctrl_data d;
  d.fd = -1;
  return bev_core_ctrl(bev, BEV_CTRL_GET_FD, &d) < 0 ? (evutil_socket_t)-1 : d.fd;
}

struct bufferevent *bufferevent_get_underlying(struct bufferevent *bev) {
  union bev_ctrl_data d;
  d.ptr = NULL;
  return bev_core_ctrl(bev, BEV_CTRL_GET_UNDERLYING, &d) < 0 ? NULL : d.ptr;
}

int bufferevent_flush(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode) {
  int r;
  if (!bev) return -1;
  bev_core_incref_and_lock_(bev);
  r = bev_core_flush_(bev, iotype, mode);
  bev_core_decref_and_unlock_(bev);
  return r;
}

int bufferevent_base_set(struct event_base *base, struct bufferevent *bev) {
  if (!bev || !base) return -1;
  return bev->ev_base == base ? 0 : -1;
}
