/* SPDX-License-Identifier: MIT */
/* The transform contract (src/filters/bev_filter-internal.h) from outside:
 * a layer written against it in this file alone, with no change to the
 * library, stacks over pairs and sockets like TLS and zlib do.
 *
 * The layer: length-prefixed framing.  Each frame is a 2-byte big-endian
 * length and that many payload bytes; length 0 ends the stream.  The output
 * sends only full frames in BEV_NORMAL (a partial tail waits, as a
 * compressor's would), the tail on BEV_FLUSH, the tail and the end frame on
 * BEV_FINISHED; it never produces more than dst_limit.  The input streams
 * payloads out as they arrive (within dst_limit), ends the user's stream at
 * the end frame (bev_filter_end_input_), and fails on a truncated frame at
 * the layer below's EOF.  A second layer, "recorder", overrides only the
 * flush op (calling the default) to see which modes come down a stack; a
 * third, "hello", has a one-byte handshake (pre_input, handshaking).
 *
 * Pinned: bytes in == bytes out both ways, over a pair and over sockets;
 * the three flush modes; EOF from the end frame and from the layer below;
 * a truncated stream as BEV_EVENT_ERROR|BEV_EVENT_READING; backpressure
 * (the write watermark below pauses the transform, draining resumes it; the
 * filter's read watermark bounds its input); a handshake that reads below
 * while the user only writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "mm-internal.h"
#include "bev_filter-internal.h"

#define FRAME_MAX 1000

/* ---- the framing transform ------------------------------------------------------ */

struct frame {
  struct bev_filter f; /* first, as the contract asks */
  size_t in_pending;   /* payload bytes of the current input frame still to come */
  int ended_out;       /* end frame sent; new data starts a new stream */
  int calls[3];        /* output calls per flush mode */
};

static void frame_put(struct evbuffer *dst, struct evbuffer *src, size_t n) {
  unsigned char h[2];
  h[0] = (unsigned char)(n >> 8);
  h[1] = (unsigned char)n;
  evbuffer_add(dst, h, 2);
  if (n) evbuffer_remove_buffer(src, dst, n);
}

static enum bufferevent_filter_result frame_output(struct bev_filter *f, struct evbuffer *src,
                                                   struct evbuffer *dst, ev_ssize_t dst_limit,
                                                   enum bufferevent_flush_mode mode) {
  struct frame *fr = (struct frame *)f;
  size_t made = 0, left;
  fr->calls[mode]++;
  if (evbuffer_get_length(src) > 0) fr->ended_out = 0;
  while ((left = evbuffer_get_length(src)) > 0) {
    size_t n = left < FRAME_MAX ? left : FRAME_MAX;
    if (n < FRAME_MAX && mode == BEV_NORMAL) break; /* the tail waits for a flush */
    if (dst_limit >= 0 && made + 2 + n > (size_t)dst_limit) break;
    frame_put(dst, src, n);
    made += 2 + n;
  }
  if (mode == BEV_FINISHED && evbuffer_get_length(src) == 0 && !fr->ended_out) {
    frame_put(dst, src, 0);
    fr->ended_out = 1;
  }
  return BEV_OK;
}

static enum bufferevent_filter_result frame_input(struct bev_filter *f, struct evbuffer *src,
                                                  struct evbuffer *dst, ev_ssize_t dst_limit,
                                                  enum bufferevent_flush_mode mode) {
  struct frame *fr = (struct frame *)f;
  size_t room = dst_limit < 0 ? (size_t)-1 : (size_t)dst_limit;
  while (room > 0) {
    size_t n;
    if (fr->in_pending == 0) {
      unsigned char h[2];
      if (evbuffer_copyout(src, h, 2) < 2) break;
      evbuffer_drain(src, 2);
      fr->in_pending = (size_t)h[0] << 8 | h[1];
      if (fr->in_pending == 0) { /* end frame: the user's stream ends here */
        evbuffer_drain(src, evbuffer_get_length(src));
        bev_filter_end_input_(f);
        return BEV_OK;
      }
    }
    n = evbuffer_get_length(src);
    if (n == 0) break;
    if (n > fr->in_pending) n = fr->in_pending;
    if (n > room) n = room;
    evbuffer_remove_buffer(src, dst, n);
    fr->in_pending -= n;
    room -= n;
  }
  if (mode == BEV_FINISHED && (fr->in_pending > 0 || evbuffer_get_length(src) > 0) && room > 0)
    return BEV_ERROR; /* the layer below ended inside a frame */
  return BEV_OK;
}

