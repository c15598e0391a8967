/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include "compat-util.h"

void cu_ignore_sigpipe(void) {
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
}

static void on_safety_timeout(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  fail_msg("safety timeout: the test did not finish in %d ms", *(int *)arg);
}

struct event *cu_safety_timeout(struct event_base *base, int ms) {
  static int last_ms;
  struct timeval tv;
  struct event *ev;
  last_ms = ms;
  ev = evtimer_new(base, on_safety_timeout, &last_ms);
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  if (ev) evtimer_add(ev, &tv);
  return ev;
}

long cu_now_ms(void) {
  struct timeval tv;
  evutil_gettimeofday(&tv, NULL);
  return (long)tv.tv_sec * 1000 + (long)(tv.tv_usec / 1000);
}

void cu_assert_contents(struct evbuffer *buf, const char *expect) {
  size_t n = strlen(expect);
  char *tmp = malloc(n + 16);
  assert_non_null(tmp);
  assert_int_equal(evbuffer_get_length(buf), n);
  assert_int_equal(evbuffer_copyout(buf, tmp, n + 16), (ev_ssize_t)n);
  assert_memory_equal(tmp, expect, n);
  free(tmp);
}

void cu_dispatch_bounded(struct event_base *base, int ms) {
  struct event *safety = cu_safety_timeout(base, ms);
  event_base_dispatch(base);
  event_free(safety);
}
