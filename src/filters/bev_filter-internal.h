/* SPDX-License-Identifier: MIT */
/* The filter machinery and the one contract of its transforms.
 *
 * A filter is a bufferevent that transforms bytes on their way to and from
 * the bufferevent below it (the underlying), with backpressure both ways.
 * The machinery (bev_filter.c, bev_filter_pump.c) is the one kind
 * (struct bev_kind) of every filter; what differs between filters is a
 * transform: a struct bev_filter_xform.  TLS (bev_openssl.c), zlib
 * (bev_zlib.c) and the user's filter callbacks (bufferevent_filter_new,
 * bev_filter_generic.c) are three transforms, and none of them is known to
 * the machinery by name: a new layer is one new file.
 *
 * Writing a transform (the model is curl's connection filters: every op has
 * a default, so a transform fills only what it changes):
 *
 *  1. Embed struct bev_filter first in the transform's own struct, allocate
 *     it zeroed with uvbev_calloc_, and call bev_filter_init_() with a static
 *     struct bev_filter_xform.  Any op may be NULL: the machinery then does
 *     what the bev_filter_def_*_ function or the comment of that op says.
 *     An op that overrides a default may call the default itself.
 *  2. Find the transform from a struct bufferevent * with bev_filter_of_(bev,
 *     &its_xform) (NULL when bev is anything else).
 *  3. The transform reads f->underlying (the layer below; NULL once
 *     destructed) and the settings below; everything else in struct
 *     bev_filter belongs to the machinery and is reached through the
 *     services at the end of this header.
 *
 * Threads and references.  Every op but ctrl and destruct runs on the loop
 * thread with the filter's lock held (one lock for the whole stack: a
 * filter shares its underlying's); ctrl runs with the lock held on the
 * thread that asked (a getfd may come from any thread); destruct runs where
 * the last reference went.  output, input, pre_input and event run while
 * the machinery holds a reference on the filter, so they may run user code
 * (which may free the filter: check f->p.unlinked afterwards).
 *
 * Reconcile.  The core drives the machinery as any kind, through its one
 * op (bufferevent-internal.h): a direction becoming desired or not
 * (enable, disable, suspension) starts or holds the layer below and
 * schedules the pumps, bytes added to the output (BEV_RC_OUTPUT) run the
 * output pump, bufferevent_flush runs ->flush.  A pump that must continue
 * off the current stack (bev_filter_schedule_) asks the core for a
 * reconcile with BEV_RC_AGAIN_READ / _WRITE from the core's reconcile
 * deferred, which holds the reference meanwhile: the machinery has no
 * deferred of its own and never touches the reference count.
 *
 * Output.  Bytes the user writes to the filter's output go through ->output
 * into the underlying's output.  dst_limit is the room below the
 * underlying's write high watermark (-1 without one, and for BEV_FLUSH and
 * BEV_FINISHED, as in libevent); while the underlying's output is at or
 * above that mark nothing moves, and moving resumes from the underlying's
 * write callback as it drains: a watermark on the layer below pauses and
 * resumes the transform, and a slow peer bounds every layer above it.  The
 * filter's write callback runs when its output drained to its low watermark
 * after a move of the user's bytes (never merely because the underlying
 * drained: what drained there may be a layer's own, e.g. a TLS handshake,
 * and the user may have written nothing); at most once per pump, further
 * rounds continue from the reconcile deferred, so a producer writing from
 * its write callback never recurses.  Without a lock, the user's own
 * bufferevent_write() runs the pump inside the call (the core's output
 * callback reconciles at once), so the bytes reach the underlying before it
 * returns; the write callback still waits for the reconcile deferred (the
 * user may free the filter in it).  With a lock (BEV_OPT_THREADSAFE, or one
 * shared with the underlying) the output's evbuffer callbacks are deferred,
 * and a filter with output_batched always schedules: then the pump runs from
 * the base's deferred queue on the loop thread, after bufferevent_write()
 * returned.
 *
 * Input.  From the underlying's read callback, ->input moves the
 * underlying's input into the filter's input with dst_limit = room below the
 * filter's read high watermark (-1 without one; applied in every mode, so a
 * decompressor cannot overshoot even at EOF).  While the filter's input is at
 * that mark the core suspends the filter's reading, and the machinery
 * suspends the underlying's reading (BEV_SUSPEND_FILT), so the layer below
 * stops too.  When the user drains, the filter resumes from the reconcile
 * deferred and first processes what already sits in the underlying's input
 * (libevent issue 362).
 *
 * The transform calls.  A pump calls a transform again while it makes
 * progress (consumes or produces) and the destination has room; with an
 * empty source only in BEV_FLUSH and BEV_FINISHED, or when the last call
 * produced its whole dst_limit (it may hold more: bytes inside zlib, records
 * inside OpenSSL).  BEV_NEED_MORE ends the round.  The source and the
 * destination are evbuffers the transform may drain and fill as it likes;
 * it owns nothing of them.
 *
 * Events from the underlying: EOF marks the layer below ended
 * (bev_filter_below_eof_), runs the input transform with BEV_FINISHED, and
 * reaches the filter's event callback once the underlying's input has been
 * consumed; ERROR, TIMEOUT, CONNECTED pass up unchanged (->event may
 * intercept any of them).  A transform returning BEV_ERROR breaks that
 * direction: the filter's event callback gets BEV_EVENT_ERROR with
 * BEV_EVENT_READING or BEV_EVENT_WRITING (EVUTIL_SOCKET_ERROR() is EPROTO or
 * its platform equivalent) and that direction stops; with errors_quiet
 * (bufferevent_filter_new, as libevent 2.1) it only ends the round.
 *
 * Flushing.  bufferevent_flush(EV_WRITE, mode) runs the output pump in
 * `mode`, then passes the strongest mode asked down to the underlying once
 * the pump ends (bev_filter_flush_down_: a transform asks for it itself,
 * e.g. TLS after writing a record).  BEV_FINISHED thus half-closes a stack
 * from the top.  EV_READ flushes the layer below first, then the input pump.
 *
 * Lifetime.  The filter holds a reference on the underlying, shares its lock
 * (when it has one), and owns its callbacks until the filter is freed (then
 * they are cleared).  bufferevent_free(): ->detach, then the machinery
 * stops its pumps, clears the underlying's callbacks and, without
 * BEV_OPT_CLOSE_ON_FREE, stops holding its reading.  Last reference:
 * ->destruct, then the underlying is released (freed with
 * BEV_OPT_CLOSE_ON_FREE); the core frees the memory block.
 */