static const struct bev_filter_xform frame_xform = {
    .output = frame_output,
    .input = frame_input,
};

static struct bufferevent *frame_new(struct bufferevent *under) {
  struct frame *fr = uvbev_calloc_(1, sizeof(*fr));
  assert_non_null(fr);
  assert_int_equal(bev_filter_init_(&fr->f, &frame_xform, under, BEV_OPT_CLOSE_ON_FREE), 0);
  return &fr->f.p.bev;
}

static struct frame *frame_of(struct bufferevent *bev) {
  return (struct frame *)bev_filter_of_(bev, &frame_xform);
}

/* ---- the recorder: one op overridden, the default called --------------------------- */

struct recorder {
  struct bev_filter f;
  int flushes[3]; /* EV_WRITE flushes seen per mode */
};

static int recorder_flush(struct bev_filter *f, short iotype, enum bufferevent_flush_mode mode) {
  if (iotype & EV_WRITE) ((struct recorder *)f)->flushes[mode]++;
  return bev_filter_def_flush_(f, iotype, mode);
}

static const struct bev_filter_xform recorder_xform = {.flush = recorder_flush};

static struct bufferevent *recorder_new(struct bufferevent *under) {
  struct recorder *rec = uvbev_calloc_(1, sizeof(*rec));
  assert_non_null(rec);
  assert_int_equal(bev_filter_init_(&rec->f, &recorder_xform, under, BEV_OPT_CLOSE_ON_FREE), 0);
  return &rec->f.p.bev;
}

/* ---- the hello layer: a handshake ---------------------------------------------------------- */

/* Each side sends 'H' first and holds the user's bytes until the peer's 'H'
 * came; then it passes bytes through (the default ops). */
struct hello {
  struct bev_filter f;
  int handshaking, done;
};

static int hello_pre_input(struct bev_filter *f) {
  struct hello *h = (struct hello *)f;
  char c;
  if (!h->handshaking) return 0;
  if (evbuffer_remove(f->underlying->input, &c, 1) < 1) return 1;
  h->handshaking = 0;
  if (c != 'H') {
    bev_filter_fail_(f, EV_READ);
    return 1;
  }
  h->done = 1;
  bev_filter_read_below_(f, 0);
  bev_filter_pump_output_(f, BEV_NORMAL);
  if (!f->p.unlinked) bev_filter_pump_input_(f, BEV_NORMAL);
  return 1;
}

static int hello_handshaking(struct bev_filter *f) {
  return ((struct hello *)f)->handshaking;
}

static enum bufferevent_filter_result hello_output(struct bev_filter *f, struct evbuffer *src,
                                                   struct evbuffer *dst, ev_ssize_t dst_limit,
                                                   enum bufferevent_flush_mode mode) {
  if (((struct hello *)f)->handshaking) return BEV_OK; /* held */
  return bev_filter_def_pass_(f, src, dst, dst_limit, mode);
}

static const struct bev_filter_xform hello_xform = {
    .output = hello_output,
    .pre_input = hello_pre_input,
    .handshaking = hello_handshaking,
};

static struct bufferevent *hello_new(struct bufferevent *under) {
  struct hello *h = uvbev_calloc_(1, sizeof(*h));
  assert_non_null(h);
  assert_int_equal(bev_filter_init_(&h->f, &hello_xform, under, BEV_OPT_CLOSE_ON_FREE), 0);
  h->handshaking = 1;
  bev_filter_read_below_(&h->f, 1);
  bufferevent_write(under, "H", 1);
  return &h->f.p.bev;
}

/* ---- the rig ------------------------------------------------------------------------- */

