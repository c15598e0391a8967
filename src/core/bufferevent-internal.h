/* SPDX-License-Identifier: MIT */
/* The bufferevent core and the one vtable that separates it from its kinds.
 *
 * Life of a bufferevent, from new to its last reference:
 *
 *  1. A kind allocates its own struct, whose first member is a
 *     struct bufferevent_private, and calls bev_core_init_().  The user holds
 *     the first reference.
 *  2. The kind moves bytes.  After adding to the input it calls
 *     bev_core_input_added_() (read low watermark -> read callback); after
 *     taking from the output it calls bev_core_output_drained_() (write low
 *     watermark -> write callback).  Callbacks run at once or from the base's
 *     deferred queue (BEV_OPT_DEFER_CALLBACKS), always through the core.
 *     The read high watermark, suspension, timeouts and deferral live here:
 *     a kind only starts and stops its I/O when the core calls ops->enable /
 *     ops->disable with the directions whose state changed.
 *  3. bufferevent_free(): callbacks are cleared (none runs again), the
 *     deferred callback is cancelled, the core's timers are uv_close'd, the
 *     kind's ops->unlink stops its I/O and uv_close's its handles.  Each handle
 *     being closed holds a reference (bev_core_incref_ before uv_close,
 *     bev_core_decref_ in the close callback).  Then the user's reference is
 *     dropped.
 *  4. When the last reference goes: the core frees the evbuffers, then
 *     ops->destruct releases what the kind owns (a filter drops the reference
 *     it holds on its underlying, and frees it with BEV_OPT_CLOSE_ON_FREE),
 *     then the core frees its lock (if it owns it) and the kind's memory
 *     block.  A layer that shares its underlying's lock keeps a reference on
 *     the underlying (bev_core_incref_) for as long as it exists, so the lock
 *     outlives it.
 *
 * A kind that calls into the core (which may run user callbacks, which may
 * free the bufferevent) and touches the bufferevent afterwards holds a
 * reference across the call; bev_core_is_freed_() then tells whether the
 * user freed it meanwhile.
 *
 * Locking: the core's public functions take bev's lock (recursive; NULL when
 * not BEV_OPT_THREADSAFE).  Kind callbacks from libuv take it with
 * BEV_LOCK/BEV_UNLOCK.  Ops are called with the lock held.
 *
 * Threads (bufferevent_sync.c): libuv handles are touched only on the loop
 * thread, so ops and the core's timers run only there.  When a bufferevent
 * with a lock is changed on another thread (bufferevent_enable, _disable,
 * _setwatermark, _set_timeouts, _free, _flush, _setfd, a watermark reached
 * by a read from that thread...), the core updates its state at once under
 * the lock and records what the kind and the timers must be told; the
 * "sync" deferred (holding a reference while queued) tells them on the loop
 * thread.  A bufferevent with a lock also has deferred output-buffer
 * callbacks, so a kind's output callback (which starts writes) always runs
 * on the loop thread.  Without a lock none of this is looked at.
 */
#ifndef UVBEV_BUFFEREVENT_INTERNAL_H_
#define UVBEV_BUFFEREVENT_INTERNAL_H_

#include <uv.h>
#include "event2/event.h"
#include "event2/bufferevent.h"
#include "event2/bufferevent_struct.h"
#include "event2/buffer.h"
#include "event-internal.h"
#include "thread-internal.h"

/* Reasons a direction can be suspended (independently of enable/disable). */
#define BEV_SUSPEND_WM 0x01     /* read: input at the read high watermark */
#define BEV_SUSPEND_LOOKUP 0x02 /* name lookup or connect in progress */
#define BEV_SUSPEND_FILT 0x04   /* a filter above is holding this layer */
#define BEV_SUSPEND_KIND 0x08   /* kind-specific (e.g. TLS handshake) */
#define BEV_SUSPEND_BW 0x10       /* its rate-limit bucket is empty (ratelim-internal.h) */
#define BEV_SUSPEND_BW_GROUP 0x20 /* its rate-limit group's bucket is empty */

enum bev_ctrl_op {
  BEV_CTRL_SET_FD,         /* data->fd: replace the socket */
  BEV_CTRL_GET_FD,         /* data->fd out */
  BEV_CTRL_GET_UNDERLYING, /* data->ptr out: struct bufferevent * */
  BEV_CTRL_GET_TRANSPORT,  /* data->ptr out: the layer this one moves bytes
                              through, even where GET_UNDERLYING answers none
                              (TLS socket flavour); connect descends by it */
  BEV_CTRL_CANCEL_ALL      /* stop every pending operation (free, base free) */
};

union bev_ctrl_data {
  void *ptr;
  evutil_socket_t fd;
};

