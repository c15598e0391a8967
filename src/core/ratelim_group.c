/* SPDX-License-Identifier: MIT */
/* Rate-limit groups: one bucket shared by their members (contract in
 * ratelim-internal.h). */
#include <stdint.h>

#include "mm-internal.h"
#include "bufferevent-internal.h"
#include "ratelim-internal.h"
#include "thread-internal.h"

#define GROUP_DEFAULT_MIN_SHARE 64

struct bufferevent_rate_limit_group {
  struct ev_token_bucket_cfg cfg; /* a copy, as in libevent */
  struct bev_bucket bucket;
  struct event *refill; /* persistent, one tick; NULL once the base is gone */
  struct event_base *base;
  struct uvbev_child child; /* the base frees the tick if freed first */
  struct uvbev_list members; /* struct bev_ratelim.group_node */
  int n_members;
  size_t configured_min_share;
  ev_ssize_t min_share; /* configured, at most one tick's rate */
  unsigned read_suspended : 1, write_suspended : 1;
  /* a member could not be resumed (its lock was busy): the next tick tries */
  unsigned pending_unsuspend_read : 1, pending_unsuspend_write : 1;
  ev_uint64_t total_read, total_written;
  uint32_t rand_state;
  void *lock;
};

#define GROUP_LOCK(g) UVBEV_LOCK((g)->lock)
#define GROUP_UNLOCK(g) UVBEV_UNLOCK((g)->lock)

static struct bufferevent_private *member_of(struct uvbev_list *n) {
  return UVBEV_CONTAINER_OF(n, struct bev_ratelim, group_node)->owner;
}

/* ---- suspending and resuming every member ---------------------------------- */

static void member_set(struct bufferevent_private *p, int is_write, int suspend) {
  bev_ratelim_suspend_(&p->bev, is_write, BEV_SUSPEND_BW_GROUP, suspend);
}

/* Applies member_set to every member it can lock, from a random member on
 * (so that no member is always resumed first).  Group lock held.  Returns 1
 * if some member's lock was busy. */
static int members_set(struct bufferevent_rate_limit_group *g, int is_write, int suspend) {
  struct uvbev_list *first = g->members.next, *n;
  int busy = 0, i;
  if (g->n_members == 0) return 0;
  g->rand_state = g->rand_state * 1103515245u + 12345u;
  for (i = (int)((g->rand_state >> 8) % (unsigned)g->n_members); i > 0; i--)
    first = first->next;
  n = first;
  do {
    if (n != &g->members) {
      struct bufferevent_private *p = member_of(n);
      if (uvbev_lock_try_(p->lock)) {
        member_set(p, is_write, suspend);
        UVBEV_UNLOCK(p->lock);
      } else {
        busy = 1;
      }
    }
    n = n->next;
  } while (n != first);
  return busy;
}

static void group_suspend(struct bufferevent_rate_limit_group *g, int is_write) {
  if (is_write) {
    g->write_suspended = 1;
    g->pending_unsuspend_write = 0;
  } else {
    g->read_suspended = 1;
    g->pending_unsuspend_read = 0;
  }
  /* a member whose lock is busy sees the group suspended in its next
   * bev_group_max_ and suspends itself */
  members_set(g, is_write, 1);
}

static void group_resume(struct bufferevent_rate_limit_group *g, int is_write) {
  int busy;
  if (is_write)
    g->write_suspended = 0;
  else
    g->read_suspended = 0;
  busy = members_set(g, is_write, 0);
  if (is_write)
    g->pending_unsuspend_write = (unsigned)busy;
  else
    g->pending_unsuspend_read = (unsigned)busy;
}

static void on_group_tick(evutil_socket_t fd, short what, void *arg) {
  struct bufferevent_rate_limit_group *g = arg;
  (void)fd;
  (void)what;
  GROUP_LOCK(g);
  bev_bucket_refill_(&g->bucket, &g->cfg);
  if (g->pending_unsuspend_read || (g->read_suspended && g->bucket.read_limit >= g->min_share))
    group_resume(g, 0);
  if (g->pending_unsuspend_write || (g->write_suspended && g->bucket.write_limit >= g->min_share))
    group_resume(g, 1);
  GROUP_UNLOCK(g);
}

/* ---- what members ask ------------------------------------------------------- */

ev_ssize_t bev_group_max_(struct bufferevent_private *p, int is_write) {
  struct bufferevent_rate_limit_group *g = p->rate_limiting->group;
  ev_ssize_t share;
  GROUP_LOCK(g);
  if (is_write ? g->write_suspended : g->read_suspended) {
    member_set(p, is_write, 1); /* the group could not lock us when it suspended */
    share = 0;
  } else {
    /* libevent divides among all members, not the active ones */
    share = (is_write ? g->bucket.write_limit : g->bucket.read_limit) / g->n_members;
    if (share < g->min_share) share = g->min_share;
  }
  GROUP_UNLOCK(g);
  return share;
}

