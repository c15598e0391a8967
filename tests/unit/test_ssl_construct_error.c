/* SPDX-License-Identifier: MIT */
/* A TLS client layer whose first flight cannot be buffered below (found by
 * tests/alloc/alloc_fail.c: the allocation under the BIO's evbuffer_add
 * failed) fails while bufferevent_openssl_filter_new() runs, before its
 * creator could set an event callback.  The error must still reach the
 * callback set right after creation; it was dropped, and the connection
 * then hung with nobody told.  Here the failure is made without failing an
 * allocation: the underlying's output is frozen at its end, so the BIO's
 * evbuffer_add returns -1.  (uvbev-only: libevent drops such an event.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_rig.h"

static void record_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  *(short *)arg |= what;
}

static void first_flight_failure_reaches_the_callback_set_after_creation(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *pair[2], *tls;
  SSL_CTX *ctx = sch_client_ctx(0);
  SSL *ssl;
  short what = 0;
  int i;
  (void)state;
  assert_non_null(base);
  assert_non_null(ctx);
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  assert_int_equal(evbuffer_freeze(bufferevent_get_output(pair[0]), 0), 0);
  ssl = SSL_new(ctx);
  assert_non_null(ssl);
  tls = bufferevent_openssl_filter_new(base, pair[0], ssl, BUFFEREVENT_SSL_CONNECTING,
                                       BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(tls); /* the failure comes as an event, as any later one */
  bufferevent_setcb(tls, NULL, NULL, record_event, &what);
  bufferevent_enable(tls, EV_READ | EV_WRITE);
  for (i = 0; i < 10 && !what; i++)
    event_base_loop(base, EVLOOP_NONBLOCK);
  assert_true(what & BEV_EVENT_ERROR);
  assert_false(what & BEV_EVENT_CONNECTED);
  bufferevent_free(tls);
  bufferevent_free(pair[1]);
  SSL_CTX_free(ctx);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(first_flight_failure_reaches_the_callback_set_after_creation),
  };
  rig_ignore_sigpipe();
  return cmocka_run_group_tests_name("ssl_construct_error", tests, NULL, NULL);
}