struct side {
  struct bufferevent *bev;
  struct evbuffer *got;
  size_t max_in; /* largest input seen by the read callback */
  int eof, error, writes;
};

static struct event_base *base;
static struct side side[2];

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void run_bounded(int sec) {
  struct timeval tv = {sec, 0};
  struct event *t = evtimer_new(base, safety, NULL);
  evtimer_add(t, &tv);
  event_base_dispatch(base);
  event_free(t);
}

static size_t stop_at; /* stop once side 1 got this much (0: wait for events) */

static void on_read(struct bufferevent *bev, void *arg) {
  struct side *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (evbuffer_get_length(in) > s->max_in) s->max_in = evbuffer_get_length(in);
  evbuffer_add_buffer(s->got, in);
  if (stop_at && s == &side[1] && evbuffer_get_length(s->got) >= stop_at)
    event_base_loopbreak(base);
}

/* Loop passes (bounded) until side 1 got n bytes. */
static void step_until_got(size_t n) {
  for (int i = 0; i < 100 && evbuffer_get_length(side[1].got) < n; i++)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void on_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  ((struct side *)arg)->writes++;
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct side *s = arg;
  (void)bev;
  if (what & BEV_EVENT_EOF) s->eof++;
  if (what & BEV_EVENT_ERROR) {
    assert_true(what & BEV_EVENT_READING);
    s->error++;
  }
  if (side[0].eof + side[0].error > 0 && side[1].eof + side[1].error > 0)
    event_base_loopbreak(base);
}

static void side_init(struct side *s, struct bufferevent *bev) {
  s->bev = bev;
  s->got = evbuffer_new();
  bufferevent_setcb(bev, on_read, on_write, on_event, s);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void rig_free(void) {
  for (int i = 0; i < 2; i++) {
    if (side[i].bev) bufferevent_free(side[i].bev);
    evbuffer_free(side[i].got);
  }
  event_base_free(base);
  memset(side, 0, sizeof(side));
}

/* Two framing layers facing each other over a pair (sockets: over a socket
 * pair instead). */
static void rig_frames(int sockets, struct bufferevent *low[2]) {
  base = event_base_new();
  assert_non_null(base);
  memset(side, 0, sizeof(side));
  stop_at = 0;
  if (sockets) {
    evutil_socket_t sv[2];
#ifndef _WIN32
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
#else
    assert_int_equal(evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv), 0);
#endif
    for (int i = 0; i < 2; i++) {
      evutil_make_socket_nonblocking(sv[i]);
      low[i] = bufferevent_socket_new(base, sv[i], BEV_OPT_CLOSE_ON_FREE);
      assert_non_null(low[i]);
    }
  } else {
    assert_int_equal(bufferevent_pair_new(base, 0, low), 0);
  }
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)((i * 131u + seed) >> 3);
}

static void assert_got(struct side *s, const unsigned char *want, size_t n) {
  assert_int_equal(evbuffer_get_length(s->got), n);
  assert_memory_equal(evbuffer_pullup(s->got, -1), want, n);
}

/* ---- bytes both ways, then EOF both ways ----------------------------------------------- */

#define BIG (300 * 1000 + 7)

static void round_trip(int sockets) {
  static unsigned char a[BIG], b[BIG / 3];
  struct bufferevent *low[2];
  rig_frames(sockets, low);
  side_init(&side[0], frame_new(low[0]));
  side_init(&side[1], frame_new(low[1]));
  fill(a, sizeof(a), 1);
  fill(b, sizeof(b), 2);
  /* Uneven writes: frames and writes do not line up. */
  for (size_t off = 0; off < sizeof(a); off += 4093)
    bufferevent_write(side[0].bev, a + off, sizeof(a) - off < 4093 ? sizeof(a) - off : 4093);
  bufferevent_write(side[1].bev, b, sizeof(b));
  bufferevent_flush(side[0].bev, EV_WRITE, BEV_FINISHED);
  bufferevent_flush(side[1].bev, EV_WRITE, BEV_FINISHED);
  run_bounded(10);
  assert_got(&side[1], a, sizeof(a));
  assert_got(&side[0], b, sizeof(b));
  for (int i = 0; i < 2; i++) {
    assert_int_equal(side[i].eof, 1);
    assert_int_equal(side[i].error, 0);
    assert_true(frame_of(side[i].bev)->calls[BEV_FINISHED] > 0);
  }
  rig_free();
}

