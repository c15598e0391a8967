/* SPDX-License-Identifier: MIT */
/* The filter machinery (see bev_filter-internal.h for the rules it keeps)
 * and the generic filter, bufferevent_filter_new().
 *
 * Re-entry.  Pumps run user code (the filter's read and write callbacks, the
 * layers below through their evbuffer callbacks), which may ask for the same
 * pump again.  Each pump has a guard: a nested request only sets a flag that
 * the running pump serves in its loop, so the stack never grows with the
 * amount of data.  Requests from places where running user code is wrong
 * (the core's enable hook, called from inside its bookkeeping) go through
 * the filter's deferred (bev_filter_schedule_).
 */
#include <stdlib.h>

#include "mm-internal.h"
#include "bev_filter-internal.h"
#include "compat-internal.h"

static struct bufferevent *bev_filter_bev(struct bev_filter *f) {
  return &f->p.bev;
}

static struct bev_filter *bev_filter_upcast(struct bufferevent *bev) {
  return (struct bev_filter *)bev;
}

/* ---- deferred continuation ------------------------------------------------- */

static void bev_filter_on_resume(struct uvbev_deferred *d, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  short what;
  (void)d;
  BEV_LOCK(bev);
  what = f->resume_what;
  f->resume_what = 0;
  if ((what & EV_READ) && !f->p.unlinked) bev_filter_pump_input_(f, BEV_NORMAL);
  if ((what & EV_WRITE) && !f->p.unlinked) bev_filter_pump_output_(f, BEV_NORMAL);
  BEV_UNLOCK(bev);
  bev_core_decref_(bev); /* the queued deferred's reference */
}

void bev_filter_schedule_(struct bev_filter *f, short what) {
  struct bufferevent *bev = bev_filter_bev(f);
  if (f->p.unlinked || !(what & (EV_READ | EV_WRITE))) return;
  f->resume_what |= what & (EV_READ | EV_WRITE);
  if (uvbev_deferred_schedule_(bev->ev_base, &f->resume)) bev_core_incref_(bev);
}

void bev_filter_fail_(struct bev_filter *f, short what) {
  struct bufferevent *bev = bev_filter_bev(f);
  short dir;
  if (what & EV_READ) {
    if (f->input_broken) return;
    f->input_broken = 1;
    dir = BEV_EVENT_READING;
    bev_core_suspend_read_(f->underlying, BEV_SUSPEND_FILT);
  } else {
    if (f->output_broken) return;
    f->output_broken = 1;
    dir = BEV_EVENT_WRITING;
  }
  uvbev_set_socket_error_from_uv_(UV_EPROTO);
  /* Deferred: a transform fails inside a pump, maybe inside the user's own
   * bufferevent_write(), where freeing the filter must not happen. */
  bev_core_run_eventcb_(bev, BEV_EVENT_ERROR | dir, BEV_TRIG_DEFER_CALLBACKS);
}

/* ---- output: filter output -> transform -> underlying output ---------------- */

/* Runs the output transform while it makes progress and the underlying has
 * room.  Sets *moved when the filter's output shrank.  Returns 1 if bytes
 * were produced, 0 if not, -1 on BEV_ERROR. */
static int bev_filter_output_round(struct bev_filter *f, enum bufferevent_flush_mode mode,
                                   int *moved) {
  struct bufferevent *bev = bev_filter_bev(f), *under = f->underlying;
  struct evbuffer *src = bev->output, *dst = under->output;
  int produced = 0;
  if (mode == BEV_NORMAL && (f->output_stalled || !(bev_core_active_(bev) & EV_WRITE))) return 0;
  for (;;) {
    size_t src_len = evbuffer_get_length(src), dst_len = evbuffer_get_length(dst);
    size_t new_src, new_dst, grew;
    ev_ssize_t limit = -1;
    enum bufferevent_filter_result res;
    if (mode == BEV_NORMAL && under->wm_write.high) {
      if (dst_len >= under->wm_write.high)
        break; /* backpressure: resume from the underlying's write callback */
      limit = (ev_ssize_t)(under->wm_write.high - dst_len);
    }
    if (src_len == 0 && mode == BEV_NORMAL && !f->output_limited && !f->output_kick) break;
    f->output_kick = 0;
    res = f->xf->output(f, src, dst, limit, mode);
    if (res == BEV_ERROR && f->errors_quiet) {
      f->output_stalled = 1;
      break;
    }
    if (res == BEV_ERROR) {
      bev_filter_fail_(f, EV_WRITE);
      return -1;
    }
    new_src = evbuffer_get_length(src);
    new_dst = evbuffer_get_length(dst);
    grew = new_dst > dst_len ? new_dst - dst_len : 0;
    f->output_limited = limit >= 0 && grew >= (size_t)limit;
    if (new_src < src_len) *moved = 1;
    if (grew) produced = 1;
    if (res != BEV_OK || (new_src == src_len && grew == 0) || (new_src == 0 && !f->output_limited))
      break;
  }
  return produced;
}

