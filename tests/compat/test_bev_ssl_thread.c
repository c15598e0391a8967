/* SPDX-License-Identifier: MIT */
/* TLS bufferevents with BEV_OPT_THREADSAFE, libevent API only (with
 * libevent_pthreads or Windows threads for the oracle): another thread writes to a TLS client,
 * the server echoes, and every byte comes back in order.  Covers the lock a
 * TLS layer shares with its underlying. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>


#include <event2/thread.h>

#include "ssl_fixture.h"
#include "thread-util.h"

#define THR_CHUNK 4096
#define THR_CHUNKS 256

struct thr {
  struct event_base *base;
  struct sf_side client, server;
};

static void thr_client_read(struct bufferevent *bev, void *arg) {
  struct thr *t = arg;
  sf_take(&t->client, bufferevent_get_input(bev), (size_t)-1);
  if (t->client.got >= (size_t)THR_CHUNK * THR_CHUNKS) event_base_loopexit(t->base, NULL);
}

static void thr_echo(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}

static void thr_event(struct bufferevent *bev, short what, void *arg) {
  struct thr *t = arg;
  sf_on_event(bev, what, bev == t->client.bev ? &t->client : &t->server);
}

static void write_from_thread(void *arg) {
  struct thr *t = arg;
  struct evbuffer *chunk = evbuffer_new();
  for (int i = 0; i < THR_CHUNKS; i++) {
    sf_add_pattern(chunk, (size_t)i * THR_CHUNK, THR_CHUNK);
    bufferevent_write_buffer(t->client.bev, chunk);
  }
  evbuffer_free(chunk);
}

static void ssl_threadsafe_writes_from_another_thread_echo(void **state) {
  struct thr t;
  SSL_CTX *cctx = sch_client_ctx(0), *sctx = sch_server_ctx(0);
  struct event *safety;
  struct tu_thread *th;
  (void)state;
  memset(&t, 0, sizeof(t));
  cu_ignore_sigpipe();
  assert_int_equal(tu_use_threads(), 0);
  t.base = event_base_new();
  assert_non_null(t.base);
  t.client.stop_on_event = t.server.stop_on_event = 1;
  assert_int_equal(
      sf_make_pair(t.base, SF_FILTER, cctx, sctx, BEV_OPT_THREADSAFE, &t.client.bev, &t.server.bev),
      0);
  bufferevent_setcb(t.client.bev, thr_client_read, NULL, thr_event, &t);
  bufferevent_setcb(t.server.bev, thr_echo, NULL, thr_event, &t);
  bufferevent_enable(t.client.bev, EV_READ | EV_WRITE);
  bufferevent_enable(t.server.bev, EV_READ | EV_WRITE);
  safety = cu_safety_timeout(t.base, 20000);
  th = tu_thread_start(write_from_thread, &t);
  assert_non_null(th);
  event_base_dispatch(t.base);
  tu_thread_join(th);
  event_free(safety);
  assert_int_equal(t.client.got, (size_t)THR_CHUNK * THR_CHUNKS);
  assert_int_equal(t.client.bad_bytes, 0);
  assert_int_equal(t.client.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF), 0);
  assert_int_equal(t.client.connected, 1);
  bufferevent_free(t.client.bev);
  bufferevent_free(t.server.bev);
  event_base_free(t.base);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ssl_threadsafe_writes_from_another_thread_echo),
  };
  return cmocka_run_group_tests_name("bev_ssl_thread (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