#ifndef UVBEV_BEV_FILTER_INTERNAL_H_
#define UVBEV_BEV_FILTER_INTERNAL_H_

#include "bufferevent-internal.h"

struct bev_filter;

/* A transform of one direction: moves transformed bytes from src to dst,
 * producing at most dst_limit bytes when it is >= 0; as a
 * bufferevent_filter_cb (BEV_OK, BEV_NEED_MORE, BEV_ERROR). */
typedef enum bufferevent_filter_result (*bev_filter_transform_fn)(struct bev_filter *f,
                                                                  struct evbuffer *src,
                                                                  struct evbuffer *dst,
                                                                  ev_ssize_t dst_limit,
                                                                  enum bufferevent_flush_mode mode);

/* A transform.  Every op may be NULL (the default is said at each). */
struct bev_filter_xform {
  /* src: the filter's output, dst: the underlying's output.  In
   * BEV_FINISHED it ends its stream.  Default: bev_filter_def_pass_ (moves
   * the bytes unchanged). */
  bev_filter_transform_fn output;
  /* src: the underlying's input, dst: the filter's input.  BEV_FINISHED: the
   * layer below ended, this is all there will be.  Default:
   * bev_filter_def_pass_. */
  bev_filter_transform_fn input;
  /* The underlying's read callback, before the input pump: return 1 if the
   * transform took the call (a handshake step reading the underlying's input
   * itself; the pump does not run), 0 to let the pump run.  Default: 0. */
  int (*pre_input)(struct bev_filter *f);
  /* Non-zero while a handshake runs: the layer below then reads while the
   * user has either direction enabled (the handshake needs the peer's bytes
   * even if the user only writes, as libevent's TLS), and waits once the
   * user disabled both.  Begin and end it with bev_filter_read_below_.
   * Default: 0. */
  int (*handshaking)(struct bev_filter *f);
  /* An event from the underlying (after the machinery marked an EOF).
   * Return 1 if handled (not passed up), 0 for the machinery's handling
   * (see above).  Default: 0. */
  int (*event)(struct bev_filter *f, short what);
  /* bufferevent_flush() on the filter.  Returns -1, 0, or 1 as the pumps
   * (below).  Default: bev_filter_def_flush_. */
  int (*flush)(struct bev_filter *f, short iotype, enum bufferevent_flush_mode mode);
  /* The core's ctrl requests (fd, underlying).  Returns 0 or -1.
   * Default: bev_filter_def_ctrl_ (the underlying answers). */
  int (*ctrl)(struct bev_filter *f, enum bev_ctrl_op op, union bev_ctrl_data *data);
  /* bufferevent_free() (or the base's shutdown): stop using what outlives
   * the filter (objects the caller keeps).  The underlying is still there;
   * no pump runs afterwards.  Default: nothing. */
  void (*detach)(struct bev_filter *f);
  /* Last reference gone, or bev_filter_init_ failed: release what the
   * transform owns (not the memory block; the underlying is still there, or
   * was never taken).  Default: nothing. */
  void (*destruct)(struct bev_filter *f);
};