/* After a round: the write callback (once per pump; more from the deferred
 * queue, so a producer writing from it never loops here unboundedly). */
static void bev_filter_after_output(struct bev_filter *f, int moved, int *wrote_cb) {
  struct bufferevent *bev = bev_filter_bev(f);
  int due = moved || (f->writecb_due && evbuffer_get_length(bev->output) <= bev->wm_write.low);
  if (!due) return;
  if (*wrote_cb) {
    f->writecb_due = 1;
    bev_filter_schedule_(f, EV_WRITE);
    return;
  }
  *wrote_cb = 1;
  f->writecb_due = 0;
  bev_core_output_drained_(bev);
}

/* may_call_user 0: the write callback, if due, runs from the deferred queue
 * (the caller is inside an evbuffer operation of the user's). */
static int bev_filter_pump_output(struct bev_filter *f, enum bufferevent_flush_mode mode,
                                  int may_call_user) {
  struct bufferevent *bev = bev_filter_bev(f);
  int produced = 0, wrote_cb = !may_call_user, r = 0;
  if (f->output_broken) return -1;
  if (f->p.unlinked) return 0;
  if (mode > f->output_mode) f->output_mode = mode;
  if (f->in_output) {
    f->output_again = 1;
    return 0;
  }
  bev_core_incref_(bev);
  f->in_output = 1;
  do {
    int moved = 0;
    enum bufferevent_flush_mode m = f->output_mode;
    f->output_again = 0;
    f->output_mode = BEV_NORMAL;
    r = bev_filter_output_round(f, m, &moved);
    if (r < 0) break;
    produced |= r;
    bev_filter_after_output(f, moved, &wrote_cb);
  } while (f->output_again && !f->p.unlinked && !f->output_broken);
  f->in_output = 0;
  if (f->under_flush != BEV_NORMAL && !f->p.unlinked && r >= 0) {
    enum bufferevent_flush_mode down = f->under_flush;
    f->under_flush = BEV_NORMAL;
    bufferevent_flush(f->underlying, EV_WRITE, down);
  }
  r = r < 0 ? -1 : produced;
  bev_core_decref_(bev);
  return r;
}

int bev_filter_pump_output_(struct bev_filter *f, enum bufferevent_flush_mode mode) {
  return bev_filter_pump_output(f, mode, 1);
}

/* ---- input: underlying input -> transform -> filter input -------------------- */

/* Runs the input transform while it makes progress and the filter's input is
 * below its read high watermark.  Returns 1 if bytes were produced, 0, -1. */
