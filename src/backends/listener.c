/* evconnlistener on a uv_tcp_t (include/event2/listener.h).
 *
 * libuv cannot stop a listening handle without closing it, so "disabled"
 * means: connections libuv announces are counted, not accepted (libuv then
 * stops polling the socket on Unix, and keeps its accept requests pending on
 * Windows); enabling accepts the ones counted.  Each accepted connection is a
 * malloc'd uv_tcp_t registered in the accepted-handle registry under its fd,
 * which is what the user's callback receives.
 *
 * Life: the user's reference and the handle's (dropped by its close
 * callback) keep the listener; each callback holds one more, so
 * evconnlistener_free() inside a callback is safe.  The base closes the
 * handle if it is freed first (the listener is then inert until freed). */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "event2/listener.h"
#include "accepted-internal.h"
#include "compat-internal.h"
#include "event-internal.h"
#include "sock_os-internal.h"
#include "thread-internal.h"

#define LISTENER_DEFAULT_BACKLOG 128

struct evconnlistener {
  uv_tcp_t *tcp; /* malloc'd; freed by its close callback */
  struct event_base *base;
  evconnlistener_cb cb;
  evconnlistener_errorcb errorcb;
  void *arg;
  void *lock;
  evutil_socket_t fd; /* reported by evconnlistener_get_fd */
  unsigned flags;
  int refcnt;
  unsigned pending; /* announced by libuv, not accepted yet */
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
  lev_unlock_decref(lev);
}

static void lev_close_handle(struct evconnlistener *lev) {
  if (lev->closing) return;
  lev->closing = 1;
  uvbev_base_close_handle_(lev->base, (uv_handle_t *)lev->tcp, on_listener_closed);
}

static void lev_report_error(struct evconnlistener *lev, int uv_err) {
  evconnlistener_errorcb errorcb = lev->errorcb;
  void *arg = lev->arg;
  if (!errorcb || lev->freed) return;
  UVBEV_UNLOCK(lev->lock);
  uvbev_set_socket_error_from_uv_(uv_err);
  errorcb(lev, arg);
  UVBEV_LOCK(lev->lock);
}

static void on_client_closed(uv_handle_t *h) {
  uvbev_free_(h);
}

/* Accepts one connection and hands it to the user (lock held, released
 * around the callback). */
static void lev_accept_one(struct evconnlistener *lev) {
  uv_tcp_t *client = uvbev_malloc_(sizeof(*client));
  struct sockaddr_storage peer;
  int peerlen = (int)sizeof(peer);
  uv_os_fd_t osfd;
  evconnlistener_cb cb;
  void *arg;
  int r;
  if (!client) {
    lev_report_error(lev, UV_ENOMEM);
    return;
  }
  r = uv_tcp_init(uvbev_base_loop_(lev->base), client);
  if (r < 0) {
    uvbev_free_(client);
    lev_report_error(lev, r);
    return;
  }
  r = uv_accept((uv_stream_t *)lev->tcp, (uv_stream_t *)client);
  if (r == 0) r = uv_fileno((uv_handle_t *)client, &osfd);
  if (r == 0) {
    memset(&peer, 0, sizeof(peer));
    r = uv_tcp_getpeername(client, (struct sockaddr *)&peer, &peerlen);
  }
  if (r == 0 &&
      uvbev_accepted_put_(lev->base, (evutil_socket_t)(intptr_t)osfd, (uv_stream_t *)client) < 0)
    r = UV_ENOMEM;
  if (r < 0) {
    uv_close((uv_handle_t *)client, on_client_closed);
    lev_report_error(lev, r);
    return;
  }
  cb = lev->cb;
  arg = lev->arg;
  UVBEV_UNLOCK(lev->lock);
  cb(lev, (evutil_socket_t)(intptr_t)osfd, (struct sockaddr *)&peer, peerlen, arg);
  UVBEV_LOCK(lev->lock);
}

