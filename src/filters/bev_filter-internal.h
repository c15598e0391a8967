/* SPDX-License-Identifier: MIT */
/* The filter machinery: a bufferevent that transforms bytes on their way to
 * and from an underlying bufferevent, with backpressure in both directions.
 * The generic filter (bufferevent_filter_new) and the zlib filter are built
 * on it; the TLS layer can be too, with its own transform and handshake.
 *
 * A filter kind embeds struct bev_filter first in its own struct, fills a
 * struct bev_filter_xform, and calls bev_filter_init_().  Its
 * struct bufferevent_ops may be bev_filter_ops_ itself, or its own with the
 * bev_filter_*_ functions below (e.g. a destruct that frees its own state and
 * then calls bev_filter_destruct_).
 *
 * Output side.  Bytes the user writes to the filter's output go through
 * xform->output into the underlying's output.  dst_limit is the underlying's
 * write high watermark minus its current output length (-1 when it has no
 * high watermark, and for BEV_FLUSH/BEV_FINISHED, as in libevent); while the
 * underlying's output is at or above that mark nothing moves, and moving
 * resumes from the underlying's write callback as it drains.  The filter's
 * write callback runs when its output drained to its low watermark after a
 * move of the user's bytes (never merely because the underlying drained: what
 * drained there may be a layer's own, e.g. a TLS handshake, and the user may
 * have written nothing); at most once per pump, further
 * rounds continue from the base's deferred queue, so a producer writing from
 * its write callback never recurses.  Without a lock, the user's own
 * bufferevent_write() runs the pump inside the call (the output's evbuffer
 * callback), so the bytes reach the underlying before it returns; the write
 * callback still waits for the deferred queue (the user may free the filter
 * in it).  With a lock (BEV_OPT_THREADSAFE, or one shared with the
 * underlying) the output's evbuffer callbacks are deferred, and a layer that
 * sets output_batched (TLS) always schedules: then the pump runs from the
 * deferred queue on the loop thread, after bufferevent_write() returned.
 *
 * Input side.  From the underlying's read callback, xform->input moves the
 * underlying's input into the filter's input with dst_limit = room below the
 * filter's read high watermark (-1 without one; applied in every mode, so a
 * decompressor cannot overshoot even at EOF).  While the filter's input is at
 * that mark the core suspends the filter's reading, and the filter suspends
 * the underlying's reading (BEV_SUSPEND_FILT), so the layer below stops too.
 * When the user drains, the filter resumes from the deferred queue and first
 * processes what already sits in the underlying's input (libevent issue 362).
 *
 * Events from the underlying: EOF first runs the input transform with
 * BEV_FINISHED, and reaches the filter's event callback once the underlying's
 * input has been consumed; ERROR, TIMEOUT, CONNECTED pass up unchanged
 * (xform->event may intercept them).  A transform of uvbev's own layers (TLS,
 * zlib) returning BEV_ERROR breaks that direction: the filter's event
 * callback gets BEV_EVENT_ERROR with BEV_EVENT_READING or BEV_EVENT_WRITING
 * (EVUTIL_SOCKET_ERROR() is EPROTO or its platform equivalent) and that
 * direction stops.  A user's filter callback (bufferevent_filter_new)
 * returning it only ends the round, as in libevent 2.1 (errors_quiet).
 *
 * Lifetime.  The filter holds a reference on the underlying, shares its lock
 * (when it has one), and owns its callbacks until the filter is freed (then
 * they are cleared if still ours).  BEV_OPT_CLOSE_ON_FREE frees the
 * underlying in destruct.
 */
#ifndef UVBEV_BEV_FILTER_INTERNAL_H_
#define UVBEV_BEV_FILTER_INTERNAL_H_

#include "bufferevent-internal.h"

struct bev_filter;

/* What a filter kind plugs into the machinery. */
struct bev_filter_xform {
  /* Moves (transformed) bytes from src to dst; as bufferevent_filter_cb. */
  enum bufferevent_filter_result (*output)(struct bev_filter *f, struct evbuffer *src,
                                           struct evbuffer *dst, ev_ssize_t dst_limit,
                                           enum bufferevent_flush_mode mode);
  enum bufferevent_filter_result (*input)(struct bev_filter *f, struct evbuffer *src,
                                          struct evbuffer *dst, ev_ssize_t dst_limit,
                                          enum bufferevent_flush_mode mode);
  /* An event from the underlying.  Return 1 if handled (not passed up); NULL
   * or 0: default handling (see above).  May be NULL. */
  int (*event)(struct bev_filter *f, short what);
  /* Last reference gone: free the kind's state.  May be NULL. */
  void (*destruct)(struct bev_filter *f);
};

