/* SPDX-License-Identifier: MIT */
/* Fuzz target: arbitrary bytes from the network into a TLS filter over a
 * pair, either accepting (the bytes play a client) or connecting (they play
 * the server).  Whatever they are, the filter must end with an event (an
 * error, or EOF) once the peer half-closes, and never crash or leak. */
#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "fuzz_input.h"
#include "ssl_cert_helper.h"

struct result {
  size_t data;
  int events;
};

static void on_read(struct bufferevent *bev, void *arg) {
  struct result *r = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  r->data += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct result *r = arg;
  on_read(bev, arg);
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) r->events++;
}

/* What the filter sends (its handshake) goes nowhere. */
static void discard(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  (void)arg;
  evbuffer_drain(in, evbuffer_get_length(in));
}

/* Contexts live for the whole process (made once: key generation is slow). */
static SSL_CTX *context(int accepting) {
  static SSL_CTX *ctx[2];
  if (!ctx[accepting]) ctx[accepting] = accepting ? sch_server_ctx(0) : sch_client_ctx(0);
  FUZZ_CHECK(ctx[accepting] != NULL);
  return ctx[accepting];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_input in = {data, size};
  unsigned sel = fi_byte(&in);
  int accepting = sel & 1;
  size_t chunk = fi_byte(&in) * 29 + 1, k;
  struct event_base *base = event_base_new();
  struct bufferevent *pair[2], *tls;
  struct result r = {0, 0};
  SSL *ssl;
  FUZZ_CHECK(base != NULL);
  ssl = SSL_new(context(accepting));
  FUZZ_CHECK(ssl != NULL);
  FUZZ_CHECK(bufferevent_pair_new(base, 0, pair) == 0);
  tls = bufferevent_openssl_filter_new(
      base, pair[1], ssl, accepting ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING,
      BEV_OPT_CLOSE_ON_FREE);
  FUZZ_CHECK(tls != NULL);
  bufferevent_setcb(tls, on_read, NULL, on_event, &r);
  bufferevent_enable(tls, EV_READ | EV_WRITE);
  bufferevent_setcb(pair[0], discard, NULL, NULL, NULL);
  bufferevent_enable(pair[0], EV_READ);
  if (sel & 2) bufferevent_write(tls, "hello", 5); /* queued behind the handshake */
  event_base_loop(base, EVLOOP_NONBLOCK);

  while (in.left > 0) {
    const uint8_t *p = fi_take(&in, chunk, &k);
    bufferevent_write(pair[0], p, k);
    event_base_loop(base, EVLOOP_NONBLOCK);
  }
  bufferevent_flush(pair[0], EV_WRITE, BEV_FINISHED);
  for (k = 0; k < 4 && r.events == 0; k++)
    event_base_loop(base, EVLOOP_NONBLOCK);
  FUZZ_CHECK(r.events > 0 || r.data > 0);

  bufferevent_free(tls);
  bufferevent_free(pair[0]);
  event_base_free(base);
  return 0;
}