void bev_group_count_(struct bufferevent_private *p, int is_write, ev_ssize_t n) {
  struct bufferevent_rate_limit_group *g = p->rate_limiting->group;
  ev_ssize_t *level = is_write ? &g->bucket.write_limit : &g->bucket.read_limit;
  GROUP_LOCK(g);
  *level = bev_level_sub_(*level, n);
  if (is_write)
    g->total_written += (ev_uint64_t)n;
  else
    g->total_read += (ev_uint64_t)n;
  if (*level <= 0)
    group_suspend(g, is_write);
  else if (is_write ? g->write_suspended : g->read_suspended)
    group_resume(g, is_write);
  GROUP_UNLOCK(g);
}

void bev_group_leave_(struct bufferevent_private *p, int unsuspend) {
  struct bev_ratelim *rl = p->rate_limiting;
  struct bufferevent_rate_limit_group *g = rl ? rl->group : NULL;
  if (g) {
    GROUP_LOCK(g);
    uvbev_list_remove(&rl->group_node);
    g->n_members--;
    rl->group = NULL;
    GROUP_UNLOCK(g);
  }
  if (unsuspend) {
    bev_core_unsuspend_read_(&p->bev, BEV_SUSPEND_BW_GROUP);
    bev_core_unsuspend_write_(&p->bev, BEV_SUSPEND_BW_GROUP);
  }
}

/* ---- API: groups ------------------------------------------------------------ */

/* The base is being freed before the group: the tick goes with it, and the
 * group (the user's to free) stops refilling. */
static void group_on_base_shutdown(struct uvbev_child *c) {
  struct bufferevent_rate_limit_group *g =
      UVBEV_CONTAINER_OF(c, struct bufferevent_rate_limit_group, child);
  event_free(g->refill);
  g->refill = NULL;
  g->base = NULL;
}

struct bufferevent_rate_limit_group *
bufferevent_rate_limit_group_new(struct event_base *base, const struct ev_token_bucket_cfg *cfg) {
  struct bufferevent_rate_limit_group *g;
  if (!base || !cfg) return NULL;
  g = uvbev_calloc_(1, sizeof(*g));
  if (!g) return NULL;
  g->cfg = *cfg;
  bev_bucket_init_(&g->bucket, cfg, 0);
  uvbev_list_init(&g->members);
  g->rand_state = (uint32_t)(uv_hrtime() ^ (uint64_t)(uintptr_t)g);
  g->refill = event_new(base, -1, EV_PERSIST, on_group_tick, g);
  if (!g->refill || event_add(g->refill, &g->cfg.tick_timeout) != 0) goto fail;
  if (uvbev_threading_enabled_() && !(g->lock = uvbev_lock_new_())) goto fail;
  bufferevent_rate_limit_group_set_min_share(g, GROUP_DEFAULT_MIN_SHARE);
  g->base = base;
  uvbev_base_add_child_(base, &g->child, group_on_base_shutdown);
  return g;
fail:
  if (g->refill) event_free(g->refill);
  uvbev_free_(g);
  return NULL;
}

/* A share never exceeds one tick's rate: at steady state at least one
 * member moves per tick. */
static void apply_min_share(struct bufferevent_rate_limit_group *g) {
  size_t share = g->configured_min_share;
  if (share > g->cfg.read_rate) share = g->cfg.read_rate;
  if (share > g->cfg.write_rate) share = g->cfg.write_rate;
  g->min_share = (ev_ssize_t)share;
}

int bufferevent_rate_limit_group_set_cfg(struct bufferevent_rate_limit_group *g,
                                         const struct ev_token_bucket_cfg *cfg) {
  int same_tick;
  if (!g || !cfg) return -1;
  GROUP_LOCK(g);
  same_tick = g->cfg.msec_per_tick == cfg->msec_per_tick;
  g->cfg = *cfg;
  bev_bucket_init_(&g->bucket, cfg, 1);
  apply_min_share(g);
  GROUP_UNLOCK(g);
  /* outside the lock: from another thread event_add waits for the loop */
  if (!same_tick && g->refill && event_add(g->refill, &g->cfg.tick_timeout) != 0) return -1;
  return 0;
}

int bufferevent_rate_limit_group_set_min_share(struct bufferevent_rate_limit_group *g,
                                               size_t share) {
  if (!g || share > (size_t)EV_SSIZE_MAX) return -1;
  GROUP_LOCK(g);
  g->configured_min_share = share;
  apply_min_share(g);
  GROUP_UNLOCK(g);
  return 0;
}

/* Takes out every member (libevent requires the group empty; uvbev empties
 * it), each under its own lock, so a member busy on another thread is
 * waited for. */
