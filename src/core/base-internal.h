/* SPDX-License-Identifier: MIT */
/* struct event_base, shared by event_base.c, base_call.c, event.c,
 * deferred.c, signal.c and fork.c only.
 * Every other module goes through event-internal.h.
 *
 * Life cycle of the base's own libuv handles: check (drain point, unref'd,
 * always started), idle (ref'd, started only while active events or deferred
 * callbacks are queued, so the loop neither blocks nor ends then), async
 * (wake-ups from other threads, unref'd; ref'd while a loop runs with
 * EVLOOP_NO_EXIT_ON_EMPTY, so that it waits for them).  event_base_free
 * closes them and runs the loop until base->nclosing drops to 0. */
#ifndef UVBEV_BASE_INTERNAL_H_
#define UVBEV_BASE_INTERNAL_H_

#include <uv.h>
#include "event2/event.h"
#include "event2/event_struct.h"
#include "platform-internal.h"
#include "event-internal.h"
#include "list-internal.h"
#include "evbuffer-uv-internal.h"

struct uvbev_active_queue {
  struct event *head;
  struct event *tail;
};

#define UVBEV_TV_CACHE_OFF 0
#define UVBEV_TV_CACHE_WANTED 1
#define UVBEV_TV_CACHE_FILLED 2

struct event_base {
  uv_loop_t *loop;
  uv_loop_t own_loop;
  int owns_loop;
  void *lock;
  const char *method; /* event_base_get_method's answer */

  uv_check_t check;
  uv_idle_t idle;
  uv_async_t async;
  int nclosing; /* uvbev handles whose close callback has not run yet */

  int npriorities;
  struct uvbev_active_queue *activeq;
  int nactive;
  int nadded;
  int max_active, max_added;

  struct uvbev_list deferred;
  struct uvbev_list children;
  struct uvbev_list events; /* every event added (event.c's blocks), oldest first */
  struct uvbev_list fd_watches;
  struct uvbev_list once_events;
  /* Calls made on other threads that wait for the loop thread to run them
   * (uvbev_base_call_); the mutex, condition and calls_lock exist on
   * thread-aware bases.  calls_lock makes the threads that touch the loop
   * while nobody runs it take turns (see base_call.c); it is taken before
   * any bufferevent's lock and before the base's lock, never under them. */
  struct uvbev_list calls;
  uv_mutex_t calls_mutex;
  uv_cond_t calls_cond;
  void *calls_lock;
  int calls_ready;
  /* The loop the thread running this one was inside before (base_call.c). */
  struct event_base *outer_loop;

  int running;  /* inside event_base_loop */
  int in_drain; /* inside base_drain */
  int got_exit;
  int got_break;
  /* A loopbreak the loop thread knows of, during event_base_loop: read and
   * written by the loop thread only, so it costs no lock to test. */
  int break_seen;
  int exit_at_drain; /* loopexit(NULL) pending */
  int freeing;
  unsigned long loop_thread; /* the creator, then the last thread to run it */
  unsigned long ncallbacks;
  struct event *current_event;

  /* Empty read chunks the loop's connections pass between messages. */
  struct evbuffer_uv_cache read_cache;

  int no_cache_time;
  /* The time event_base_gettimeofday_cached answers while callbacks run:
   * UVBEV_TV_CACHE_OFF outside them, _WANTED inside them until the first
   * caller asks (then read once, _FILLED): a loop iteration whose callbacks
   * never ask reads no clock. */
  int tv_cache_state;
  struct timeval tv_cache;

  /* Signals (signal.c): the signal events added, per signal number, and the
   * signals caught for this base that the async callback has not
   * dispatched yet (written by the signal handler). */
  int nsignals;
  int waits_when_empty; /* an EVLOOP_NO_EXIT_ON_EMPTY loop runs */
  int nquiet_watches;   /* fd watches with events added, none polled (event.c) */
  int sig_count[UVBEV_NSIG];
  volatile sig_atomic_t sig_caught[UVBEV_NSIG];
  volatile sig_atomic_t sig_any;

  /* Fork (fork.c): the process whose libuv state the loop is; handles
   * closed in another process (a child after fork, before event_reinit),
   * which must not reach libuv there; the next base kept after a child freed
   * it. */
  long pid;
  struct uvbev_list orphans;
  struct event_base *parked_next;
  struct uvbev_common_timeouts *common_timeouts; /* allocated on first use */
};

