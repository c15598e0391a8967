/* SPDX-License-Identifier: MIT */
/* The event base: a libuv loop (owned or borrowed) plus the drain point that
 * runs active events and deferred callbacks once per iteration.
 *
 * One iteration of event_base_loop is one uv_run(UV_RUN_ONCE or NOWAIT):
 * libuv's timer, poll and signal callbacks only queue events as active; the
 * base's check handle (after I/O) then runs active events by priority and the
 * deferred queue.  libuv also runs callbacks after the check phase: due timers
 * (libuv 1.45 and later run timers at the end of every iteration, after the
 * check and close phases; older versions run them again at the end of a
 * UV_RUN_ONCE iteration) and close callbacks.  What they make active would
 * otherwise wait for the next iteration's check phase, behind a poll that may
 * block, so event_base_loop drains once more after every uv_run, whatever the
 * libuv version. */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "event2/event_compat.h"
#include "base-internal.h"
#include "platform-internal.h"
#include "log-internal.h"
#include "thread-internal.h"
#include "uvbev/uvbev.h"

struct event_config {
  int flags;
  int require_features;
  /* a bit per entry of uvbev_methods_(): libuv's backend, then "poll", the
   * same backend under the name of what it does for descriptors the backend
   * cannot watch (see event.h) */
  unsigned avoided;
};

/* libuv reports UV_DISCONNECT on uv_poll_t everywhere but AIX.  EV_ET: an
 * edge-triggered event runs on every edge, and also again while its
 * descriptor stays ready (libuv polls level-triggered), which a program that
 * drains until EAGAIN, as edge triggering requires, does not notice. */
#if defined(_AIX)
#define UVBEV_FEATURES (EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS)
#else
#define UVBEV_FEATURES (EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE)
#endif

static struct event_base *current_base_; /* event_init()'s base */

/* ---- drain point ---------------------------------------------------------- */

static int base_has_queued_work(struct event_base *base) {
  int queued;
  UVBEV_LOCK(base->lock);
  queued = base->nactive > 0 || uvbev_deferred_pending_(base) || base->exit_at_drain;
  UVBEV_UNLOCK(base->lock);
  return queued;
}

/* Reads a flag that other threads may write (loopbreak/loopexit). */
static int base_read_flag(struct event_base *base, const int *flag) {
  int v;
  UVBEV_LOCK(base->lock);
  v = *flag;
  UVBEV_UNLOCK(base->lock);
  return v;
}

static unsigned long base_read_flag_ul(struct event_base *base, const unsigned long *flag) {
  unsigned long v;
  UVBEV_LOCK(base->lock);
  v = *flag;
  UVBEV_UNLOCK(base->lock);
  return v;
}

static void base_set_loop_thread(struct event_base *base, unsigned long id) {
  UVBEV_LOCK(base->lock);
  base->loop_thread = id;
  UVBEV_UNLOCK(base->lock);
}

static void base_drain(struct event_base *base) {
  if (base->in_drain) return;
  base->in_drain = 1;
  base_set_loop_thread(base, uvbev_thread_id_());
  if (!base->no_cache_time) {
    UVBEV_LOCK(base->lock);
    base->tv_cache_state = UVBEV_TV_CACHE_WANTED;
    UVBEV_UNLOCK(base->lock);
  }
  uvbev_events_run_active_(base);
  uvbev_deferred_drain_(base); /* stops at once after a loopbreak */
  UVBEV_LOCK(base->lock);
  if (base->exit_at_drain) {
    base->exit_at_drain = 0;
    base->got_exit = 1;
    uv_stop(base->loop);
  }
  base->tv_cache_state = UVBEV_TV_CACHE_OFF;
  UVBEV_UNLOCK(base->lock);
  base->in_drain = 0;
  if (!base->freeing && !base_has_queued_work(base)) uv_idle_stop(&base->idle);
}

/* After every poll.  Inside event_base_loop, which named the loop thread, a
 * round with nothing queued (a read callback already ran its bufferevent's
 * callbacks) has nothing to drain: only an idle handle left started by work
 * since deleted is stopped. */