/* The vtable of a kind.  Every pointer may be NULL except type, destruct. */
struct bufferevent_ops {
  const char *type;
  /* Start I/O for the directions in `what` (called when they become enabled
   * and not suspended).  Idempotent. */
  int (*enable)(struct bufferevent *bev, short what);
  /* Stop I/O for the directions in `what`.  Idempotent. */
  int (*disable)(struct bufferevent *bev, short what);
  /* bufferevent_free(): stop all I/O and uv_close the kind's handles. */
  void (*unlink)(struct bufferevent *bev);
  /* Last reference gone: release what the kind owns (not the memory block,
   * not the evbuffers). */
  void (*destruct)(struct bufferevent *bev);
  /* bufferevent_flush(). */
  int (*flush)(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode);
  /* fd / underlying / cancel: -1 when unsupported. */
  int (*ctrl)(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *data);
};

struct bufferevent_private {
  struct bufferevent bev; /* first: a struct bufferevent * is a private * */

  void *lock; /* recursive, shared with input/output; NULL if none */
  unsigned own_lock : 1;
  unsigned lock_shared : 1; /* set by bev_core_share_lock_ */
  unsigned freed : 1;       /* bufferevent_free() was called */
  unsigned readcb_pending : 1;
  unsigned writecb_pending : 1;
  unsigned unlinked : 1;          /* handles closed (free or base shutdown) */
  unsigned write_wanted : 1;      /* kind: a connect is pending (write timeout runs) */
  unsigned output_tm_tracked : 1; /* output: write timeout tracking installed */
  unsigned write_latched : 1;     /* write timeout armed by enable/progress/data
                                     (libevent's pending write event) */
  unsigned write_tm_idle : 1;     /* kind: a latched write timeout runs even with
                                     nothing to write (filters, as libevent's) */
  short eventcb_pending;
  int errno_pending; /* socket error to restore for a deferred ERROR */
  int options;
  int refcnt;
  short read_suspended;
  short write_suspended;
  /* 32 bits: libuv's buffers (uv_buf_init) hold at most that much, and
   * with them these fit where two size_t would pad the struct. */
  uint32_t max_single_read;
  uint32_t max_single_write;

  struct uvbev_deferred deferred; /* its priority is bufferevent_priority_set's */
  /* Requests from other threads, applied on the loop thread; allocated
   * with the lock (NULL without one: costs an unthreaded bufferevent only
   * this pointer). */
  struct bev_sync *sync;
  struct uvbev_child child;
  struct evbuffer_cb_entry *input_wm_cb; /* input: high watermark tracking */
  /* The read and write timers, allocated when a timeout is first armed:
   * most bufferevents never set one, and two uv_timer_t would be a fifth of
   * an idle connection's memory.  NULL until then. */
  struct bev_timers *timers;
  /* Rate limiting (ratelim-internal.h), allocated on first use. */
  struct bev_ratelim *rate_limiting;
};

#define BEV_UPCAST(b) ((struct bufferevent_private *)(b))
#define BEV_LOCK(b) UVBEV_LOCK(BEV_UPCAST(b)->lock)
#define BEV_UNLOCK(b) UVBEV_UNLOCK(BEV_UPCAST(b)->lock)

#define BEV_DEFAULT_MAX_SINGLE_READ 65536
#define BEV_DEFAULT_MAX_SINGLE_WRITE 65536

/* ---- construction and references ----------------------------------------- */

/* Initialises the core part of a kind's freshly zeroed struct: evbuffers,
 * lock (BEV_OPT_THREADSAFE), deferred callback, base child.  enabled starts
 * at `enabled` (EV_WRITE for sockets, per libevent).  Returns 0 or -1. */
int bev_core_init_(struct bufferevent_private *p, struct event_base *base,
                   const struct bufferevent_ops *ops, int options, short enabled);

/* Makes p use `lock` (someone else's, e.g. the underlying's: filters share
 * it) instead of allocating one for BEV_OPT_THREADSAFE.  Call it on the
 * zeroed struct BEFORE bev_core_init_; NULL is allowed (no lock). */
void bev_core_share_lock_(struct bufferevent_private *p, void *lock);

/* References (libevent's bufferevent_incref / _incref_and_lock_ /
 * _decref_and_unlock_).  Dropping a reference asserts, in debug builds, that
 * one was held. */
void bev_core_incref_(struct bufferevent *bev);
/* Takes bev's lock, then a reference: pair with bev_core_decref_and_unlock_
 * around code that may run user callbacks (which may free bev). */
void bev_core_incref_and_lock_(struct bufferevent *bev);
/* Drops a reference (taking the lock for it).  Returns 1 if this dropped the
 * last one (bev is gone). */
int bev_core_decref_(struct bufferevent *bev);
/* Drops a reference and the lock the caller holds (once: the lock is
 * recursive).  Returns 1 if bev is gone. */
int bev_core_decref_and_unlock_(struct bufferevent *bev);
int bev_core_is_freed_(struct bufferevent *bev);

