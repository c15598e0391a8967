/* SPDX-License-Identifier: MIT */
/* Events: timers (uv_timer_t), fds (uv_poll_t, one per fd shared by all the
 * events on it; uv_idle_t for an fd the poller refuses), signals
 * (signal.c), and the active queue.
 *
 * Memory rule.  struct event is user memory, possibly on the stack and freed
 * right after event_del.  The libuv handles of an added event therefore live
 * in a separately allocated block (struct ev_block) that the event points to:
 *   event_add (not yet added)  -> block allocated, handles initialised
 *   event_del / event_free     -> block detached from the event, handles
 *                                 closed (uvbev_base_close_handle_); the
 *                                 block is freed by the last close callback;
 *                                 the event is free at once.
 * A block is a child of the base, so event_base_free deletes added events.
 *
 * Activation.  libuv callbacks and event_active only queue the event (per
 * priority, FIFO) and OR the result flags; the base's drain point runs the
 * callbacks.  A non-persistent event is deleted just before its callback. */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "event2/event_compat.h"
#include "base-internal.h"
#include "platform-internal.h"
#include "log-internal.h"
#include "thread-internal.h"

struct fd_watch {
  struct uvbev_list node; /* base->fd_watches */
  struct event_base *base;
  evutil_socket_t fd;
  /* A descriptor the loop's poller refuses (epoll: regular files,
   * /dev/null) is always ready, as libevent's poll backend reports it: an
   * idle handle, reported through on_poll (common initial handle fields)
   * and closed through &poll like a poll. */
  union {
    uv_poll_t poll;
    uv_idle_t idle;
  };
  int always_ready;
  int quiet; /* events added, none needing a poll: see watch_set_quiet */
  struct uvbev_list blocks; /* ev_block.watch_node */
  int mask;                 /* UV_READABLE|UV_WRITABLE being polled */
};

/* What an fd event can wait for: EV_CLOSED is libuv's UV_DISCONNECT. */
#define EV_IO_MASK (EV_READ | EV_WRITE | EV_CLOSED)

struct ev_block {
  struct uvbev_child child;
  struct uvbev_list base_node; /* in base->events */
  struct event_base *base;
  struct event *ev; /* NULL once detached */
  uv_timer_t timer;
  int signum; /* > 0 while added as a signal event */
  struct fd_watch *watch;
  struct uvbev_list watch_node;
  uint64_t timeout_ms;
  /* An EV_ET|EV_CLOSED event was told of the close: a peer closes once, so
   * that edge never comes again and the close is no longer polled for
   * (level-triggered, it would be reported on every iteration). */
  int closed_delivered;
};

static char self_cbarg_marker_;

void *event_self_cbarg(void) {
  return &self_cbarg_marker_;
}

