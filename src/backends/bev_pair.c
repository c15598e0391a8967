/* SPDX-License-Identifier: MIT */
/* Paired bufferevents: two bufferevents whose outputs are each other's
 * inputs, with no socket in between.
 *
 * Moving bytes.  Bytes written to side A move (evbuffer_add_buffer /
 * evbuffer_remove_buffer: chunks change hands, nothing is copied) from A's
 * output to B's input when A's EV_WRITE is active and B's EV_READ is active
 * (enabled and not suspended).  B's read high watermark bounds how much moves:
 * the rest stays in A's output and moves as B's user drains (the core
 * unsuspends B's reading, which reconciles).
 *
 * A move runs the partner's read callback and the writer's write callback,
 * which may write again and trigger a move back.  To keep the stack bounded,
 * a move never starts while another move of the same pair is running: it is
 * handed to the side's reconcile deferred (the core's), which runs from the
 * base's deferred queue.  Bytes added to the output move at once (reconcile
 * with BEV_RC_OUTPUT); a direction that becomes active also goes through the
 * deferred, since the core reconciles from inside its own bookkeeping (even
 * from an evbuffer callback).
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
  unsigned moving : 1;          /* a move out of this side is running */
  unsigned flush_pending : 1;   /* the next move ignores the partner's watermark */
  unsigned eof_pending : 1;     /* after that move, give the partner EOF */
};

static const struct bev_kind bev_pair_kind;

static struct bev_pair *bev_pair_upcast(struct bufferevent *bev) {
  return (struct bev_pair *)bev;
}

static struct bufferevent *bev_pair_bev(struct bev_pair *side) {
  return &side->p.bev;
}

/* Continues moves outside the current call, from the reconcile deferred. */
static void bev_pair_schedule(struct bev_pair *side) {
  bev_core_reconcile_later_(bev_pair_bev(side), BEV_RC_OUTPUT);
}

/* ---- moving bytes ------------------------------------------------------------ */

/* How many bytes may move from src to dst now (0: none). */
static size_t bev_pair_movable(struct bev_pair *src, struct bev_pair *dst, int force) {
  struct bufferevent *s = bev_pair_bev(src), *d = bev_pair_bev(dst);
  size_t avail = evbuffer_get_length(s->output), have;
  if (!force && (!(bev_core_desired_io_(s) & EV_WRITE) || !(bev_core_desired_io_(d) & EV_READ)))
    return 0;
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

/* ---- the vtable ---------------------------------------------------------------- */

static int bev_pair_flush(struct bev_pair *side, short iotype, enum bufferevent_flush_mode mode) {
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

/* The kind's reconcile op.  From the deferred: push this side's output and pull the
 * partner's.  A direction that became active: the same, from the deferred.
 * Moves stop by themselves: each one checks which directions are active. */
static int bev_pair_reconcile(struct bufferevent *bev, short changed) {
  struct bev_pair *side = bev_pair_upcast(bev);
  int r = 0;
  if (changed & BEV_RC_FLUSH) {
    enum bufferevent_flush_mode mode;
    short iotype = bev_core_flush_asked_(bev, &mode);
    r = bev_pair_flush(side, iotype, mode);
  }
  if (changed & BEV_RC_QUEUED) {
    bev_pair_move(side);
    if (side->partner && !side->p.unlinked) bev_pair_move(side->partner);
  } else if (changed & BEV_RC_OUTPUT) {
    bev_pair_move(side);
  } else if (side->partner && (changed & bev_core_desired_io_(bev) & (EV_READ | EV_WRITE))) {
    /* EV_WRITE: our output may move; EV_READ: the partner's output may. */
    bev_pair_schedule(side);
  }
  return r;
}

static void bev_pair_on_free(struct bufferevent *bev) {
  struct bev_pair *side = bev_pair_upcast(bev);
  struct bev_pair *partner = side->partner;
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

static const struct bev_kind bev_pair_kind = {
    .ops = {.on_free = bev_pair_on_free, .destruct = bev_pair_destruct},
    .reconcile = bev_pair_reconcile,
};

/* ---- construction ---------------------------------------------------------------- */

static struct bev_pair *bev_pair_side_new(struct event_base *base, int options, void *lock,
                                          int share) {
  struct bev_pair *side = uvbev_calloc_(1, sizeof(*side));
  if (!side) return NULL;
  if (share) bev_core_share_lock_(&side->p, lock);
  if (bev_core_init_kind_(&side->p, base, &bev_pair_kind, options, EV_WRITE) < 0) {
    uvbev_free_(side);
    return NULL;
  }
  return side;
}

int bufferevent_pair_new(struct event_base *base, int options, struct bufferevent *pair[2]) {
  struct bev_pair *a, *b;
  if (!pair) return -1; /* a NULL base: bev_core_init_kind_ decides */
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
  if (!bev || bev->be_ops != &bev_pair_kind.ops) return NULL;
  BEV_LOCK(bev);
  if (bev_pair_upcast(bev)->partner) partner = bev_pair_bev(bev_pair_upcast(bev)->partner);
  BEV_UNLOCK(bev);
  return partner;
}
