/* SPDX-License-Identifier: MIT */
/* The bufferevent core and the one vtable that separates it from its kinds.
 *
 * The contract, in three parts.
 *
 * Desired state.  The core alone keeps what the user asked for: per
 * direction, enabled (bufferevent_enable/_disable) and not suspended (the
 * read high watermark, a connect in progress, a layer above holding this
 * one: BEV_SUSPEND_*), i.e. bev_core_desired_io_(); the output, whose bytes
 * are to be written; a bufferevent_flush() asked; a new fd; freed.  Public
 * calls change that state under bev's lock and then trigger the kind; they
 * never start or stop I/O themselves.
 *
 * Reconcile.  A kind brings its I/O in line with that state in one op,
 * reconcile(bev, changed), where `changed` (BEV_RC_*) says what may
 * have changed.  It runs on the loop thread with the lock held, reads the
 * state rather than trusting `changed` for it, and is safe to repeat.  The
 * core calls it at once on the loop thread (bev_core_reconcile_) and, for
 * changes made on another thread or work the kind wants off the caller's
 * stack (bev_core_reconcile_later_), from the bufferevent's one reconcile
 * deferred, with BEV_RC_QUEUED set, off every caller's stack (a socket
 * starts its writes only from there, or from its own read dispatch once the
 * read callback has returned: bytes never leave from inside
 * bufferevent_write, whose write callback would recurse into the caller).
 * Every kind (socket, pair, the filter machinery) is a struct bev_kind
 * (bev_core_init_kind_), and reconcile is the only way the core asks it to
 * start or stop anything.  Work a kind wants continued later (a filter's
 * pumps) is a reconcile too: bev_core_reconcile_later_ with its
 * BEV_RC_AGAIN_* bits, served by the same deferred.
 *
 * References.  The user holds the first.  Queued work holds one while it is
 * queued: bev_core_defer_ / bev_core_undefer_ take and drop it, and the
 * deferred's callback drops it with bev_core_decref_and_unlock_.  A
 * bufferevent has two deferreds, both the core's: the reconcile deferred
 * (everything a kind or another thread asks of the loop thread, rate
 * limiting's refill included) and the user callbacks' (which keep their own
 * for libevent's priorities and coalescing).  No kind owns a deferred, and
 * no kind writes refcnt.  Each libuv handle being closed holds a reference
 * (bev_core_incref_ before uv_close, bev_core_decref_ in the close
 * callback).  A kind that calls into the core (which may run user callbacks,
 * which may free the bufferevent) and touches the bufferevent afterwards
 * holds a reference across the call (bev_core_incref_and_lock_ ...
 * bev_core_decref_and_unlock_); bev_core_is_freed_() then tells whether the
 * user freed it meanwhile.
 *
 * Life of a bufferevent, from new to its last reference:
 *
 *  1. A kind allocates its own struct, whose first member is a
 *     struct bufferevent_private, and calls bev_core_init_kind_().
 *  2. The kind moves bytes.  After adding to the input it calls
 *     bev_core_input_added_() (read low watermark -> read callback); after
 *     taking from the output it calls bev_core_output_drained_() (write low
 *     watermark -> write callback).  Callbacks run at once or from the base's
 *     deferred queue (BEV_OPT_DEFER_CALLBACKS), always through the core.
 *  3. bufferevent_free(): callbacks are cleared (none runs again), the
 *     core's deferreds are cancelled, its timers uv_close'd, and the kind's
 *     ops->on_free stops its I/O and uv_close's its handles (libevent's
 *     unlink runs at the last reference; this runs at the free, or when the
 *     base shuts down under a bufferevent never freed).  Then the user's
 *     reference is dropped.
 *  4. When the last reference goes (the evbuffers hold one for each
 *     reference of theirs beyond the user's: evbuffer-embed-internal.h):
 *     the core frees the evbuffers, then
 *     ops->destruct releases what the kind owns (a filter drops the reference
 *     it holds on its underlying, and frees it with BEV_OPT_CLOSE_ON_FREE),
 *     then the core frees its lock (if it owns it) and the kind's memory
 *     block.  A layer that shares its underlying's lock keeps a reference on
 *     the underlying (bev_core_incref_) for as long as it exists, so the lock
 *     outlives it.
 *
 * Locking: the core's public functions take bev's lock (recursive; NULL when
 * not BEV_OPT_THREADSAFE).  Kind callbacks from libuv take it with
 * BEV_LOCK/BEV_UNLOCK.  Ops are called with the lock held.
 *
 * Threads: libuv handles are touched only on the loop thread, so ops and the
 * core's timers run only there.  A bufferevent with a lock changed on another
 * thread has its state changed at once and its reconcile (and timers, the
 * rate-limit refill, fd, unlinking) done by the reconcile deferred
 * (bufferevent_reconcile.c).  Such a bufferevent also has deferred
 * output-buffer callbacks, so what reacts to data added to the output always
 * runs on the loop thread.
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
#include "evbuffer-embed-internal.h"

/* Reasons a direction can be suspended (independently of enable/disable). */
#define BEV_SUSPEND_WM 0x01       /* read: input at the read high watermark */
#define BEV_SUSPEND_CONNECT 0x02  /* name lookup or connect in progress */
#define BEV_SUSPEND_FILT 0x04     /* a filter above is holding this layer */
#define BEV_SUSPEND_BW 0x10       /* its rate-limit bucket is empty (ratelim-internal.h) */
#define BEV_SUSPEND_BW_GROUP 0x20 /* its rate-limit group's bucket is empty */

