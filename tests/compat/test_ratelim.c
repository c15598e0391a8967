/* SPDX-License-Identifier: MIT */
/* Rate limiting of socket bufferevents: token buckets per bufferevent and
 * groups.  libevent API only (runs against libevent 2.1 too).
 *
 * Rates are measured over RUN_MS of a loopback transfer: a bucket starts
 * with one tick's rate and gains one per tick, so the bytes moved after T
 * seconds are about rate * T + one tick's rate; the tests allow 15%. */
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

#define RUN_MS 2000
#define TICK_MS 100
#define RATE 40000 /* bytes per second */
#define MEMBERS 5

struct flow {
  struct bufferevent *src, *dst;
  size_t sent, received;
  size_t total; /* the writer stops refilling at this */
  size_t at_deadline; /* received when RUN_MS ended */
};

struct rl_ctx {
  struct event_base *base;
  struct flow flows[MEMBERS];
  int nflows;
};

static unsigned char chunk[16384];

static void refill(struct bufferevent *bev, void *arg) {
  struct flow *f = arg;
  while (f->sent < f->total && evbuffer_get_length(bufferevent_get_output(bev)) < 65536) {
    size_t n = f->total - f->sent < sizeof(chunk) ? f->total - f->sent : sizeof(chunk);
    su_fill_pattern(chunk, n, f->sent);
    bufferevent_write(bev, chunk, n);
    f->sent += n;
  }
}

static void drain(struct bufferevent *bev, void *arg) {
  struct flow *f = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  unsigned char *p = evbuffer_pullup(in, -1);
  assert_true(n == 0 || su_check_pattern(p, n, f->received));
  f->received += n;
  evbuffer_drain(in, n);
}