static void on_check(uv_check_t *h) {
  struct event_base *base = h->data;
  if (base->running && !base_has_queued_work(base)) {
    if (uv_is_active((uv_handle_t *)&base->idle)) uv_idle_stop(&base->idle);
    return;
  }
  base_drain(base);
}
static void on_idle(uv_idle_t *h) {
  (void)h;
}

static void on_async(uv_async_t *h) {
  struct event_base *base = h->data;
  uvbev_signals_dispatch_(base);
  if (base->running && base_read_flag(base, &base->got_break)) base->break_seen = 1;
  uvbev_base_run_calls_(base);
  if (!base->freeing && base_has_queued_work(base)) uv_idle_start(&base->idle, on_idle);
}

/* The async handle keeps uv_run polling (it is otherwise unref'd, so that a
 * base with nothing pending returns): while signal events wait for a signal,
 * while fd events wait that need no poll (event.c's quiet watches), and while
 * an EVLOOP_NO_EXIT_ON_EMPTY loop waits for other threads (libuv does not
 * poll a loop without a ref'd handle).  Decided here only, on the loop thread
 * or under the signal module's lock. */
void uvbev_base_update_async_ref_(struct event_base *base) {
  if (base->nsignals > 0 || base->nquiet_watches > 0 || base->waits_when_empty)
    uv_ref((uv_handle_t *)&base->async);
  else
    uv_unref((uv_handle_t *)&base->async);
}

/* The loop thread starts the idle handle, taking its turn with other
 * threads' direct calls before the loop runs (base_call.c); other threads
 * wake the loop. */
void uvbev_base_request_drain_(struct event_base *base) {
  /* while freeing, event_base_free drains by itself and the handles close */
  if (base->freeing) return;
  if (uvbev_base_on_loop_thread_(base)) {
    void *entered = uvbev_base_enter_(base);
    uv_idle_start(&base->idle, on_idle);
    uvbev_base_leave_(entered);
  } else {
    uvbev_base_wake_(base);
  }
}

static void on_internal_close(uv_handle_t *h) {
  uvbev_base_handle_closed_(h->data);
}

void uvbev_base_handle_closed_(struct event_base *base) {
  base->nclosing--;
}

/* ---- methods ----------------------------------------------------------------- */

/* As libevent: EVENT_NO<METHOD> (upper case) set in the environment disables
 * that method.  uv_os_getenv answers UV_ENOBUFS for a set variable whose
 * value does not fit: only presence counts. */
static int method_disabled_by_env(const char *method) {
  char name[64], value[2];
  size_t i, n = strlen("EVENT_NO"), size = sizeof(value);
  int r;
  memcpy(name, "EVENT_NO", n);
  for (i = 0; method[i] && n < sizeof(name) - 1; i++, n++)
    name[n] = (char)((method[i] >= 'a' && method[i] <= 'z') ? method[i] - 'a' + 'A' : method[i]);
  name[n] = '\0';
  r = uv_os_getenv(name, value, &size);
  return r == 0 || r == UV_ENOBUFS;
}

/* The first method that cfg does not avoid and the environment (unless
 * EVENT_BASE_FLAG_IGNORE_ENV) does not disable, or NULL. */
static const char *config_pick_method(const struct event_config *cfg) {
  const char **m = uvbev_methods_();
  int check_env = !cfg || !(cfg->flags & EVENT_BASE_FLAG_IGNORE_ENV);
  int i;
  for (i = 0; m[i]; i++) {
    if (cfg && (cfg->avoided & (1u << i))) continue;
    if (check_env && method_disabled_by_env(m[i])) continue;
    return m[i];
  }
  return NULL;
}

/* ---- creation ------------------------------------------------------------- */

