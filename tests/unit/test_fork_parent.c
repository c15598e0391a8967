/* SPDX-License-Identifier: MIT */
/* uvbev-only fork guarantee, stronger than libevent's: a child that frees
 * what it inherited without event_reinit and without closing its inherited
 * descriptors does not reach the parent's epoll set or signal machinery, so
 * the parent's fd, bufferevent and signal events keep working.  (libevent's
 * event_del in such a child deletes the parent's epoll registrations.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "skip-all.h"

#ifndef _WIN32
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  ++*(int *)arg;
}

static void count_read_cb(struct bufferevent *bev, void *arg) {
  ++*(int *)arg;
  evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
}

static void parent_events_survive_child_teardown(void **state) {
  struct event_base *base = event_base_new();
  evutil_socket_t sv[2], bsv[2];
  int rd_calls = 0, sig_calls = 0, bev_reads = 0, timeouts = 0, status = -1, i;
  struct timeval five_s = {5, 0};
  struct event *rd, *sig, *safety;
  struct bufferevent *bev;
  pid_t pid;
  (void)state;
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, bsv), 0);
  rd = event_new(base, sv[1], EV_READ | EV_PERSIST, count_cb, &rd_calls);
  sig = evsignal_new(base, SIGUSR2, count_cb, &sig_calls);
  bev = bufferevent_socket_new(base, bsv[0], 0);
  bufferevent_setcb(bev, count_read_cb, NULL, NULL, &bev_reads);
  bufferevent_enable(bev, EV_READ);
  assert_int_equal(event_add(rd, NULL), 0);
  assert_int_equal(evsignal_add(sig, NULL), 0);
  event_base_loop(base, EVLOOP_NONBLOCK); /* the parent's epoll set is live */
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    event_free(rd);
    event_free(sig);
    bufferevent_free(bev);
    event_base_free(base);
    _exit(0);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(send(sv[0], "x", 1, 0), 1);
  assert_int_equal(send(bsv[1], "y", 1, 0), 1);
  raise(SIGUSR2);
  safety = evtimer_new(base, count_cb, &timeouts); /* bounds a lost watch */
  evtimer_add(safety, &five_s);
  for (i = 0; i < 100 && !timeouts && (rd_calls == 0 || sig_calls == 0 || bev_reads == 0); i++)
    event_base_loop(base, EVLOOP_ONCE);
  event_free(safety);
  assert_int_equal(timeouts, 0);
  assert_int_equal(rd_calls, 1);
  assert_int_equal(sig_calls, 1);
  assert_int_equal(bev_reads, 1);
  event_free(rd);
  event_free(sig);
  bufferevent_free(bev);
  event_base_free(base);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  evutil_closesocket(bsv[0]);
  evutil_closesocket(bsv[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parent_events_survive_child_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* _WIN32 */

int main(void) {
  return cu_skip_all("unit_fork_parent", "Windows has no fork()");
}

#endif
