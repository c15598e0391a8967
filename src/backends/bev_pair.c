/* SPDX-License-Identifier: MIT */
/* Paired bufferevents: two bufferevents whose outputs are each other's
 * inputs, with no socket in between.
 *
 * Moving bytes.  Bytes written to side A move (evbuffer_add_buffer /
 * evbuffer_remove_buffer: chunks change hands, nothing is copied) from A's
 * output to B's input when A's EV_WRITE is active and B's EV_READ is active
 * (enabled and not suspended).  B's read high watermark bounds how much moves:
 * the rest stays in A's output and moves as B's user drains (the core
 * unsuspends B's reading, which calls our enable hook).
 *
 * A move runs the partner's read callback and the writer's write callback,
 * which may write again and trigger a move back.  To keep the stack bounded,
 * a move never starts while another move of the same pair is running: it is
 * handed to the side's deferred (`kick`), which runs from the base's deferred
 * queue.  Enable hooks always use the deferred, since the core calls them
 * from inside its own bookkeeping (even from an evbuffer callback).
 *
 * Ending.  bufferevent_flush(A, EV_WRITE, BEV_FINISHED) moves everything A
 * has (ignoring B's watermark, as libevent does) and then gives B
 * BEV_EVENT_EOF|BEV_EVENT_READING.  Freeing A gives B the same event
 * (deferred: A's free must not run B's user code); bytes still in A's output
 * are dropped with A, as for a socket.
 *
 * Callbacks are always deferred (BEV_OPT_DEFER_CALLBACKS is forced, as in
 * libevent), so a move never runs user code on the stack of the write that
 * caused it.
 *
 * Memory and locks.  With BEV_OPT_THREADSAFE both sides use one lock, side
 * 0's.  Side 1 holds a reference on side 0 until side 1 is destroyed, so the
 * lock outlives both users whatever order they are freed in.  The `partner`
 * pointers are cleared (under that lock) when either side is freed.
 */
#include <stdlib.h>

#include "mm-internal.h"
#include "bufferevent-internal.h"

struct bev_pair {
  struct bufferevent_private p; /* first: a bufferevent * is a bev_pair * */
  struct bev_pair *partner;     /* NULL once either side was freed */
  struct bev_pair *lock_owner;  /* side 1: side 0, referenced until destruct */
  struct evbuffer_cb_entry *output_cb;
  struct uvbev_deferred kick; /* continues moves outside the current call */
  unsigned moving : 1;        /* a move out of this side is running */
  unsigned flush_pending : 1; /* the next move ignores the partner's watermark */
  unsigned eof_pending : 1;   /* after that move, give the partner EOF */
};

static const struct bufferevent_ops bev_pair_ops;

static struct bev_pair *bev_pair_upcast(struct bufferevent *bev) {
  return (struct bev_pair *)bev;
}

static struct bufferevent *bev_pair_bev(struct bev_pair *side) {
  return &side->p.bev;
}

/* ---- deferred continuation ------------------------------------------------- */

static void bev_pair_schedule(struct bev_pair *side) {
  bev_core_defer_(bev_pair_bev(side), &side->kick);
}

static void bev_pair_unschedule(struct bev_pair *side) {
  bev_core_undefer_(bev_pair_bev(side), &side->kick);
}

/* ---- moving bytes ------------------------------------------------------------ */

/* How many bytes may move from src to dst now (0: none). */
static size_t bev_pair_movable(struct bev_pair *src, struct bev_pair *dst, int force) {
  struct bufferevent *s = bev_pair_bev(src), *d = bev_pair_bev(dst);
  size_t avail = evbuffer_get_length(s->output), have;
  if (!force && (!(bev_core_active_(s) & EV_WRITE) || !(bev_core_active_(d) & EV_READ))) return 0;
  if (force || !d->wm_read.high) return avail;
  have = evbuffer_get_length(d->input);
  if (have >= d->wm_read.high) return 0;
  return avail < d->wm_read.high - have ? avail : d->wm_read.high - have;
}