static int bev_filter_input_round(struct bev_filter *f, enum bufferevent_flush_mode mode) {
  struct bufferevent *bev = bev_filter_bev(f), *under = f->underlying;
  struct evbuffer *src = under->input, *dst = bev->input;
  int produced = 0;
  if (mode == BEV_NORMAL && (f->input_stalled || !(bev_core_active_(bev) & EV_READ))) return 0;
  for (;;) {
    size_t src_len = evbuffer_get_length(src), dst_len = evbuffer_get_length(dst);
    size_t new_src, new_dst, grew;
    ev_ssize_t limit = -1;
    enum bufferevent_filter_result res;
    if (bev->wm_read.high) {
      if (dst_len >= bev->wm_read.high) break; /* held: resume when the user drains (enable hook) */
      limit = (ev_ssize_t)(bev->wm_read.high - dst_len);
    }
    if (src_len == 0 && mode == BEV_NORMAL && !f->input_limited && !f->input_kick) break;
    f->input_kick = 0;
    res = f->xf->input(f, src, dst, limit, mode);
    if (res == BEV_ERROR && f->errors_quiet) {
      f->input_limited = 0;
      f->input_stalled = 1;
      break;
    }
    if (res == BEV_ERROR) {
      bev_filter_fail_(f, EV_READ);
      return -1;
    }
    new_src = evbuffer_get_length(src);
    new_dst = evbuffer_get_length(dst);
    grew = new_dst > dst_len ? new_dst - dst_len : 0;
    f->input_limited = limit >= 0 && grew >= (size_t)limit;
    if (grew) produced = 1;
    if (res != BEV_OK || (new_src == src_len && grew == 0) || (new_src == 0 && !f->input_limited))
      break;
  }
  return produced;
}

