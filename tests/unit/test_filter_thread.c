/* SPDX-License-Identifier: MIT */
/* A threadsafe filter stack: a filter over a pair, both BEV_OPT_THREADSAFE
 * (one lock for the stack: the filter shares the pair's), written from
 * another thread while the loop runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <uv.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>

#define MESSAGES 2000
#define MSG_LEN 100

struct tctx {
  struct event_base *base;
  struct bufferevent *pair[2], *top;
  size_t received;
};

static void writer(void *arg) {
  struct tctx *c = arg;
  char msg[MSG_LEN];
  memset(msg, 'w', sizeof(msg));
  for (int i = 0; i < MESSAGES; i++)
    bufferevent_write(c->top, msg, sizeof(msg));
}

static void reader(struct bufferevent *bev, void *arg) {
  struct tctx *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  c->received += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  if (c->received >= (size_t)MESSAGES * MSG_LEN) event_base_loopbreak(c->base);
}

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void filter_written_from_another_thread(void **state) {
  struct tctx c;
  uv_thread_t t;
  struct timeval tv = {10, 0};
  struct event *ev;
  (void)state;
  memset(&c, 0, sizeof(c));
  assert_int_equal(evthread_use_pthreads(), 0);
  c.base = event_base_new();
  assert_int_equal(bufferevent_pair_new(c.base, BEV_OPT_THREADSAFE, c.pair), 0);
  c.top = bufferevent_filter_new(c.pair[0], NULL, NULL, BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE,
                                 NULL, NULL);
  assert_non_null(c.top);
  bufferevent_setcb(c.pair[1], reader, NULL, NULL, &c);
  bufferevent_enable(c.pair[1], EV_READ);
  ev = evtimer_new(c.base, safety, NULL);
  evtimer_add(ev, &tv);
  assert_int_equal(uv_thread_create(&t, writer, &c), 0);
  event_base_dispatch(c.base);
  uv_thread_join(&t);
  assert_int_equal(c.received, (size_t)MESSAGES * MSG_LEN);
  event_free(ev);
  bufferevent_free(c.top);
  bufferevent_free(c.pair[1]);
  event_base_free(c.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(filter_written_from_another_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
