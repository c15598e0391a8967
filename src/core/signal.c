/* SPDX-License-Identifier: MIT */
/* Signal events.
 *
 * uvbev catches signals itself instead of with uv_signal_t, which cannot give
 * libevent's semantics:
 *   - libevent gives a signal to one base, the one that added an event for it
 *     last or entered event_base_loop last with one; uv_signal_t delivers to
 *     every loop watching the signal.
 *   - libevent puts back the disposition the application had when its last
 *     event for a signal goes; libuv puts back SIG_DFL.
 *   - stopping a uv_signal_t takes libuv's process-wide lock pipe, which a
 *     child that closed its inherited descriptors after fork() no longer has:
 *     libuv aborts.
 *
 * Life of a signal number: the first signal event for it in the process saves
 * the disposition and installs on_os_signal; the last one puts the saved
 * disposition back.  The handler marks the signal caught on the base that
 * receives it and wakes that base's uv_async_t (uv_async_send is
 * async-signal-safe); the async callback activates the base's events for each
 * caught signal.  A base with signal events keeps its async handle referenced,
 * so that its loop waits for signals as libevent's does.  A handler that runs
 * in a forked child before event_reinit drops the signal: the base's async
 * descriptor is still the parent's. */
#include <errno.h>
#include <stdlib.h>

#include "base-internal.h"
#include "platform-internal.h"

struct sig_slot {
  int users; /* signal events added for this signal, all bases */
  struct uvbev_sigsave saved;
};

static uv_once_t once_ = UV_ONCE_INIT;
static uv_mutex_t mutex_;
static struct sig_slot slots_[UVBEV_NSIG];
/* The base that receives each signal; read by the handler. */
static struct event_base *volatile receiver_[UVBEV_NSIG];

static void signals_init(void) {
  if (uv_mutex_init(&mutex_) != 0) abort();
}

static void on_os_signal(int signum) {
  int saved_errno = errno;
  struct event_base *base;
  uvbev_sig_rearm_(signum, on_os_signal);
  base = signum > 0 && signum < UVBEV_NSIG ? receiver_[signum] : NULL;
  if (base && base->pid == uvbev_process_id_()) {
    base->sig_caught[signum] = 1;
    base->sig_any = 1;
    uv_async_send(&base->async);
  }
  errno = saved_errno;
}

int uvbev_signal_add_(struct event_base *base, int signum) {
  struct sig_slot *slot;
  int rc = 0;
  if (signum <= 0 || signum >= UVBEV_NSIG) return -1;
  uv_once(&once_, signals_init);
  slot = &slots_[signum];
  uv_mutex_lock(&mutex_);
  if (slot->users == 0) rc = uvbev_sig_install_(signum, on_os_signal, &slot->saved);
  if (rc == 0) {
    slot->users++;
    receiver_[signum] = base;
    base->sig_count[signum]++;
    if (base->nsignals++ == 0) uvbev_base_update_async_ref_(base);
  }
  uv_mutex_unlock(&mutex_);
  return rc;
}

void uvbev_signal_del_(struct event_base *base, int signum) {
  struct sig_slot *slot = &slots_[signum];
  uv_once(&once_, signals_init);
  uv_mutex_lock(&mutex_);
  if (--base->sig_count[signum] == 0 && receiver_[signum] == base) receiver_[signum] = NULL;
  if (--base->nsignals == 0) uvbev_base_update_async_ref_(base);
  if (--slot->users == 0) uvbev_sig_restore_(signum, &slot->saved);
  uv_mutex_unlock(&mutex_);
}

void uvbev_signals_claim_(struct event_base *base) {
  int signum;
  if (base->nsignals == 0) return;
  uv_once(&once_, signals_init);
  uv_mutex_lock(&mutex_);
  for (signum = 1; signum < UVBEV_NSIG; signum++)
    if (base->sig_count[signum] > 0) receiver_[signum] = base;
  uv_mutex_unlock(&mutex_);
}

void uvbev_signals_dispatch_(struct event_base *base) {
  int signum;
  if (!base->sig_any) return;
  base->sig_any = 0;
  for (signum = 1; signum < UVBEV_NSIG; signum++) {
    if (!base->sig_caught[signum]) continue;
    /* cleared before activating: a signal caught from now on is seen by
     * the next wake-up, not lost */
    base->sig_caught[signum] = 0;
    event_base_active_by_signal(base, signum);
  }
}

void uvbev_signals_reinit_(struct event_base *base) {
  int signum;
  base->sig_any = 0;
  for (signum = 1; signum < UVBEV_NSIG; signum++)
    base->sig_caught[signum] = 0;
}
