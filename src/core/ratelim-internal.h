/* SPDX-License-Identifier: MIT */
/* Rate limiting (libevent 2.1's token buckets and groups).
 *
 * A bucket holds how many bytes may still be read and written this tick; it
 * refills by `rate` per tick up to `maximum` (the burst) and may go negative
 * (a read or write, or a decrement, took more than it held).  Ticks count
 * from the monotonic clock in units of the configuration's tick length.
 *
 * Per bufferevent (bufferevent_ratelim.c): `rate_limiting` in the private
 * struct is NULL until a limit or a group is first set, so an unlimited
 * bufferevent pays one pointer test per read and per write.  A kind that
 * moves bytes (the socket kind on the wire, the TLS layer through itself)
 * asks bev_ratelim_read_max_/_write_max_ how much one read or write may move
 * and reports what it moved with bev_ratelim_count_read_/_write_.  A bucket
 * at or below zero suspends its direction (BEV_SUSPEND_BW: suspended, not
 * disabled, so bufferevent_get_enabled is unchanged) and starts the
 * bufferevent's refill timer, which unsuspends it once the bucket is positive.
 *
 * Groups (ratelim_group.c) share one bucket among their members: each read
 * or write may take the group's level divided by its members, at least
 * min_share; a group bucket at or below zero suspends every member
 * (BEV_SUSPEND_BW_GROUP) until the group's per-tick refill brings it back to
 * min_share, members being resumed from a random one on, for fairness.
 *
 * Locks: a bufferevent's lock, then its group's; never the other way.  The
 * group therefore reaches its members with a try-lock, and one it cannot
 * lock finds out by itself (its next read_max sees the group suspended) or
 * is resumed on the next tick (pending_unsuspend_*).
 *
 * Timers and threads: the refill timer is a uv_timer_t (the tick needs a
 * timer), touched only on the loop thread; a bucket emptied on another
 * thread (a user's decrement) asks the loop thread to start it through the
 * core's reconcile deferred (bev_core_sync_refill_), which holds the
 * reference meanwhile, and a limit removed on another thread leaves it to
 * tick once more and find no configuration.  The group's timer is a
 * persistent event that lives as long as the group (as in libevent, a
 * group keeps its base's loop running). */
#ifndef UVBEV_RATELIM_INTERNAL_H_
#define UVBEV_RATELIM_INTERNAL_H_

#include <stdint.h>
#include <uv.h>
#include "event2/bufferevent.h"
#include "event2/event.h"
#include "event-internal.h"
#include "list-internal.h"
#include "bufferevent-internal.h"

struct bufferevent_private;

struct ev_token_bucket_cfg {
  size_t read_rate, read_maximum;
  size_t write_rate, write_maximum;
  struct timeval tick_timeout;
  unsigned msec_per_tick; /* > 0 */
};

struct bev_bucket {
  ev_ssize_t read_limit, write_limit;
  uint32_t last_tick;
};

/* A bufferevent's rate-limiting state, allocated on first use. */
struct bev_ratelim {
  struct ev_token_bucket_cfg *cfg; /* the user's (libevent does not copy it); NULL: none */
  struct bev_bucket bucket;
  uv_timer_t refill; /* initialised on the loop thread when first needed */
  unsigned refill_ready : 1;
  struct bufferevent_rate_limit_group *group; /* read and written under both locks */
  struct uvbev_list group_node;
  struct bufferevent_private *owner;
};

/* ---- buckets (ratelim_bucket.c) ------------------------------------------------ */

/* The current tick for cfg. */
uint32_t bev_bucket_tick_(const struct ev_token_bucket_cfg *cfg);
/* A new bucket is full for one tick (rate, not burst, as in libevent); a
 * bucket given a new configuration keeps its level, clipped to the new
 * maximum. */
void bev_bucket_init_(struct bev_bucket *b, const struct ev_token_bucket_cfg *cfg, int reinit);
/* Adds rate per tick elapsed since the last refill, up to the maximum. */
void bev_bucket_refill_(struct bev_bucket *b, const struct ev_token_bucket_cfg *cfg);

/* level - n, saturated at the ends of ev_ssize_t (a user's decrement may be
 * anything). */
ev_ssize_t bev_level_sub_(ev_ssize_t level, ev_ssize_t n);

/* ---- groups (ratelim_group.c) ------------------------------------------------- */

/* What one read (is_write 0) or write of a member may move by the group's
 * budget, with the group's lock taken inside; 0 (and the member suspended)
 * while the group is. */
ev_ssize_t bev_group_max_(struct bufferevent_private *p, int is_write);
/* A member moved n bytes: the group's bucket and totals. */
void bev_group_count_(struct bufferevent_private *p, int is_write, ev_ssize_t n);
/* Takes p out of its group (bufferevent free, or a move to another group). */
void bev_group_leave_(struct bufferevent_private *p, int unsuspend);

/* ---- per bufferevent (bufferevent_ratelim.c) ------------------------------------ */

/* The state of p, allocated if needed (NULL on allocation failure).  Lock held. */
struct bev_ratelim *bev_ratelim_get_(struct bufferevent_private *p);
/* Suspends (on) or resumes the direction is_write of bev for `reason`
 * (BEV_SUSPEND_BW or BEV_SUSPEND_BW_GROUP). */
static inline void bev_ratelim_suspend_(struct bufferevent *bev, int is_write, short reason,
                                        int on) {
  if (is_write)
    (on ? bev_core_suspend_write_ : bev_core_unsuspend_write_)(bev, reason);
  else
    (on ? bev_core_suspend_read_ : bev_core_unsuspend_read_)(bev, reason);
}

/* The rate-limited paths of the four below (p->rate_limiting set). */
ev_ssize_t bev_ratelim_max_(struct bufferevent_private *p, int is_write);
void bev_ratelim_count_(struct bufferevent_private *p, int is_write, size_t n);

/* What the next read / write of p may move: max_single_read/_write, the
 * bufferevent's bucket and its group's share (0 while suspended by them).
 * Lock held.  Inline: an unlimited bufferevent pays one pointer test. */
static inline ev_ssize_t bev_ratelim_read_max_(struct bufferevent_private *p) {
  return p->rate_limiting ? bev_ratelim_max_(p, 0) : (ev_ssize_t)p->max_single_read;
}
static inline ev_ssize_t bev_ratelim_write_max_(struct bufferevent_private *p) {
  return p->rate_limiting ? bev_ratelim_max_(p, 1) : (ev_ssize_t)p->max_single_write;
}
/* The kind moved n bytes in that direction.  Lock held. */
static inline void bev_ratelim_count_read_(struct bufferevent_private *p, size_t n) {
  if (p->rate_limiting) bev_ratelim_count_(p, 0, n);
}
static inline void bev_ratelim_count_write_(struct bufferevent_private *p, size_t n) {
  if (p->rate_limiting) bev_ratelim_count_(p, 1, n);
}
/* Loop thread, from the reconcile deferred: a bucket emptied on another
 * thread (bev_core_sync_refill_); starts the refill timer if a bucket still
 * suspends p. */
void bev_ratelim_refill_asked_(struct bufferevent_private *p);
/* bufferevent free or base shutdown (loop thread): leaves the group, stops
 * and closes the refill timer. */
void bev_ratelim_unlink_(struct bufferevent_private *p);
/* Last reference gone. */
void bev_ratelim_free_(struct bufferevent_private *p);

#endif
