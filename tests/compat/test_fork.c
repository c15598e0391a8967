/* SPDX-License-Identifier: MIT */
/* A child after fork() may delete and free what it inherited, with or without
 * event_reinit, after closing every inherited descriptor (closefrom), as tmux
 * does before exec: it must exit normally, restore the application's signal
 * handlers, and leave the parent's events working.  After event_reinit the
 * child's base works, signals included.  Libevent API only: built against
 * uvbev and libevent.  Unix only: Windows has no fork. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/util.h>

#include "compat-util.h"
#include "sig-util.h"
#include "skip-all.h"

#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>

/* Exit codes of the child: 0, or which check failed. */
enum { CHILD_OK = 0, CHILD_REINIT = 10, CHILD_DEL, CHILD_HANDLER, CHILD_SIGNAL, CHILD_ADD };

/* closefrom(3): what tmux does in a child before exec. */
static void close_inherited_fds(void) {
  long max = sysconf(_SC_OPEN_MAX);
  int fd;
  if (max < 0 || max > 65536) max = 65536;
  for (fd = 3; fd < max; fd++)
    close(fd);
}

static void count_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  ++*(int *)arg;
}

/* What a parent has when it forks: signal events (one with the application's
 * handler saved under it), an fd event, a timer, a reading bufferevent. */
struct world {
  struct event_base *base;
  evutil_socket_t sv[2], bsv[2];
  struct event *sig_usr1, *sig_usr2, *rd, *timer;
  struct bufferevent *bev;
  int usr1_calls, usr2_calls, rd_calls;
};

static void world_init(struct world *w) {
  struct timeval hour = {3600, 0};
  memset(w, 0, sizeof(*w));
  cu_set_disposition(SIGUSR1, cu_app_handler);
  cu_set_disposition(SIGUSR2, SIG_DFL);
  cu_app_handler_calls = 0;
  w->base = event_base_new();
  assert_non_null(w->base);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, w->sv), 0);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, w->bsv), 0);
  w->sig_usr1 = evsignal_new(w->base, SIGUSR1, count_cb, &w->usr1_calls);
  w->sig_usr2 = evsignal_new(w->base, SIGUSR2, count_cb, &w->usr2_calls);
  w->rd = event_new(w->base, w->sv[1], EV_READ, count_cb, &w->rd_calls);
  w->timer = evtimer_new(w->base, count_cb, NULL);
  assert_int_equal(evsignal_add(w->sig_usr1, NULL), 0);
  assert_int_equal(evsignal_add(w->sig_usr2, NULL), 0);
  assert_int_equal(event_add(w->rd, NULL), 0);
  assert_int_equal(evtimer_add(w->timer, &hour), 0);
  w->bev = bufferevent_socket_new(w->base, w->bsv[0], BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(w->bev);
  assert_int_equal(bufferevent_enable(w->bev, EV_READ | EV_WRITE), 0);
}

/* The child's teardown: deletes and frees everything it inherited.  Returns
 * a CHILD_* code. */
static int child_teardown(struct world *w) {
  if (signal_del(w->sig_usr1) != 0 || evsignal_del(w->sig_usr2) != 0) return CHILD_DEL;
  if (cu_current_handler(SIGUSR1) != cu_app_handler) return CHILD_HANDLER;
  if (cu_current_handler(SIGUSR2) != SIG_DFL) return CHILD_HANDLER;
  if (event_del(w->rd) != 0) return CHILD_DEL;
  event_free(w->sig_usr1);
  event_free(w->sig_usr2);
  event_free(w->rd);
  event_free(w->timer); /* still added */
  bufferevent_free(w->bev);
  event_base_free(w->base);
  return CHILD_OK;
}

/* Forks; the child runs child_main(w) and exits with its result (exit, not
 * _exit: under LeakSanitizer a leak in the child fails its exit status). */
static int run_child(struct world *w, int (*child_main)(struct world *)) {
  int status = -1;
  pid_t pid;
  fflush(NULL); /* or the child writes the parent's buffered output again */
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) exit(child_main(w));
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status)); /* not killed by SIGABRT */
  return WEXITSTATUS(status);
}

/* After the child is gone, the parent's fd event and signal event fire. */
static void parent_still_works(struct world *w) {
  struct event *safety;
  assert_int_equal(send(w->sv[0], "x", 1, 0), 1);
  raise(SIGUSR2);
  safety = cu_safety_timeout(w->base, 5000);
  while (w->rd_calls == 0 || w->usr2_calls == 0) {
    if (event_base_loop(w->base, EVLOOP_ONCE) != 0) break;
  }
  event_free(safety);
  assert_int_equal(w->rd_calls, 1);
  assert_int_equal(w->usr2_calls, 1);
  assert_int_equal(cu_app_handler_calls, 0);
}

