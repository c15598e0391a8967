/* SPDX-License-Identifier: MIT */
/* The zlib filter (uvbev extension): round trips, interoperability with plain
 * zlib, flushing, corrupt and truncated input, and decompression bombs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <uvbev/zlib.h>

/* ---- fixture ------------------------------------------------------------------ */

struct rig {
  struct event_base *base;
  struct bufferevent *low[2];
  struct bufferevent *z[2]; /* NULL where the test talks raw */
  struct evbuffer *got;
  size_t want;
  short events;
  const char *error;
  size_t max_in;
};

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void run_bounded(struct rig *r, int sec) {
  struct timeval tv = {sec, 0};
  struct event *t = evtimer_new(r->base, safety, NULL);
  evtimer_add(t, &tv);
  event_base_dispatch(r->base);
  event_free(t);
}

static void rig_pair(struct rig *r) {
  memset(r, 0, sizeof(*r));
  r->base = event_base_new();
  r->got = evbuffer_new();
  assert_int_equal(bufferevent_pair_new(r->base, 0, r->low), 0);
}

static void rig_sockets(struct rig *r) {
  evutil_socket_t sv[2];
  memset(r, 0, sizeof(*r));
  r->base = event_base_new();
  r->got = evbuffer_new();
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
#else
  assert_int_equal(evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv), 0);
#endif
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  r->low[0] = bufferevent_socket_new(r->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  r->low[1] = bufferevent_socket_new(r->base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(r->low[0]);
  assert_non_null(r->low[1]);
}

static void rig_zlib(struct rig *r, int side, const struct uvbev_zlib_config *cfg) {
  r->z[side] = uvbev_zlib_filter_new(r->low[side], BEV_OPT_CLOSE_ON_FREE, cfg);
  assert_non_null(r->z[side]);
}

static void rig_free(struct rig *r) {
  for (int i = 0; i < 2; i++)
    bufferevent_free(r->z[i] ? r->z[i] : r->low[i]);
  evbuffer_free(r->got);
  event_base_free(r->base);
}

static void collect_cb(struct bufferevent *bev, void *arg) {
  struct rig *r = arg;
  size_t n = evbuffer_get_length(bufferevent_get_input(bev));
  if (n > r->max_in) r->max_in = n;
  bufferevent_read_buffer(bev, r->got);
  if (r->want && evbuffer_get_length(r->got) >= r->want) event_base_loopbreak(r->base);
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  struct rig *r = arg;
  r->events |= what;
  if (what & BEV_EVENT_ERROR) r->error = uvbev_zlib_get_error(bev);
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) event_base_loopbreak(r->base);
}

/* Receiver: r->z[1] (or raw low[1]) collects into r->got. */
static void rig_receive(struct rig *r, int side) {
  struct bufferevent *b = r->z[side] ? r->z[side] : r->low[side];
  bufferevent_setcb(b, collect_cb, NULL, event_cb, r);
  bufferevent_enable(b, EV_READ);
}

/* Compressible but not trivial: words from a small LCG-driven vocabulary. */
static void fill_text(unsigned char *buf, size_t n, uint64_t seed) {
  static const char *words[] = {"event ",  "buffer ", "libuv ", "zlib ",    "filter ",  "pair ",
                                "socket ", "loop ",   "\n",     "deflate ", "inflate ", "42 "};
  size_t i = 0;
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  while (i < n) {
    const char *w;
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    w = words[(s >> 33) % 12];
    for (; *w && i < n; w++)
      buf[i++] = (unsigned char)*w;
  }
}

/* ---- round trips ------------------------------------------------------------------ */