uint64_t uvbev_tv_to_ms_(const struct timeval *tv) {
  uint64_t us = (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
  return (us + 999u) / 1000u;
}

/* ---- the active queue ----------------------------------------------------- */

/* The queue for ev's priority; a priority left over from a larger
 * event_base_priority_init is clamped to the last queue. */
static struct uvbev_active_queue *queue_of(struct event_base *base, const struct event *ev) {
  int pri = ev->ev_pri < base->npriorities ? ev->ev_pri : base->npriorities - 1;
  return &base->activeq[pri];
}

static void active_unlink(struct event_base *base, struct event *ev) {
  struct uvbev_active_queue *q = queue_of(base, ev);
  if (ev->ev_active_prev)
    ev->ev_active_prev->ev_active_next = ev->ev_active_next;
  else
    q->head = ev->ev_active_next;
  if (ev->ev_active_next)
    ev->ev_active_next->ev_active_prev = ev->ev_active_prev;
  else
    q->tail = ev->ev_active_prev;
  ev->ev_active_next = ev->ev_active_prev = NULL;
  ev->ev_flags &= ~EVLIST_ACTIVE;
  base->nactive--;
}

static void active_link(struct event_base *base, struct event *ev) {
  struct uvbev_active_queue *q = queue_of(base, ev);
  ev->ev_active_next = NULL;
  ev->ev_active_prev = q->tail;
  if (q->tail)
    q->tail->ev_active_next = ev;
  else
    q->head = ev;
  q->tail = ev;
  ev->ev_flags |= EVLIST_ACTIVE;
  if (++base->nactive > base->max_active) base->max_active = base->nactive;
}

/* As libevent, an I/O result carries EV_ET for an event added with it. */
static short io_result(const struct event *ev, short res) {
  return (short)(res | (ev->ev_events & EV_ET));
}

static void event_activate(struct event *ev, int res) {
  struct event_base *base = ev->ev_base;
  UVBEV_LOCK(base->lock);
  if (ev->ev_flags & EVLIST_ACTIVE) {
    ev->ev_res |= (short)res;
  } else {
    ev->ev_res = (short)res;
    active_link(base, ev);
  }
  UVBEV_UNLOCK(base->lock);
  uvbev_base_request_drain_(base);
}

static struct event *active_pop(struct event_base *base) {
  struct event *ev = NULL;
  int i;
  UVBEV_LOCK(base->lock);
  for (i = 0; i < base->npriorities && !base->got_break; i++) {
    if (base->activeq[i].head) {
      ev = base->activeq[i].head;
      active_unlink(base, ev);
      break;
    }
  }
  UVBEV_UNLOCK(base->lock);
  return ev;
}

void uvbev_events_clear_active_(struct event_base *base) {
  while (active_pop(base)) {
  }
}

/* ---- fd watches: one uv_poll_t per fd ------------------------------------- */

static void on_watch_closed(uv_handle_t *h) {
  struct fd_watch *w = h->data;
  struct event_base *base = w->base;
  uvbev_free_(w);
  uvbev_base_handle_closed_(base);
}

/* The readiness a block waits for. */
static short block_wants(const struct ev_block *b) {
  short want = (short)(b->ev->ev_events & EV_IO_MASK);
  if (b->closed_delivered) want &= ~EV_CLOSED;
  return want;
}

static int watch_update(struct fd_watch *w);

static void on_poll(uv_poll_t *h, int status, int events) {
  struct fd_watch *w = h->data;
  struct uvbev_list *n;
  short ready = 0;
  int closed_edges = 0;
  if (status < 0) {
    /* libuv stopped the handle; report readiness so the user's read/write
     * sees the error, and keep watching as libevent (level-triggered) does */
    ready = EV_READ | EV_WRITE;
    uv_poll_start(&w->poll, w->mask, on_poll);
  } else {
    if (events & UV_READABLE) ready |= EV_READ;
    if (events & UV_WRITABLE) ready |= EV_WRITE;
    if (events & UV_DISCONNECT) ready |= EV_CLOSED;
  }
  for (n = w->blocks.next; n != &w->blocks; n = n->next) {
    struct ev_block *b = UVBEV_CONTAINER_OF(n, struct ev_block, watch_node);
    short res = (short)(ready & block_wants(b));
    if (!res) continue;
    if ((res & EV_CLOSED) && (b->ev->ev_events & EV_ET)) {
      b->closed_delivered = 1;
      closed_edges++;
    }
    event_activate(b->ev, io_result(b->ev, res));
  }
  if (closed_edges) watch_update(w);
}

static void on_always_ready(uv_idle_t *h) {
  struct fd_watch *w = h->data;
  on_poll(&w->poll, 0, w->mask & (UV_READABLE | UV_WRITABLE));
}

/* The handle of a new watch: a poll, or an idle handle if the poller
 * refuses fd.  Returns 0 or a libuv error (nothing to close then). */
static int watch_init(struct event_base *base, struct fd_watch *w, evutil_socket_t fd) {
  int r = uv_poll_init_socket(base->loop, &w->poll, (uv_os_sock_t)fd);
  if (r == 0 || !uvbev_fd_unpollable_(r)) return r;
  w->always_ready = 1;
  return uv_idle_init(base->loop, &w->idle);
}

static struct fd_watch *watch_get(struct event_base *base, evutil_socket_t fd) {
  struct uvbev_list *n;
  struct fd_watch *w;
  for (n = base->fd_watches.next; n != &base->fd_watches; n = n->next) {
    w = UVBEV_CONTAINER_OF(n, struct fd_watch, node);
    if (w->fd == fd) return w;
  }
  w = uvbev_calloc_(1, sizeof(*w));
  if (!w) return NULL;
  if (watch_init(base, w, fd) != 0) {
    uvbev_free_(w);
    return NULL;
  }
  w->base = base;
  w->fd = fd;
  w->poll.data = w;
  uvbev_list_init(&w->blocks);
  uvbev_list_insert_tail(&base->fd_watches, &w->node);
  return w;
}

/* A watch whose events are all added but need no polling (an EV_ET|EV_CLOSED
 * event told of the close) still keeps the loop waiting, as libevent's
 * dispatch blocks while any event is added: the base counts such watches and
 * keeps a handle ref'd for them. */
static void watch_set_quiet(struct fd_watch *w, int quiet) {
  if (w->quiet == quiet) return;
  w->quiet = quiet;
  w->base->nquiet_watches += quiet ? 1 : -1;
  uvbev_base_update_async_ref_(w->base);
}

/* Polls for the union of what the watch's events want; closes the watch when
 * no event is left.  Returns 0, or a libuv error. */
static int watch_update(struct fd_watch *w) {
  struct uvbev_list *n;
  int mask = 0;
  if (uvbev_list_empty(&w->blocks)) {
    watch_set_quiet(w, 0);
    uvbev_list_remove(&w->node);
    w->base->nclosing++;
    uvbev_base_close_handle_(w->base, (uv_handle_t *)&w->poll, on_watch_closed);
    return 0;
  }
  for (n = w->blocks.next; n != &w->blocks; n = n->next) {
    short want = block_wants(UVBEV_CONTAINER_OF(n, struct ev_block, watch_node));
    if (want & EV_READ) mask |= UV_READABLE;
    if (want & EV_WRITE) mask |= UV_WRITABLE;
    if (want & EV_CLOSED) mask |= UV_DISCONNECT;
  }
  watch_set_quiet(w, mask == 0);
  if (mask == w->mask) return 0;
  w->mask = mask;
  if (mask == 0) return w->always_ready ? uv_idle_stop(&w->idle) : uv_poll_stop(&w->poll);
  if (w->always_ready) return uv_idle_start(&w->idle, on_always_ready);
  return uv_poll_start(&w->poll, mask, on_poll);
}

/* ---- blocks: the libuv side of an added event ----------------------------- */

static void on_block_handle_closed(uv_handle_t *h) {
  struct ev_block *b = h->data;
  struct event_base *base = b->base;
  uvbev_free_(b);
  uvbev_base_handle_closed_(base);
}

static void on_timer(uv_timer_t *t) {
  struct ev_block *b = t->data;
  event_activate(b->ev, EV_TIMEOUT);
}

static void block_detach(struct ev_block *b) {
  struct event *ev = b->ev;
  struct event_base *base = b->base;
  uvbev_base_remove_child_(base, &b->child);
  uvbev_list_remove(&b->base_node);
  if (b->watch) {
    uvbev_list_remove(&b->watch_node);
    watch_update(b->watch);
  }
  ev->ev_uvbev_block = NULL;
  b->ev = NULL;
  base->nadded--;
  if (b->signum > 0) uvbev_signal_del_(base, b->signum);
  base->nclosing++;
  uvbev_base_close_handle_(base, (uv_handle_t *)&b->timer, on_block_handle_closed);
}

static void block_shutdown(struct uvbev_child *c) {
  struct ev_block *b = UVBEV_CONTAINER_OF(c, struct ev_block, child);
  event_del(b->ev);
}

static int block_attach_io(struct ev_block *b, struct event *ev) {
  struct event_base *base = b->base;
  if (ev->ev_events & EV_SIGNAL) {
    if (uvbev_signal_add_(base, (int)ev->ev_fd) != 0) return -1;
    b->signum = (int)ev->ev_fd;
  }
  if (ev->ev_events & EV_IO_MASK) {
    b->watch = watch_get(base, ev->ev_fd);
    if (!b->watch) return -1;
    uvbev_list_insert_tail(&b->watch->blocks, &b->watch_node);
    if (watch_update(b->watch) != 0) return -1;
  }
  return 0;
}

static struct ev_block *block_new(struct event *ev) {
  struct event_base *base = ev->ev_base;
  struct ev_block *b = uvbev_calloc_(1, sizeof(*b));
  if (!b) return NULL;
  b->base = base;
  b->ev = ev;
  uvbev_list_init(&b->watch_node);
  uv_timer_init(base->loop, &b->timer);
  b->timer.data = b;
  ev->ev_uvbev_block = b;
  base->nadded++;
  if (base->nadded > base->max_added) base->max_added = base->nadded;
  uvbev_base_add_child_(base, &b->child, block_shutdown);
  uvbev_list_insert_tail(&base->events, &b->base_node);
  if (block_attach_io(b, ev) != 0) {
    block_detach(b);
    return NULL;
  }
  return b;
}

/* ---- public API ----------------------------------------------------------- */

int event_assign(struct event *ev, struct event_base *base, evutil_socket_t fd, short events,
                 event_callback_fn callback, void *callback_arg) {
  if (!ev) return -1;
  if (!base) base = uvbev_current_base_();
  if ((events & EV_SIGNAL) && (events & EV_IO_MASK)) {
    uvbev_warn_("event_assign: EV_SIGNAL is not compatible with EV_READ/EV_WRITE/EV_CLOSED");
    return -1;
  }
  memset(ev, 0, sizeof(*ev));
  ev->ev_base = base;
  ev->ev_fd = fd;
  ev->ev_events = events;
  ev->ev_callback = callback;
  ev->ev_arg = callback_arg == &self_cbarg_marker_ ? (void *)ev : callback_arg;
  ev->ev_flags = EVLIST_INIT;
  ev->ev_pri = base ? (ev_uint8_t)(base->npriorities / 2) : 0;
  return 0;
}

void event_set(struct event *ev, evutil_socket_t fd, short events,
               void (*cb)(evutil_socket_t, short, void *), void *arg) {
  event_assign(ev, uvbev_current_base_(), fd, events, cb, arg);
}

int event_base_set(struct event_base *base, struct event *ev) {
  if (!base || !ev || (ev->ev_flags & ~EVLIST_INIT)) return -1;
  ev->ev_base = base;
  ev->ev_pri = (ev_uint8_t)(base->npriorities / 2);
  return 0;
}

struct event *event_new(struct event_base *base, evutil_socket_t fd, short events,
                        event_callback_fn cb, void *arg) {
  struct event *ev;
  if (!base) return NULL;
  ev = uvbev_malloc_(sizeof(*ev));
  if (!ev) return NULL;
  if (event_assign(ev, base, fd, events, cb, arg) != 0) {
    uvbev_free_(ev);
    return NULL;
  }
  return ev;
}

void event_free(struct event *ev) {
  if (!ev) return;
  event_del(ev);
  uvbev_free_(ev);
}

static void block_set_timeout(struct ev_block *b, struct event *ev, const struct timeval *tv) {
  struct timeval now;
  uint64_t ms = uvbev_tv_to_ms_(tv);
  b->timeout_ms = ms;
  uv_timer_start(&b->timer, on_timer, uvbev_base_timer_delay_(b->base, ms),
                 (ev->ev_events & EV_PERSIST) ? (ms ? ms : 1) : 0);
  evutil_gettimeofday(&now, NULL);
  evutil_timeradd(&now, tv, &ev->ev_timeout);
  ev->ev_flags |= EVLIST_TIMEOUT;
}

/* event_add, event_remove_timer and event_del touch libuv handles: on a
 * thread-aware base, a call from another thread runs on the loop thread
 * (uvbev_base_call_) and returns when it is done, so the event may be freed
 * right after event_del returns, as in libevent. */
static int event_add_on_loop(void *obj, const struct timeval *tv) {
  struct event *ev = obj;
  struct ev_block *b;
  if (ev->ev_base->freeing) return -1;
  b = ev->ev_uvbev_block;
  if (!b) {
    if (!tv && !(ev->ev_events & (EV_IO_MASK | EV_SIGNAL))) return 0;
    b = block_new(ev);
    if (!b) return -1;
    if (ev->ev_events & (EV_IO_MASK | EV_SIGNAL)) ev->ev_flags |= EVLIST_INSERTED;
  }
  if (tv) block_set_timeout(b, ev, tv);
  return 0;
}

int event_add(struct event *ev, const struct timeval *tv) {
  struct timeval common;
  if (!ev || !(ev->ev_flags & EVLIST_INIT) || !ev->ev_base) return -1;
  if (tv && uvbev_common_timeout_decode_(ev->ev_base, tv, &common)) tv = &common;
  if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)) return -1;
  return uvbev_base_call_(ev->ev_base, event_add_on_loop, ev, tv);
}