/* One direction of the machinery (bev_filter_pump.c).  Private. */
struct bev_filter_dir {
  unsigned running : 1; /* pump running: a nested request only sets `again` */
  unsigned again : 1;   /* asked for while running: another round */
  unsigned limited : 1; /* last call filled dst_limit: call again */
  unsigned broken : 1;  /* the transform returned BEV_ERROR (reported) */
  /* errors_quiet: the last round ended in BEV_ERROR; the transform is called
   * again only for something new (data added below or above, the layer
   * below drained, enable, flush), not by continuations. */
  unsigned stalled : 1;
  /* Output: the last round stopped at the default bound below (no write
   * high watermark set there); the layer below draining to half of it
   * resumes the pump (bev_filter.c's bev_filter_on_under_output). */
  unsigned at_bound : 1;
  enum bufferevent_flush_mode mode; /* strongest mode asked for the next round */
};

/* What a filter leaves in the output of the layer below when that layer has
 * no write high watermark: without one, a writer refilling from its write
 * callback over a slow peer would grow that output without end (issue 18).
 * A write high watermark on the layer below, set by the user, replaces it. */
#ifndef BEV_FILTER_DEFAULT_BELOW_MAX /* a build may override it, to measure */
#define BEV_FILTER_DEFAULT_BELOW_MAX (256 * 1024)
#endif

struct bev_filter {
  struct bufferevent_private p; /* first: a bufferevent * is a bev_filter * */
  struct bufferevent *underlying;
  const struct bev_filter_xform *xf;

  /* Settings a transform may set right after bev_filter_init_. */
  /* BEV_ERROR only ends the round, unreported, and the transform is called
   * again at the next chance (libevent's bufferevent_filter_new). */
  unsigned errors_quiet : 1;
  /* Bytes the user adds leave from the deferred queue, all that was added
   * during a loop pass in one batch (the TLS socket flavour: as libevent's,
   * which writes when the socket is writable, one TLS record per chunk
   * rather than one per bufferevent_write). */
  unsigned output_batched : 1;

  /* The machinery's own. */
  unsigned under_eof : 1;   /* underlying reported EOF (or bev_filter_end_input_) */
  unsigned eof_sent : 1;    /* EOF passed to the user */
  unsigned writecb_due : 1; /* write callback owed (postponed to the reconcile deferred) */
  struct bev_filter_dir in, out;
  enum bufferevent_flush_mode under_flush; /* flush to pass down after the output pump */
  struct evbuffer_cb_entry *under_output_cb; /* on the underlying's output: at_bound */
};

/* ---- setting up ------------------------------------------------------------ */

/* Initialises f (zeroed, allocated by the transform with uvbev_calloc_; the
 * core frees it) on underlying: takes a reference on it, shares its lock,
 * takes over its callbacks, enables its reading and writing (reading
 * suspended until the filter's EV_READ is enabled).  The filter starts with
 * EV_WRITE enabled.  Returns 0, or -1: then xf->destruct has run, f has been
 * released, and the underlying is untouched. */