static void lev_accept_pending(struct evconnlistener *lev) {
  while (lev->pending > 0 && lev->enabled && lev->cb && !lev->freed && !lev->closing) {
    lev->pending--;
    lev_accept_one(lev);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  struct evconnlistener *lev = server->data;
  uvbev_base_note_callback_(lev->base);
  UVBEV_LOCK(lev->lock);
  lev_incref(lev);
  if (status < 0)
    lev_report_error(lev, status); /* EMFILE...: keep listening */
  else
    lev->pending++;
  lev_accept_pending(lev);
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
  lev->tcp = uvbev_malloc_(sizeof(*lev->tcp));
  if (!lev->tcp) {
    uvbev_free_(lev);
    return NULL;
  }
  if (flags & LEV_OPT_THREADSAFE) {
    lev->lock = uvbev_lock_new_();
    if (!lev->lock && uvbev_threading_enabled_()) {
      uvbev_free_(lev->tcp);
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
  lev->tcp->data = lev;
  return lev;
}

/* Failure after uv_tcp_init: the handle's close frees everything. */
static struct evconnlistener *lev_fail(struct evconnlistener *lev, int uv_err) {
  lev->refcnt = 1;
  lev->closing = 1;
  uv_close((uv_handle_t *)lev->tcp, on_listener_closed);
  uvbev_set_socket_error_from_uv_(uv_err);
  return NULL;
}

static void lev_fail_early(struct evconnlistener *lev, int uv_err) {
  uvbev_free_(lev->tcp);
  uvbev_lock_free_(lev->lock);
  uvbev_free_(lev);
  uvbev_set_socket_error_from_uv_(uv_err);
}

static struct evconnlistener *lev_start(struct evconnlistener *lev, int backlog) {
  int r = uv_listen((uv_stream_t *)lev->tcp, backlog > 0 ? backlog : LISTENER_DEFAULT_BACKLOG,
                    on_connection);
  if (r < 0) return lev_fail(lev, r);
  uvbev_base_add_child_(lev->base, &lev->child, lev_on_base_shutdown);
  return lev;
}

struct evconnlistener *evconnlistener_new(struct event_base *base, evconnlistener_cb cb, void *ptr,
                                          unsigned flags, int backlog, evutil_socket_t fd) {
  struct evconnlistener *lev;
  evutil_socket_t osfd = fd;
  int r;
  if (!base || fd < 0 || fd == UVBEV_NO_SOCKET) return NULL;
  lev = lev_alloc(base, cb, ptr, flags);
  if (!lev) return NULL;
  if (!(flags & LEV_OPT_CLOSE_ON_FREE)) {
    osfd = uvbev_sock_dup_(fd);
    if (osfd == UVBEV_NO_SOCKET) {
      lev_fail_early(lev, UV_EBADF);
      return NULL;
    }
  }
  if (flags & LEV_OPT_CLOSE_ON_EXEC) evutil_make_socket_closeonexec(osfd);
  if (flags & LEV_OPT_DEFERRED_ACCEPT) evutil_make_tcp_listen_socket_deferred(osfd);
  r = uv_tcp_init(uvbev_base_loop_(base), lev->tcp);
  if (r < 0) {
    if (osfd != fd) uvbev_closesocket_raw_(osfd);
    lev_fail_early(lev, r);
    return NULL;
  }
  r = uv_tcp_open(lev->tcp, UVBEV_SOCK_TO_UV(osfd));
  if (r < 0) {
    if (osfd != fd) uvbev_closesocket_raw_(osfd);
    return lev_fail(lev, r);
  }
  lev->fd = fd;
  return lev_start(lev, backlog);
}

struct evconnlistener *evconnlistener_new_bind(struct event_base *base, evconnlistener_cb cb,
                                               void *ptr, unsigned flags, int backlog,
                                               const struct sockaddr *sa, int socklen) {
  struct evconnlistener *lev;
  uv_os_fd_t osfd;
  unsigned bind_flags = 0;
  int r;
  if (!base || !sa || socklen <= 0 || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
    return NULL;
  lev = lev_alloc(base, cb, ptr, flags | LEV_OPT_CLOSE_ON_FREE);
  if (!lev) return NULL;
  r = uv_tcp_init_ex(uvbev_base_loop_(base), lev->tcp, sa->sa_family);
  if (r < 0) {
    lev_fail_early(lev, r);
    return NULL;
  }
  r = uv_fileno((uv_handle_t *)lev->tcp, &osfd);
  if (r < 0) return lev_fail(lev, r);
  lev->fd = (evutil_socket_t)(intptr_t)osfd;
  if ((flags & LEV_OPT_REUSEABLE) && evutil_make_listen_socket_reuseable(lev->fd) < 0)
    return lev_fail(lev, UV_EINVAL);
  if ((flags & LEV_OPT_REUSEABLE_PORT) && evutil_make_listen_socket_reuseable_port(lev->fd) < 0)
    return lev_fail(lev, UV_ENOTSUP);
  if (flags & LEV_OPT_DEFERRED_ACCEPT) evutil_make_tcp_listen_socket_deferred(lev->fd);
  if (flags & LEV_OPT_BIND_IPV6ONLY) bind_flags |= UV_TCP_IPV6ONLY;
  r = uv_tcp_bind(lev->tcp, sa, bind_flags);
  if (r < 0) return lev_fail(lev, r);
  return lev_start(lev, backlog);
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

static int lev_enable_on_loop(void *obj, const struct timeval *tv) {
  struct evconnlistener *lev = obj;
  (void)tv;
  UVBEV_LOCK(lev->lock);
  lev->enabled = 1;
  lev_incref(lev); /* the user's callback may free the listener */
  lev_accept_pending(lev);
  lev_unlock_decref(lev);
  return 0;
}

/* Freeing and enabling touch the listener's libuv handle: from another
 * thread they are run by the loop thread while the caller waits. */
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
  if (!lev) return -1;
  UVBEV_LOCK(lev->lock);
  lev->enabled = 0;
  UVBEV_UNLOCK(lev->lock);
  return 0;
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
  lev_incref(lev); /* a callback set on an enabled listener starts accepting */
  lev_accept_pending(lev);
  lev_unlock_decref(lev);
}

void evconnlistener_set_error_cb(struct evconnlistener *lev, evconnlistener_errorcb errorcb) {
  if (!lev) return;
  UVBEV_LOCK(lev->lock);
  lev->errorcb = errorcb;
  UVBEV_UNLOCK(lev->lock);
}