static void flow_open(struct rl_ctx *c, struct flow *f, size_t total) {
  evutil_socket_t sv[2];
  memset(f, 0, sizeof(*f));
  assert_int_equal(cu_tcp_pair(sv), 0);
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  f->total = total;
  f->src = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  f->dst = bufferevent_socket_new(c->base, sv[1], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(f->src);
  assert_non_null(f->dst);
  bufferevent_setcb(f->src, NULL, refill, NULL, f);
  bufferevent_setcb(f->dst, drain, NULL, NULL, f);
  bufferevent_enable(f->src, EV_WRITE);
  bufferevent_enable(f->dst, EV_READ);
}

static void setup(struct rl_ctx *c, int nflows, size_t total) {
  int i;
  memset(c, 0, sizeof(*c));
  cu_ignore_sigpipe();
  c->base = event_base_new();
  assert_non_null(c->base);
  c->nflows = nflows;
  for (i = 0; i < nflows; i++)
    flow_open(c, &c->flows[i], total);
}

/* Members first (libevent requires a group empty when freed, and takes a
 * freed member out of its group only when the loop finalizes it), then the
 * groups (their tick timer is an event of the base), then the base. */
static void teardown_groups(struct rl_ctx *c, struct bufferevent_rate_limit_group *g1,
                            struct bufferevent_rate_limit_group *g2) {
  int i;
  for (i = 0; i < c->nflows; i++) {
    if (c->flows[i].src) bufferevent_free(c->flows[i].src);
    if (c->flows[i].dst) bufferevent_free(c->flows[i].dst);
  }
  event_base_loop(c->base, EVLOOP_NONBLOCK);
  if (g1) bufferevent_rate_limit_group_free(g1);
  if (g2) bufferevent_rate_limit_group_free(g2);
  event_base_free(c->base);
}

static void teardown(struct rl_ctx *c) {
  teardown_groups(c, NULL, NULL);
}

static void note_deadline(evutil_socket_t fd, short what, void *arg) {
  struct rl_ctx *c = arg;
  int i;
  (void)fd;
  (void)what;
  for (i = 0; i < c->nflows; i++)
    c->flows[i].at_deadline = c->flows[i].received;
  event_base_loopbreak(c->base);
}

/* Runs the transfers for RUN_MS, starting their writes. */
static void run_for_deadline(struct rl_ctx *c) {
  struct timeval tv = {RUN_MS / 1000, (RUN_MS % 1000) * 1000};
  struct event *deadline = evtimer_new(c->base, note_deadline, c);
  int i;
  for (i = 0; i < c->nflows; i++)
    refill(c->flows[i].src, &c->flows[i]);
  evtimer_add(deadline, &tv);
  cu_dispatch_bounded(c->base, RUN_MS + 3000);
  event_free(deadline);
}

static struct ev_token_bucket_cfg *cfg_per_second(size_t rate) {
  struct timeval tick = {0, TICK_MS * 1000};
  size_t per_tick = rate * TICK_MS / 1000;
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(per_tick, per_tick * 4, per_tick,
                                                            per_tick * 4, &tick);
  assert_non_null(cfg);
  return cfg;
}

static void assert_rate(size_t bytes, size_t rate) {
  double expect = (double)rate * RUN_MS / 1000.0 + (double)rate * TICK_MS / 1000.0;
  print_message("moved %lu bytes in %d ms, expected about %.0f\n", (unsigned long)bytes, RUN_MS,
                expect);
  assert_true((double)bytes >= expect * 0.85);
  assert_true((double)bytes <= expect * 1.15);
}

/* ---- configurations --------------------------------------------------------- */

static void cfg_new_rejects_bad_rates(void **state) {
  struct timeval tick = {0, 250000};
  struct ev_token_bucket_cfg *cfg;
  (void)state;
  assert_null(ev_token_bucket_cfg_new(0, 100, 100, 100, &tick));
  assert_null(ev_token_bucket_cfg_new(100, 100, 0, 100, &tick));
  assert_null(ev_token_bucket_cfg_new(200, 100, 100, 100, &tick));
  assert_null(ev_token_bucket_cfg_new(100, 100, 200, 100, &tick));
  assert_null(ev_token_bucket_cfg_new(100, (size_t)EV_RATE_LIMIT_MAX + 1, 100, 100, &tick));
  assert_null(ev_token_bucket_cfg_new((size_t)-1, (size_t)-1, 100, 100, &tick)); /* "negative" */
  cfg = ev_token_bucket_cfg_new(100, 100, 100, 100, NULL); /* one-second tick */
  assert_non_null(cfg);
  ev_token_bucket_cfg_free(cfg);
}

/* ---- one bufferevent ---------------------------------------------------------- */

/* A limit on one end of a flow: the bytes that arrive in RUN_MS follow the
 * rate, and the end stays enabled (a bucket that runs dry suspends its
 * direction, it does not disable it). */
static void limit_one_end(int on_reader) {
  struct rl_ctx c;
  struct ev_token_bucket_cfg *cfg = cfg_per_second(RATE);
  struct bufferevent *end;
  setup(&c, 1, 64u << 20);
  end = on_reader ? c.flows[0].dst : c.flows[0].src;
  assert_int_equal(bufferevent_set_rate_limit(end, cfg), 0);
  run_for_deadline(&c);
  assert_rate(c.flows[0].at_deadline, RATE);
  assert_true(bufferevent_get_enabled(end) & (on_reader ? EV_READ : EV_WRITE));
  teardown(&c);
  ev_token_bucket_cfg_free(cfg);
}

static void write_limit_holds_rate(void **state) {
  (void)state;
  limit_one_end(0);
}

static void read_limit_holds_rate(void **state) {
  (void)state;
  limit_one_end(1);
}

static void unlimit_mid_stream(evutil_socket_t fd, short what, void *arg) {
  struct flow *f = arg;
  (void)fd;
  (void)what;
  assert_int_equal(bufferevent_set_rate_limit(f->src, NULL), 0);
  assert_null(bufferevent_get_token_bucket_cfg(f->src));
}

static void stop_when_all_received(struct bufferevent *bev, void *arg) {
  struct flow *f = arg;
  drain(bev, arg);
  if (f->received == f->total) event_base_loopbreak(bufferevent_get_base(bev));
}

/* 8 MiB at 40 kB/s would take minutes; the limit goes after 300 ms and the
 * rest flows at once, intact. */
static void removing_limit_mid_stream_resumes_full_speed(void **state) {
  struct rl_ctx c;
  struct ev_token_bucket_cfg *cfg = cfg_per_second(RATE);
  struct timeval at = {0, 300000};
  struct event *ev;
  (void)state;
  setup(&c, 1, 8u << 20);
  bufferevent_setcb(c.flows[0].dst, stop_when_all_received, NULL, NULL, &c.flows[0]);
  assert_int_equal(bufferevent_set_rate_limit(c.flows[0].src, cfg), 0);
  assert_ptr_equal(bufferevent_get_token_bucket_cfg(c.flows[0].src), cfg);
  ev = evtimer_new(c.base, unlimit_mid_stream, &c.flows[0]);
  evtimer_add(ev, &at);
  refill(c.flows[0].src, &c.flows[0]);
  cu_dispatch_bounded(c.base, 10000);
  assert_int_equal(c.flows[0].received, c.flows[0].total);
  event_free(ev);
  teardown(&c);
  ev_token_bucket_cfg_free(cfg);
}

/* A tick of an hour: the bucket does not refill while the test looks. */
static struct ev_token_bucket_cfg *cfg_hour(size_t rate, size_t burst) {
  struct timeval hour = {3600, 0};
  struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(rate, burst, rate, burst, &hour);
  assert_non_null(cfg);
  return cfg;
}

static void limits_follow_decrements(void **state) {
  struct rl_ctx c;
  struct bufferevent *bev;
  struct ev_token_bucket_cfg *cfg = cfg_hour(1000, 4000);
  (void)state;
  setup(&c, 1, 0);
  bev = c.flows[0].src;
  assert_int_equal(bufferevent_get_read_limit(bev), EV_SSIZE_MAX);
  assert_int_equal(bufferevent_get_write_limit(bev), EV_SSIZE_MAX);
  assert_int_equal(bufferevent_set_max_single_read(bev, 10000), 0);
  assert_int_equal(bufferevent_set_max_single_write(bev, 10000), 0);
  assert_int_equal(bufferevent_get_max_to_read(bev), 10000);
  assert_int_equal(bufferevent_set_rate_limit(bev, cfg), 0);
  assert_int_equal(bufferevent_get_read_limit(bev), 1000); /* starts at one tick's rate */
  assert_int_equal(bufferevent_get_write_limit(bev), 1000);
  assert_int_equal(bufferevent_decrement_read_limit(bev, 300), 0);
  assert_int_equal(bufferevent_get_read_limit(bev), 700);
  assert_int_equal(bufferevent_get_max_to_read(bev), 700);
  assert_int_equal(bufferevent_decrement_read_limit(bev, 800), 0);
  assert_int_equal(bufferevent_get_read_limit(bev), -100);
  assert_int_equal(bufferevent_get_max_to_read(bev), 0);
  assert_int_equal(bufferevent_decrement_read_limit(bev, -6000), 0);
  assert_int_equal(bufferevent_get_read_limit(bev), 5900); /* manual refill passes the burst */
  assert_int_equal(bufferevent_get_max_to_read(bev), 5900);
  assert_int_equal(bufferevent_decrement_write_limit(bev, 1000), 0);
  assert_int_equal(bufferevent_get_write_limit(bev), 0);
  assert_int_equal(bufferevent_get_max_to_write(bev), 0);
  assert_int_equal(bufferevent_get_read_limit(bev), 5900); /* directions are separate */
  assert_int_equal(bufferevent_set_rate_limit(bev, NULL), 0);
  assert_int_equal(bufferevent_get_read_limit(bev), EV_SSIZE_MAX);
  assert_int_equal(bufferevent_get_max_to_write(bev), 10000); /* max_single_write again */
  teardown(&c);
  ev_token_bucket_cfg_free(cfg);
}

/* ---- groups ------------------------------------------------------------------- */

static void group_of_five_shares_rate(void **state) {
  struct rl_ctx c;
  struct ev_token_bucket_cfg *cfg = cfg_per_second(RATE);
  struct bufferevent_rate_limit_group *g;
  ev_uint64_t total_read = 0, total_written = 0;
  size_t sum = 0;
  int i;
  (void)state;
  setup(&c, MEMBERS, 64u << 20);
  g = bufferevent_rate_limit_group_new(c.base, cfg);
  assert_non_null(g);
  assert_int_equal(bufferevent_rate_limit_group_set_min_share(g, 1000), 0);
  for (i = 0; i < MEMBERS; i++)
    assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[i].src, g), 0);
  run_for_deadline(&c);
  for (i = 0; i < MEMBERS; i++) {
    print_message("member %d: %lu bytes\n", i, (unsigned long)c.flows[i].at_deadline);
    sum += c.flows[i].at_deadline;
  }
  assert_rate(sum, RATE);
  /* no member starves: each gets at least half of an even share */
  for (i = 0; i < MEMBERS; i++)
    assert_true(c.flows[i].at_deadline * MEMBERS * 2 >= sum);
  bufferevent_rate_limit_group_get_totals(g, &total_read, &total_written);
  assert_int_equal(total_read, 0); /* the members only write */
  assert_true(total_written >= sum);
  bufferevent_rate_limit_group_reset_totals(g);
  bufferevent_rate_limit_group_get_totals(g, &total_read, &total_written);
  assert_int_equal(total_written, 0);
  teardown_groups(&c, g, NULL);
  ev_token_bucket_cfg_free(cfg);
}

