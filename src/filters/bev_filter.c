/* SPDX-License-Identifier: MIT */
/* The filter machinery: the one kind (struct bev_kind) of every filter, the
 * callbacks it owns on the underlying, the defaults of a transform's ops and
 * the services transforms call (see bev_filter-internal.h for the contract;
 * the pump is in bev_filter_pump.c).
 */
#include "mm-internal.h"
#include "bev_filter-internal.h"

static const struct bev_kind bev_filter_kind;

static struct bufferevent *bev_filter_bev(struct bev_filter *f) {
  return &f->p.bev;
}

static struct bev_filter *bev_filter_upcast(struct bufferevent *bev) {
  return (struct bev_filter *)bev;
}

static int bev_filter_handshaking(struct bev_filter *f) {
  return f->xf->handshaking && f->xf->handshaking(f);
}

/* ---- the underlying's callbacks (owned by the filter) -------------------------- */

/* The filter's user may free it from a callback the pump runs: hold a
 * reference until the lock (maybe the filter's own) is released. */
static void bev_filter_on_under_read(struct bufferevent *under, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  (void)under;
  bev_core_incref_and_lock_(bev);
  if (!f->xf->pre_input || !f->xf->pre_input(f)) {
    f->in.stalled = 0; /* new bytes below */
    bev_filter_pump_input_(f, BEV_NORMAL);
  }
  bev_core_decref_and_unlock_(bev);
}

static void bev_filter_on_under_write(struct bufferevent *under, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  (void)under;
  bev_core_incref_and_lock_(bev);
  /* Room below: move more.  The write callback reports the user's bytes
   * moving (as libevent's filters), not the layer below draining, which may
   * be bytes the user never wrote (a TLS handshake). */
  f->out.stalled = 0;
  bev_filter_pump_output_(f, BEV_NORMAL);
  bev_core_decref_and_unlock_(bev);
}

static void bev_filter_on_under_event(struct bufferevent *under, short what, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  (void)under;
  bev_core_incref_and_lock_(bev);
  if (what & BEV_EVENT_EOF) f->under_eof = 1;
  if (f->xf->event && f->xf->event(f, what)) {
    /* the transform handled it */
  } else if (what & BEV_EVENT_EOF) {
    /* Decode what is left with BEV_FINISHED; EOF goes up once it is all
     * consumed (maybe later, if the filter's input is held full). */
    bev_filter_pump_input_(f, BEV_FINISHED);
  } else {
    bev_core_run_eventcb_(bev, what, 0);
  }
  bev_core_decref_and_unlock_(bev);
}

/* The layer below drained to half the default bound the output pump stopped
 * at: move more now, without waiting for it to drain completely (its write
 * callback), so a fast peer never waits for the filter. */
static void bev_filter_on_under_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                       void *arg) {
  struct bev_filter *f = arg;
  size_t now = info->orig_size + info->n_added - info->n_deleted;
  (void)buf;
  if (!f->out.at_bound || info->n_deleted == 0 || !f->underlying) return;
  if (now > bev_filter_below_max_(f) / 2) return;
  f->out.at_bound = 0;
  bev_filter_schedule_(f, EV_WRITE);
}

/* ---- reconcile ----------------------------------------------------------------- */

/* The directions in `what` became desired.  While a handshake runs, the
 * layer below also reads for it when the user enabled only writing (as
 * libevent's TLS). */
static void bev_filter_start(struct bev_filter *f, short what) {
  if (what & EV_READ) f->in.stalled = 0;
  if (what & EV_WRITE) f->out.stalled = 0;
  if ((what & (EV_READ | EV_WRITE)) && bev_filter_handshaking(f))
    bev_core_unsuspend_read_(f->underlying, BEV_SUSPEND_FILT);
  if ((what & EV_READ) && !f->in.broken) bev_core_unsuspend_read_(f->underlying, BEV_SUSPEND_FILT);
  /* Data may already wait below (issue 362) or in our output. */
  bev_filter_schedule_(f, what);
}

/* The directions in `what` stopped being desired.  A handshake keeps reading
 * below while the user has either direction enabled, and waits once the user
 * disabled both. */