static void world_free(struct world *w) {
  event_free(w->sig_usr1);
  event_free(w->sig_usr2);
  event_free(w->rd);
  event_free(w->timer);
  bufferevent_free(w->bev);
  event_base_free(w->base);
  evutil_closesocket(w->sv[0]);
  evutil_closesocket(w->sv[1]);
  evutil_closesocket(w->bsv[1]);
  cu_set_disposition(SIGUSR1, SIG_DFL);
}

static int child_closefrom_then_free(struct world *w) {
  close_inherited_fds();
  return child_teardown(w);
}

static void child_frees_after_closing_fds_without_reinit(void **state) {
  struct world w;
  (void)state;
  world_init(&w);
  assert_int_equal(run_child(&w, child_closefrom_then_free), CHILD_OK);
  parent_still_works(&w);
  world_free(&w);
}

static int child_free_keeping_fds(struct world *w) {
  return child_teardown(w);
}

/* Without closefrom the child's descriptors still name the parent's epoll set
 * and sockets; libevent's event_del reaches them (epoll_ctl), so what the
 * parent keeps is checked only against uvbev (tests/unit/test_fork_parent.c). */
static void child_frees_without_reinit(void **state) {
  struct world w;
  (void)state;
  world_init(&w);
  assert_int_equal(run_child(&w, child_free_keeping_fds), CHILD_OK);
  world_free(&w);
}

/* closefrom, then event_reinit: the fd event and the bufferevent watch
 * descriptors that are gone, so they are removed before event_reinit (libevent
 * fails event_reinit otherwise); the signal events and the timer are deleted
 * after it. */
static int child_closefrom_reinit_then_free(struct world *w) {
  close_inherited_fds();
  event_free(w->rd);
  w->rd = NULL;
  bufferevent_free(w->bev);
  w->bev = NULL;
  if (event_reinit(w->base) != 0) return CHILD_REINIT;
  if (signal_del(w->sig_usr1) != 0 || signal_del(w->sig_usr2) != 0) return CHILD_DEL;
  if (cu_current_handler(SIGUSR1) != cu_app_handler) return CHILD_HANDLER;
  if (cu_current_handler(SIGUSR2) != SIG_DFL) return CHILD_HANDLER;
  event_free(w->sig_usr1);
  event_free(w->sig_usr2);
  event_free(w->timer);
  event_base_free(w->base);
  return CHILD_OK;
}

static void child_frees_after_closing_fds_and_reinit(void **state) {
  struct world w;
  (void)state;
  world_init(&w);
  assert_int_equal(run_child(&w, child_closefrom_reinit_then_free), CHILD_OK);
  parent_still_works(&w);
  world_free(&w);
}

/* As tmux's server: the child deletes the parent's signal events, calls
 * event_reinit, then adds its own events for the same signals and waits for
 * them, and for an inherited event still added. */
static int child_reinit_then_signals(struct world *w) {
  int calls = 0, timeouts = 0, i;
  struct timeval five_s = {5, 0};
  struct event *again, *bound;
  if (signal_del(w->sig_usr1) != 0) return CHILD_DEL;
  if (event_reinit(w->base) != 0) return CHILD_REINIT;
  again = evsignal_new(w->base, SIGUSR1, count_cb, &calls);
  if (!again || evsignal_add(again, NULL) != 0) return CHILD_ADD;
  raise(SIGUSR1);
  raise(SIGUSR2); /* inherited event, still added */
  /* a lost signal ends the wait */
  bound = evtimer_new(w->base, count_cb, &timeouts);
  evtimer_add(bound, &five_s);
  for (i = 0; i < 100 && !timeouts && (calls == 0 || w->usr2_calls == 0); i++)
    event_base_loop(w->base, EVLOOP_ONCE);
  event_free(bound);
  if (calls != 1 || w->usr2_calls != 1 || cu_app_handler_calls != 0) return CHILD_SIGNAL;
  event_free(again);
  return child_teardown(w);
}

static void child_signals_work_after_reinit(void **state) {
  struct world w;
  (void)state;
  world_init(&w);
  assert_int_equal(run_child(&w, child_reinit_then_signals), CHILD_OK);
  parent_still_works(&w);
  world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(child_frees_after_closing_fds_without_reinit),
      cmocka_unit_test(child_frees_without_reinit),
      cmocka_unit_test(child_frees_after_closing_fds_and_reinit),
      cmocka_unit_test(child_signals_work_after_reinit),
  };
  cu_ignore_sigpipe();
  return cmocka_run_group_tests_name("compat_fork (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}

#else /* _WIN32 */

int main(void) {
  return cu_skip_all("compat_fork (" COMPAT_IMPL_NAME ")", "Windows has no fork()");
}

#endif
