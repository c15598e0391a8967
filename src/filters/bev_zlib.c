/* SPDX-License-Identifier: MIT */
/* The zlib filter (uvbev extension, <uvbev/zlib.h>): a transform of the
 * filter machinery (bev_filter-internal.h) whose output deflates and whose
 * input inflates, straight between evbuffer chunks (peek the source, reserve
 * space in the destination: no intermediate copy).  A BEV_ERROR (corrupt
 * data, a bomb) is reported: BEV_EVENT_ERROR, and that direction stops.
 *
 * Bounds.  Both callbacks produce at most dst_limit bytes per call; deflate
 * or inflate output that did not fit stays inside zlib and comes out on the
 * next call (the filter machinery calls again when the limit was reached,
 * even with no new input).  On the input side dst_limit is the room below the
 * filter's read high watermark, so inflating a bomb never grows the input
 * past it; the configured ratio and total limits turn a bomb into an error.
 *
 * Streams.  BEV_FINISHED ends a deflate stream; data written afterwards
 * starts a new one (deflateReset), and the inflater accepts a new stream
 * (inflateReset) after the end of one, so gzip members and zlib streams may
 * be concatenated.  An EOF in the middle of a stream is an error.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "mm-internal.h"
#include "bev_filter-internal.h"
#include "uvbev/zlib.h"

#define ZLIB_CHUNK 65536          /* output reserved per zlib call */
#define ZLIB_MAX_AVAIL (1u << 30) /* avail_in/out are uInt */
#define ZLIB_RATIO_GRACE 65536    /* ratio checked once past this output */

struct bev_zlib {
  struct bev_filter f; /* first: a bufferevent * is a bev_zlib * */
  struct uvbev_zlib_config cfg;
  z_stream def;
  z_stream inf;
  unsigned def_ended : 1;   /* Z_STREAM_END given; nothing written since */
  unsigned def_pending : 1; /* the last deflate filled its output: may hold more */
  unsigned inf_ended : 1;   /* end of an inflate stream reached */
  unsigned inf_started : 1; /* the current inflate stream has consumed bytes */
  unsigned inf_pending : 1; /* the last inflate filled its output */
  uint64_t def_in, def_out, inf_in, inf_out;
  char error[160];
};