static int base_init_handles(struct event_base *base) {
  uv_check_init(base->loop, &base->check);
  uv_idle_init(base->loop, &base->idle);
  if (uv_async_init(base->loop, &base->async, on_async) != 0) {
    uv_close((uv_handle_t *)&base->check, NULL);
    uv_close((uv_handle_t *)&base->idle, NULL);
    uv_run(base->loop, UV_RUN_NOWAIT);
    return -1;
  }
  base->check.data = base->idle.data = base->async.data = base;
  uv_check_start(&base->check, on_check);
  uv_unref((uv_handle_t *)&base->check);
  uv_unref((uv_handle_t *)&base->async);
  return 0;
}

static struct event_base *base_new(uv_loop_t *borrowed, const struct event_config *cfg,
                                   const char *method) {
  struct event_base *base = uvbev_calloc_(1, sizeof(*base));
  if (!base) return NULL;
  base->method = method;
  base->npriorities = 1;
  base->activeq = uvbev_calloc_(1, sizeof(*base->activeq));
  if (!base->activeq) goto fail;
  uvbev_list_init(&base->deferred);
  uvbev_list_init(&base->children);
  uvbev_list_init(&base->events);
  uvbev_list_init(&base->fd_watches);
  uvbev_list_init(&base->once_events);
  base->loop_thread = uvbev_thread_id_();
  uvbev_fork_init_(base);
  if (borrowed) {
    base->loop = borrowed;
  } else {
    if (uv_loop_init(&base->own_loop) != 0) goto fail;
    base->loop = &base->own_loop;
    base->owns_loop = 1;
  }
  if (base_init_handles(base) != 0) {
    if (base->owns_loop) uv_loop_close(base->loop);
    goto fail;
  }
  if (!cfg || !(cfg->flags & EVENT_BASE_FLAG_NOLOCK)) base->lock = uvbev_lock_new_();
  uvbev_base_calls_init_(base);
  base->no_cache_time = cfg && (cfg->flags & EVENT_BASE_FLAG_NO_CACHE_TIME);
  return base;
fail:
  uvbev_free_(base->activeq);
  uvbev_free_(base);
  return NULL;
}

struct event_base *event_base_new(void) {
  return event_base_new_with_config(NULL);
}

struct event_base *event_base_new_with_config(const struct event_config *cfg) {
  const char *method;
  if (cfg && (cfg->require_features & ~UVBEV_FEATURES)) {
    uvbev_warn_("event_base_new_with_config: libuv backend lacks required features 0x%x",
                cfg->require_features & ~UVBEV_FEATURES);
    return NULL;
  }
  method = config_pick_method(cfg);
  if (!method) {
    uvbev_warn_("event_base_new_with_config: no event mechanism available");
    return NULL;
  }
  return base_new(NULL, cfg, method);
}

struct event_base *uvbev_base_new_with_loop(uv_loop_t *loop) {
  if (!loop) return NULL;
  return base_new(loop, NULL, uvbev_backend_name_());
}

uv_loop_t *uvbev_base_get_loop(struct event_base *base) {
  return base ? base->loop : NULL;
}
uv_loop_t *uvbev_base_loop_(struct event_base *base) {
  return base->loop;
}

struct evbuffer_uv_cache *uvbev_base_read_cache_(struct event_base *base) {
  return &base->read_cache;
}

const char *uvbev_version(void) {
  return UVBEV_VERSION_STRING;
}

/* ---- destruction ---------------------------------------------------------- */

static void base_shutdown_children(struct event_base *base) {
  for (;;) {
    struct uvbev_child *c;
    UVBEV_LOCK(base->lock);
    if (uvbev_list_empty(&base->children)) {
      UVBEV_UNLOCK(base->lock);
      break;
    }
    c = UVBEV_CONTAINER_OF(base->children.next, struct uvbev_child, node);
    uvbev_list_remove(&c->node);
    UVBEV_UNLOCK(base->lock);
    c->shutdown(c);
  }
}