static void round_trip_small(size_t n) {
  struct rig r;
  unsigned char data[16];
  rig_pair(&r);
  rig_zlib(&r, 0, NULL);
  rig_zlib(&r, 1, NULL);
  rig_receive(&r, 1);
  memcpy(data, "0123456789abcdef", sizeof(data));
  if (n) assert_int_equal(bufferevent_write(r.z[0], data, n), 0);
  assert_true(bufferevent_flush(r.z[0], EV_WRITE, BEV_FINISHED) >= 0);
  run_bounded(&r, 5);
  assert_int_equal(r.events, BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_null(r.error);
  assert_int_equal(evbuffer_get_length(r.got), n);
  if (n) assert_memory_equal(evbuffer_pullup(r.got, -1), data, n);
  rig_free(&r);
}

static void zlib_round_trip_0_bytes(void **state) {
  (void)state;
  round_trip_small(0);
}

static void zlib_round_trip_1_byte(void **state) {
  (void)state;
  round_trip_small(1);
}

#define BIG (100u * 1024 * 1024)
#define BIG_CHUNK 65536

struct big {
  struct rig r;
  size_t written, checked;
  int bad;
};

static void big_produce(struct bufferevent *bev, void *arg) {
  struct big *b = arg;
  static unsigned char chunk[BIG_CHUNK];
  if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) return;
  if (b->written >= BIG) {
    bufferevent_setcb(bev, NULL, NULL, event_cb, &b->r);
    bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
    return;
  }
  fill_text(chunk, BIG_CHUNK, b->written / BIG_CHUNK);
  b->written += BIG_CHUNK;
  bufferevent_write(bev, chunk, BIG_CHUNK);
}

static void big_consume(struct bufferevent *bev, void *arg) {
  struct big *b = arg;
  static unsigned char expect[BIG_CHUNK];
  struct evbuffer *in = bufferevent_get_input(bev);
  while (evbuffer_get_length(in) >= BIG_CHUNK) {
    fill_text(expect, BIG_CHUNK, b->checked / BIG_CHUNK);
    if (memcmp(evbuffer_pullup(in, BIG_CHUNK), expect, BIG_CHUNK) != 0) b->bad = 1;
    evbuffer_drain(in, BIG_CHUNK);
    b->checked += BIG_CHUNK;
  }
}