static int event_remove_timer_on_loop(void *obj, const struct timeval *unused) {
  struct event *ev = obj;
  struct ev_block *b = ev->ev_uvbev_block;
  (void)unused;
  if (b) uv_timer_stop(&b->timer);
  ev->ev_flags &= ~EVLIST_TIMEOUT;
  evutil_timerclear(&ev->ev_timeout);
  if (b && !(ev->ev_flags & EVLIST_INSERTED)) block_detach(b);
  return 0;
}

int event_remove_timer(struct event *ev) {
  if (!ev || !(ev->ev_flags & EVLIST_INIT) || !ev->ev_base) return -1;
  return uvbev_base_call_(ev->ev_base, event_remove_timer_on_loop, ev, NULL);
}

static int event_del_on_loop(void *obj, const struct timeval *unused) {
  struct event *ev = obj;
  (void)unused;
  if (ev->ev_flags & EVLIST_ACTIVE) {
    UVBEV_LOCK(ev->ev_base->lock);
    if (ev->ev_flags & EVLIST_ACTIVE) active_unlink(ev->ev_base, ev);
    UVBEV_UNLOCK(ev->ev_base->lock);
  }
  if (ev->ev_uvbev_block) block_detach(ev->ev_uvbev_block);
  ev->ev_flags &= ~(EVLIST_TIMEOUT | EVLIST_INSERTED | EVLIST_ACTIVE);
  return 0;
}