static void base_close_internal_handles(struct event_base *base) {
  uv_handle_t *handles[3];
  size_t i;
  handles[0] = (uv_handle_t *)&base->check;
  handles[1] = (uv_handle_t *)&base->idle;
  handles[2] = (uv_handle_t *)&base->async;
  for (i = 0; i < 3; i++) {
    base->nclosing++;
    uvbev_base_close_handle_(base, handles[i], on_internal_close);
  }
}

/* How long event_base_free waits for the thread pool's work in flight (a
 * file window being read from a slow disk) before it gives up on closing
 * the loop: the work's memory cannot be freed under it. */
#define BASE_FREE_WAIT_NS ((uint64_t)2 * 1000 * 1000 * 1000)

/* Runs the loop until every uvbev close callback ran and no deferred callback
 * is left; bounded, since a borrowed loop may stay alive forever.  Work on
 * the thread pool keeps an owned loop alive until it is back: past the
 * first spins, each one sleeps a millisecond, up to BASE_FREE_WAIT_NS (a
 * count of spins alone ran out while a window load waited for the disk,
 * and uv_loop_close then failed, leaking the loop). */
static void base_run_until_closed(struct event_base *base) {
  uint64_t deadline = uv_hrtime() + BASE_FREE_WAIT_NS;
  int spins;
  for (spins = 0;; spins++) {
    int pending;
    uvbev_deferred_drain_(base);
    base_shutdown_children(base); /* children added by close callbacks */
    UVBEV_LOCK(base->lock);
    pending = base->nclosing > 0 || uvbev_deferred_pending_(base);
    UVBEV_UNLOCK(base->lock);
    if (!pending && (!base->owns_loop || !uv_loop_alive(base->loop))) break;
    if (spins >= 1000) {
      if (uv_hrtime() > deadline) break;
      uv_sleep(1);
    }
    uv_run(base->loop, UV_RUN_NOWAIT);
  }
  /* other modules' close callbacks queued in the last round */
  uv_run(base->loop, UV_RUN_NOWAIT);
}

/* base_run_until_closed for a forked child before event_reinit: the loop is
 * never run (its epoll set is the parent's); the kept handles' close
 * callbacks run without libuv. */
static void base_drop_until_closed(struct event_base *base) {
  int spins;
  for (spins = 0; spins < 10000; spins++) {
    int pending;
    uvbev_deferred_drain_(base);
    base_shutdown_children(base);
    UVBEV_LOCK(base->lock);
    pending = uvbev_deferred_pending_(base);
    UVBEV_UNLOCK(base->lock);
    if (uvbev_fork_drop_orphans_(base) == 0 && !pending) break;
  }
}

static void base_free(struct event_base *base) {
  int forked;
  if (!base) return;
  forked = uvbev_base_forked_(base);
  if (base->running || base->in_drain)
    uvbev_warn_("event_base_free called from inside the loop; freeing anyway");
  /* the freeing thread owns the loop from now on */
  base_set_loop_thread(base, uvbev_thread_id_());
  UVBEV_LOCK(base->lock);
  base->freeing = 1;
  UVBEV_UNLOCK(base->lock);
  uvbev_events_clear_active_(base);
  uvbev_events_free_once_(base);
  base_shutdown_children(base);
  base_close_internal_handles(base);
  if (forked)
    base_drop_until_closed(base);
  else
    base_run_until_closed(base);
  if (base->owns_loop && !forked) {
    int rc = uv_loop_close(base->loop);
    if (rc != 0) uvbev_warn_("event_base_free: uv_loop_close: %s", uv_strerror(rc));
  }
  if (current_base_ == base) current_base_ = NULL;
  uvbev_lock_free_(base->lock);
  uvbev_base_calls_free_(base);
  uvbev_common_timeouts_free_(base);
  evbuffer_uv_cache_clear_(&base->read_cache);
  uvbev_free_(base->activeq);
  base->activeq = NULL;
  if (forked)
    uvbev_fork_park_(base);
  else
    uvbev_free_(base);
}

void event_base_free(struct event_base *base) {
  base_free(base);
}
void event_base_free_nofinalize(struct event_base *base) {
  base_free(base);
}

