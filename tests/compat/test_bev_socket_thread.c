/* SPDX-License-Identifier: MIT */
/* Socket bufferevents with BEV_OPT_THREADSAFE: writes and enable from another
 * thread reach the loop.  libevent API only (with libevent_pthreads for the
 * oracle).  Threads through tests/compat/support/thread-util (pthreads or Win32). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "compat-util.h"
#include "sock-util.h"
#include "thread-util.h"

#define CHUNK 4096
#define CHUNKS 256

struct thr_ctx {
  struct event_base *base;
  struct bufferevent *writer;
  struct bufferevent *reader;
  struct evbuffer *got;
};

static void collect(struct bufferevent *bev, void *arg) {
  struct thr_ctx *c = arg;
  bufferevent_read_buffer(bev, c->got);
  if (evbuffer_get_length(c->got) >= (size_t)CHUNK * CHUNKS) event_base_loopexit(c->base, NULL);
}

static void write_from_thread(void *arg) {
  struct thr_ctx *c = arg;
  unsigned char buf[CHUNK];
  int i;
  bufferevent_enable(c->reader, EV_READ); /* enabling from here too */
  for (i = 0; i < CHUNKS; i++) {
    su_fill_pattern(buf, CHUNK, (size_t)i * CHUNK);
    bufferevent_write(c->writer, buf, CHUNK);
  }
}

static void writes_from_another_thread_reach_the_peer(void **state) {
  struct thr_ctx c;
  evutil_socket_t sv[2];
  struct event *safety;
  struct tu_thread *th;
  (void)state;
  memset(&c, 0, sizeof(c));
  cu_ignore_sigpipe();
  assert_int_equal(tu_use_threads(), 0);
  c.base = event_base_new();
  c.got = evbuffer_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  c.writer = bufferevent_socket_new(c.base, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  c.reader = bufferevent_socket_new(c.base, sv[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
  assert_non_null(c.writer);
  assert_non_null(c.reader);
  bufferevent_setcb(c.reader, collect, NULL, NULL, &c);
  safety = cu_safety_timeout(c.base, 20000);
  th = tu_thread_start(write_from_thread, &c);
  assert_non_null(th);
  event_base_dispatch(c.base);
  tu_thread_join(th);
  assert_int_equal(evbuffer_get_length(c.got), (size_t)CHUNK * CHUNKS);
  assert_true(su_check_pattern(evbuffer_pullup(c.got, -1), (size_t)CHUNK * CHUNKS, 0));
  event_free(safety);
  bufferevent_free(c.writer);
  bufferevent_free(c.reader);
  evbuffer_free(c.got);
  event_base_free(c.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(writes_from_another_thread_reach_the_peer),
  };
  return cmocka_run_group_tests_name("bev_socket_thread(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
