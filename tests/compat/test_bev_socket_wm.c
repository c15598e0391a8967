/* SPDX-License-Identifier: MIT */
/* Socket bufferevents: watermarks and timeouts.  libevent API only.
 * A writer bufferevent on one end of a loopback TCP pair feeds a reader on
 * the other end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"
#include "sock-util.h"

#define TRANSFER (256 * 1024)

struct wm_ctx {
  struct event_base *base;
  struct bufferevent *reader;
  struct bufferevent *writer;
  size_t low, high;
  size_t received;
  size_t min_seen, max_seen;
  int reads;
  int bad_writecb; /* write callback saw output above the low watermark */
  int writecbs;
  int events;
  short what;
  int hold;      /* readcb leaves the input alone */
  size_t expect; /* bytes the reader waits for */
  short enabled_after;
};

static void setup(struct wm_ctx *c) {
  evutil_socket_t sv[2];
  memset(c, 0, sizeof(*c));
  cu_ignore_sigpipe();
  c->base = event_base_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  c->reader = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  c->writer = bufferevent_socket_new(c->base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  c->min_seen = (size_t)-1;
  c->expect = TRANSFER;
}

static void teardown(struct wm_ctx *c) {
  if (c->reader) bufferevent_free(c->reader);
  if (c->writer) bufferevent_free(c->writer);
  event_base_free(c->base);
}

static void write_pattern(struct bufferevent *bev, size_t n) {
  unsigned char *buf = malloc(n);
  su_fill_pattern(buf, n, 0);
  bufferevent_write(bev, buf, n);
  free(buf);
}

static void drain_and_measure(struct bufferevent *bev, void *arg) {
  struct wm_ctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  c->reads++;
  if (n < c->min_seen) c->min_seen = n;
  if (n > c->max_seen) c->max_seen = n;
  if (c->hold) return;
  c->received += n;
  evbuffer_drain(in, n);
  if (c->received >= c->expect) event_base_loopexit(c->base, NULL);
}

static void every_read_callback_sees_between_low_and_high(void **state) {
  struct wm_ctx c;
  (void)state;
  setup(&c);
  bufferevent_setwatermark(c.reader, EV_READ, 100, 1000);
  bufferevent_setcb(c.reader, drain_and_measure, NULL, NULL, &c);
  bufferevent_enable(c.reader, EV_READ);
  write_pattern(c.writer, TRANSFER); /* a multiple of 100: no tail below low */
  cu_dispatch_bounded(c.base, 20000);
  assert_int_equal(c.received, TRANSFER);
  assert_true(c.min_seen >= 100);
  assert_true(c.max_seen <= 1000);
  assert_true(c.reads >= TRANSFER / 1000);
  teardown(&c);
}

static void release_hold(evutil_socket_t fd, short what, void *arg) {
  struct wm_ctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(c->reader);
  (void)fd;
  (void)what;
  c->hold = 0;
  c->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in)); /* below high: reading resumes */
}

static void read_high_watermark_suspends_and_resumes(void **state) {
  struct wm_ctx c;
  struct event *later;
  struct timeval tv = {0, 200000};
  (void)state;
  setup(&c);
  c.hold = 1;
  bufferevent_setwatermark(c.reader, EV_READ, 0, 4096);
  bufferevent_setcb(c.reader, drain_and_measure, NULL, NULL, &c);
  bufferevent_enable(c.reader, EV_READ);
  write_pattern(c.writer, TRANSFER);
  later = evtimer_new(c.base, release_hold, &c);
  evtimer_add(later, &tv);
  cu_dispatch_bounded(c.base, 20000);
  assert_int_equal(c.received, TRANSFER);
  assert_true(c.max_seen <= 4096);
  event_free(later);
  teardown(&c);
}

static void check_low_on_write(struct bufferevent *bev, void *arg) {
  struct wm_ctx *c = arg;
  c->writecbs++;
  if (evbuffer_get_length(bufferevent_get_output(bev)) > c->low) c->bad_writecb++;
  if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) event_base_loopexit(c->base, NULL);
}

static void write_callback_runs_at_or_below_the_write_low_watermark(void **state) {
  struct wm_ctx c;
  (void)state;
  setup(&c);
  c.low = 64 * 1024;
  c.expect = 4 * TRANSFER;
  bufferevent_setwatermark(c.writer, EV_WRITE, c.low, 0);
  bufferevent_setcb(c.writer, NULL, check_low_on_write, NULL, &c);
  bufferevent_setcb(c.reader, drain_and_measure, NULL, NULL, &c);
  bufferevent_enable(c.reader, EV_READ);
  write_pattern(c.writer, 4 * TRANSFER);
  cu_dispatch_bounded(c.base, 20000);
  assert_true(c.writecbs >= 1);
  assert_int_equal(c.bad_writecb, 0);
  teardown(&c);
}

static void record_event(struct bufferevent *bev, short what, void *arg) {
  struct wm_ctx *c = arg;
  c->events++;
  c->what = what;
  c->enabled_after = bufferevent_get_enabled(bev);
}

static void stop_loop(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopexit(arg, NULL);
}

static void run_for(struct event_base *base, int ms) {
  struct event *stop = evtimer_new(base, stop_loop, base);
  struct timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  evtimer_add(stop, &tv);
  cu_dispatch_bounded(base, ms + 5000);
  event_free(stop);
}

static void read_timeout_fires_once_and_disables_reading(void **state) {
  struct wm_ctx c;
  struct timeval rt = {0, 100000};
  (void)state;
  setup(&c);
  bufferevent_setcb(c.reader, drain_and_measure, NULL, record_event, &c);
  bufferevent_enable(c.reader, EV_READ);
  bufferevent_set_timeouts(c.reader, &rt, NULL);
  run_for(c.base, 500);
  assert_int_equal(c.events, 1);
  assert_int_equal(c.what, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
  assert_int_equal(c.enabled_after & EV_READ, 0);
  teardown(&c);
}

/* The peer never reads: the output stalls once the socket buffers are full. */
static void write_timeout_fires_once_and_disables_writing(void **state) {
  struct wm_ctx c;
  struct timeval wt = {0, 200000};
  (void)state;
  setup(&c);
  bufferevent_setcb(c.writer, NULL, NULL, record_event, &c);
  bufferevent_set_timeouts(c.writer, NULL, &wt);
  write_pattern(c.writer, 32 * 1024 * 1024);
  run_for(c.base, 1500);
  assert_int_equal(c.events, 1);
  assert_int_equal(c.what, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
  assert_int_equal(c.enabled_after & EV_WRITE, 0);
  teardown(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_read_callback_sees_between_low_and_high),
      cmocka_unit_test(read_high_watermark_suspends_and_resumes),
      cmocka_unit_test(write_callback_runs_at_or_below_the_write_low_watermark),
      cmocka_unit_test(read_timeout_fires_once_and_disables_reading),
      cmocka_unit_test(write_timeout_fires_once_and_disables_writing),
  };
  return cmocka_run_group_tests_name("bev_socket_wm(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