int event_del(struct event *ev) {
  if (!ev || !ev->ev_base) return -1;
  return uvbev_base_call_(ev->ev_base, event_del_on_loop, ev, NULL);
}

int event_del_noblock(struct event *ev) {
  return event_del(ev);
}
int event_del_block(struct event *ev) {
  return event_del(ev);
}

void event_active(struct event *ev, int res, short ncalls) {
  (void)ncalls;
  if (!ev || !ev->ev_base || !(ev->ev_flags & EVLIST_INIT)) return;
  event_activate(ev, res);
}

int event_pending(const struct event *ev, short events, struct timeval *tv) {
  int flags = 0;
  if (!ev || !ev->ev_base) return 0;
  if (ev->ev_flags & EVLIST_INSERTED) flags |= ev->ev_events & (EV_IO_MASK | EV_SIGNAL);
  if (ev->ev_flags & EVLIST_ACTIVE) flags |= ev->ev_res;
  if (ev->ev_flags & EVLIST_TIMEOUT) {
    flags |= EV_TIMEOUT;
    if (tv && (events & EV_TIMEOUT)) *tv = ev->ev_timeout;
  }
  return flags & events;
}

int event_initialized(const struct event *ev) {
  return ev && (ev->ev_flags & EVLIST_INIT);
}
evutil_socket_t event_get_fd(const struct event *ev) {
  return ev ? ev->ev_fd : -1;
}
struct event_base *event_get_base(const struct event *ev) {
  return ev ? ev->ev_base : NULL;
}
short event_get_events(const struct event *ev) {
  return ev ? ev->ev_events : 0;
}
event_callback_fn event_get_callback(const struct event *ev) {
  return ev ? ev->ev_callback : NULL;
}
void *event_get_callback_arg(const struct event *ev) {
  return ev ? ev->ev_arg : NULL;
}
int event_get_priority(const struct event *ev) {
  return ev ? ev->ev_pri : -1;
}
size_t event_get_struct_event_size(void) {
  return sizeof(struct event);
}