/* Queued work holds a reference.  bev_core_defer_ queues d on bev's base
 * and takes a reference if d was not queued yet (nothing is queued once bev
 * is unlinked); returns 1 if it queued d.  The callback of d ends with
 * bev_core_decref_and_unlock_ (or bev_core_decref_): that drops the queued
 * reference.  bev_core_undefer_ takes d off the queue and drops its
 * reference if it was queued (returns 1 then); the caller must hold another
 * reference.  Both are called with bev's lock held. */
int bev_core_defer_(struct bufferevent *bev, struct uvbev_deferred *d);
int bev_core_undefer_(struct bufferevent *bev, struct uvbev_deferred *d);

/* ---- callbacks ------------------------------------------------------------ */

/* Runs (or defers, per options and `trig` = BEV_TRIG_DEFER_CALLBACKS) the
 * read / write / event callback.  The event callback sees the socket error
 * that was current when bev_core_run_eventcb_ was called. */
void bev_core_run_readcb_(struct bufferevent *bev, int trig);
void bev_core_run_writecb_(struct bufferevent *bev, int trig);
void bev_core_run_eventcb_(struct bufferevent *bev, short what, int trig);

/* Kind added bytes to the input: read callback if at the low watermark;
 * restarts the read timeout. */
void bev_core_input_added_(struct bufferevent *bev);
/* Kind removed bytes from the output (written): write callback if at the low
 * watermark; restarts the write timeout. */
void bev_core_output_drained_(struct bufferevent *bev);
/* The same, with the callback left to the base's deferred queue whatever
 * the options: for I/O a kind reports after event_base_loopbreak
 * (uvbev_base_broken_), when no user callback may run before the next loop
 * (the break leaves the queue for it). */
void bev_core_input_added_later_(struct bufferevent *bev);
void bev_core_output_drained_later_(struct bufferevent *bev);

/* ---- suspension and timeouts -------------------------------------------- */

void bev_core_suspend_read_(struct bufferevent *bev, short reason);
void bev_core_unsuspend_read_(struct bufferevent *bev, short reason);
void bev_core_suspend_write_(struct bufferevent *bev, short reason);
void bev_core_unsuspend_write_(struct bufferevent *bev, short reason);

/* Directions that are enabled and not suspended (what the kind should do). */
short bev_core_active_(struct bufferevent *bev);

/* Kind says a connect is (no longer) pending: the write timeout covers it. */
void bev_core_set_write_wanted_(struct bufferevent *bev, int wanted);

/* Writing was disabled: a latched write timeout is no longer armed. */
void bev_core_unlatch_write_(struct bufferevent *bev);

/* Re-evaluates which timeouts run (the core calls it itself on every state
 * change it sees; kinds call it after changing what it depends on). */
void bev_core_adj_timeouts_(struct bufferevent *bev);

/* ---- threads (bufferevent_sync.c) ------------------------------------------- */

/* Non-zero when the kind and the core's timers may be touched now: the
 * bufferevent has no lock (one compare), or this is the loop thread. */
int bev_core_on_loop_(struct bufferevent *bev);
/* ops->enable / ops->disable for `what`, now on the loop thread, else on the
 * loop thread soon (the sync deferred then passes the directions that are
 * still active / inactive).  Return what the op returned, or 0. */
int bev_core_kind_enable_(struct bufferevent *bev, short what);
int bev_core_kind_disable_(struct bufferevent *bev, short what);
/* Asks the loop thread to re-evaluate (restart: start over) the timeouts
 * of `what`.  Call only when bev_core_on_loop_ is false (as for the others). */
void bev_core_sync_timers_(struct bufferevent *bev, short what, int restart);
/* Asks the loop thread to unlink a bufferevent freed on another thread. */
void bev_core_sync_unlink_(struct bufferevent_private *p);
/* Asks the loop thread for ops->ctrl(BEV_CTRL_SET_FD, fd).  Returns 0. */
int bev_core_sync_setfd_(struct bufferevent_private *p, evutil_socket_t fd);
/* Asks the loop thread for ops->flush (the strongest mode asked wins). */
void bev_core_sync_flush_(struct bufferevent_private *p, short iotype,
                          enum bufferevent_flush_mode mode);

/* ---- shared between the core's own files only ------------------------------ */

/* Allocates p->sync when p has a lock.  Returns 0 or -1. */
int bev_core_init_sync_(struct bufferevent_private *p);
/* Unlinking: drops the pending requests (and the queued sync's reference:
 * the caller holds another). */
void bev_core_cancel_sync_(struct bufferevent_private *p);
/* Last reference gone. */
void bev_core_free_sync_(struct bufferevent_private *p);
/* Stops everything that could call back and closes every handle (free or
 * base shutdown); runs once, on the loop thread. */
void bev_core_unlink_(struct bufferevent_private *p);

void bev_core_init_deferred_(struct bufferevent_private *p);
void bev_core_close_timers_(struct bufferevent_private *p);
/* Progress in `what`: an armed timeout of that direction starts over. */
void bev_core_restart_progress_(struct bufferevent *bev, short what);

#endif