int event_reinit(struct event_base *base) {
  int r;
  if (!base) return -1;
  r = uv_loop_fork(base->loop);
  /* Windows has no fork(), so nothing there needs re-initialising. */
  if (r != 0 && r != UV_ENOSYS) return -1;
  uvbev_fork_reinit_(base);
  return 0;
}

uint64_t uvbev_base_timer_delay_(struct event_base *base, uint64_t ms) {
  if (base_read_flag(base, &base->running)) return ms;
  uv_update_time(base->loop);
  return ms ? ms + 1 : 0; /* a zero timeout cannot fire early */
}

void uvbev_base_note_callback_(struct event_base *base) {
  base->ncallbacks++;
}

/* ---- running -------------------------------------------------------------- */

static int base_has_work(struct event_base *base) {
  return uv_loop_alive(base->loop) || base_has_queued_work(base);
}

int event_base_loop(struct event_base *base, int flags) {
  int ret = 0;
  if (!base) return -1;
  if (base->running || base->in_drain) {
    uvbev_warn_("event_base_loop: reentrant invocation; only one loop may run per base");
    return -1;
  }
  base_set_loop_thread(base, uvbev_thread_id_()); /* before running: see base_call.c */
  uvbev_base_set_running_(base, 1);
  base->break_seen = 0;
  uvbev_signals_claim_(base);
  /* with nothing pending, wait for other threads (event_active, event_add,
   * loopbreak) rather than spin: uv_run does not poll a loop that has no
   * ref'd handle */
  if (flags & EVLOOP_NO_EXIT_ON_EMPTY) {
    base->waits_when_empty = 1;
    uvbev_base_update_async_ref_(base);
  }
  for (;;) {
    unsigned long ran_before = base->ncallbacks;
    if (base_read_flag(base, &base->got_break) || base_read_flag(base, &base->got_exit)) break;
    if (!(flags & EVLOOP_NO_EXIT_ON_EMPTY) && !base_has_work(base)) {
      ret = 1;
      break;
    }
    uv_run(base->loop, (flags & EVLOOP_NONBLOCK) ? UV_RUN_NOWAIT : UV_RUN_ONCE);
    /* what became active after uv_run's check phase (timers it ran last) */
    if (!base_read_flag(base, &base->got_break) && base_has_queued_work(base)) base_drain(base);
    /* as libevent: ONCE ends after a round that ran callbacks and left none
     * active; NONBLOCK ends after a round that ran nothing */
    if (base->ncallbacks != ran_before) {
      if ((flags & EVLOOP_ONCE) && !base_has_queued_work(base)) break;
    } else if (flags & EVLOOP_NONBLOCK) {
      /* a round that only ran close callbacks may have left nothing */
      ret = base_has_work(base) ? 0 : 1;
      break;
    }
  }
  if (flags & EVLOOP_NO_EXIT_ON_EMPTY) {
    base->waits_when_empty = 0;
    uvbev_base_update_async_ref_(base);
  }
  /* loop_thread keeps naming this thread: other threads keep waking the
   * loop rather than touching its handles while nobody runs it */
  uvbev_base_set_running_(base, 0);
  base->break_seen = 0;
  uvbev_base_run_calls_(base); /* callers that came too late */
  return ret;
}

int event_base_dispatch(struct event_base *base) {
  return event_base_loop(base, 0);
}

static void stop_uv_if_running(struct event_base *base) {
  if (base->running || base->in_drain) uv_stop(base->loop);
}

/* A timed loopexit is an event_base_once timer, as in libevent: each call
 * adds its own, so the earliest deadline ends the loop and the later ones
 * stay pending (the next dispatch ends at them). */
static void on_exit_timeout(evutil_socket_t fd, short what, void *arg) {
  struct event_base *base = arg;
  (void)fd;
  (void)what;
  UVBEV_LOCK(base->lock);
  base->got_exit = 1;
  UVBEV_UNLOCK(base->lock);
  stop_uv_if_running(base);
}