void event_get_assignment(const struct event *event, struct event_base **base_out,
                          evutil_socket_t *fd_out, short *events_out,
                          event_callback_fn *callback_out, void **arg_out) {
  if (!event) return;
  if (base_out) *base_out = event->ev_base;
  if (fd_out) *fd_out = event->ev_fd;
  if (events_out) *events_out = event->ev_events;
  if (callback_out) *callback_out = event->ev_callback;
  if (arg_out) *arg_out = event->ev_arg;
}

int event_priority_set(struct event *ev, int pri) {
  if (!ev || !ev->ev_base || (ev->ev_flags & EVLIST_ACTIVE)) return -1;
  if (pri < 0 || pri >= ev->ev_base->npriorities) return -1;
  ev->ev_pri = (ev_uint8_t)pri;
  return 0;
}

struct event *event_base_get_running_event(struct event_base *base) {
  return base ? base->current_event : NULL;
}

/* ---- running active events ------------------------------------------------ */

/* A persistent event with a timeout restarts its timeout when it fires for
 * another reason (the timer's own repeat handles timeouts). */
static void event_before_callback(struct event *ev, short res) {
  struct ev_block *b = ev->ev_uvbev_block;
  if (!(ev->ev_events & EV_PERSIST)) {
    event_del(ev);
    return;
  }
  if (b && (ev->ev_flags & EVLIST_TIMEOUT)) {
    struct timeval now, tv;
    tv.tv_sec = (long)(b->timeout_ms / 1000u);
    tv.tv_usec = (long)(b->timeout_ms % 1000u) * 1000;
    if (!(res & EV_TIMEOUT)) uv_timer_again(&b->timer);
    evutil_gettimeofday(&now, NULL);
    evutil_timeradd(&now, &tv, &ev->ev_timeout);
  }
}