/* The underlying reported EOF and everything it had has been consumed. */
static void bev_filter_maybe_eof(struct bev_filter *f) {
  struct bufferevent *bev = bev_filter_bev(f);
  if (!f->under_eof || f->eof_sent || f->input_broken || f->p.unlinked || f->input_limited ||
      evbuffer_get_length(f->underlying->input) > 0)
    return;
  f->eof_sent = 1;
  bev_core_run_eventcb_(bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

int bev_filter_pump_input_(struct bev_filter *f, enum bufferevent_flush_mode mode) {
  struct bufferevent *bev = bev_filter_bev(f);
  int produced = 0, r = 0;
  if (f->input_broken) return -1;
  if (f->p.unlinked) return 0;
  if (f->in_input) {
    f->input_again = 1;
    return 0;
  }
  bev_core_incref_(bev);
  f->in_input = 1;
  do {
    f->input_again = 0;
    r = bev_filter_input_round(f, f->under_eof ? BEV_FINISHED : mode);
    if (r < 0) break;
    if (r > 0) {
      produced = 1;
      bev_core_input_added_(bev);
    }
  } while (f->input_again && !f->p.unlinked && !f->input_broken);
  f->in_input = 0;
  if (r >= 0) bev_filter_maybe_eof(f);
  r = r < 0 ? -1 : produced;
  bev_core_decref_(bev);
  return r;
}

/* ---- the underlying's callbacks (owned by the filter) -------------------------- */

/* The filter's user may free it from a callback the pump runs: hold a
 * reference until the lock (maybe the filter's own) is released. */
/* The filter's user may free it from a callback the pump runs: hold a
 * reference until the lock (maybe the filter's own) is released. */
static void bev_filter_on_under_read(struct bufferevent *under, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  (void)under;
  BEV_LOCK(bev);
  bev_core_incref_(bev);
  f->input_stalled = 0; /* new bytes below */
  bev_filter_pump_input_(f, BEV_NORMAL);
  BEV_UNLOCK(bev);
  bev_core_decref_(bev);
}

static void bev_filter_on_under_write(struct bufferevent *under, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  (void)under;
  BEV_LOCK(bev);
  bev_core_incref_(bev);
  /* Room below: move more.  The write callback reports the user's bytes
   * moving (as libevent's filters), not the layer below draining, which may
   * be bytes the user never wrote (a TLS handshake). */
  f->output_stalled = 0;
  bev_filter_pump_output_(f, BEV_NORMAL);
  BEV_UNLOCK(bev);
  bev_core_decref_(bev);
}

static void bev_filter_on_under_event(struct bufferevent *under, short what, void *arg) {
  struct bev_filter *f = arg;
  struct bufferevent *bev = bev_filter_bev(f);
  (void)under;
  BEV_LOCK(bev);
  bev_core_incref_(bev);
  if (f->xf->event && f->xf->event(f, what)) {
    /* the kind handled it */
  } else if (what & BEV_EVENT_EOF) {
    /* Decode what is left with BEV_FINISHED; EOF goes up once it is all
     * consumed (maybe later, if the filter's input is held full). */
    f->under_eof = 1;
    bev_filter_pump_input_(f, BEV_FINISHED);
  } else {
    bev_core_run_eventcb_(bev, what, 0);
  }
  BEV_UNLOCK(bev);
  bev_core_decref_(bev);
}

static void bev_filter_on_output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                       void *arg) {
  /* Inside the user's bufferevent_write(): move the bytes now, but run the
   * write callback from the deferred queue (the user may free the filter in
   * it, and the evbuffer operation is still on the stack). */
  struct bev_filter *f = arg;
  (void)buf;
  if (info->n_added == 0) return;
  f->output_stalled = 0; /* new bytes above */
  if (f->output_batched)
    bev_filter_schedule_(f, EV_WRITE);
  else
    bev_filter_pump_output(f, BEV_NORMAL, 0);
}

/* ---- the vtable ---------------------------------------------------------------- */

int bev_filter_enable_(struct bufferevent *bev, short what) {
  struct bev_filter *f = bev_filter_upcast(bev);
  if (what & EV_READ) f->input_stalled = 0;
  if (what & EV_WRITE) f->output_stalled = 0;
  if ((what & EV_READ) && !f->input_broken)
    bev_core_unsuspend_read_(f->underlying, BEV_SUSPEND_FILT);
  /* Data may already wait below (issue 362) or in our output. */
  bev_filter_schedule_(f, what);
  return 0;
}

int bev_filter_disable_(struct bufferevent *bev, short what) {
  struct bev_filter *f = bev_filter_upcast(bev);
  if (what & EV_READ) bev_core_suspend_read_(f->underlying, BEV_SUSPEND_FILT);
  return 0;
}

void bev_filter_unlink_(struct bufferevent *bev) {
  struct bev_filter *f = bev_filter_upcast(bev);
  struct bufferevent *under = f->underlying;
  if (f->output_cb) {
    evbuffer_remove_cb_entry(bev->output, f->output_cb);
    f->output_cb = NULL;
  }
  if (uvbev_deferred_cancel_(bev->ev_base, &f->resume))
    f->p.refcnt--; /* the queued deferred's; the caller holds another */
  if (!under) return;
  if (under->readcb == bev_filter_on_under_read && under->cbarg == f)
    bufferevent_setcb(under, NULL, NULL, NULL, NULL);
  if (!(f->p.options & BEV_OPT_CLOSE_ON_FREE)) bev_core_unsuspend_read_(under, BEV_SUSPEND_FILT);
}

void bev_filter_destruct_(struct bufferevent *bev) {
  struct bev_filter *f = bev_filter_upcast(bev);
  struct bufferevent *under = f->underlying;
  if (f->xf && f->xf->destruct) f->xf->destruct(f);
  if (!under) return;
  f->underlying = NULL;
  if (f->p.options & BEV_OPT_CLOSE_ON_FREE) bufferevent_free(under);
  bev_core_decref_(under);
}

int bev_filter_flush_(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode) {
  struct bev_filter *f = bev_filter_upcast(bev);
  int r = 0, n;
  if (iotype & EV_READ) f->input_stalled = 0;
  if (iotype & EV_WRITE) f->output_stalled = 0;
  if (iotype & EV_WRITE) {
    /* Passed down once the transform has emitted everything (even when this
     * call comes from inside a pump, which then does it). */
    if (mode > f->under_flush) f->under_flush = mode;
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

int bev_filter_ctrl_(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *data) {
  struct bev_filter *f = bev_filter_upcast(bev);
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
  case BEV_CTRL_CANCEL_ALL:
    return 0;
  }
  return -1;
}

const struct bufferevent_ops bev_filter_ops_ = {
    "filter",           bev_filter_enable_,   bev_filter_disable_,
    bev_filter_unlink_, bev_filter_destruct_, bev_filter_flush_,
    bev_filter_ctrl_,
};

/* ---- construction ---------------------------------------------------------------- */

int bev_filter_init_(struct bev_filter *f, const struct bufferevent_ops *ops,
                     const struct bev_filter_xform *xf, struct bufferevent *underlying,
                     int options) {
  struct bufferevent *bev = bev_filter_bev(f);
  void *lock = BEV_UPCAST(underlying)->lock;
  if (lock) bev_core_share_lock_(&f->p, lock); /* one lock for the whole stack */
  if (bev_core_init_(&f->p, underlying->ev_base, ops, options, EV_WRITE) < 0) {
    uvbev_free_(f);
    return -1;
  }
  uvbev_deferred_init_(&f->resume, bev_filter_on_resume, f);
  f->p.write_tm_idle = 1; /* as libevent's filters (bufferevent_timeout.c) */
  f->output_cb = evbuffer_add_cb(bev->output, bev_filter_on_output_added, f);
  if (!f->output_cb) {
    bufferevent_free(bev); /* no underlying yet: destruct leaves it alone */
    return -1;
  }
  BEV_LOCK(bev);
  f->xf = xf;
  f->underlying = underlying;
  bev_core_incref_(underlying);
  bufferevent_setcb(underlying, bev_filter_on_under_read, bev_filter_on_under_write,
                    bev_filter_on_under_event, f);
  bev_core_suspend_read_(underlying, BEV_SUSPEND_FILT);
  bufferevent_enable(underlying, EV_READ | EV_WRITE);
  BEV_UNLOCK(bev);
  return 0;
}

/* ---- the generic filter ------------------------------------------------------------- */

static enum bufferevent_filter_result bev_filter_pass(struct evbuffer *src, struct evbuffer *dst,
                                                      ev_ssize_t limit) {
  size_t n = evbuffer_get_length(src);
  if (limit >= 0 && (size_t)limit < n) n = (size_t)limit;
  if (n == evbuffer_get_length(src))
    evbuffer_add_buffer(dst, src);
  else
    evbuffer_remove_buffer(src, dst, n);
  return BEV_OK;
}

static enum bufferevent_filter_result
bev_filter_generic_output(struct bev_filter *f, struct evbuffer *src, struct evbuffer *dst,
                          ev_ssize_t limit, enum bufferevent_flush_mode mode) {
  if (!f->output_filter) return bev_filter_pass(src, dst, limit);
  return f->output_filter(src, dst, limit, mode, f->ctx);
}

static enum bufferevent_filter_result
bev_filter_generic_input(struct bev_filter *f, struct evbuffer *src, struct evbuffer *dst,
                         ev_ssize_t limit, enum bufferevent_flush_mode mode) {
  if (!f->input_filter) return bev_filter_pass(src, dst, limit);
  return f->input_filter(src, dst, limit, mode, f->ctx);
}

static void bev_filter_generic_destruct(struct bev_filter *f) {
  if (f->free_context) f->free_context(f->ctx);
  f->free_context = NULL;
}

static const struct bev_filter_xform bev_filter_generic_xform = {
    bev_filter_generic_output,
    bev_filter_generic_input,
    NULL,
    bev_filter_generic_destruct,
};

struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
                                           bufferevent_filter_cb input_filter,
                                           bufferevent_filter_cb output_filter, int options,
                                           void (*free_context)(void *), void *ctx) {
  struct bev_filter *f;
  if (!underlying) return NULL;
  f = uvbev_calloc_(1, sizeof(*f));
  if (!f) return NULL;
  f->input_filter = input_filter;
  f->output_filter = output_filter;
  f->ctx = ctx;
  if (bev_filter_init_(f, &bev_filter_ops_, &bev_filter_generic_xform, underlying, options) < 0)
    return NULL;
  /* Set only now: a failed construction does not call free_context. */
  f->free_context = free_context;
  f->errors_quiet = 1; /* as libevent's (bev_filter-internal.h) */
  return bev_filter_bev(f);
}

void *bev_filter_generic_ctx_(struct bufferevent *bev, bufferevent_filter_cb output_filter) {
  struct bev_filter *f;
  if (!bev || bev->be_ops != &bev_filter_ops_) return NULL;
  f = bev_filter_upcast(bev);
  return f->output_filter == output_filter ? f->ctx : NULL;
}

void bev_filter_report_errors_(struct bufferevent *bev) {
  bev_filter_upcast(bev)->errors_quiet = 0;
}
