/* SPDX-License-Identifier: MIT */
/* uvbev-only pair behaviour: freeing a side gives the partner EOF (libevent
 * 2.1 gives nothing), bad arguments, and the shared lock of a threadsafe pair
 * outliving both sides whatever the order they are freed in. */
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

struct free_ctx {
  struct event_base *base;
  short what;
  size_t input_at_eof;
};

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct free_ctx *c = arg;
  c->what |= what;
  c->input_at_eof = evbuffer_get_length(bufferevent_get_input(bev));
  event_base_loopbreak(c->base);
}

static void safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout");
}

static void pair_free_gives_partner_eof_after_sent_bytes(void **state) {
  struct free_ctx c;
  struct bufferevent *pair[2];
  struct timeval tv = {5, 0};
  struct event *t;
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  assert_int_equal(bufferevent_pair_new(c.base, 0, pair), 0);
  bufferevent_setcb(pair[1], NULL, NULL, on_event, &c);
  bufferevent_enable(pair[1], EV_READ);
  bufferevent_write(pair[0], "bye", 3);
  bufferevent_free(pair[0]);
  t = evtimer_new(c.base, safety, NULL);
  evtimer_add(t, &tv);
  event_base_dispatch(c.base);
  assert_int_equal(c.what, BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(c.input_at_eof, 3);
  assert_null(bufferevent_pair_get_partner(pair[1]));
  event_free(t);
  bufferevent_free(pair[1]);
  event_base_free(c.base);
}

static void pair_bad_arguments_fail(void **state) {
  struct bufferevent *pair[2];
  struct event_base *base = event_base_new();
  (void)state;
  assert_int_equal(bufferevent_pair_new(NULL, 0, pair), -1);
  assert_int_equal(bufferevent_pair_new(base, 0, NULL), -1);
  assert_null(bufferevent_pair_get_partner(NULL));
  event_base_free(base);
}

static void pair_threadsafe_lock_outlives_either_order(void **state) {
  struct event_base *base;
  struct bufferevent *pair[2];
  (void)state;
  assert_int_equal(evthread_use_pthreads(), 0);
  base = event_base_new();
  for (int order = 0; order < 2; order++) {
    assert_int_equal(bufferevent_pair_new(base, BEV_OPT_THREADSAFE, pair), 0);
    bufferevent_enable(pair[1 - order], EV_READ);
    bufferevent_write(pair[order], "abc", 3);
    bufferevent_lock(pair[1]);
    bufferevent_unlock(pair[1]);
    bufferevent_free(pair[order]);
    event_base_loop(base, EVLOOP_NONBLOCK);
    bufferevent_lock(pair[1 - order]);
    bufferevent_write(pair[1 - order], "def", 3);
    bufferevent_unlock(pair[1 - order]);
    bufferevent_free(pair[1 - order]);
    event_base_loop(base, EVLOOP_NONBLOCK);
  }
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pair_free_gives_partner_eof_after_sent_bytes),
      cmocka_unit_test(pair_bad_arguments_fail),
      cmocka_unit_test(pair_threadsafe_lock_outlives_either_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