int event_base_loopexit(struct event_base *base, const struct timeval *tv) {
  if (!base) return -1;
  if (!tv || !evutil_timerisset(tv)) {
    UVBEV_LOCK(base->lock);
    base->exit_at_drain = 1;
    UVBEV_UNLOCK(base->lock);
    uvbev_base_request_drain_(base);
    return 0;
  }
  if (tv->tv_sec < 0 || tv->tv_usec < 0) return -1;
  return event_base_once(base, -1, EV_TIMEOUT, on_exit_timeout, base, tv);
}

int event_base_loopbreak(struct event_base *base) {
  if (!base) return -1;
  UVBEV_LOCK(base->lock);
  base->got_break = 1;
  UVBEV_UNLOCK(base->lock);
  if (base->freeing) return 0;
  if (uvbev_base_on_loop_thread_(base)) {
    if (base->running) base->break_seen = 1;
    stop_uv_if_running(base);
  } else {
    uvbev_base_wake_(base);
  }
  return 0;
}

int uvbev_base_broken_(struct event_base *base) {
  return base->break_seen;
}

int event_base_loopcontinue(struct event_base *base) {
  return base ? 0 : -1;
}
int event_base_got_exit(struct event_base *base) {
  return base ? base_read_flag(base, &base->got_exit) : 0;
}
int event_base_got_break(struct event_base *base) {
  return base ? base_read_flag(base, &base->got_break) : 0;
}

/* ---- information ---------------------------------------------------------- */

const char *event_base_get_method(const struct event_base *base) {
  return base ? base->method : NULL;
}

const char **event_get_supported_methods(void) {
  return uvbev_methods_();
}

int event_base_get_features(const struct event_base *base) {
  return base ? UVBEV_FEATURES : 0;
}

int event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv) {
  int r = 0;
  if (!tv) return -1;
  if (!base) return evutil_gettimeofday(tv, NULL);
  UVBEV_LOCK(base->lock);
  if (base->tv_cache_state == UVBEV_TV_CACHE_WANTED &&
      evutil_gettimeofday(&base->tv_cache, NULL) == 0)
    base->tv_cache_state = UVBEV_TV_CACHE_FILLED;
  if (base->tv_cache_state == UVBEV_TV_CACHE_FILLED)
    *tv = base->tv_cache;
  else
    r = evutil_gettimeofday(tv, NULL);
  UVBEV_UNLOCK(base->lock);
  return r;
}

int event_base_update_cache_time(struct event_base *base) {
  if (!base) return -1;
  uv_update_time(base->loop);
  UVBEV_LOCK(base->lock);
  if (base->tv_cache_state == UVBEV_TV_CACHE_FILLED) base->tv_cache_state = UVBEV_TV_CACHE_WANTED;
  UVBEV_UNLOCK(base->lock);
  return 0;
}

int event_gettime_monotonic(struct event_base *base, struct timeval *tp) {
  uint64_t ns;
  if (!base || !tp) return -1;
  ns = uv_hrtime();
  tp->tv_sec = (long)(ns / 1000000000u);
  tp->tv_usec = (long)((ns % 1000000000u) / 1000u);
  return 0;
}

int event_base_get_num_events(struct event_base *base, unsigned int type) {
  int n = 0;
  if (!base) return -1;
  UVBEV_LOCK(base->lock);
  if (type & EVENT_BASE_COUNT_ACTIVE) n += base->nactive;
  if (type & EVENT_BASE_COUNT_ADDED) n += base->nadded;
  UVBEV_UNLOCK(base->lock);
  return n;
}

int event_base_get_max_events(struct event_base *base, unsigned int type, int clear) {
  int n = 0;
  if (!base) return -1;
  UVBEV_LOCK(base->lock);
  if (type & EVENT_BASE_COUNT_ACTIVE) {
    n += base->max_active;
    if (clear) base->max_active = 0;
  }
  if (type & EVENT_BASE_COUNT_ADDED) {
    n += base->max_added;
    if (clear) base->max_added = 0;
  }
  UVBEV_UNLOCK(base->lock);
  return n;
}