static void zlib_set_error(struct bev_zlib *z, const char *what, const char *detail) {
  if (z->error[0]) return;
  snprintf(z->error, sizeof(z->error), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static size_t zlib_min(size_t a, size_t b) {
  return a < b ? a : b;
}

/* The first chunk of src (iov_len 0 when src is empty). */
static struct evbuffer_iovec zlib_first_chunk(struct evbuffer *src) {
  struct evbuffer_iovec v;
  v.iov_base = NULL;
  v.iov_len = 0;
  if (evbuffer_get_length(src) > 0 && evbuffer_peek(src, -1, NULL, &v, 1) < 1) v.iov_len = 0;
  v.iov_len = zlib_min(v.iov_len, ZLIB_MAX_AVAIL);
  return v;
}

/* Reserves up to `room` bytes at the tail of dst.  Returns 0 or -1. */
static int zlib_reserve(struct evbuffer *dst, size_t room, struct evbuffer_iovec *out) {
  if (evbuffer_reserve_space(dst, (ev_ssize_t)room, out, 1) < 1) return -1;
  out->iov_len = zlib_min(out->iov_len, zlib_min(room, ZLIB_MAX_AVAIL));
  return 0;
}

static void zlib_commit(struct evbuffer *dst, struct evbuffer_iovec *out, size_t produced) {
  out->iov_len = produced;
  evbuffer_commit_space(dst, out, produced ? 1 : 0);
}

/* One call of deflate or inflate (they share a signature) from `in` (the
 * first chunk of src) into `out` (reserved in dst): commits what it produced
 * and drains what it consumed.  Returns zlib's code. */
static int zlib_step(int (*step)(z_streamp, int), z_stream *zs, int flush, struct evbuffer *src,
                     const struct evbuffer_iovec *in, struct evbuffer *dst,
                     struct evbuffer_iovec *out, size_t *consumed, size_t *produced) {
  int rc;
  zs->next_in = in->iov_base;
  zs->avail_in = (uInt)in->iov_len;
  zs->next_out = out->iov_base;
  zs->avail_out = (uInt)out->iov_len;
  rc = step(zs, flush);
  *consumed = in->iov_len - zs->avail_in;
  *produced = out->iov_len - zs->avail_out;
  zlib_commit(dst, out, *produced);
  if (*consumed) evbuffer_drain(src, *consumed);
  return rc;
}

/* ---- deflate: the filter's output ------------------------------------------- */

static int zlib_flush_flag(enum bufferevent_flush_mode mode) {
  return mode == BEV_FLUSH ? Z_SYNC_FLUSH : mode == BEV_FINISHED ? Z_FINISH : Z_NO_FLUSH;
}

static enum bufferevent_filter_result zlib_deflate(struct bev_filter *f, struct evbuffer *src,
                                                   struct evbuffer *dst, ev_ssize_t dst_limit,
                                                   enum bufferevent_flush_mode mode) {
  struct bev_zlib *z = (struct bev_zlib *)f;
  int flush = zlib_flush_flag(mode);
  size_t budget = dst_limit < 0 ? SIZE_MAX : (size_t)dst_limit;
  if (z->error[0]) return BEV_ERROR;
  if (z->def_ended) {
    if (evbuffer_get_length(src) == 0)
      return BEV_OK; /* already finished; a new stream starts with new data */
    deflateReset(&z->def);
    z->def_ended = 0;
  }
  while (budget > 0) {
    struct evbuffer_iovec in = zlib_first_chunk(src), out;
    int last = in.iov_len == evbuffer_get_length(src);
    int fl = last ? flush : Z_NO_FLUSH;
    size_t consumed, produced;
    int rc;
    if (in.iov_len == 0 && fl == Z_NO_FLUSH && !z->def_pending) break;
    if (zlib_reserve(dst, zlib_min(budget, ZLIB_CHUNK), &out) < 0) {
      zlib_set_error(z, "deflate", "out of memory");
      return BEV_ERROR;
    }
    rc = zlib_step(deflate, &z->def, fl, src, &in, dst, &out, &consumed, &produced);
    z->def_in += consumed;
    z->def_out += produced;
    budget -= produced;
    z->def_pending = z->def.avail_out == 0;
    if (rc == Z_STREAM_END) {
      z->def_ended = 1;
      z->def_pending = 0;
      break;
    }
    if (rc == Z_BUF_ERROR) /* nothing to do: no input, flush already done */
      break;
    if (rc != Z_OK) {
      zlib_set_error(z, "deflate", z->def.msg ? z->def.msg : "stream error");
      return BEV_ERROR;
    }
    if ((fl != Z_NO_FLUSH && z->def.avail_out != 0 && consumed == in.iov_len) ||
        (consumed == 0 && produced == 0))
      break;
  }
  return BEV_OK;
}

/* ---- inflate: the filter's input -------------------------------------------- */

/* Ratio and total limits; returns -1 (error set) when one is exceeded. */
static int zlib_check_bomb(struct bev_zlib *z) {
  if (z->cfg.max_inflated_bytes && z->inf_out > z->cfg.max_inflated_bytes) {
    zlib_set_error(z, "inflate", "inflated size limit exceeded");
    return -1;
  }
  if (z->cfg.max_inflate_ratio && z->inf_out > ZLIB_RATIO_GRACE &&
      z->inf_out / z->cfg.max_inflate_ratio > z->inf_in) {
    zlib_set_error(z, "inflate", "inflate ratio limit exceeded");
    return -1;
  }
  return 0;
}

/* Output room for one inflate call: the budget, and one byte past the total
 * limit (so exceeding it is seen without inflating more). */
static size_t zlib_inflate_room(struct bev_zlib *z, size_t budget) {
  size_t room = zlib_min(budget, ZLIB_CHUNK);
  if (z->cfg.max_inflated_bytes && z->inf_out <= z->cfg.max_inflated_bytes) {
    uint64_t left = z->cfg.max_inflated_bytes - z->inf_out + 1;
    if (left < room) room = (size_t)left;
  }
  return room;
}

static int zlib_inflate_status(struct bev_zlib *z, int rc) {
  switch (rc) {
  case Z_OK:
  case Z_BUF_ERROR: /* needs more input (or room): not an error */
    return 0;
  case Z_STREAM_END:
    z->inf_ended = 1;
    z->inf_pending = 0;
    return 0;
  case Z_NEED_DICT:
    zlib_set_error(z, "inflate", "preset dictionary not supported");
    return -1;
  case Z_MEM_ERROR:
    zlib_set_error(z, "inflate", "out of memory");
    return -1;
  default:
    zlib_set_error(z, "corrupt compressed stream", z->inf.msg ? z->inf.msg : "data error");
    return -1;
  }
}

static enum bufferevent_filter_result zlib_inflate(struct bev_filter *f, struct evbuffer *src,
                                                   struct evbuffer *dst, ev_ssize_t dst_limit,
                                                   enum bufferevent_flush_mode mode) {
  struct bev_zlib *z = (struct bev_zlib *)f;
  size_t budget = dst_limit < 0 ? SIZE_MAX : (size_t)dst_limit;
  if (z->error[0]) return BEV_ERROR;
  while (budget > 0) {
    struct evbuffer_iovec in = zlib_first_chunk(src), out;
    size_t consumed, produced;
    int rc;
    if (z->inf_ended) {
      if (in.iov_len == 0) break;
      inflateReset(&z->inf); /* a concatenated stream / gzip member */
      z->inf_ended = z->inf_started = 0;
    }
    if (in.iov_len == 0 && !z->inf_pending) break;
    if (zlib_reserve(dst, zlib_inflate_room(z, budget), &out) < 0) {
      zlib_set_error(z, "inflate", "out of memory");
      return BEV_ERROR;
    }
    rc = zlib_step(inflate, &z->inf, Z_SYNC_FLUSH, src, &in, dst, &out, &consumed, &produced);
    if (consumed) z->inf_started = 1;
    z->inf_in += consumed;
    z->inf_out += produced;
    budget -= produced;
    z->inf_pending = rc == Z_OK && z->inf.avail_out == 0;
    if (zlib_inflate_status(z, rc) < 0 || zlib_check_bomb(z) < 0) return BEV_ERROR;
    if (rc == Z_BUF_ERROR || (consumed == 0 && produced == 0 && !z->inf_ended)) break;
  }
  if (mode == BEV_FINISHED && evbuffer_get_length(src) == 0 && !z->inf_pending && z->inf_started &&
      !z->inf_ended) {
    zlib_set_error(z, "inflate", "compressed stream truncated by EOF");
    return BEV_ERROR;
  }
  return BEV_OK;
}

/* ---- construction -------------------------------------------------------------- */

/* Also after a failed bev_filter_init_ (then the streams may never have
 * been set up: zlib refuses those calls harmlessly). */
static void zlib_destruct(struct bev_filter *f) {
  struct bev_zlib *z = (struct bev_zlib *)f;
  deflateEnd(&z->def);
  inflateEnd(&z->inf);
}

static const struct bev_filter_xform zlib_xform = {
    .output = zlib_deflate,
    .input = zlib_inflate,
    .destruct = zlib_destruct,
};

static struct bev_zlib *zlib_upcast(struct bufferevent *bev) {
  return (struct bev_zlib *)bev_filter_of_(bev, &zlib_xform);
}

void uvbev_zlib_config_init(struct uvbev_zlib_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->size = sizeof(*cfg);
  cfg->format = UVBEV_ZLIB_FORMAT_ZLIB;
  cfg->level = Z_DEFAULT_COMPRESSION;
  cfg->mem_level = 8;
  cfg->window_bits = 15;
}

/* Copies the fields the caller knows (cfg->size) over the defaults. */
static int zlib_config_load(struct uvbev_zlib_config *c, const struct uvbev_zlib_config *cfg) {
  uvbev_zlib_config_init(c);
  if (!cfg) return 0;
  if (cfg->size < offsetof(struct uvbev_zlib_config, max_inflate_ratio)) return -1;
  memcpy(c, cfg, zlib_min(cfg->size, sizeof(*c)));
  c->size = sizeof(*c);
  if (c->format < UVBEV_ZLIB_FORMAT_ZLIB || c->format > UVBEV_ZLIB_FORMAT_RAW || c->level < -1 ||
      c->level > 9 || c->mem_level < 1 || c->mem_level > 9 || c->window_bits < 9 ||
      c->window_bits > 15)
    return -1;
  return 0;
}

static int zlib_window(int format, int bits) {
  return format == UVBEV_ZLIB_FORMAT_GZIP  ? bits + 16
         : format == UVBEV_ZLIB_FORMAT_RAW ? -bits
                                           : bits;
}

/* The filter, streams set up but not yet on an underlying; NULL on failure. */
static struct bev_zlib *zlib_new(const struct uvbev_zlib_config *c) {
  struct bev_zlib *z = uvbev_calloc_(1, sizeof(*z));
  if (!z) return NULL;
  z->cfg = *c;
  if (deflateInit2(&z->def, c->level, Z_DEFLATED, zlib_window(c->format, c->window_bits),
                   c->mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
    uvbev_free_(z);
    return NULL;
  }
  /* The reader accepts any window size the writer may have used. */
  if (inflateInit2(&z->inf, zlib_window(c->format, 15)) != Z_OK) {
    deflateEnd(&z->def);
    uvbev_free_(z);
    return NULL;
  }
  return z;
}

struct bufferevent *uvbev_zlib_filter_new(struct bufferevent *underlying, int options,
                                          const struct uvbev_zlib_config *cfg) {
  struct uvbev_zlib_config c;
  struct bev_zlib *z;
  if (!underlying || zlib_config_load(&c, cfg) < 0) return NULL;
  z = zlib_new(&c);
  if (!z) return NULL;
  /* On failure the machinery ran zlib_destruct and freed z. */
  if (bev_filter_init_(&z->f, &zlib_xform, underlying, options) < 0) return NULL;
  return &z->f.p.bev;
}

const char *uvbev_zlib_get_error(struct bufferevent *bev) {
  struct bev_zlib *z = zlib_upcast(bev);
  const char *r;
  if (!z) return NULL;
  BEV_LOCK(bev);
  r = z->error[0] ? z->error : NULL;
  BEV_UNLOCK(bev);
  return r;
}

int uvbev_zlib_get_counts(struct bufferevent *bev, uint64_t *deflate_in, uint64_t *deflate_out,
                          uint64_t *inflate_in, uint64_t *inflate_out) {
  struct bev_zlib *z = zlib_upcast(bev);
  if (!z) return -1;
  BEV_LOCK(bev);
  if (deflate_in) *deflate_in = z->def_in;
  if (deflate_out) *deflate_out = z->def_out;
  if (inflate_in) *inflate_in = z->inf_in;
  if (inflate_out) *inflate_out = z->inf_out;
  BEV_UNLOCK(bev);
  return 0;
}