int bev_filter_init_(struct bev_filter *f, const struct bev_filter_xform *xf,
                     struct bufferevent *underlying, int options);

/* The filter under bev if bev is a filter with transform xf, else NULL. */
struct bev_filter *bev_filter_of_(struct bufferevent *bev, const struct bev_filter_xform *xf);

/* ---- the defaults (callable from a transform's own op) ---------------------- */

/* The default of output and input: moves min(length of src, dst_limit)
 * bytes from src to dst unchanged. */
enum bufferevent_filter_result bev_filter_def_pass_(struct bev_filter *f, struct evbuffer *src,
                                                    struct evbuffer *dst, ev_ssize_t dst_limit,
                                                    enum bufferevent_flush_mode mode);
/* EV_WRITE: the output pump in `mode`, then `mode` down (see Flushing).
 * EV_READ: the underlying flushed in `mode` (unless BEV_NORMAL), then the
 * input pump. */
int bev_filter_def_flush_(struct bev_filter *f, short iotype, enum bufferevent_flush_mode mode);
/* GET_UNDERLYING and GET_TRANSPORT answer the underlying; GET_FD and SET_FD
 * go to it. */
int bev_filter_def_ctrl_(struct bev_filter *f, enum bev_ctrl_op op, union bev_ctrl_data *data);

/* ---- the machinery's services to transforms --------------------------------- */

/* Non-zero once the layer below reported EOF (or the transform ended its
 * input with bev_filter_end_input_). */
int bev_filter_below_eof_(const struct bev_filter *f);

/* From the input transform: its stream ended before the layer below did
 * (e.g. TLS close_notify); the user gets EOF when this pump ends, as if the
 * layer below had reported it. */
void bev_filter_end_input_(struct bev_filter *f);

/* Asks for the underlying to be flushed with `mode` (the strongest asked
 * wins) when the output pump ends; from the output transform, that is the
 * pump that called it. */
void bev_filter_flush_down_(struct bev_filter *f, enum bufferevent_flush_mode mode);

/* on: the layer below reads now, whatever the user enabled (a handshake
 * begins; from then on enable and disable keep the handshaking op's rule);
 * off: reading below follows the user's EV_READ again (it ended). */
void bev_filter_read_below_(struct bev_filter *f, int on);

/* Runs the output transform now.  A call while the output pump is running
 * (from a callback it ran) is remembered and served by that pump.  Returns
 * 1 if the destination grew, 0 if not (also when a layer below moved the
 * bytes on at once), -1 if the output is broken. */
int bev_filter_pump_output_(struct bev_filter *f, enum bufferevent_flush_mode mode);

/* Runs the input transform now; same rules.  Returns 1, 0 or -1 likewise. */
int bev_filter_pump_input_(struct bev_filter *f, enum bufferevent_flush_mode mode);

/* Asks for the EV_READ and/or EV_WRITE pump to run from the core's
 * reconcile deferred (safe from anywhere, e.g. from inside the core's
 * bookkeeping; several requests before it runs make one run). */
void bev_filter_schedule_(struct bev_filter *f, short what);

/* Breaks direction `what` (EV_READ or EV_WRITE): stops that direction and
 * reports BEV_EVENT_ERROR to the filter's user (from the deferred queue). */
void bev_filter_fail_(struct bev_filter *f, short what);

/* ---- between the machinery's own files ------------------------------------- */

/* The most the output pump leaves in the underlying's output in BEV_NORMAL:
 * its write high watermark, or BEV_FILTER_DEFAULT_BELOW_MAX without one. */
size_t bev_filter_below_max_(const struct bev_filter *f);
/* From the filter's reconcile: the pumps bev_filter_schedule_ asked for
 * (BEV_RC_AGAIN_READ / _WRITE in `changed`). */
void bev_filter_continue_(struct bev_filter *f, short changed);

/* The output pump; may_call_user 0: the write callback, if due, runs from
 * the reconcile deferred (the caller is inside an evbuffer operation of the
 * user's). */
int bev_filter_pump_output_cb_(struct bev_filter *f, enum bufferevent_flush_mode mode,
                               int may_call_user);

#endif
