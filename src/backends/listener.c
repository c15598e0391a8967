/* SPDX-License-Identifier: MIT */
/* evconnlistener (include/event2/listener.h): a uv_poll_t watching the
 * listening socket for readability, and accept() done here, as libevent does.
 *
 * Why not uv_listen: libuv cannot stop a listening uv_tcp_t short of closing
 * it, so a disabled listener would keep the loop alive (event_base_dispatch
 * would never return) and would go on accepting; and uv_listen refuses what
 * libevent takes (a socket the caller will not let listen, whose accept()
 * failures libevent reports through the error callback).  A uv_poll_t starts
 * and stops like an event: enabled = polled, disabled = not.
 *
 * The accepted socket is a plain descriptor (non-blocking unless
 * LEV_OPT_LEAVE_SOCKETS_BLOCKING, close-on-exec with LEV_OPT_CLOSE_ON_EXEC):
 * bufferevent_socket_new opens it like any other, evutil_closesocket closes it.
 *
 * Life: the user's reference and the handle's (dropped by its close
 * callback) keep the listener; each callback holds one more, so
 * evconnlistener_free() inside a callback is safe.  uv_poll_t never closes
 * the socket: with LEV_OPT_CLOSE_ON_FREE the close callback does, once libuv
 * no longer watches it.  The base closes the handle if it is freed first (the
 * listener is then inert until freed). */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "event2/listener.h"
#include "platform-internal.h"
#include "event-internal.h"
#include "thread-internal.h"

#define LISTENER_DEFAULT_BACKLOG 128

struct evconnlistener {
  uv_poll_t *poll; /* malloc'd; freed by its close callback */
  struct event_base *base;
  evconnlistener_cb cb;
  evconnlistener_errorcb errorcb;
  void *arg;
  void *lock;
  evutil_socket_t fd;
  unsigned flags;
  int refcnt;
  unsigned enabled : 1;
  unsigned freed : 1;
  unsigned closing : 1;
  unsigned base_gone : 1;
  struct uvbev_child child;
};

static void lev_incref(struct evconnlistener *lev) {
  lev->refcnt++;
}

/* Drops a reference taken under the lock, and the lock; frees the listener
 * when it was the last one. */
static void lev_unlock_decref(struct evconnlistener *lev) {
  void *lock = lev->lock;
  int left = --lev->refcnt;
  UVBEV_UNLOCK(lock);
  if (left > 0) return;
  uvbev_lock_free_(lock);
  uvbev_free_(lev);
}

static void on_listener_closed(uv_handle_t *h) {
  struct evconnlistener *lev = h->data;
  uvbev_free_(h);
  UVBEV_LOCK(lev->lock);
  if (lev->flags & LEV_OPT_CLOSE_ON_FREE) uvbev_closesocket_raw_(lev->fd);
  lev_unlock_decref(lev);
}

static void lev_close_handle(struct evconnlistener *lev) {
  if (lev->closing) return;
  lev->closing = 1;
  uvbev_base_close_handle_(lev->base, (uv_handle_t *)lev->poll, on_listener_closed);
}

static void on_readable(uv_poll_t *h, int status, int events);

/* Polls while enabled with a callback (as libevent, which accepts nothing
 * for a listener without one) and alive: the only place the watcher
 * changes. */
static int lev_watch(struct evconnlistener *lev) {
  if (lev->closing) return lev->enabled ? -1 : 0;
  if (!lev->enabled || !lev->cb) return uv_poll_stop(lev->poll) < 0 ? -1 : 0;
  return uv_poll_start(lev->poll, UV_READABLE, on_readable) < 0 ? -1 : 0;
}

/* The error callback, the lock released around it; the socket error is the
 * one accept() (or the poll) failed with. */
static void lev_report_error(struct evconnlistener *lev) {
  evconnlistener_errorcb errorcb = lev->errorcb;
  void *arg = lev->arg;
  int err = EVUTIL_SOCKET_ERROR();
  if (!errorcb || lev->freed) return;
  UVBEV_UNLOCK(lev->lock);
  EVUTIL_SET_SOCKET_ERROR(err);
  errorcb(lev, arg);
  UVBEV_LOCK(lev->lock);
}

/* Accepts one connection and hands it to the user (lock held, released
 * around the callback).  Returns 0 to go on, -1 when accept() failed. */
