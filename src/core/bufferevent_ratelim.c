/* SPDX-License-Identifier: MIT */
/* Rate limiting of one bufferevent: its bucket, its refill timer, the
 * public getters and decrements (contract in ratelim-internal.h). */
#include "mm-internal.h"
#include "bufferevent-internal.h"
#include "ratelim-internal.h"

struct bev_ratelim *bev_ratelim_get_(struct bufferevent_private *p) {
  struct bev_ratelim *rl = p->rate_limiting;
  if (rl) return rl;
  rl = uvbev_calloc_(1, sizeof(*rl));
  if (!rl) return NULL;
  uvbev_list_init(&rl->group_node);
  rl->owner = p;
  p->rate_limiting = rl;
  return rl;
}

/* ---- the refill timer ------------------------------------------------------- */

static int suspended_by_bucket(struct bufferevent_private *p) {
  return ((p->read_suspended | p->write_suspended) & BEV_SUSPEND_BW) != 0;
}

static void on_refill(uv_timer_t *t);

/* Loop thread: starts the one-tick refill timer (again). */
static void refill_start(struct bufferevent_private *p, struct bev_ratelim *rl) {
  if (p->unlinked || !rl->cfg) return;
  if (!rl->refill_ready) {
    uv_timer_init(uvbev_base_loop_(p->bev.ev_base), &rl->refill);
    rl->refill.data = p;
    rl->refill_ready = 1;
  }
  uv_timer_start(&rl->refill, on_refill, uvbev_base_timer_delay_(p->bev.ev_base, rl->cfg->msec_per_tick), 0);
}

/* A bucket went empty: the refill timer must run.  From another thread the
 * loop thread starts it, from the core's reconcile deferred. */
static void refill_wanted(struct bufferevent_private *p, struct bev_ratelim *rl) {
  if (bev_core_on_loop_(&p->bev))
    refill_start(p, rl);
  else
    bev_core_sync_refill_(p);
}

void bev_ratelim_refill_asked_(struct bufferevent_private *p) {
  if (p->rate_limiting && suspended_by_bucket(p)) refill_start(p, p->rate_limiting);
}

static ev_ssize_t *bucket_level(struct bev_ratelim *rl, int is_write) {
  return is_write ? &rl->bucket.write_limit : &rl->bucket.read_limit;
}

static void on_refill(uv_timer_t *t) {
  struct bufferevent_private *p = t->data;
  struct bufferevent *bev = &p->bev;
  struct bev_ratelim *rl;
  int again = 0, is_write;
  bev_core_incref_and_lock_(bev);
  rl = p->rate_limiting;
  if (rl && rl->cfg) {
    bev_bucket_refill_(&rl->bucket, rl->cfg);
    for (is_write = 0; is_write < 2; is_write++) {
      if (!((is_write ? p->write_suspended : p->read_suspended) & BEV_SUSPEND_BW)) continue;
      if (*bucket_level(rl, is_write) > 0)
        bev_ratelim_suspend_(bev, is_write, BEV_SUSPEND_BW, 0);
      else
        again = 1;
    }
    if (again) refill_start(p, rl); /* a bucket driven below zero takes ticks */
  }
  bev_core_decref_and_unlock_(bev);
}

/* ---- the bucket ------------------------------------------------------------- */

/* The bucket of `is_write` now holds `level`: suspend at or below zero,
 * resume above it. */
static void bucket_settle(struct bufferevent_private *p, struct bev_ratelim *rl, int is_write,
                          ev_ssize_t level) {
  if (level <= 0) {
    bev_ratelim_suspend_(&p->bev, is_write, BEV_SUSPEND_BW, 1);
    refill_wanted(p, rl);
  } else if ((is_write ? p->write_suspended : p->read_suspended) & BEV_SUSPEND_BW) {
    bev_ratelim_suspend_(&p->bev, is_write, BEV_SUSPEND_BW, 0);
  }
}

ev_ssize_t bev_ratelim_max_(struct bufferevent_private *p, int is_write) {
  struct bev_ratelim *rl = p->rate_limiting;
  ev_ssize_t max = is_write ? (ev_ssize_t)p->max_single_write : (ev_ssize_t)p->max_single_read;
  if (!rl) return max;
  if (rl->cfg) {
    bev_bucket_refill_(&rl->bucket, rl->cfg);
    if (*bucket_level(rl, is_write) < max) max = *bucket_level(rl, is_write);
  }
  if (rl->group) {
    ev_ssize_t share = bev_group_max_(p, is_write);
    if (share < max) max = share;
  }
  return max < 0 ? 0 : max;
}

void bev_ratelim_count_(struct bufferevent_private *p, int is_write, size_t n) {
  struct bev_ratelim *rl = p->rate_limiting;
  if (!rl || n == 0) return;
  if (rl->cfg) {
    ev_ssize_t *level = bucket_level(rl, is_write);
    *level -= (ev_ssize_t)n;
    bucket_settle(p, rl, is_write, *level);
  }
  if (rl->group) bev_group_count_(p, is_write, (ev_ssize_t)n);
}