static void bev_filter_stop(struct bev_filter *f, short what) {
  struct bufferevent *bev = bev_filter_bev(f);
  if (bev_filter_handshaking(f)) {
    if (bev->enabled & (EV_READ | EV_WRITE))
      what &= ~EV_READ;
    else
      what |= EV_READ;
  }
  if (what & EV_READ) bev_core_suspend_read_(f->underlying, BEV_SUSPEND_FILT);
}

/* Bytes added to the output, without a lock inside the user's
 * bufferevent_write(): move them now, but run the write callback from the
 * reconcile deferred (the user may free the filter in it, and the evbuffer
 * operation is still on the stack). */
static void bev_filter_output_added(struct bev_filter *f) {
  f->out.stalled = 0; /* new bytes above */
  if (f->output_batched)
    bev_filter_schedule_(f, EV_WRITE);
  else
    bev_filter_pump_output_cb_(f, BEV_NORMAL, 0);
}

static int bev_filter_flush(struct bev_filter *f) {
  enum bufferevent_flush_mode mode;
  short iotype = bev_core_flush_asked_(bev_filter_bev(f), &mode);
  return (f->xf->flush ? f->xf->flush : bev_filter_def_flush_)(f, iotype, mode);
}

/* The core's one op (bufferevent-internal.h): the user's directions first,
 * then new output, the pumps asked with bev_filter_schedule_, a flush. */
static int bev_filter_reconcile(struct bufferevent *bev, short changed) {
  struct bev_filter *f = bev_filter_upcast(bev);
  short desired = bev_core_desired_io_(bev);
  short dirs = changed & (EV_READ | EV_WRITE);
  if (dirs & ~desired) bev_filter_stop(f, dirs & ~desired);
  if (dirs & desired) bev_filter_start(f, dirs & desired);
  if (changed & BEV_RC_OUTPUT) bev_filter_output_added(f);
  if (changed & (BEV_RC_AGAIN_READ | BEV_RC_AGAIN_WRITE)) bev_filter_continue_(f, changed);
  /* the pumps run user callbacks, which may have freed the filter */
  if (!(changed & BEV_RC_FLUSH) || f->p.unlinked) return 0;
  return bev_filter_flush(f);
}

/* ---- the rest of the vtable ------------------------------------------------------ */

static void bev_filter_on_free(struct bufferevent *bev) {
  struct bev_filter *f = bev_filter_upcast(bev);
  struct bufferevent *under = f->underlying;
  if (under && f->xf->detach) f->xf->detach(f); /* not after a failed init */
  if (under && f->under_output_cb) {
    evbuffer_remove_cb_entry(under->output, f->under_output_cb);
    f->under_output_cb = NULL;
  }
  if (!under) return;
  if (under->readcb == bev_filter_on_under_read && under->cbarg == f)
    bufferevent_setcb(under, NULL, NULL, NULL, NULL);
  if (!(f->p.options & BEV_OPT_CLOSE_ON_FREE)) bev_core_unsuspend_read_(under, BEV_SUSPEND_FILT);
}

static void bev_filter_destruct(struct bufferevent *bev) {
  struct bev_filter *f = bev_filter_upcast(bev);
  struct bufferevent *under = f->underlying;
  if (f->xf->destruct) f->xf->destruct(f);
  if (!under) return;
  f->underlying = NULL;
  if (f->p.options & BEV_OPT_CLOSE_ON_FREE) bufferevent_free(under);
  bev_core_decref_(under);
}

static int bev_filter_ctrl(struct bufferevent *bev, enum bev_ctrl_op op,
                           union bev_ctrl_data *data) {
  struct bev_filter *f = bev_filter_upcast(bev);
  return (f->xf->ctrl ? f->xf->ctrl : bev_filter_def_ctrl_)(f, op, data);
}

static const struct bev_kind bev_filter_kind = {
    .ops = {.on_free = bev_filter_on_free,
            .destruct = bev_filter_destruct,
            .ctrl = bev_filter_ctrl},
    .reconcile = bev_filter_reconcile,
};

/* ---- the defaults ------------------------------------------------------------- */

enum bufferevent_filter_result bev_filter_def_pass_(struct bev_filter *f, struct evbuffer *src,
                                                    struct evbuffer *dst, ev_ssize_t dst_limit,
                                                    enum bufferevent_flush_mode mode) {
  size_t n = evbuffer_get_length(src);
  (void)f;
  (void)mode;
  if (dst_limit >= 0 && (size_t)dst_limit < n) n = (size_t)dst_limit;
  if (n == evbuffer_get_length(src))
    evbuffer_add_buffer(dst, src);
  else
    evbuffer_remove_buffer(src, dst, n);
  return BEV_OK;
}

