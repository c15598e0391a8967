/* SPDX-License-Identifier: MIT */
/* Fuzz target: the inflating side of the zlib filter over a pair.  The
 * input's first bytes choose the format (zlib, gzip, raw), the bomb limits
 * and the chunking; the rest is "compressed" data written into the pair.  The
 * filter must produce exactly what zlib's own inflate makes of the same bytes
 * (concatenated streams included), and fail where it fails; with a limit, it
 * may stop early with a limit error, but only with a prefix of those bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <uvbev/zlib.h>

#include "fuzz_input.h"

enum ref_end { REF_COMPLETE, REF_TRUNCATED, REF_ERROR };

struct result {
  struct evbuffer *out;
  int eof, error;
};

static int window_bits(int format) {
  return format == UVBEV_ZLIB_FORMAT_GZIP ? 15 + 16 : format == UVBEV_ZLIB_FORMAT_RAW ? -15 : 15;
}

/* zlib's verdict on the whole input, with a new stream after each end. */
static enum ref_end reference_inflate(int format, const uint8_t *p, size_t n,
                                      struct evbuffer *out) {
  z_stream zs;
  unsigned char buf[16384];
  int rc = Z_OK, started = 0;
  memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, window_bits(format)) != Z_OK) abort();
  zs.next_in = (Bytef *)p;
  zs.avail_in = (uInt)n;
  for (;;) {
    zs.next_out = buf;
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_SYNC_FLUSH);
    if (zs.avail_in != n) started = 1;
    evbuffer_add(out, buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);
      started = 0;
      n = zs.avail_in;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out != 0) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
  }
  inflateEnd(&zs);
  if (rc == Z_STREAM_END) return REF_COMPLETE;
  if (rc == Z_OK || rc == Z_BUF_ERROR) return started ? REF_TRUNCATED : REF_COMPLETE;
  return REF_ERROR;
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct result *r = arg;
  evbuffer_add_buffer(r->out, bufferevent_get_input(bev));
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct result *r = arg;
  on_read(bev, arg);
  if (what & BEV_EVENT_ERROR) r->error = 1;
  if (what & BEV_EVENT_EOF) r->eof = 1;
}

/* Does `out` start with the same bytes as `ref`? */
static int is_prefix(struct evbuffer *out, struct evbuffer *ref) {
  size_t n = evbuffer_get_length(out);
  if (n > evbuffer_get_length(ref)) return 0;
  return n == 0 || memcmp(evbuffer_pullup(out, -1), evbuffer_pullup(ref, (ev_ssize_t)n), n) == 0;
}

/* The least output at which a configured limit can fire. */
static uint64_t limit_floor(const struct uvbev_zlib_config *cfg) {
  uint64_t floor = cfg->max_inflate_ratio ? 65536 : UINT64_MAX;
  if (cfg->max_inflated_bytes && cfg->max_inflated_bytes < floor) floor = cfg->max_inflated_bytes;
  return floor;
}

/* Writes the data into the pair in chunks of `chunk` bytes, letting the loop
 * run between them, then ends the stream. */
static void feed(struct event_base *base, struct bufferevent *writer, const uint8_t *p, size_t n,
                 size_t chunk) {
  while (n > 0) {
    size_t k = n < chunk ? n : chunk;
    bufferevent_write(writer, p, k);
    event_base_loop(base, EVLOOP_NONBLOCK);
    p += k;
    n -= k;
  }
  bufferevent_flush(writer, EV_WRITE, BEV_FINISHED);
  event_base_loop(base, EVLOOP_NONBLOCK);
  event_base_loop(base, EVLOOP_NONBLOCK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_input in = {data, size};
  unsigned sel = fi_byte(&in);
  size_t chunk = fi_byte(&in) * 37 + 1;
  struct uvbev_zlib_config cfg;
  struct event_base *base = event_base_new();
  struct bufferevent *pair[2], *z;
  struct result r = {evbuffer_new(), 0, 0};
  struct evbuffer *ref = evbuffer_new();
  enum ref_end verdict;
  const char *why;
  int limited;
  FUZZ_CHECK(base && r.out && ref);
  uvbev_zlib_config_init(&cfg);
  cfg.format = (int)(sel % 3);
  if (sel & 0x10) cfg.max_inflated_bytes = (uint64_t)fi_u16(&in) * 4 + 1;
  if (sel & 0x20) cfg.max_inflate_ratio = fi_byte(&in) % 64 + 1;
  limited = cfg.max_inflated_bytes || cfg.max_inflate_ratio;
  FUZZ_CHECK(bufferevent_pair_new(base, 0, pair) == 0);
  z = uvbev_zlib_filter_new(pair[1], BEV_OPT_CLOSE_ON_FREE, &cfg);
  FUZZ_CHECK(z != NULL);
  bufferevent_setcb(z, on_read, NULL, on_event, &r);
  bufferevent_enable(z, EV_READ);

  verdict = reference_inflate(cfg.format, in.p, in.left, ref);
  feed(base, pair[0], in.p, in.left, chunk);
  on_read(z, &r);

  FUZZ_CHECK(is_prefix(r.out, ref));
  FUZZ_CHECK(r.eof || r.error); /* the end of the stream was reported */
  why = uvbev_zlib_get_error(z);
  if (r.error && why && strstr(why, "limit")) { /* a limit stopped it early */
    FUZZ_CHECK(limited);
    FUZZ_CHECK(evbuffer_get_length(ref) > limit_floor(&cfg));
  } else { /* all of it, and an error exactly where zlib has one */
    FUZZ_CHECK(evbuffer_get_length(r.out) == evbuffer_get_length(ref));
    FUZZ_CHECK(r.error == (verdict != REF_COMPLETE));
  }
  if (cfg.max_inflated_bytes && evbuffer_get_length(ref) > cfg.max_inflated_bytes)
    FUZZ_CHECK(r.error);

  bufferevent_free(z);
  bufferevent_free(pair[0]);
  evbuffer_free(r.out);
  evbuffer_free(ref);
  event_base_free(base);
  return 0;
}