static int lev_accept_one(struct evconnlistener *lev) {
  struct sockaddr_storage peer;
  int peerlen = (int)sizeof(peer);
  evconnlistener_cb cb;
  void *arg;
  evutil_socket_t fd;
  memset(&peer, 0, sizeof(peer));
  fd = uvbev_sock_accept_(lev->fd, (struct sockaddr *)&peer, &peerlen,
                          (lev->flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING) != 0,
                          (lev->flags & LEV_OPT_CLOSE_ON_EXEC) != 0);
  if (fd == UVBEV_NO_SOCKET) return -1;
  cb = lev->cb;
  arg = lev->arg;
  if (!cb) { /* nobody to give it to (libevent closes it too) */
    uvbev_closesocket_raw_(fd);
    return 0;
  }
  UVBEV_UNLOCK(lev->lock);
  cb(lev, fd, (struct sockaddr *)&peer, peerlen, arg);
  UVBEV_LOCK(lev->lock);
  return 0;
}

/* Accepts until none is waiting, the user disabled or freed the listener, or
 * accept() failed: "not now" ends the round quietly, anything else goes to
 * the error callback (the listener keeps polling unless the user disables
 * it, as in libevent). */
static void on_readable(uv_poll_t *h, int status, int events) {
  struct evconnlistener *lev = h->data;
  (void)events;
  uvbev_base_note_callback_(lev->base);
  UVBEV_LOCK(lev->lock);
  lev_incref(lev);
  if (status < 0) {
    uvbev_set_socket_error_from_uv_(status);
    lev_report_error(lev);
  } else {
    while (lev->enabled && !lev->freed && !lev->closing) {
      if (lev_accept_one(lev) == 0) continue;
      if (!uvbev_sock_accept_retriable_(EVUTIL_SOCKET_ERROR())) lev_report_error(lev);
      break;
    }
  }
  lev_unlock_decref(lev);
}

static void lev_on_base_shutdown(struct uvbev_child *c) {
  struct evconnlistener *lev = UVBEV_CONTAINER_OF(c, struct evconnlistener, child);
  UVBEV_LOCK(lev->lock);
  lev->base_gone = 1;
  lev_close_handle(lev);
  UVBEV_UNLOCK(lev->lock);
}

/* ---- construction ------------------------------------------------------------ */

static struct evconnlistener *lev_alloc(struct event_base *base, evconnlistener_cb cb, void *ptr,
                                        unsigned flags) {
  struct evconnlistener *lev = uvbev_calloc_(1, sizeof(*lev));
  if (!lev) return NULL;
  lev->poll = uvbev_malloc_(sizeof(*lev->poll));
  if (!lev->poll) {
    uvbev_free_(lev);
    return NULL;
  }
  if (flags & LEV_OPT_THREADSAFE) {
    lev->lock = uvbev_lock_new_();
    if (!lev->lock && uvbev_threading_enabled_()) {
      uvbev_free_(lev->poll);
      uvbev_free_(lev);
      return NULL;
    }
  }
  lev->base = base;
  lev->cb = cb;
  lev->arg = ptr;
  lev->flags = flags;
  lev->refcnt = 2; /* the user's and the handle's */
  lev->enabled = (flags & LEV_OPT_DISABLED) ? 0 : 1;
  lev->poll->data = lev;
  return lev;
}

static void lev_free_unstarted(struct evconnlistener *lev) {
  uvbev_free_(lev->poll);
  uvbev_lock_free_(lev->lock);
  uvbev_free_(lev);
}

/* The listener's libuv handle, opened and started on the loop thread (from
 * another thread, while the caller waits: uvbev_base_call_).  Returns a
 * libuv error with nothing opened, 1 when the opened handle would not start
 * (the caller frees the listener), or 0. */
static int lev_start_on_loop(void *obj, const struct timeval *tv) {
  struct evconnlistener *lev = obj;
  int r;
  (void)tv;
  r = uv_poll_init_socket(uvbev_base_loop_(lev->base), lev->poll, UVBEV_SOCK_TO_UV(lev->fd));
  if (r < 0) return r;
  uvbev_base_add_child_(lev->base, &lev->child, lev_on_base_shutdown);
  return lev_watch(lev) < 0 ? 1 : 0;
}

struct evconnlistener *evconnlistener_new(struct event_base *base, evconnlistener_cb cb, void *ptr,
                                          unsigned flags, int backlog, evutil_socket_t fd) {
  struct evconnlistener *lev;
  int r;
  if (!base) base = uvbev_current_base_(); /* as event_assign: event_init()'s base */
  if (!base || fd == UVBEV_NO_SOCKET) return NULL;
  /* backlog 0: the caller made it listen (or will see accept() fail). */
  if (backlog != 0 && uvbev_sock_listen_(fd, backlog > 0 ? backlog : LISTENER_DEFAULT_BACKLOG) < 0)
    return NULL;
  lev = lev_alloc(base, cb, ptr, flags);
  if (!lev) return NULL;
  lev->fd = fd;
  r = uvbev_base_call_(base, lev_start_on_loop, lev, NULL);
  if (r < 0) {
    lev_free_unstarted(lev);
    uvbev_set_socket_error_from_uv_(r);
    return NULL;
  }
  if (r > 0) {
    lev->flags &= ~LEV_OPT_CLOSE_ON_FREE; /* the caller's socket stays theirs */
    evconnlistener_free(lev);
    return NULL;
  }
  return lev;
}

