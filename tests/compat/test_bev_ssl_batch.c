/* SPDX-License-Identifier: MIT */
/* Small writes made together leave together: ten bufferevent_write calls in
 * one callback of a TLS socket-flavour bufferevent become one TLS record, as
 * in libevent (which SSL_writes the output when the socket is writable), not
 * one record per call (each costs a record header and OpenSSL's per-call
 * work: nghttp2's server writes several frames per request).  Records are
 * counted with OpenSSL's message callback.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_fixture.h"

static int records_sent; /* application-data records the client wrote */
static int counting;

static void count_records(int write_p, int version, int content_type, const void *buf, size_t len,
                          SSL *ssl, void *arg) {
  const unsigned char *hdr = buf;
  (void)version, (void)ssl, (void)arg;
  /* a record header: type 23 is application data (TLS 1.3 wraps everything
   * after the handshake in it) */
  if (counting && write_p && content_type == SSL3_RT_HEADER && len >= 1 && hdr[0] == 23)
    records_sent++;
}

struct batch_ctx {
  struct sf_fixture f;
  size_t got;
};

static void client_connected(struct bufferevent *bev, short what, void *arg) {
  int i;
  (void)arg;
  if (!(what & BEV_EVENT_CONNECTED)) return;
  counting = 1;
  for (i = 0; i < 10; i++)
    bufferevent_write(bev, "0123456789", 10);
}

static void server_read(struct bufferevent *bev, void *arg) {
  struct batch_ctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  c->got += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (c->got >= 100) event_base_loopexit(c->f.base, NULL);
}

static void writes_in_one_callback_leave_in_one_record(void **state) {
  struct batch_ctx c;
  (void)state;
  memset(&c, 0, sizeof(c));
  records_sent = counting = 0;
  sf_fixture_init(&c.f, 10000);
  SSL_CTX_set_msg_callback(c.f.cctx, count_records);
  assert_int_equal(
      sf_make_pair(c.f.base, SF_SOCKET, c.f.cctx, c.f.sctx, 0, &c.f.client.bev, &c.f.server.bev),
      0);
  bufferevent_setcb(c.f.client.bev, NULL, NULL, client_connected, &c);
  bufferevent_setcb(c.f.server.bev, server_read, NULL, NULL, &c);
  bufferevent_enable(c.f.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(c.f.server.bev, EV_READ | EV_WRITE);
  event_base_dispatch(c.f.base);
  assert_int_equal(c.got, 100);
  assert_int_equal(records_sent, 1);
  sf_fixture_free(&c.f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(writes_in_one_callback_leave_in_one_record),
  };
  return cmocka_run_group_tests_name("bev_ssl_batch(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