static void frame_round_trip_pair(void **state) {
  (void)state;
  round_trip(0);
}

static void frame_round_trip_sockets(void **state) {
  (void)state;
  round_trip(1);
}

/* ---- flush modes ------------------------------------------------------------------------ */

/* NORMAL holds a partial frame, FLUSH sends it without ending anything,
 * FINISHED sends the rest and the end frame, and passes FINISHED down the
 * stack (the recorder below sees it; the pair gives its partner EOF). */
static void frame_flush_modes(void **state) {
  struct bufferevent *low[2], *rec;
  struct frame *fr;
  (void)state;
  rig_frames(0, low);
  rec = recorder_new(low[0]);
  side_init(&side[0], frame_new(rec));
  side_init(&side[1], frame_new(low[1]));
  fr = frame_of(side[0].bev);
  assert_non_null(fr);
  assert_null(frame_of(rec));
  assert_null(frame_of(low[0]));

  bufferevent_write(side[0].bev, "hello", 5);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(evbuffer_get_length(side[1].got), 0);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(side[0].bev)), 5);
  assert_int_equal(fr->calls[BEV_FLUSH] + fr->calls[BEV_FINISHED], 0);

  /* >= 0, not 1: the layer below moves the frame on at once, so the
   * transform's destination ends no longer than it started. */
  assert_true(bufferevent_flush(side[0].bev, EV_WRITE, BEV_FLUSH) >= 0);
  assert_int_equal(fr->calls[BEV_FLUSH], 1);
  assert_int_equal(((struct recorder *)rec)->flushes[BEV_FLUSH], 1); /* passed down */
  step_until_got(5);
  assert_got(&side[1], (const unsigned char *)"hello", 5);
  assert_int_equal(side[1].eof, 0);
  assert_true(side[0].writes > 0);

  bufferevent_write(side[0].bev, " world", 6);
  assert_true(bufferevent_flush(side[0].bev, EV_WRITE, BEV_FINISHED) >= 0);
  assert_int_equal(fr->calls[BEV_FINISHED], 1);
  assert_int_equal(((struct recorder *)rec)->flushes[BEV_FINISHED], 1);
  /* Nothing left to say: another FINISHED sends no second end frame. */
  assert_true(bufferevent_flush(side[0].bev, EV_WRITE, BEV_FINISHED) >= 0);
  assert_int_equal(fr->calls[BEV_FINISHED], 2);
  side[0].eof = 1; /* only side 1 is waited for */
  run_bounded(5);
  assert_got(&side[1], (const unsigned char *)"hello world", 11);
  assert_int_equal(side[1].eof, 1);
  assert_int_equal(side[1].error, 0);
  assert_true(bev_filter_below_eof_(&frame_of(side[1].bev)->f));
  rig_free();
}

/* ---- EOF and truncation from the layer below ---------------------------------------------- */

/* The peer talks raw: frames (9 bytes on the wire), then its own EOF
 * without an end frame; side 1 must read "abcde" and then see `what`. */
static void raw_peer(const char *wire, short what) {
  struct bufferevent *low[2];
  rig_frames(0, low);
  side[0].bev = low[0];
  side[0].got = evbuffer_new();
  side[0].eof = 1; /* not waited for */
  side_init(&side[1], frame_new(low[1]));
  bufferevent_write(low[0], wire, 9);
  bufferevent_flush(low[0], EV_WRITE, BEV_FINISHED);
  run_bounded(5);
  assert_got(&side[1], (const unsigned char *)"abcde", 5);
  assert_int_equal(side[1].eof, what == BEV_EVENT_EOF);
  assert_int_equal(side[1].error, what == BEV_EVENT_ERROR);
  rig_free();
}

static void frame_eof_from_below(void **state) {
  (void)state;
  raw_peer("\0\3abc\0\2de", BEV_EVENT_EOF);
}