static void bev_pair_send_eof(struct bev_pair *dst) {
  bev_core_run_eventcb_(bev_pair_bev(dst), BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

/* Moves what may move from src to its partner, then runs the partner's read
 * callback and src's write callback (through the core).  Returns 1 if bytes
 * moved.  Called with the (shared) lock held. */
static int bev_pair_move(struct bev_pair *src) {
  struct bev_pair *dst = src->partner;
  struct bufferevent *s = bev_pair_bev(src), *d;
  int force, eof, moved = 0;
  size_t n;

  if (!dst || src->p.unlinked) return 0;
  if (src->moving || dst->moving) {
    bev_pair_schedule(src);
    return 0;
  }
  d = bev_pair_bev(dst);
  force = src->flush_pending;
  eof = src->eof_pending;
  src->flush_pending = src->eof_pending = 0;
  n = bev_pair_movable(src, dst, force);
  if (n == 0 && !eof) return 0;

  bev_core_incref_(s);
  bev_core_incref_(d);
  src->moving = 1;
  if (n > 0) {
    if (n == evbuffer_get_length(s->output))
      evbuffer_add_buffer(d->input, s->output);
    else
      evbuffer_remove_buffer(s->output, d->input, n);
    moved = 1;
    bev_core_input_added_(d);
    if (!src->p.unlinked) bev_core_output_drained_(s);
  }
  if (eof && !dst->p.unlinked) bev_pair_send_eof(dst);
  src->moving = 0;
  bev_core_decref_(d);
  bev_core_decref_(s);
  return moved;
}

/* The deferred: push this side's output and pull the partner's. */
static void bev_pair_on_kick(struct uvbev_deferred *d, void *arg) {
  struct bev_pair *side = arg;
  struct bufferevent *bev = bev_pair_bev(side);
  (void)d;
  BEV_LOCK(bev);
  bev_pair_move(side);
  if (side->partner && !side->p.unlinked) bev_pair_move(side->partner);
  bev_core_decref_and_unlock_(bev); /* the queued deferred's reference */
}

/* Bytes were added to a side's output (by the user, or by a move back). */
static void bev_pair_on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                               void *arg) {
  struct bev_pair *side = arg;
  (void)buf;
  if (info->n_added > 0) bev_pair_move(side);
}

/* ---- the vtable ---------------------------------------------------------------- */

static int bev_pair_enable(struct bufferevent *bev, short what) {
  struct bev_pair *side = bev_pair_upcast(bev);
  /* EV_WRITE: our output may move; EV_READ: the partner's output may. */
  if (side->partner && (what & (EV_READ | EV_WRITE))) bev_pair_schedule(side);
  return 0;
}

/* Moves stop by themselves: each one checks which directions are active. */
static int bev_pair_disable(struct bufferevent *bev, short what) {
  return 0;
}

static void bev_pair_unlink(struct bufferevent *bev) {
  struct bev_pair *side = bev_pair_upcast(bev);
  struct bev_pair *partner = side->partner;
  if (side->output_cb) {
    evbuffer_remove_cb_entry(bev->output, side->output_cb);
    side->output_cb = NULL;
  }
  bev_pair_unschedule(side);
  if (!partner) return;
  side->partner = NULL;
  partner->partner = NULL;
  if (!partner->p.unlinked)
    bev_core_run_eventcb_(bev_pair_bev(partner), BEV_EVENT_EOF | BEV_EVENT_READING,
                          BEV_TRIG_DEFER_CALLBACKS);
}

static void bev_pair_destruct(struct bufferevent *bev) {
  struct bev_pair *side = bev_pair_upcast(bev);
  if (side->lock_owner) {
    struct bev_pair *owner = side->lock_owner;
    side->lock_owner = NULL;
    bev_core_decref_(bev_pair_bev(owner));
  }
}

static int bev_pair_flush(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode) {
  struct bev_pair *side = bev_pair_upcast(bev);
  struct bev_pair *partner = side->partner;
  int moved = 0;
  if (mode == BEV_NORMAL || !partner) return 0;
  if (iotype & EV_READ) {
    partner->flush_pending = 1;
    moved |= bev_pair_move(partner);
  }
  if (iotype & EV_WRITE) {
    side->flush_pending = 1;
    side->eof_pending = mode == BEV_FINISHED;
    moved |= bev_pair_move(side);
  }
  return moved;
}

static const struct bufferevent_ops bev_pair_ops = {
    "pair", bev_pair_enable, bev_pair_disable, bev_pair_unlink, bev_pair_destruct, bev_pair_flush,
    NULL,
};

/* ---- construction ---------------------------------------------------------------- */

static struct bev_pair *bev_pair_side_new(struct event_base *base, int options, void *lock,
                                          int share) {
  struct bev_pair *side = uvbev_calloc_(1, sizeof(*side));
  if (!side) return NULL;
  if (share) bev_core_share_lock_(&side->p, lock);
  if (bev_core_init_(&side->p, base, &bev_pair_ops, options, EV_WRITE) < 0) {
    uvbev_free_(side);
    return NULL;
  }
  uvbev_deferred_init_(&side->kick, bev_pair_on_kick, side);
  side->output_cb = evbuffer_add_cb(side->p.bev.output, bev_pair_on_output, side);
  if (!side->output_cb) {
    bufferevent_free(&side->p.bev);
    return NULL;
  }
  return side;
}

int bufferevent_pair_new(struct event_base *base, int options, struct bufferevent *pair[2]) {
  struct bev_pair *a, *b;
  if (!pair) return -1; /* a NULL base: bev_core_init_ decides */
  /* As in libevent, a pair's callbacks always run from the deferred queue:
   * never from inside the bufferevent_write() on the other side. */
  options |= BEV_OPT_DEFER_CALLBACKS;
  a = bev_pair_side_new(base, options, NULL, 0);
  if (!a) return -1;
  b = bev_pair_side_new(a->p.bev.ev_base, options, a->p.lock, a->p.lock != NULL);
  if (!b) {
    bufferevent_free(&a->p.bev);
    return -1;
  }
  if (a->p.lock) {
    bev_core_incref_(&a->p.bev);
    b->lock_owner = a;
  }
  a->partner = b;
  b->partner = a;
  pair[0] = &a->p.bev;
  pair[1] = &b->p.bev;
  return 0;
}

struct bufferevent *bufferevent_pair_get_partner(struct bufferevent *bev) {
  struct bufferevent *partner = NULL;
  if (!bev || bev->be_ops != &bev_pair_ops) return NULL;
  BEV_LOCK(bev);
  if (bev_pair_upcast(bev)->partner) partner = bev_pair_bev(bev_pair_upcast(bev)->partner);
  BEV_UNLOCK(bev);
  return partner;
}