int event_base_priority_init(struct event_base *base, int npriorities) {
  struct uvbev_active_queue *q;
  if (!base || npriorities < 1 || npriorities > EVENT_MAX_PRIORITIES) return -1;
  if (base->nactive > 0) return -1;
  if (npriorities == base->npriorities) return 0;
  q = uvbev_calloc_((size_t)npriorities, sizeof(*q));
  if (!q) return -1;
  uvbev_free_(base->activeq);
  base->activeq = q;
  base->npriorities = npriorities;
  return 0;
}

int event_base_get_npriorities(struct event_base *base) {
  return base ? base->npriorities : 0;
}
int uvbev_base_npriorities_(struct event_base *base) {
  return base->npriorities;
}

int uvbev_base_on_loop_thread_(struct event_base *base) {
  if (!uvbev_threading_enabled_()) return 1;
  return base_read_flag_ul(base, &base->loop_thread) == uvbev_thread_id_();
}

/* ---- children ------------------------------------------------------------- */

void uvbev_base_add_child_(struct event_base *base, struct uvbev_child *c,
                           uvbev_child_shutdown_fn shutdown) {
  c->shutdown = shutdown;
  UVBEV_LOCK(base->lock);
  uvbev_list_init(&c->node);
  uvbev_list_insert_tail(&base->children, &c->node);
  UVBEV_UNLOCK(base->lock);
}

void uvbev_base_remove_child_(struct event_base *base, struct uvbev_child *c) {
  UVBEV_LOCK(base->lock);
  uvbev_list_remove(&c->node);
  UVBEV_UNLOCK(base->lock);
}

/* ---- configuration -------------------------------------------------------- */

struct event_config *event_config_new(void) {
  return uvbev_calloc_(1, sizeof(struct event_config));
}
void event_config_free(struct event_config *cfg) {
  uvbev_free_(cfg);
}

int event_config_avoid_method(struct event_config *cfg, const char *method) {
  const char **m = uvbev_methods_();
  int i;
  if (!cfg || !method) return -1;
  for (i = 0; m[i]; i++)
    if (strcmp(m[i], method) == 0) cfg->avoided |= 1u << i;
  return 0; /* other names: methods uvbev does not have, so avoided */
}

int event_config_require_features(struct event_config *cfg, int feature) {
  if (!cfg) return -1;
  cfg->require_features = feature;
  return 0;
}

int event_config_set_flag(struct event_config *cfg, int flag) {
  if (!cfg) return -1;
  cfg->flags |= flag;
  return 0;
}

int event_config_set_num_cpus_hint(struct event_config *cfg, int cpus) {
  return cfg ? 0 : -1;
}

int event_config_set_max_dispatch_interval(struct event_config *cfg,
                                           const struct timeval *max_interval, int max_callbacks,
                                           int min_priority) {
  return cfg ? 0 : -1;
}

/* ---- versions and pre-2.0 globals ----------------------------------------- */

const char *event_get_version(void) {
  return EVENT__VERSION;
}
ev_uint32_t event_get_version_number(void) {
  return EVENT__NUMERIC_VERSION;
}
void libevent_global_shutdown(void) {}

struct event_base *uvbev_current_base_(void) {
  return current_base_;
}

struct event_base *event_init(void) {
  struct event_base *base = event_base_new();
  if (base) current_base_ = base;
  return base;
}

int event_dispatch(void) {
  return event_base_dispatch(current_base_);
}
int event_loop(int flags) {
  return event_base_loop(current_base_, flags);
}
int event_loopexit(const struct timeval *tv) {
  return event_base_loopexit(current_base_, tv);
}
int event_loopbreak(void) {
  return event_base_loopbreak(current_base_);
}
const char *event_get_method(void) {
  return event_base_get_method(current_base_);
}
int event_priority_init(int n) {
  return event_base_priority_init(current_base_, n);
}