struct evconnlistener *evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb,
                                               void *ptr, unsigned flags, int backlog,
                                               const struct sockaddr *sa, int socklen) {
  struct evconnlistener *lev;
  evutil_socket_t fd;
  if (backlog == 0 || !sa || socklen <= 0) return NULL;
  fd = uvbev_sock_stream_(sa->sa_family);
  if (fd == UVBEV_NO_SOCKET) return NULL;
  if (((flags & LEV_OPT_REUSEABLE) && evutil_make_listen_socket_reuseable(fd) < 0) ||
      ((flags & LEV_OPT_REUSEABLE_PORT) && evutil_make_listen_socket_reuseable_port(fd) < 0) ||
      ((flags & LEV_OPT_DEFERRED_ACCEPT) && evutil_make_tcp_listen_socket_deferred(fd) < 0) ||
      ((flags & LEV_OPT_BIND_IPV6ONLY) && uvbev_sock_ipv6only_(fd) < 0) ||
      uvbev_sock_bind_(fd, sa, socklen) < 0)
    goto fail;
  lev = evconnlistener_new(base, cb, ptr, flags | LEV_OPT_CLOSE_ON_FREE, backlog, fd);
  if (lev) return lev;
fail:
  uvbev_closesocket_raw_(fd);
  return NULL;
}

/* ---- use ----------------------------------------------------------------------- */

static int lev_free_on_loop(void *obj, const struct timeval *tv) {
  struct evconnlistener *lev = obj;
  (void)tv;
  UVBEV_LOCK(lev->lock);
  if (lev->freed) {
    UVBEV_UNLOCK(lev->lock);
    return 0;
  }
  lev->freed = 1;
  lev->cb = NULL;
  lev->errorcb = NULL;
  if (!lev->base_gone) uvbev_base_remove_child_(lev->base, &lev->child);
  lev_close_handle(lev);
  lev_unlock_decref(lev);
  return 0;
}

/* enabled: 1 or 0 to set it, -1 to keep it (a callback was set). */
static int lev_update(struct evconnlistener *lev, int enabled) {
  int r;
  UVBEV_LOCK(lev->lock);
  if (enabled >= 0) lev->enabled = enabled ? 1 : 0;
  r = lev_watch(lev);
  UVBEV_UNLOCK(lev->lock);
  return r;
}

static int lev_enable_on_loop(void *obj, const struct timeval *tv) {
  (void)tv;
  return lev_update(obj, 1);
}

static int lev_disable_on_loop(void *obj, const struct timeval *tv) {
  (void)tv;
  return lev_update(obj, 0);
}

static int lev_rewatch_on_loop(void *obj, const struct timeval *tv) {
  (void)tv;
  return lev_update(obj, -1);
}

/* Freeing, enabling and disabling touch the listener's libuv handle: from
 * another thread they are run by the loop thread while the caller waits. */
void evconnlistener_free(struct evconnlistener *lev) {
  if (!lev) return;
  if (lev->base_gone) /* its base was freed first: no loop left to ask */
    lev_free_on_loop(lev, NULL);
  else
    uvbev_base_call_(lev->base, lev_free_on_loop, lev, NULL);
}

int evconnlistener_enable(struct evconnlistener *lev) {
  return lev ? uvbev_base_call_(lev->base, lev_enable_on_loop, lev, NULL) : -1;
}

int evconnlistener_disable(struct evconnlistener *lev) {
  return lev ? uvbev_base_call_(lev->base, lev_disable_on_loop, lev, NULL) : -1;
}

struct event_base *evconnlistener_get_base(struct evconnlistener *lev) {
  return lev ? lev->base : NULL;
}

evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev) {
  return lev ? lev->fd : UVBEV_NO_SOCKET;
}

void evconnlistener_set_cb(struct evconnlistener *lev, evconnlistener_cb cb, void *arg) {
  if (!lev) return;
  UVBEV_LOCK(lev->lock);
  lev->cb = cb;
  lev->arg = arg;
  UVBEV_UNLOCK(lev->lock);
  uvbev_base_call_(lev->base, lev_rewatch_on_loop, lev, NULL); /* a callback starts polling */
}

void evconnlistener_set_error_cb(struct evconnlistener *lev, evconnlistener_errorcb errorcb) {
  if (!lev) return;
  UVBEV_LOCK(lev->lock);
  lev->errorcb = errorcb;
  UVBEV_UNLOCK(lev->lock);
}