static void frame_truncated_is_error(void **state) {
  (void)state;
  raw_peer("\0\3abc\0\7de", BEV_EVENT_ERROR); /* 7 announced, 2 came */
}

/* ---- backpressure ---------------------------------------------------------------------------- */

#define TOTAL (2000u * FRAME_MAX) /* whole frames */
#define LOW_HIGH 4096             /* write high watermark of the layer below */
#define READ_HIGH 10000           /* read high watermark of the receiving filter */

static size_t max_below;

static void watch_below(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (void)info;
  (void)arg;
  if (evbuffer_get_length(buf) > max_below) max_below = evbuffer_get_length(buf);
}

static void resume_reader(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  /* Paused: the layer below is at its mark (the pair moves nothing to a
   * partner that does not read), all the rest waits above it. */
  assert_true(max_below <= LOW_HIGH);
  assert_true(evbuffer_get_length(bufferevent_get_output(side[0].bev)) >= TOTAL - LOW_HIGH);
  assert_int_equal(evbuffer_get_length(side[1].got), 0);
  bufferevent_enable(side[1].bev, EV_READ);
}

static void frame_backpressure(void **state) {
  static unsigned char data[TOTAL];
  struct bufferevent *low[2];
  struct event *t;
  struct timeval tv = {0, 100000};
  (void)state;
  rig_frames(0, low);
  max_below = 0;
  bufferevent_setwatermark(low[0], EV_WRITE, 0, LOW_HIGH);
  evbuffer_add_cb(bufferevent_get_output(low[0]), watch_below, NULL);
  side_init(&side[0], frame_new(low[0]));
  side_init(&side[1], frame_new(low[1]));
  bufferevent_disable(side[1].bev, EV_READ); /* the reader starts paused */
  bufferevent_setwatermark(side[1].bev, EV_READ, 0, READ_HIGH);
  fill(data, sizeof(data), 3);
  /* Whole frames only: BEV_NORMAL moves it all, under the watermark (a
   * flush would not be bounded by it, as in libevent). */
  bufferevent_write(side[0].bev, data, sizeof(data));
  stop_at = sizeof(data);
  t = evtimer_new(base, resume_reader, NULL);
  evtimer_add(t, &tv);
  run_bounded(20);
  event_free(t);
  assert_got(&side[1], data, sizeof(data));
  assert_true(max_below <= LOW_HIGH);
  assert_true(side[1].max_in <= READ_HIGH);
  assert_true(side[0].writes > 0); /* the writer heard its output drain */
  rig_free();
}

/* ---- a handshake ------------------------------------------------------------------------------
 */

/* The handshake reads below though the user disabled reading (it writes),
 * the user's bytes wait for it, and the handshake's own bytes never reach
 * the user. */
static void hello_handshake_reads_for_itself(void **state) {
  struct bufferevent *low[2];
  struct hello *h[2];
  (void)state;
  rig_frames(0, low);
  for (int i = 0; i < 2; i++) {
    side_init(&side[i], hello_new(low[i]));
    bufferevent_disable(side[i].bev, EV_READ);
    h[i] = (struct hello *)bev_filter_of_(side[i].bev, &hello_xform);
    assert_non_null(h[i]);
  }
  bufferevent_write(side[0].bev, "data", 4);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(side[0].bev)), 4);
  for (int i = 0; i < 100 && !(h[0]->done && h[1]->done); i++)
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
  assert_true(h[0]->done && h[1]->done);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(side[0].bev)), 0);
  assert_int_equal(evbuffer_get_length(side[1].got), 0); /* reading is off */
  bufferevent_enable(side[1].bev, EV_READ);
  step_until_got(4);
  assert_got(&side[1], (const unsigned char *)"data", 4);
  rig_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frame_round_trip_pair),
      cmocka_unit_test(frame_round_trip_sockets),
      cmocka_unit_test(frame_flush_modes),
      cmocka_unit_test(frame_eof_from_below),
      cmocka_unit_test(frame_truncated_is_error),
      cmocka_unit_test(frame_backpressure),
      cmocka_unit_test(hello_handshake_reads_for_itself),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