/* What may have changed, for reconcile (OR-ed). */
#define BEV_RC_READ EV_READ   /* 0x02: reading's desired state */
#define BEV_RC_WRITE EV_WRITE /* 0x04: writing's desired state */
#define BEV_RC_OUTPUT 0x0100  /* bytes were added to the output */
#define BEV_RC_FLUSH 0x0200   /* bufferevent_flush: bev_core_flush_asked_ */
/* Run from the reconcile deferred, not from inside a public call: writes
 * may start. */
#define BEV_RC_QUEUED 0x0400
/* The kind asked to continue its own reading / writing work off the
 * caller's stack (bev_core_reconcile_later_; a filter's pumps). */
#define BEV_RC_AGAIN_READ 0x0800
#define BEV_RC_AGAIN_WRITE 0x1000

enum bev_ctrl_op {
  BEV_CTRL_SET_FD,         /* data->fd: replace the socket */
  BEV_CTRL_GET_FD,         /* data->fd out */
  BEV_CTRL_GET_UNDERLYING, /* data->ptr out: struct bufferevent * */
  BEV_CTRL_GET_TRANSPORT,  /* data->ptr out: the layer this one moves bytes
                              through, even where GET_UNDERLYING answers none
                              (TLS socket flavour); connect descends by it */
};

union bev_ctrl_data {
  void *ptr;
  evutil_socket_t fd;
};

/* The ops of a kind besides reconcile (struct bev_kind), filled with
 * designated initializers.  Every pointer may be NULL except destruct. */
struct bufferevent_ops {
  /* bufferevent_free(), or the base's shutdown under a bufferevent never
   * freed: stop all I/O and uv_close the kind's handles.  Runs once, on the
   * loop thread (libevent's unlink, which runs at the last reference). */
  void (*on_free)(struct bufferevent *bev);
  /* Last reference gone: release what the kind owns (not the memory block,
   * not the evbuffers). */
  void (*destruct)(struct bufferevent *bev);
  /* fd / underlying: -1 when unsupported. */
  int (*ctrl)(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *data);
};

/* A kind (socket, pair, filter): its vtable.  Made with bev_core_init_kind_;
 * be_ops points at `ops`. */
struct bev_kind {
  struct bufferevent_ops ops; /* first */
  /* Brings the kind's I/O in line with the desired state (see the top of the
   * file); `changed` is BEV_RC_*.  Returns what bufferevent_enable/_disable/
   * _flush return for it (with BEV_RC_FLUSH: bufferevent_flush's answer). */
  int (*reconcile)(struct bufferevent *bev, short changed);
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
  unsigned connect_pending : 1;   /* kind: the write timeout covers a connect */
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
  short rc_changed;   /* BEV_RC_* for the queued reconcile deferred */
  short flush_iotype; /* the bufferevent_flush being reconciled */
  enum bufferevent_flush_mode flush_mode;
  /* 32 bits: libuv's buffers (uv_buf_init) hold at most that much, and
   * with them these fit where two size_t would pad the struct. */
  uint32_t max_single_read;
  uint32_t max_single_write;

  struct uvbev_deferred deferred;    /* user callbacks; its priority is
                                        bufferevent_priority_set's */
  struct uvbev_deferred reconcile_d; /* the kind's one deferred */
  /* What another thread asked of the loop thread besides a reconcile;
   * allocated with the lock (NULL without one: costs an unthreaded
   * bufferevent only this pointer). */
  struct bev_sync *sync;
  struct uvbev_child child;
  struct evbuffer_cb_entry *input_wm_cb; /* input: high watermark tracking */
  /* The read and write timers, allocated when a timeout is first armed:
   * most bufferevents never set one, and two uv_timer_t would be a fifth of
   * an idle connection's memory.  NULL until then. */
  struct bev_timers *timers;
  /* Rate limiting (ratelim-internal.h), allocated on first use. */
  struct bev_ratelim *rate_limiting;
  /* bev.input and bev.output live here, so that the block is the one
   * allocation of a bufferevent (evbuffer-embed-internal.h says how they
   * cannot outlive it). */
  struct evbuffer_embed_ in_store;
  struct evbuffer_embed_ out_store;
};

/* The bufferevent whose embedded input or output (`which`) buf is. */
static inline struct bufferevent *bev_core_of_buffer_(struct evbuffer *buf, unsigned which) {
  size_t off = which == EVBUFFER_EMBED_INPUT_ ? offsetof(struct bufferevent_private, in_store)
                                              : offsetof(struct bufferevent_private, out_store);
  return &((struct bufferevent_private *)(void *)((char *)buf - off))->bev;
}

