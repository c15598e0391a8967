/* SPDX-License-Identifier: MIT */
/* bufferevent_filter_new(): the user's filter callbacks as a transform of the
 * filter machinery (bev_filter-internal.h).  A NULL callback passes the bytes
 * through; free_context runs with the last reference.  As in libevent 2.1, a
 * callback returning BEV_ERROR only ends the round (errors_quiet).
 */
#include "mm-internal.h"
#include "bev_filter-internal.h"

struct bev_filter_generic {
  struct bev_filter f; /* first: a bufferevent * is a bev_filter_generic * */
  bufferevent_filter_cb input_filter;
  bufferevent_filter_cb output_filter;
  void (*free_context)(void *);
  void *ctx;
};

/* The user's callback cb, or the bytes unchanged without one. */
static enum bufferevent_filter_result generic_run(struct bev_filter *f, bufferevent_filter_cb cb,
                                                  struct evbuffer *src, struct evbuffer *dst,
                                                  ev_ssize_t limit,
                                                  enum bufferevent_flush_mode mode) {
  if (!cb) return bev_filter_def_pass_(f, src, dst, limit, mode);
  return cb(src, dst, limit, mode, ((struct bev_filter_generic *)f)->ctx);
}

static enum bufferevent_filter_result generic_output(struct bev_filter *f, struct evbuffer *src,
                                                     struct evbuffer *dst, ev_ssize_t limit,
                                                     enum bufferevent_flush_mode mode) {
  return generic_run(f, ((struct bev_filter_generic *)f)->output_filter, src, dst, limit, mode);
}

static enum bufferevent_filter_result generic_input(struct bev_filter *f, struct evbuffer *src,
                                                    struct evbuffer *dst, ev_ssize_t limit,
                                                    enum bufferevent_flush_mode mode) {
  return generic_run(f, ((struct bev_filter_generic *)f)->input_filter, src, dst, limit, mode);
}

static void generic_destruct(struct bev_filter *f) {
  struct bev_filter_generic *g = (struct bev_filter_generic *)f;
  if (g->free_context) g->free_context(g->ctx);
  g->free_context = NULL;
}

static const struct bev_filter_xform generic_xform = {
    .output = generic_output,
    .input = generic_input,
    .destruct = generic_destruct,
};

struct bufferevent *bufferevent_filter_new(struct bufferevent *underlying,
                                           bufferevent_filter_cb input_filter,
                                           bufferevent_filter_cb output_filter, int options,
                                           void (*free_context)(void *), void *ctx) {
  struct bev_filter_generic *g;
  if (!underlying) return NULL;
  g = uvbev_calloc_(1, sizeof(*g));
  if (!g) return NULL;
  g->input_filter = input_filter;
  g->output_filter = output_filter;
  g->ctx = ctx;
  if (bev_filter_init_(&g->f, &generic_xform, underlying, options) < 0) return NULL;
  /* Set only now: a failed construction does not call free_context. */
  g->free_context = free_context;
  g->f.errors_quiet = 1;
  return &g->f.p.bev;
}
