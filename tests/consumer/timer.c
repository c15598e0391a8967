/* SPDX-License-Identifier: MIT */
/* Consumer test program: the libevent API through uvbev's installed headers.
 * Adds a 10 ms timer, runs the loop until it is empty, and checks that the
 * timer fired exactly once.  Exit status 0 on success. */
#include <event2/event.h>

#include <stdio.h>

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  int *fired = arg;
  (void)fd;
  if (what & EV_TIMEOUT) ++*fired;
}

int main(void) {
  struct timeval ten_ms = {0, 10 * 1000};
  struct event_base *base;
  struct event *timer;
  int fired = 0;
  int rc;

  base = event_base_new();
  if (base == NULL) {
    fprintf(stderr, "timer: event_base_new failed\n");
    return 1;
  }
  timer = evtimer_new(base, on_timer, &fired);
  if (timer == NULL || evtimer_add(timer, &ten_ms) != 0) {
    fprintf(stderr, "timer: evtimer_new/evtimer_add failed\n");
    return 1;
  }
  rc = event_base_dispatch(base);
  event_free(timer);
  event_base_free(base);

  printf("timer: fired %d time(s), dispatch returned %d, %s %s\n", fired, rc, event_get_version(),
         fired == 1 && rc == 1 ? "ok" : "FAILED");
  return fired == 1 && rc == 1 ? 0 : 1;
}