#define BEV_UPCAST(b) ((struct bufferevent_private *)(b))
#define BEV_LOCK(b) UVBEV_LOCK(BEV_UPCAST(b)->lock)
#define BEV_UNLOCK(b) UVBEV_UNLOCK(BEV_UPCAST(b)->lock)

/* Defaults of max_single_read/write (libevent's are 16 KiB).  Reads of 64
 * KiB: a stream's read chunk stays below malloc's mmap threshold.  Writes of
 * up to 256 KiB, one writev: a stream moves four times as much per loop
 * iteration as with 64 KiB, which on loopback let bench_socket's no-copy
 * stream go from 0.56x to about 0.9x of a raw send/recv loop. */
#define BEV_DEFAULT_MAX_SINGLE_READ 65536
#define BEV_DEFAULT_MAX_SINGLE_WRITE (256 * 1024)

/* ---- construction and references ----------------------------------------- */

/* Initialises the core part of a kind's freshly zeroed struct: evbuffers,
 * lock (BEV_OPT_THREADSAFE), the two deferreds, base child.  enabled starts
 * at `enabled` (EV_WRITE for sockets, per libevent).  kind->reconcile must
 * be set.  Returns 0 or -1. */
int bev_core_init_kind_(struct bufferevent_private *p, struct event_base *base,
                        const struct bev_kind *kind, int options, short enabled);

/* Makes p use `lock` (someone else's, e.g. the underlying's: filters share
 * it) instead of allocating one for BEV_OPT_THREADSAFE.  Call it on the
 * zeroed struct BEFORE bev_core_init_kind_; NULL is allowed (no lock). */
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

/* ---- desired state (suspension: bufferevent_timeout.c) and reconciling
 * (bufferevent_reconcile.c) --------------------------------------------------- */

void bev_core_suspend_read_(struct bufferevent *bev, short reason);
void bev_core_unsuspend_read_(struct bufferevent *bev, short reason);
void bev_core_suspend_write_(struct bufferevent *bev, short reason);
void bev_core_unsuspend_write_(struct bufferevent *bev, short reason);

/* The directions the user wants running now: enabled and not suspended. */
short bev_core_desired_io_(struct bufferevent *bev);

/* Non-zero when the kind and the core's timers may be touched now: the
 * bufferevent has no lock (one compare), or this is the loop thread. */
int bev_core_on_loop_(struct bufferevent *bev);
/* Trigger: reconcile(bev, changed) now on the loop thread, else from
 * the reconcile deferred soon.  Returns what reconcile returned, or 0. */
int bev_core_reconcile_(struct bufferevent *bev, short changed);
/* Trigger: reconcile(bev, changed | BEV_RC_QUEUED) from the reconcile
 * deferred, whatever the thread. */
void bev_core_reconcile_later_(struct bufferevent *bev, short changed);
/* Inside reconcile with BEV_RC_FLUSH: the iotypes and mode asked (of
 * several flushes from other threads, the strongest mode). */
short bev_core_flush_asked_(struct bufferevent *bev, enum bufferevent_flush_mode *mode);

/* Kind says a connect is (no longer) pending: the write timeout covers it. */
void bev_core_set_connect_pending_(struct bufferevent *bev, int pending);

/* ---- shared between the core's own files only ------------------------------ */

/* Writing was disabled: a latched write timeout is no longer armed. */
void bev_core_unlatch_write_(struct bufferevent *bev);
/* Re-evaluates which timeouts run (the core calls it on every state change
 * it sees). */
void bev_core_adj_timeouts_(struct bufferevent *bev);

/* bufferevent_flush(): the kind's answer now on the loop thread, else 0 and
 * a flush (the strongest mode asked) from the reconcile deferred. */
int bev_core_flush_(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode);
/* Asks the loop thread to re-evaluate (restart: start over) the timeouts
 * of `what`.  Call only when bev_core_on_loop_ is false. */
void bev_core_sync_timers_(struct bufferevent *bev, short what, int restart);
/* Asks the loop thread to unlink a bufferevent freed on another thread. */
void bev_core_sync_unlink_(struct bufferevent_private *p);
/* Asks the loop thread to start the rate-limit refill timer
 * (bev_ratelim_refill_asked_).  Call only when bev_core_on_loop_ is false. */
void bev_core_sync_refill_(struct bufferevent_private *p);
/* Asks the loop thread for ops->ctrl(BEV_CTRL_SET_FD, fd).  Returns 0. */
int bev_core_sync_setfd_(struct bufferevent_private *p, evutil_socket_t fd);

/* The reconcile deferred and p->sync when p has a lock (added output
 * triggers BEV_RC_OUTPUT through bev_core_buffer_changed_).
 * Returns 0 or -1. */
int bev_core_init_reconcile_(struct bufferevent_private *p);
/* Unlinking: cancels the reconcile deferred and drops the pending requests
 * (the caller holds a reference besides the queued one). */
void bev_core_cancel_reconcile_(struct bufferevent_private *p);
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