static void group_detach_all(struct bufferevent_rate_limit_group *g) {
  for (;;) {
    struct uvbev_list *n, *next;
    int busy = 0;
    GROUP_LOCK(g);
    for (n = g->members.next; n != &g->members; n = next) {
      struct bufferevent_private *p = member_of(n);
      next = n->next;
      if (!uvbev_lock_try_(p->lock)) {
        busy = 1;
        continue;
      }
      bev_group_leave_(p, 1);
      UVBEV_UNLOCK(p->lock);
    }
    GROUP_UNLOCK(g);
    if (!busy) return;
    uv_sleep(1);
  }
}

void bufferevent_rate_limit_group_free(struct bufferevent_rate_limit_group *g) {
  if (!g) return;
  group_detach_all(g);
  if (g->base) {
    uvbev_base_remove_child_(g->base, &g->child);
    event_free(g->refill);
  }
  uvbev_lock_free_(g->lock);
  uvbev_free_(g);
}

/* ---- API: members ----------------------------------------------------------- */

int bufferevent_add_to_rate_limit_group(struct bufferevent *bev,
                                        struct bufferevent_rate_limit_group *g) {
  struct bufferevent_private *p = BEV_UPCAST(bev);
  struct bev_ratelim *rl;
  int rsusp, wsusp;
  if (!bev) return -1;
  if (!g) return bufferevent_remove_from_rate_limit_group(bev);
  BEV_LOCK(bev);
  if (p->freed || !(rl = bev_ratelim_get_(p))) {
    BEV_UNLOCK(bev);
    return -1;
  }
  if (rl->group != g) {
    if (rl->group) bev_group_leave_(p, 1); /* one group at a time: moved */
    GROUP_LOCK(g);
    rl->group = g;
    uvbev_list_insert_tail(&g->members, &rl->group_node);
    g->n_members++;
    rsusp = g->read_suspended;
    wsusp = g->write_suspended;
    GROUP_UNLOCK(g);
    if (rsusp) member_set(p, 0, 1);
    if (wsusp) member_set(p, 1, 1);
  }
  BEV_UNLOCK(bev);
  return 0;
}

int bufferevent_remove_from_rate_limit_group(struct bufferevent *bev) {
  if (!bev) return -1;
  BEV_LOCK(bev);
  bev_group_leave_(BEV_UPCAST(bev), 1);
  BEV_UNLOCK(bev);
  return 0;
}

/* ---- API: inspection and manipulation --------------------------------------- */

static ev_ssize_t group_level(struct bufferevent_rate_limit_group *g, int is_write) {
  ev_ssize_t r;
  GROUP_LOCK(g);
  r = is_write ? g->bucket.write_limit : g->bucket.read_limit;
  GROUP_UNLOCK(g);
  return r;
}

ev_ssize_t bufferevent_rate_limit_group_get_read_limit(struct bufferevent_rate_limit_group *g) {
  return g ? group_level(g, 0) : -1;
}

ev_ssize_t bufferevent_rate_limit_group_get_write_limit(struct bufferevent_rate_limit_group *g) {
  return g ? group_level(g, 1) : -1;
}

/* As libevent: only a crossing of zero suspends or resumes the members. */
static int group_decrement(struct bufferevent_rate_limit_group *g, int is_write,
                           ev_ssize_t decr) {
  ev_ssize_t *level, old;
  if (!g) return -1;
  GROUP_LOCK(g);
  level = is_write ? &g->bucket.write_limit : &g->bucket.read_limit;
  old = *level;
  *level = bev_level_sub_(old, decr);
  if (old > 0 && *level <= 0)
    group_suspend(g, is_write);
  else if (old <= 0 && *level > 0)
    group_resume(g, is_write);
  GROUP_UNLOCK(g);
  return 0;
}

int bufferevent_rate_limit_group_decrement_read(struct bufferevent_rate_limit_group *g,
                                                ev_ssize_t decr) {
  return group_decrement(g, 0, decr);
}

int bufferevent_rate_limit_group_decrement_write(struct bufferevent_rate_limit_group *g,
                                                 ev_ssize_t decr) {
  return group_decrement(g, 1, decr);
}

void bufferevent_rate_limit_group_get_totals(struct bufferevent_rate_limit_group *g,
                                             ev_uint64_t *total_read_out,
                                             ev_uint64_t *total_written_out) {
  ev_uint64_t r = 0, w = 0;
  if (g) {
    GROUP_LOCK(g);
    r = g->total_read;
    w = g->total_written;
    GROUP_UNLOCK(g);
  }
  if (total_read_out) *total_read_out = r;
  if (total_written_out) *total_written_out = w;
}

void bufferevent_rate_limit_group_reset_totals(struct bufferevent_rate_limit_group *g) {
  if (!g) return;
  GROUP_LOCK(g);
  g->total_read = g->total_written = 0;
  GROUP_UNLOCK(g);
}
