/* SPDX-License-Identifier: MIT */
/* The filter machinery's pump: one loop that runs a transform in either
 * direction (see bev_filter-internal.h for the rules it keeps).
 *
 *   output: filter output -> xf->output -> underlying output
 *   input:  underlying input -> xf->input -> filter input
 *
 * The directions differ only in their buffers, their high watermark (the
 * underlying's write mark in BEV_NORMAL; the filter's read mark always),
 * what follows a round (the write callback; the read callback) and what
 * follows the pump (the flush passed down; the EOF passed up).
 *
 * Re-entry.  Pumps run user code (the filter's read and write callbacks, the
 * layers below through their evbuffer callbacks), which may ask for the same
 * pump again.  Each direction has a guard: a nested request only sets
 * `again` (and its mode) for the running pump to serve in its loop, so the
 * stack never grows with the amount of data.  Requests from places where
 * running user code is wrong (the filter's reconcile, called from inside the
 * core's bookkeeping) go through the core's reconcile deferred
 * (bev_filter_schedule_: a reconcile with BEV_RC_AGAIN_READ/_WRITE).
 */
#include "bev_filter-internal.h"
#include "platform-internal.h"

static struct bufferevent *pump_bev(struct bev_filter *f) {
  return &f->p.bev;
}

/* ---- deferred continuation and failure ----------------------------------------- */

/* The continuation is a reconcile: the core's one deferred runs it (and
 * holds the reference), the filter's reconcile calls bev_filter_continue_. */
void bev_filter_schedule_(struct bev_filter *f, short what) {
  short again = (short)(((what & EV_READ) ? BEV_RC_AGAIN_READ : 0) |
                        ((what & EV_WRITE) ? BEV_RC_AGAIN_WRITE : 0));
  if (again) bev_core_reconcile_later_(pump_bev(f), again);
}

void bev_filter_continue_(struct bev_filter *f, short changed) {
  /* a pump does nothing once the user freed the filter (from the other) */
  if (changed & BEV_RC_AGAIN_READ) bev_filter_pump_input_(f, BEV_NORMAL);
  if (changed & BEV_RC_AGAIN_WRITE) bev_filter_pump_output_(f, BEV_NORMAL);
}

void bev_filter_fail_(struct bev_filter *f, short what) {
  struct bufferevent *bev = pump_bev(f);
  struct bev_filter_dir *d = (what & EV_READ) ? &f->in : &f->out;
  if (d->broken) return;
  d->broken = 1;
  if (what & EV_READ) bev_core_suspend_read_(f->underlying, BEV_SUSPEND_FILT);
  uvbev_set_socket_error_from_uv_(UV_EPROTO);
  /* Deferred: a transform fails inside a pump, maybe inside the user's own
   * bufferevent_write(), where freeing the filter must not happen. */
  bev_core_run_eventcb_(
      bev, BEV_EVENT_ERROR | ((what & EV_READ) ? BEV_EVENT_READING : BEV_EVENT_WRITING),
      BEV_TRIG_DEFER_CALLBACKS);
}

/* ---- one round: the transform while it makes progress ---------------------------- */

size_t bev_filter_below_max_(const struct bev_filter *f) {
  size_t high = f->underlying->wm_write.high;
  return high ? high : BEV_FILTER_DEFAULT_BELOW_MAX;
}

/* Runs the transform of direction d while it makes progress and the
 * destination has room.  Sets *moved when the source shrank.  Returns 1 if
 * bytes were produced, 0 if not, -1 on a reported BEV_ERROR. */