void uvbev_events_run_active_(struct event_base *base) {
  for (;;) {
    struct event *ev = active_pop(base); /* NULL after a loopbreak */
    short res;
    if (!ev) break;
    res = ev->ev_res;
    event_before_callback(ev, res);
    base->current_event = ev;
    base->ncallbacks++;
    if (ev->ev_callback) ev->ev_callback(ev->ev_fd, res, ev->ev_arg);
    base->current_event = NULL;
  }
}

/* ---- fd/signal activation by the user ------------------------------------- */

/* What event_base_active_by_fd / _by_signal make ev active with (0: not
 * ev).  As libevent: EV_TIMEOUT in `events` activates, with EV_TIMEOUT only,
 * every event on fd whose timeout is pending (its fd may be a signal number),
 * and no I/O event; otherwise the I/O events on fd wanting some of events. */
static short activation_for(const struct event *ev, int is_signal, evutil_socket_t fd,
                            short events) {
  if (ev->ev_fd != fd) return 0;
  if (is_signal) return (ev->ev_events & EV_SIGNAL) ? EV_SIGNAL : 0;
  if (events & EV_TIMEOUT) return (ev->ev_flags & EVLIST_TIMEOUT) ? EV_TIMEOUT : 0;
  if (ev->ev_events & EV_SIGNAL) return 0;
  return (short)(ev->ev_events & events & EV_IO_MASK);
}

static void activate_matching(struct event_base *base, int is_signal, evutil_socket_t fd,
                              short events) {
  struct uvbev_list *n;
  if (!base) return;
  UVBEV_LOCK(base->lock);
  for (n = base->events.next; n != &base->events; n = n->next) {
    struct event *ev = UVBEV_CONTAINER_OF(n, struct ev_block, base_node)->ev;
    short res;
    res = activation_for(ev, is_signal, fd, events);
    if (res) event_activate(ev, (res & EV_IO_MASK) ? io_result(ev, res) : res);
  }
  UVBEV_UNLOCK(base->lock);
}

void event_base_active_by_fd(struct event_base *base, evutil_socket_t fd, short events) {
  activate_matching(base, 0, fd, events);
}

void event_base_active_by_signal(struct event_base *base, int sig) {
  activate_matching(base, 1, (evutil_socket_t)sig, EV_SIGNAL);
}

int event_base_foreach_event(struct event_base *base, event_base_foreach_event_cb fn, void *arg) {
  struct uvbev_list *n;
  int i, r;
  if (!base || !fn) return -1;
  for (n = base->events.next; n != &base->events; n = n->next) {
    struct ev_block *b = UVBEV_CONTAINER_OF(n, struct ev_block, base_node);
    if ((r = fn(base, b->ev, arg)) != 0) return r;
  }
  for (i = 0; i < base->npriorities; i++) {
    struct event *ev;
    for (ev = base->activeq[i].head; ev; ev = ev->ev_active_next) {
      if (ev->ev_uvbev_block) continue; /* already visited */
      if ((r = fn(base, ev, arg)) != 0) return r;
    }
  }
  return 0;
}

static int dump_one(const struct event_base *base, const struct event *ev, void *arg) {
  fprintf((FILE *)arg, "  %p [fd %ld]%s%s%s%s%s%s\n", (void *)ev, (long)ev->ev_fd,
          (ev->ev_events & EV_READ) ? " Read" : "", (ev->ev_events & EV_WRITE) ? " Write" : "",
          (ev->ev_events & EV_SIGNAL) ? " Signal" : "",
          (ev->ev_events & EV_PERSIST) ? " Persist" : "",
          (ev->ev_flags & EVLIST_TIMEOUT) ? " Timeout" : "",
          (ev->ev_flags & EVLIST_ACTIVE) ? " Active" : "");
  return 0;
}

void event_base_dump_events(struct event_base *base, FILE *output) {
  if (!base || !output) return;
  fprintf(output, "Events on base %p:\n", (void *)base);
  event_base_foreach_event(base, dump_one, output);
}

void event_debug_unassign(struct event *ev) {
  (void)ev;
}