/* ---- life ------------------------------------------------------------------- */

static void on_refill_closed(uv_handle_t *h) {
  bev_core_decref_(&((struct bufferevent_private *)h->data)->bev);
}

void bev_ratelim_unlink_(struct bufferevent_private *p) {
  struct bev_ratelim *rl = p->rate_limiting;
  if (!rl) return;
  if (rl->group) bev_group_leave_(p, 0);
  if (rl->refill_ready) {
    rl->refill_ready = 0;
    bev_core_incref_(&p->bev); /* until the close callback */
    uv_close((uv_handle_t *)&rl->refill, on_refill_closed);
  }
}

void bev_ratelim_free_(struct bufferevent_private *p) {
  uvbev_free_(p->rate_limiting);
  p->rate_limiting = NULL;
}

/* ---- API -------------------------------------------------------------------- */

static int set_none(struct bufferevent_private *p) {
  struct bev_ratelim *rl = p->rate_limiting;
  if (rl && rl->cfg) {
    rl->cfg = NULL;
    bev_core_unsuspend_read_(&p->bev, BEV_SUSPEND_BW);
    bev_core_unsuspend_write_(&p->bev, BEV_SUSPEND_BW);
    /* A late tick finds no cfg; another thread leaves the handle alone. */
    if (rl->refill_ready && bev_core_on_loop_(&p->bev)) uv_timer_stop(&rl->refill);
  }
  return 0;
}

int bufferevent_set_rate_limit(struct bufferevent *bev, struct ev_token_bucket_cfg *cfg) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  struct bev_ratelim *rl;
  int r = 0;
  if (!bev) return -1;
  BEV_LOCK(bev);
  if (!cfg) {
    r = set_none(p);
  } else if (p->freed || !(rl = bev_ratelim_get_(p))) {
    r = -1;
  } else if (rl->cfg != cfg) {
    int reinit = rl->cfg != NULL;
    rl->cfg = cfg;
    bev_bucket_init_(&rl->bucket, cfg, reinit);
    bucket_settle(p, rl, 0, rl->bucket.read_limit);
    bucket_settle(p, rl, 1, rl->bucket.write_limit);
  }
  BEV_UNLOCK(bev);
  return r;
}

const struct ev_token_bucket_cfg *bufferevent_get_token_bucket_cfg(const struct bufferevent *bev) {
  const struct ev_token_bucket_cfg *cfg;
  if (!bev) return NULL;
  BEV_LOCK(bev);
  cfg = BEV_UPCAST(bev)->rate_limiting ? BEV_UPCAST(bev)->rate_limiting->cfg : NULL;
  BEV_UNLOCK(bev);
  return cfg;
}

/* The public getters: bev's own bucket now (EV_SSIZE_MAX without a limit),
 * or (max_to) what its next read or write may move. */
static ev_ssize_t query(struct bufferevent *bev, int is_write, int max_to) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  ev_ssize_t r = EV_SSIZE_MAX;
  if (!bev) return -1;
  BEV_LOCK(bev);
  if (max_to) {
    r = bev_ratelim_max_(p, is_write);
  } else if (p->rate_limiting && p->rate_limiting->cfg) {
    bev_bucket_refill_(&p->rate_limiting->bucket, p->rate_limiting->cfg);
    r = *bucket_level(p->rate_limiting, is_write);
  }
  BEV_UNLOCK(bev);
  return r;
}

ev_ssize_t bufferevent_get_read_limit(struct bufferevent *bev) {
  return query(bev, 0, 0);
}

ev_ssize_t bufferevent_get_write_limit(struct bufferevent *bev) {
  return query(bev, 1, 0);
}

ev_ssize_t bufferevent_get_max_to_read(struct bufferevent *bev) {
  return query(bev, 0, 1);
}

ev_ssize_t bufferevent_get_max_to_write(struct bufferevent *bev) {
  return query(bev, 1, 1);
}

/* As libevent: only a crossing of zero suspends or resumes. */
static int decrement(struct bufferevent *bev, int is_write, ev_ssize_t decr) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  struct bev_ratelim *rl;
  ev_ssize_t *level, old;
  if (!bev) return -1;
  BEV_LOCK(bev);
  rl = p->rate_limiting;
  if (!rl || !rl->cfg) { /* libevent asserts; a clear error here */
    BEV_UNLOCK(bev);
    return -1;
  }
  level = bucket_level(rl, is_write);
  old = *level;
  *level = bev_level_sub_(old, decr);
  if ((old > 0) != (*level > 0)) bucket_settle(p, rl, is_write, *level);
  BEV_UNLOCK(bev);
  return 0;
}

int bufferevent_decrement_read_limit(struct bufferevent *bev, ev_ssize_t decr) {
  return decrement(bev, 0, decr);
}

int bufferevent_decrement_write_limit(struct bufferevent *bev, ev_ssize_t decr) {
  return decrement(bev, 1, decr);
}
