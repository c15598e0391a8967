/* SPDX-License-Identifier: MIT */
/* EVLOOP_ONCE returns once a round has run callbacks, whether they are event
 * callbacks or bufferevent callbacks.  A long timer stays pending throughout:
 * a loop that waited for it instead of returning after the bufferevent's
 * callback would fire it.  Libevent API only: built against uvbev and
 * libevent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"
#include "sock-util.h"

struct once_ctx {
  int connected;
  int got;
  int timer_fired;
};

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  ((struct once_ctx *)arg)->timer_fired = 1;
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  if (what & BEV_EVENT_CONNECTED) ((struct once_ctx *)arg)->connected++;
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  ((struct once_ctx *)arg)->got += (int)evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
}

/* Runs EVLOOP_ONCE until *flag becomes non-zero, at most `rounds` times. */
static int loop_once_until(struct event_base *base, const int *flag, int rounds) {
  int i;
  for (i = 0; i < rounds && !*flag; i++)
    event_base_loop(base, EVLOOP_ONCE);
  return *flag;
}

static void loop_once_returns_after_bufferevent_callbacks(void **state) {
  struct event_base *base = event_base_new();
  struct once_ctx c = {0, 0, 0};
  struct timeval five_s = {5, 0};
  struct event *timer = evtimer_new(base, on_timer, &c);
  struct event *safety = cu_safety_timeout(base, 8000); /* a failure ends, not hangs */
  struct sockaddr_in sin;
  struct su_echo *echo;
  struct bufferevent *bev;
  int port = 0;
  (void)state;
  cu_ignore_sigpipe();
  echo = su_echo_start(base, &port);
  assert_non_null(echo);
  evtimer_add(timer, &five_s);
  bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, on_read, NULL, on_event, &c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  su_loopback_sin(&sin, port);
  assert_int_equal(bufferevent_socket_connect(bev, (struct sockaddr *)&sin, sizeof(sin)), 0);
  assert_true(loop_once_until(base, &c.connected, 50));
  bufferevent_write(bev, "ping", 4);
  assert_true(loop_once_until(base, &c.got, 50));
  assert_int_equal(c.got, 4);
  assert_int_equal(c.timer_fired, 0); /* never waited for the timer */
  bufferevent_free(bev);
  event_free(timer);
  event_free(safety);
  su_echo_free(echo);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loop_once_returns_after_bufferevent_callbacks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