static int pump_round(struct bev_filter *f, struct bev_filter_dir *d,
                      enum bufferevent_flush_mode mode, int *moved) {
  struct bufferevent *bev = pump_bev(f), *under = f->underlying;
  int out = d == &f->out;
  struct evbuffer *src = out ? bev->output : under->input;
  struct evbuffer *dst = out ? under->output : bev->input;
  bev_filter_transform_fn fn = out ? f->xf->output : f->xf->input;
  int produced = 0;
  if (mode == BEV_NORMAL && (d->stalled || !(bev_core_desired_io_(bev) & (out ? EV_WRITE : EV_READ))))
    return 0;
  for (;;) {
    size_t src_len = evbuffer_get_length(src), dst_len = evbuffer_get_length(dst);
    size_t new_src, new_dst, grew;
    ev_ssize_t limit = -1;
    enum bufferevent_filter_result res;
    /* Backpressure: the output stops at the underlying's write high
     * watermark (BEV_NORMAL only, as libevent) and resumes from its write
     * callback; the input stops at the filter's read high watermark (every
     * mode: a decompressor cannot overshoot at EOF) and resumes when the
     * user drains (the filter's reconcile).  Read every time: callbacks the
     * transform ran may have moved them. */
    size_t high = out ? (mode == BEV_NORMAL ? bev_filter_below_max_(f) : 0) : bev->wm_read.high;
    if (high) {
      if (dst_len >= high) {
        if (out && !under->wm_write.high) d->at_bound = 1;
        break;
      }
      limit = (ev_ssize_t)(high - dst_len);
    }
    if (src_len == 0 && mode == BEV_NORMAL && !d->limited) break;
    res = (fn ? fn : bev_filter_def_pass_)(f, src, dst, limit, mode);
    if (res == BEV_ERROR && f->errors_quiet) {
      if (!out) d->limited = 0; /* the EOF waits for `limited` to clear */
      d->stalled = 1;
      break;
    }
    if (res == BEV_ERROR) {
      bev_filter_fail_(f, out ? EV_WRITE : EV_READ);
      return -1;
    }
    new_src = evbuffer_get_length(src);
    new_dst = evbuffer_get_length(dst);
    grew = new_dst > dst_len ? new_dst - dst_len : 0;
    d->limited = limit >= 0 && grew >= (size_t)limit;
    if (new_src < src_len) *moved = 1;
    if (grew) produced = 1;
    if (res != BEV_OK || (new_src == src_len && grew == 0) || (new_src == 0 && !d->limited)) break;
  }
  return produced;
}

/* ---- after a round, after the pump ---------------------------------------------- */

/* Output: the write callback (once per pump; more from the reconcile deferred,
 * so a producer writing from it never loops here unboundedly). */
static void pump_after_output(struct bev_filter *f, int moved, int *wrote_cb) {
  struct bufferevent *bev = pump_bev(f);
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

/* Output: the flush asked during the pump goes down once the transform has
 * emitted everything. */
static void pump_flush_down(struct bev_filter *f) {
  enum bufferevent_flush_mode down = f->under_flush;
  if (down == BEV_NORMAL || f->p.unlinked) return;
  f->under_flush = BEV_NORMAL;
  bufferevent_flush(f->underlying, EV_WRITE, down);
}

/* Input: the underlying reported EOF and everything it had was consumed. */
static void pump_maybe_eof(struct bev_filter *f) {
  if (!f->under_eof || f->eof_sent || f->in.broken || f->p.unlinked || f->in.limited ||
      evbuffer_get_length(f->underlying->input) > 0)
    return;
  f->eof_sent = 1;
  bev_core_run_eventcb_(pump_bev(f), BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

/* ---- the pump ----------------------------------------------------------------- */

/* may_call_user 0: the write callback, if due, runs from the reconcile deferred
 * (the caller is inside an evbuffer operation of the user's). */
static int pump(struct bev_filter *f, struct bev_filter_dir *d, enum bufferevent_flush_mode mode,
                int may_call_user) {
  struct bufferevent *bev = pump_bev(f);
  int out = d == &f->out, produced = 0, wrote_cb = !may_call_user, r = 0;
  if (d->broken) return -1;
  if (f->p.unlinked) return 0;
  if (mode > d->mode) d->mode = mode;
  if (d->running) {
    d->again = 1;
    return 0;
  }
  bev_core_incref_(bev);
  d->running = 1;
  do {
    int moved = 0;
    enum bufferevent_flush_mode m = d->mode;
    d->again = 0;
    d->mode = BEV_NORMAL;
    if (!out && f->under_eof) m = BEV_FINISHED;
    r = pump_round(f, d, m, &moved);
    if (r < 0) break;
    produced |= r;
    if (out)
      pump_after_output(f, moved, &wrote_cb);
    else if (r > 0)
      bev_core_input_added_(bev);
  } while (d->again && !f->p.unlinked && !d->broken);
  d->running = 0;
  if (r >= 0) {
    if (out)
      pump_flush_down(f);
    else
      pump_maybe_eof(f);
  }
  r = r < 0 ? -1 : produced;
  bev_core_decref_(bev);
  return r;
}

int bev_filter_pump_output_cb_(struct bev_filter *f, enum bufferevent_flush_mode mode,
                               int may_call_user) {
  return pump(f, &f->out, mode, may_call_user);
}

int bev_filter_pump_output_(struct bev_filter *f, enum bufferevent_flush_mode mode) {
  return pump(f, &f->out, mode, 1);
}

int bev_filter_pump_input_(struct bev_filter *f, enum bufferevent_flush_mode mode) {
  return pump(f, &f->in, mode, 1);
}