static void zlib_round_trip_100mb_socketpair(void **state) {
  static struct big b;
  (void)state;
  memset(&b, 0, sizeof(b));
  rig_sockets(&b.r);
  rig_zlib(&b.r, 0, NULL);
  rig_zlib(&b.r, 1, NULL);
  bufferevent_setwatermark(b.r.low[0], EV_WRITE, 0, 256 * 1024);
  bufferevent_setwatermark(b.r.z[1], EV_READ, 0, 1024 * 1024);
  bufferevent_setcb(b.r.z[0], NULL, big_produce, event_cb, &b.r);
  bufferevent_setcb(b.r.z[1], big_consume, NULL, event_cb, &b);
  bufferevent_enable(b.r.z[1], EV_READ);
  big_produce(b.r.z[0], &b);
  /* the receiver's event callback records into b.r (first member) */
  run_bounded(&b.r, 120);
  assert_int_equal(b.r.events, BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(b.checked, BIG);
  assert_false(b.bad);
  {
    uint64_t din, dout, iin, iout;
    assert_int_equal(uvbev_zlib_get_counts(b.r.z[1], NULL, NULL, &iin, &iout), 0);
    assert_int_equal(uvbev_zlib_get_counts(b.r.z[0], &din, &dout, NULL, NULL), 0);
    assert_int_equal(din, BIG);
    assert_int_equal(iout, BIG);
    assert_int_equal(iin, dout);
    assert_true(dout < BIG / 4); /* it did compress */
  }
  rig_free(&b.r);
}

/* ---- interoperability with plain zlib ------------------------------------------------ */

static void plain_inflate(const unsigned char *in, size_t n, int window, unsigned char *out,
                          size_t *out_len) {
  z_stream s;
  memset(&s, 0, sizeof(s));
  assert_int_equal(inflateInit2(&s, window), Z_OK);
  s.next_in = (unsigned char *)in;
  s.avail_in = (uInt)n;
  s.next_out = out;
  s.avail_out = (uInt)*out_len;
  assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
  *out_len = *out_len - s.avail_out;
  assert_int_equal(s.avail_in, 0);
  inflateEnd(&s);
}

static void decodable_by_zlib(int format, int window) {
  struct rig r;
  struct uvbev_zlib_config cfg;
  static unsigned char data[300000], out[400000];
  size_t out_len = sizeof(out);
  fill_text(data, sizeof(data), 7);
  uvbev_zlib_config_init(&cfg);
  cfg.format = format;
  cfg.level = 9;
  rig_pair(&r);
  rig_zlib(&r, 0, &cfg);
  rig_receive(&r, 1); /* raw compressed bytes */
  bufferevent_write(r.z[0], data, sizeof(data));
  bufferevent_flush(r.z[0], EV_WRITE, BEV_FINISHED);
  run_bounded(&r, 5);
  assert_true(r.events & BEV_EVENT_EOF);
  plain_inflate(evbuffer_pullup(r.got, -1), evbuffer_get_length(r.got), window, out, &out_len);
  assert_int_equal(out_len, sizeof(data));
  assert_memory_equal(out, data, sizeof(data));
  rig_free(&r);
}

static void zlib_stream_decodable_by_zlib(void **state) {
  (void)state;
  decodable_by_zlib(UVBEV_ZLIB_FORMAT_ZLIB, 15);
}
static void zlib_gzip_stream_decodable_by_zlib(void **state) {
  (void)state;
  decodable_by_zlib(UVBEV_ZLIB_FORMAT_GZIP, 15 + 16);
}
static void zlib_raw_stream_decodable_by_zlib(void **state) {
  (void)state;
  decodable_by_zlib(UVBEV_ZLIB_FORMAT_RAW, -15);
}

static size_t plain_deflate(const void *in, size_t n, int window, unsigned char *out, size_t cap) {
  z_stream s;
  memset(&s, 0, sizeof(s));
  assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
  s.next_in = (unsigned char *)in;
  s.avail_in = (uInt)n;
  s.next_out = out;
  s.avail_out = (uInt)cap;
  assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
  deflateEnd(&s);
  return cap - s.avail_out;
}

static void zlib_inflates_concatenated_gzip_members(void **state) {
  struct rig r;
  struct uvbev_zlib_config cfg;
  unsigned char gz[256];
  size_t n;
  (void)state;
  uvbev_zlib_config_init(&cfg);
  cfg.format = UVBEV_ZLIB_FORMAT_GZIP;
  rig_pair(&r);
  rig_zlib(&r, 1, &cfg);
  rig_receive(&r, 1);
  n = plain_deflate("hello ", 6, 15 + 16, gz, sizeof(gz));
  n += plain_deflate("world", 5, 15 + 16, gz + n, sizeof(gz) - n);
  bufferevent_write(r.low[0], gz, n);
  bufferevent_flush(r.low[0], EV_WRITE, BEV_FINISHED);
  run_bounded(&r, 5);
  assert_int_equal(r.events, BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(evbuffer_get_length(r.got), 11);
  assert_memory_equal(evbuffer_pullup(r.got, -1), "hello world", 11);
  rig_free(&r);
}

/* ---- flushing -------------------------------------------------------------------------- */

static void zlib_flush_delivers_small_message_without_closing(void **state) {
  struct rig r;
  (void)state;
  rig_pair(&r);
  rig_zlib(&r, 0, NULL);
  rig_zlib(&r, 1, NULL);
  rig_receive(&r, 1);
  r.want = 4;
  bufferevent_write(r.z[0], "ping", 4);
  bufferevent_flush(r.z[0], EV_WRITE, BEV_FLUSH);
  run_bounded(&r, 5);
  assert_int_equal(r.events, 0);
  assert_int_equal(evbuffer_get_length(r.got), 4);
  assert_memory_equal(evbuffer_pullup(r.got, -1), "ping", 4);
  /* and again: the stream goes on */
  evbuffer_drain(r.got, 4);
  bufferevent_write(r.z[0], "pong", 4);
  bufferevent_flush(r.z[0], EV_WRITE, BEV_FLUSH);
  run_bounded(&r, 5);
  assert_int_equal(r.events, 0);
  assert_memory_equal(evbuffer_pullup(r.got, -1), "pong", 4);
  rig_free(&r);
}

static void zlib_without_flush_holds_small_message(void **state) {
  struct rig r;
  (void)state;
  rig_pair(&r);
  rig_zlib(&r, 0, NULL);
  rig_receive(&r, 1);
  bufferevent_write(r.z[0], "ping", 4);
  for (int i = 0; i < 5; i++)
    event_base_loop(r.base, EVLOOP_NONBLOCK);
  /* only the 2-byte zlib header can have left the compressor */
  assert_true(evbuffer_get_length(r.got) <= 2);
  rig_free(&r);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void zlib_corrupt_input_reports_reason(void **state) {
  struct rig r;
  (void)state;
  rig_pair(&r);
  rig_zlib(&r, 1, NULL);
  rig_receive(&r, 1);
  bufferevent_write(r.low[0], "this is not a zlib stream at all", 32);
  run_bounded(&r, 5);
  assert_int_equal(r.events, BEV_EVENT_ERROR | BEV_EVENT_READING);
  assert_non_null(r.error);
  assert_non_null(strstr(r.error, "corrupt"));
  assert_string_equal(r.error, uvbev_zlib_get_error(r.z[1]));
  rig_free(&r);
}

static void zlib_truncated_stream_is_error(void **state) {
  struct rig r;
  unsigned char data[5000], z[6000];
  size_t n;
  (void)state;
  fill_text(data, sizeof(data), 3);
  n = plain_deflate(data, sizeof(data), 15, z, sizeof(z));
  rig_pair(&r);
  rig_zlib(&r, 1, NULL);
  rig_receive(&r, 1);
  bufferevent_write(r.low[0], z, n / 2);
  bufferevent_flush(r.low[0], EV_WRITE, BEV_FINISHED);
  run_bounded(&r, 5);
  assert_int_equal(r.events, BEV_EVENT_ERROR | BEV_EVENT_READING);
  assert_non_null(strstr(r.error, "truncated"));
  rig_free(&r);
}

/* ---- decompression bombs ------------------------------------------------------------------ */

#define BOMB_TOTAL (1024ull * 1024 * 1024) /* 1 GiB of zeros, deflated on the fly */
#define BOMB_LIMIT (16ull * 1024 * 1024)
#define BOMB_HIGH (1024u * 1024)

struct bomb {
  struct rig r;
  z_stream def;
  uint64_t fed, received;
};

/* The attacker: deflates zeros incrementally, never holding the whole bomb. */
static void bomb_feed(struct bufferevent *bev, void *arg) {
  struct bomb *b = arg;
  static unsigned char zeros[1 << 20], out[1 << 16];
  size_t wrote = 0;
  if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) return;
  /* deflate buffers internally: feed until some bytes come out */
  while (wrote == 0 && b->fed < BOMB_TOTAL) {
    b->def.next_in = zeros;
    b->def.avail_in = sizeof(zeros);
    b->fed += sizeof(zeros);
    do {
      b->def.next_out = out;
      b->def.avail_out = sizeof(out);
      deflate(&b->def, b->fed >= BOMB_TOTAL ? Z_FINISH : Z_NO_FLUSH);
      wrote += sizeof(out) - b->def.avail_out;
      bufferevent_write(bev, out, sizeof(out) - b->def.avail_out);
    } while (b->def.avail_out == 0);
  }
}

static void bomb_drain(struct bufferevent *bev, void *arg) {
  struct bomb *b = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  if (n > b->r.max_in) b->r.max_in = n;
  b->received += n;
  evbuffer_drain(in, n);
}

static void run_bomb(struct bomb *b, const struct uvbev_zlib_config *cfg) {
  memset(b, 0, sizeof(*b));
  assert_int_equal(deflateInit(&b->def, 9), Z_OK);
  rig_pair(&b->r);
  rig_zlib(&b->r, 1, cfg);
  bufferevent_setwatermark(b->r.z[1], EV_READ, 0, BOMB_HIGH);
  bufferevent_setcb(b->r.low[0], NULL, bomb_feed, NULL, b);
  bufferevent_setcb(b->r.z[1], bomb_drain, NULL, event_cb, &b->r);
  bufferevent_enable(b->r.z[1], EV_READ);
  bomb_feed(b->r.low[0], b);
  run_bounded(&b->r, 60);
  deflateEnd(&b->def);
  assert_int_equal(b->r.events, BEV_EVENT_ERROR | BEV_EVENT_READING);
  assert_true(b->r.max_in <= BOMB_HIGH);
  assert_true(b->fed < BOMB_TOTAL); /* stopped long before the end */
}

static void zlib_bomb_stopped_by_total_limit(void **state) {
  static struct bomb b;
  struct uvbev_zlib_config cfg;
  uint64_t out;
  (void)state;
  uvbev_zlib_config_init(&cfg);
  cfg.max_inflated_bytes = BOMB_LIMIT;
  run_bomb(&b, &cfg);
  assert_non_null(strstr(b.r.error, "size limit"));
  assert_int_equal(uvbev_zlib_get_counts(b.r.z[1], NULL, NULL, NULL, &out), 0);
  assert_true(out <= BOMB_LIMIT + 1);
  assert_true(b.received <= BOMB_LIMIT + 1);
  rig_free(&b.r);
}

static void zlib_bomb_stopped_by_ratio(void **state) {
  static struct bomb b;
  struct uvbev_zlib_config cfg;
  (void)state;
  uvbev_zlib_config_init(&cfg);
  cfg.max_inflate_ratio = 100;
  run_bomb(&b, &cfg);
  assert_non_null(strstr(b.r.error, "ratio"));
  assert_true(b.received < BOMB_LIMIT);
  rig_free(&b.r);
}

/* ---- API edges ------------------------------------------------------------------------------ */

static void zlib_api_rejects_bad_arguments(void **state) {
  struct rig r;
  struct uvbev_zlib_config cfg;
  (void)state;
  rig_pair(&r);
  assert_null(uvbev_zlib_filter_new(NULL, 0, NULL));
  uvbev_zlib_config_init(&cfg);
  cfg.format = 7;
  assert_null(uvbev_zlib_filter_new(r.low[0], 0, &cfg));
  uvbev_zlib_config_init(&cfg);
  cfg.level = 10;
  assert_null(uvbev_zlib_filter_new(r.low[0], 0, &cfg));
  uvbev_zlib_config_init(&cfg);
  cfg.size = 4;
  assert_null(uvbev_zlib_filter_new(r.low[0], 0, &cfg));
  assert_null(uvbev_zlib_get_error(r.low[0]));
  assert_null(uvbev_zlib_get_error(NULL));
  assert_int_equal(uvbev_zlib_get_counts(r.low[0], NULL, NULL, NULL, NULL), -1);
  uvbev_zlib_config_init(NULL);
  /* an older, shorter config (without the limits) is accepted */
  uvbev_zlib_config_init(&cfg);
  cfg.size = offsetof(struct uvbev_zlib_config, max_inflate_ratio);
  cfg.max_inflate_ratio = 1; /* not part of the caller's struct: ignored */
  rig_zlib(&r, 0, &cfg);
  assert_null(uvbev_zlib_get_error(r.z[0]));
  rig_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(zlib_round_trip_0_bytes),
      cmocka_unit_test(zlib_round_trip_1_byte),
      cmocka_unit_test(zlib_round_trip_100mb_socketpair),
      cmocka_unit_test(zlib_stream_decodable_by_zlib),
      cmocka_unit_test(zlib_gzip_stream_decodable_by_zlib),
      cmocka_unit_test(zlib_raw_stream_decodable_by_zlib),
      cmocka_unit_test(zlib_inflates_concatenated_gzip_members),
      cmocka_unit_test(zlib_flush_delivers_small_message_without_closing),
      cmocka_unit_test(zlib_without_flush_holds_small_message),
      cmocka_unit_test(zlib_corrupt_input_reports_reason),
      cmocka_unit_test(zlib_truncated_stream_is_error),
      cmocka_unit_test(zlib_bomb_stopped_by_total_limit),
      cmocka_unit_test(zlib_bomb_stopped_by_ratio),
      cmocka_unit_test(zlib_api_rejects_bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