/* Starts the idle handle (or wakes the loop from another thread) so that
 * queued work is drained in the next iteration. */
void uvbev_base_request_drain_(struct event_base *base);
/* Refs the base's async handle while signal events or an
 * EVLOOP_NO_EXIT_ON_EMPTY loop wait, unrefs it otherwise. */
void uvbev_base_update_async_ref_(struct event_base *base);

/* Runs the deferred callbacks queued when it starts (deferred.c). */
void uvbev_deferred_drain_(struct event_base *base);
/* Non-zero when deferred callbacks are queued (call with the lock held). */
int uvbev_deferred_pending_(struct event_base *base);

/* Runs active events in priority order until none is left or loopbreak
 * (event.c). */
void uvbev_events_run_active_(struct event_base *base);
/* Unlinks every active event (event_base_free). */
void uvbev_events_clear_active_(struct event_base *base);
/* Frees the event_base_once events never run (event_base_free). */
void uvbev_events_free_once_(struct event_base *base);

/* Called by a closing uvbev handle's close callback. */
void uvbev_base_handle_closed_(struct event_base *base);

/* ---- calls from other threads (base_call.c) -------------------------------- */

/* Creates the call queue, and its mutex and condition on a thread-aware base. */
void uvbev_base_calls_init_(struct event_base *base);
/* Destroys the mutex and condition (event_base_free). */
void uvbev_base_calls_free_(struct event_base *base);
/* On the loop thread: runs every queued call and wakes its caller. */
void uvbev_base_run_calls_(struct event_base *base);
/* event_base_loop's start and end: sets base->running once no other thread
 * is inside a call it runs itself. */
void uvbev_base_set_running_(struct event_base *base, int running);
/* Wakes the loop from any thread (uv_async_send), unless forked. */
void uvbev_base_wake_(struct event_base *base);

/* ---- signals (signal.c) --------------------------------------------------- */

/* Adds one signal event for signum on base: the first for signum in the
 * process saves its disposition and installs uvbev's handler, and base
 * becomes the one that receives signum.  Returns 0 or -1. */
int uvbev_signal_add_(struct event_base *base, int signum);
/* Removes one; the last for signum in the process puts the saved
 * disposition back. */
void uvbev_signal_del_(struct event_base *base, int signum);
/* event_base_loop: base receives every signal it has events for, as the
 * base that entered its loop last does in libevent. */
void uvbev_signals_claim_(struct event_base *base);
/* The async callback: activates the events of the signals caught. */
void uvbev_signals_dispatch_(struct event_base *base);
/* event_reinit: forgets signals caught before (they were the parent's). */
void uvbev_signals_reinit_(struct event_base *base);

/* ---- fork (fork.c) -------------------------------------------------------- */

/* Records the calling process as the owner of base's libuv state. */
void uvbev_fork_init_(struct event_base *base);
/* Non-zero in a child after fork() until event_reinit: the loop's libuv
 * state (epoll fd, async and signal descriptors) is still the parent's. */
int uvbev_base_forked_(struct event_base *base);
/* event_reinit after uv_loop_fork: the child owns the loop now; closes the
 * handles kept since the fork, for real. */
void uvbev_fork_reinit_(struct event_base *base);
/* event_base_free in a forked child: runs the kept handles' close callbacks
 * without libuv (they only free memory).  Returns the number it ran. */
int uvbev_fork_drop_orphans_(struct event_base *base);
/* event_base_free in a forked child: keeps base (and its loop, whose libuv
 * memory cannot be released without touching the parent's state) reachable
 * instead of freeing it. */
void uvbev_fork_park_(struct event_base *base);

/* The base made current by event_init() (pre-2.0 API), or NULL. */
struct event_base *uvbev_current_base_(void);

/* If tv is a common timeout of base (event_base_init_common_timeout),
 * stores the duration it stands for in *out and returns 1; else 0. */
int uvbev_common_timeout_decode_(struct event_base *base, const struct timeval *tv,
                                 struct timeval *out);
/* Frees base's common-timeout table (event_base_free). */
void uvbev_common_timeouts_free_(struct event_base *base);

/* Milliseconds for a libuv timer (rounded up). */
uint64_t uvbev_tv_to_ms_(const struct timeval *tv);

#endif