int bev_filter_def_flush_(struct bev_filter *f, short iotype, enum bufferevent_flush_mode mode) {
  int r = 0, n;
  if (iotype & EV_READ) f->in.stalled = 0;
  if (iotype & EV_WRITE) f->out.stalled = 0;
  if (iotype & EV_WRITE) {
    /* Passed down once the transform has emitted everything (even when this
     * call comes from inside a pump, which then does it). */
    bev_filter_flush_down_(f, mode);
    n = bev_filter_pump_output_(f, mode);
    r = n < 0 ? -1 : n;
  }
  if ((iotype & EV_READ) && r >= 0) {
    if (mode != BEV_NORMAL) bufferevent_flush(f->underlying, EV_READ, mode);
    n = bev_filter_pump_input_(f, mode);
    r = n < 0 ? -1 : (r | n);
  }
  return r;
}

int bev_filter_def_ctrl_(struct bev_filter *f, enum bev_ctrl_op op, union bev_ctrl_data *data) {
  if (!f->underlying) return -1;
  switch (op) {
  case BEV_CTRL_GET_UNDERLYING:
  case BEV_CTRL_GET_TRANSPORT:
    data->ptr = f->underlying;
    return 0;
  case BEV_CTRL_GET_FD:
    data->fd = bufferevent_getfd(f->underlying);
    return data->fd == (evutil_socket_t)-1 ? -1 : 0;
  case BEV_CTRL_SET_FD:
    return bufferevent_setfd(f->underlying, data->fd);
  }
  return -1;
}

/* ---- services ------------------------------------------------------------------ */

int bev_filter_below_eof_(const struct bev_filter *f) {
  return f->under_eof;
}

void bev_filter_end_input_(struct bev_filter *f) {
  f->under_eof = 1;
}

void bev_filter_flush_down_(struct bev_filter *f, enum bufferevent_flush_mode mode) {
  if (mode > f->under_flush) f->under_flush = mode;
}

void bev_filter_read_below_(struct bev_filter *f, int on) {
  struct bufferevent *under = f->underlying;
  if (!under) return;
  if (on)
    bev_core_unsuspend_read_(under, BEV_SUSPEND_FILT);
  else if (!(bev_core_desired_io_(bev_filter_bev(f)) & EV_READ))
    bev_core_suspend_read_(under, BEV_SUSPEND_FILT);
}

struct bev_filter *bev_filter_of_(struct bufferevent *bev, const struct bev_filter_xform *xf) {
  if (!bev || bev->be_ops != &bev_filter_kind.ops) return NULL;
  return bev_filter_upcast(bev)->xf == xf ? bev_filter_upcast(bev) : NULL;
}

/* ---- construction ---------------------------------------------------------------- */

int bev_filter_init_(struct bev_filter *f, const struct bev_filter_xform *xf,
                     struct bufferevent *underlying, int options) {
  struct bufferevent *bev = bev_filter_bev(f);
  void *lock = BEV_UPCAST(underlying)->lock;
  f->xf = xf;
  if (lock) bev_core_share_lock_(&f->p, lock); /* one lock for the whole stack */
  if (bev_core_init_kind_(&f->p, underlying->ev_base, &bev_filter_kind, options, EV_WRITE) < 0) {
    if (xf->destruct) xf->destruct(f);
    uvbev_free_(f);
    return -1;
  }
  f->p.write_tm_idle = 1; /* as libevent's filters (bufferevent_timeout.c) */
  BEV_LOCK(bev);
  f->underlying = underlying;
  bev_core_incref_(underlying);
  /* without it the default bound resumes only once the layer below is empty */
  f->under_output_cb = evbuffer_add_cb(underlying->output, bev_filter_on_under_output, f);
  bufferevent_setcb(underlying, bev_filter_on_under_read, bev_filter_on_under_write,
                    bev_filter_on_under_event, f);
  bev_core_suspend_read_(underlying, BEV_SUSPEND_FILT);
  bufferevent_enable(underlying, EV_READ | EV_WRITE);
  BEV_UNLOCK(bev);
  return 0;
}
