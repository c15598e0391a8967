/* SPDX-License-Identifier: MIT */
/* Rate limits and TLS, libevent API only (built against uvbev and
 * libevent): a limit on the socket bufferevent below a TLS filter bounds
 * what the TLS layer moves, as the bytes on the wire are what it counts; a
 * limit on a TLS bufferevent itself counts its plaintext. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_fixture.h"

#define RUN_MS 2000
#define TICK_MS 100
#define RATE 40000 /* bytes per second on the wire */
/* What the client writes in all: well over what the limit lets through in
 * RUN_MS, and bounded, since libevent's TLS layer moves everything written
 * into the socket's output at once, whatever the socket's limit. */
#define TOTAL (1024 * 1024)

struct rl_tls {
  struct sf_fixture f;
  size_t sent, at_deadline;
};

static void refill(struct bufferevent *bev, void *arg) {
  struct rl_tls *c = arg;
  struct evbuffer *out = bufferevent_get_output(bev);
  if (evbuffer_get_length(out) < 65536 && c->sent < TOTAL) {
    sf_add_pattern(out, c->sent, 65536);
    c->sent += 65536;
  }
}

static void take(struct bufferevent *bev, void *arg) {
  struct rl_tls *c = arg;
  sf_take(&c->f.server, bufferevent_get_input(bev), (size_t)-1);
}

static void on_client_event(struct bufferevent *bev, short what, void *arg) {
  sf_on_event(bev, what, &((struct rl_tls *)arg)->f.client);
}

static void on_server_event(struct bufferevent *bev, short what, void *arg) {
  sf_on_event(bev, what, &((struct rl_tls *)arg)->f.server);
}

static void note_deadline(evutil_socket_t fd, short what, void *arg) {
  struct rl_tls *c = arg;
  (void)fd;
  (void)what;
  c->at_deadline = c->f.server.got;
  event_base_loopbreak(c->f.base);
}

/* Runs the client's writes for RUN_MS with cfg on `limited` (the client or
 * the socket below it); returns the plaintext the server received. */
static size_t run_limited(struct rl_tls *c, enum sf_flavour flavour, int below) {
  struct timeval run = {RUN_MS / 1000, (RUN_MS % 1000) * 1000};
  struct timeval tick = {0, TICK_MS * 1000};
  size_t per_tick = RATE * TICK_MS / 1000;
  struct ev_token_bucket_cfg *cfg =
      ev_token_bucket_cfg_new(per_tick, per_tick * 4, per_tick, per_tick * 4, &tick);
  struct event *deadline;
  struct bufferevent *limited;
  memset(c, 0, sizeof(*c));
  sf_fixture_init(&c->f, RUN_MS + 8000);
  assert_non_null(cfg);
  assert_int_equal(sf_make_pair(c->f.base, flavour, c->f.cctx, c->f.sctx, 0, &c->f.client.bev,
                                &c->f.server.bev),
                   0);
  limited = below ? bufferevent_get_underlying(c->f.client.bev) : c->f.client.bev;
  assert_int_equal(bufferevent_set_rate_limit(limited, cfg), 0);
  bufferevent_setcb(c->f.client.bev, NULL, refill, on_client_event, c);
  bufferevent_setcb(c->f.server.bev, take, NULL, on_server_event, c);
  bufferevent_enable(c->f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c->f.server.bev, EV_READ | EV_WRITE);
  refill(c->f.client.bev, c);
  deadline = evtimer_new(c->f.base, note_deadline, c);
  evtimer_add(deadline, &run);
  event_base_dispatch(c->f.base);
  assert_int_equal(c->f.server.bad_bytes, 0);
  assert_false(c->f.client.events & BEV_EVENT_ERROR);
  event_free(deadline);
  bufferevent_free(c->f.client.bev);
  bufferevent_free(c->f.server.bev);
  c->f.client.bev = c->f.server.bev = NULL;
  event_base_loop(c->f.base, EVLOOP_NONBLOCK); /* libevent finalizes freed bufferevents here */
  sf_fixture_free(&c->f);
  ev_token_bucket_cfg_free(cfg);
  return c->at_deadline;
}

/* The budget RUN_MS of the limit allows: a bucket starts with one tick. */
static double budget(void) {
  return (double)RATE * RUN_MS / 1000.0 + (double)RATE * TICK_MS / 1000.0;
}

static void socket_limit_bounds_tls_above(void **state) {
  struct rl_tls c;
  size_t got;
  (void)state;
  got = run_limited(&c, SF_FILTER, 1);
  print_message("TLS plaintext through a %d B/s socket: %lu bytes in %d ms (wire budget %.0f)\n",
                RATE, (unsigned long)got, RUN_MS, budget());
  /* At most the wire budget less the handshake and record headers (an
   * unlimited socket moves megabytes here).  At least half of it: plaintext
   * arrives in whole 16 KiB records, and libevent's TLS layer writes the
   * next record only once the socket drained the last, so it idles part of
   * some ticks (libevent 2.1: 65536 bytes, uvbev: 81920). */
  assert_true((double)got <= budget());
  assert_true((double)got >= budget() * 0.5);
}

/* A limit on the TLS bufferevent counts the plaintext it writes.  Limits
 * are best effort: one write may overshoot the bucket (which then goes
 * negative), by up to a 16 KiB record in libevent (98256 bytes here). */
static void tls_limit_counts_plaintext(void **state) {
  struct rl_tls c;
  size_t got;
  (void)state;
  got = run_limited(&c, SF_SOCKET, 0);
  print_message("TLS plaintext limited to %d B/s: %lu bytes in %d ms (budget %.0f)\n", RATE,
                (unsigned long)got, RUN_MS, budget());
  assert_true((double)got <= budget() + 16384);
  assert_true((double)got >= budget() * 0.85);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_limit_bounds_tls_above),
      cmocka_unit_test(tls_limit_counts_plaintext),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