static void group_limits_follow_decrements(void **state) {
  struct rl_ctx c;
  struct ev_token_bucket_cfg *cfg = cfg_hour(1000, 4000);
  struct bufferevent_rate_limit_group *g;
  (void)state;
  setup(&c, 1, 0);
  g = bufferevent_rate_limit_group_new(c.base, cfg);
  assert_non_null(g);
  assert_int_equal(bufferevent_rate_limit_group_get_read_limit(g), 1000);
  assert_int_equal(bufferevent_rate_limit_group_get_write_limit(g), 1000);
  assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[0].src, g), 0);
  assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[0].src, g), 0); /* again: no-op */
  assert_int_equal(bufferevent_rate_limit_group_decrement_read(g, 400), 0);
  assert_int_equal(bufferevent_rate_limit_group_get_read_limit(g), 600);
  /* one member: its share is the whole group's level */
  assert_int_equal(bufferevent_get_max_to_read(c.flows[0].src), 600);
  assert_int_equal(bufferevent_rate_limit_group_decrement_write(g, 1000), 0);
  assert_int_equal(bufferevent_rate_limit_group_get_write_limit(g), 0);
  assert_int_equal(bufferevent_get_max_to_write(c.flows[0].src), 0);
  /* the bufferevent's own limits are untouched by the group's */
  assert_int_equal(bufferevent_get_read_limit(c.flows[0].src), EV_SSIZE_MAX);
  assert_int_equal(bufferevent_remove_from_rate_limit_group(c.flows[0].src), 0);
  assert_true(bufferevent_get_max_to_write(c.flows[0].src) > 0);
  assert_int_equal(bufferevent_remove_from_rate_limit_group(c.flows[0].src), 0); /* not in one */
  teardown_groups(&c, g, NULL);
  ev_token_bucket_cfg_free(cfg);
}