struct bev_filter {
  struct bufferevent_private p; /* first: a bufferevent * is a bev_filter * */
  struct bufferevent *underlying;
  const struct bev_filter_xform *xf;
  struct evbuffer_cb_entry *output_cb;
  struct uvbev_deferred resume; /* continues pumps from the deferred queue */
  short resume_what;            /* EV_READ / EV_WRITE: which pumps to continue */
  unsigned in_output : 1;       /* output pump running (re-entry guard) */
  unsigned in_input : 1;        /* input pump running (re-entry guard) */
  unsigned output_again : 1;    /* something asked for the output pump meanwhile */
  unsigned input_again : 1;
  unsigned writecb_due : 1;    /* write callback owed (postponed to the deferred queue) */
  unsigned output_limited : 1; /* last output call filled dst_limit: call again */
  unsigned input_limited : 1;  /* last input call filled dst_limit: call again */
  /* Set by a kind: call the output (input) transform at least once at the
   * next pump even with an empty source (a handshake message to send, bytes
   * the transform decoded and holds itself). */
  unsigned output_kick : 1;
  unsigned input_kick : 1;
  unsigned under_eof : 1;     /* underlying reported EOF */
  unsigned eof_sent : 1;      /* EOF passed to the user */
  unsigned output_broken : 1; /* output transform returned BEV_ERROR */
  unsigned input_broken : 1;
  /* BEV_ERROR only ends the round, unreported, and the transform is called
   * again at the next chance: libevent's bufferevent_filter_new (a user's
   * filter callbacks).  uvbev's own layers report and break instead. */
  unsigned errors_quiet : 1;
  /* errors_quiet: the last round of that direction ended in BEV_ERROR; the
   * transform is called again only for something new (data added below or
   * above, the layer below drained, enable, flush), not by continuations. */
  unsigned output_stalled : 1;
  /* Set by a kind: bytes the user adds leave from the deferred queue, all
   * that was added during a loop pass in one batch (the TLS socket flavour:
   * as libevent's, which writes when the socket is writable, one TLS record
   * per chunk rather than one per bufferevent_write). */
  unsigned output_batched : 1;
  unsigned input_stalled : 1;
  enum bufferevent_flush_mode output_mode; /* strongest mode asked during a pump */
  enum bufferevent_flush_mode under_flush; /* flush to pass down after the pump */

  /* generic filter (bufferevent_filter_new) */
  bufferevent_filter_cb input_filter;
  bufferevent_filter_cb output_filter;
  void (*free_context)(void *);
  void *ctx;
};

/* The vtable of generic filters, and its parts for kinds that need their own. */
extern const struct bufferevent_ops bev_filter_ops_;
int bev_filter_enable_(struct bufferevent *bev, short what);
int bev_filter_disable_(struct bufferevent *bev, short what);
void bev_filter_unlink_(struct bufferevent *bev);
void bev_filter_destruct_(struct bufferevent *bev);
int bev_filter_flush_(struct bufferevent *bev, short iotype, enum bufferevent_flush_mode mode);
int bev_filter_ctrl_(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *data);

/* Initialises f (zeroed, allocated with malloc by the kind; the core frees
 * it) on underlying: takes a reference on it, shares its lock, takes over its
 * callbacks, enables its reading and writing (reading suspended until the
 * filter's EV_READ is enabled).  The filter starts with EV_WRITE enabled.
 * Returns 0, or -1: then f has been released (xf->destruct not called) and
 * the underlying is untouched. */
int bev_filter_init_(struct bev_filter *f, const struct bufferevent_ops *ops,
                     const struct bev_filter_xform *xf, struct bufferevent *underlying,
                     int options);

/* Runs the output transform now (see above).  A call while the output pump is
 * running (from a callback it ran) is remembered and served by that pump.
 * Returns 1 if bytes were produced, 0 if not, -1 if the output is broken. */
int bev_filter_pump_output_(struct bev_filter *f, enum bufferevent_flush_mode mode);

/* Runs the input transform now; same rules.  Returns 1, 0 or -1 likewise. */
int bev_filter_pump_input_(struct bev_filter *f, enum bufferevent_flush_mode mode);

/* Asks for the EV_READ and/or EV_WRITE pump to run from the deferred queue
 * (safe from anywhere, e.g. from inside the core's bookkeeping). */
void bev_filter_schedule_(struct bev_filter *f, short what);

/* Breaks direction `what` (EV_READ or EV_WRITE): stops that direction and
 * reports BEV_EVENT_ERROR to the filter's user (from the deferred queue). */
void bev_filter_fail_(struct bev_filter *f, short what);

/* The ctx of a generic filter whose output callback is output_filter (how a
 * kind built on bufferevent_filter_new finds its state), or NULL. */
void *bev_filter_generic_ctx_(struct bufferevent *bev, bufferevent_filter_cb output_filter);

/* A generic filter of uvbev's own (zlib) reports its BEV_ERROR (see above). */
void bev_filter_report_errors_(struct bufferevent *bev);

#endif
