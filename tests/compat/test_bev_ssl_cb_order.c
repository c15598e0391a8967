/* SPDX-License-Identifier: MIT */
/* The order of every callback of a TLS bufferevent through a handshake, on
 * the client and the server, socket and filter flavour, with and without
 * BEV_OPT_DEFER_CALLBACKS (nghttp2's examples use it): as libevent,
 *   - no write callback before BEV_EVENT_CONNECTED (the handshake's bytes
 *     draining are not the user's);
 *   - after it, a write callback only when the user's own data drained:
 *     one per write that drains, none for a side that wrote nothing.
 * Each callback appends a letter to its side's log: C connected, W write,
 * R read, E any other event.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_fixture.h"

enum order_script {
  WRITE_BEFORE_HANDSHAKE, /* the client writes right after creation */
  WRITE_ON_CONNECTED,     /* the client writes in its CONNECTED callback */
  NOBODY_WRITES           /* both only handshake */
};

struct order_ctx;

struct order_side {
  char log[32];
  size_t n;
  struct order_ctx *c;
};

struct order_ctx {
  struct sf_fixture f;
  struct order_side client, server;
  enum order_script script;
  int done; /* the client read the echo */
};

static void order_note(struct order_side *s, char what) {
  if (s->n + 1 < sizeof(s->log)) s->log[s->n++] = what;
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct order_side *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  order_note(s, 'R');
  if (evbuffer_get_length(in) >= 5) {
    evbuffer_drain(in, evbuffer_get_length(in));
    s->c->done = 1;
    /* one loop round more: a stray write callback would show */
    event_base_loopexit(s->c->f.base, &(struct timeval){0, 100000});
  }
}

static void server_read(struct bufferevent *bev, void *arg) {
  order_note(arg, 'R');
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev)); /* echo */
}

static void on_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  order_note(arg, 'W');
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct order_side *s = arg;
  struct order_ctx *c = s->c;
  order_note(s, (what & BEV_EVENT_CONNECTED) ? 'C' : 'E');
  if ((what & BEV_EVENT_CONNECTED) && s == &c->client && c->script == WRITE_ON_CONNECTED)
    bufferevent_write(bev, "hello", 5);
  if (c->script == NOBODY_WRITES && strchr(c->client.log, 'C') && strchr(c->server.log, 'C'))
    event_base_loopexit(c->f.base, NULL);
}

/* The server's log is want_server, or (when not NULL) also_server. */
static void run_order(enum sf_flavour flavour, int options, enum order_script script,
                      const char *want_client, const char *want_server, const char *also_server) {
  struct order_ctx c;
  struct bufferevent *client = NULL, *server = NULL; /* set by sf_make_pair */
  memset(&c, 0, sizeof(c));
  c.script = script;
  sf_fixture_init(&c.f, 10000);
  assert_int_equal(sf_make_pair(c.f.base, flavour, c.f.cctx, c.f.sctx, options, &client, &server),
                   0);
  c.f.client.bev = client;
  c.f.server.bev = server;
  c.client.c = c.server.c = &c;
  bufferevent_setcb(client, client_read, on_write, on_event, &c.client);
  bufferevent_setcb(server, server_read, on_write, on_event, &c.server);
  bufferevent_enable(client, EV_READ | EV_WRITE);
  bufferevent_enable(server, EV_READ | EV_WRITE);
  if (script == WRITE_BEFORE_HANDSHAKE) bufferevent_write(client, "hello", 5);
  event_base_dispatch(c.f.base);
  assert_string_equal(c.client.log, want_client);
  if (!also_server || strcmp(c.server.log, also_server) != 0)
    assert_string_equal(c.server.log, want_server);
  sf_fixture_free(&c.f);
}

/* One test per flavour and callback mode; each runs the three scripts.
 * Data the client wrote before (or as soon as) the handshake completed may
 * reach the server with the
 * handshake's last flight: libevent's filter flavour without deferred
 * callbacks then runs the server's read callback before CONNECTED (uvbev
 * reports CONNECTED first); the write callbacks are the same either way. */
static void run_scripts(enum sf_flavour flavour, int options) {
  int early_read_ok = flavour == SF_FILTER && !(options & BEV_OPT_DEFER_CALLBACKS);
  run_order(flavour, options, WRITE_BEFORE_HANDSHAKE, "CWR", "CRW", early_read_ok ? "RCW" : NULL);
  run_order(flavour, options, WRITE_ON_CONNECTED, "CWR", "CRW", early_read_ok ? "RCW" : NULL);
  run_order(flavour, options, NOBODY_WRITES, "C", "C", NULL);
}

static void socket_flavour_callback_order(void **state) {
  (void)state;
  run_scripts(SF_SOCKET, 0);
}

static void socket_flavour_deferred_callback_order(void **state) {
  (void)state;
  run_scripts(SF_SOCKET, BEV_OPT_DEFER_CALLBACKS);
}

static void filter_flavour_callback_order(void **state) {
  (void)state;
  run_scripts(SF_FILTER, 0);
}

static void filter_flavour_deferred_callback_order(void **state) {
  (void)state;
  run_scripts(SF_FILTER, BEV_OPT_DEFER_CALLBACKS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socket_flavour_callback_order),
      cmocka_unit_test(socket_flavour_deferred_callback_order),
      cmocka_unit_test(filter_flavour_callback_order),
      cmocka_unit_test(filter_flavour_deferred_callback_order),
  };
  return cmocka_run_group_tests_name("bev_ssl_cb_order(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