/* Moving a member to another group takes it out of the first. */
static void member_moves_between_groups(void **state) {
  struct rl_ctx c;
  struct ev_token_bucket_cfg *cfg = cfg_hour(1000, 4000);
  struct bufferevent_rate_limit_group *g1, *g2;
  (void)state;
  setup(&c, 1, 0);
  g1 = bufferevent_rate_limit_group_new(c.base, cfg);
  g2 = bufferevent_rate_limit_group_new(c.base, cfg);
  assert_int_equal(bufferevent_rate_limit_group_decrement_write(g1, 1000), 0); /* g1 empty */
  assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[0].src, g1), 0);
  assert_int_equal(bufferevent_get_max_to_write(c.flows[0].src), 0);
  assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[0].src, g2), 0);
  assert_int_equal(bufferevent_get_max_to_write(c.flows[0].src), 1000);
  teardown_groups(&c, g1, g2);
  ev_token_bucket_cfg_free(cfg);
}

/* A member freed mid-transfer leaves the group; the others go on. */
static void free_member(evutil_socket_t fd, short what, void *arg) {
  struct flow *f = arg;
  (void)fd;
  (void)what;
  bufferevent_free(f->src);
  f->src = NULL;
}

static void freeing_a_member_keeps_group_working(void **state) {
  struct rl_ctx c;
  struct ev_token_bucket_cfg *cfg = cfg_per_second(RATE);
  struct bufferevent_rate_limit_group *g;
  struct timeval at = {0, 500000};
  struct event *ev;
  size_t before;
  (void)state;
  setup(&c, 2, 64u << 20);
  g = bufferevent_rate_limit_group_new(c.base, cfg);
  assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[0].src, g), 0);
  assert_int_equal(bufferevent_add_to_rate_limit_group(c.flows[1].src, g), 0);
  ev = evtimer_new(c.base, free_member, &c.flows[0]);
  evtimer_add(ev, &at);
  run_for_deadline(&c);
  before = c.flows[0].at_deadline;
  print_message("member freed at 500 ms: %lu bytes, survivor: %lu bytes\n",
                (unsigned long)before, (unsigned long)c.flows[1].at_deadline);
  /* the survivor had the group to itself for 1.5 s */
  assert_true(c.flows[1].at_deadline > before);
  assert_rate(c.flows[0].at_deadline + c.flows[1].at_deadline, RATE);
  event_free(ev);
  teardown_groups(&c, g, NULL);
  ev_token_bucket_cfg_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cfg_new_rejects_bad_rates),
      cmocka_unit_test(write_limit_holds_rate),
      cmocka_unit_test(read_limit_holds_rate),
      cmocka_unit_test(removing_limit_mid_stream_resumes_full_speed),
      cmocka_unit_test(limits_follow_decrements),
      cmocka_unit_test(group_of_five_shares_rate),
      cmocka_unit_test(group_limits_follow_decrements),
      cmocka_unit_test(member_moves_between_groups),
      cmocka_unit_test(freeing_a_member_keeps_group_working),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
