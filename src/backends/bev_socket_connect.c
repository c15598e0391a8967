/* SPDX-License-Identifier: MIT */
/* Connecting socket bufferevents: bufferevent_socket_connect() on
 * uv_tcp_connect / uv_pipe_connect, and the entry of
 * bufferevent_socket_connect_hostname(), whose lookups and connection
 * attempts (Happy Eyeballs) are bev_socket_race.c's.
 *
 * While a lookup or a connect is pending, reading is suspended
 * (BEV_SUSPEND_CONNECT), nothing is written (data added meanwhile is sent
 * once connected) and the write timeout covers the wait
 * (bev_core_set_connect_pending_).  A refused or failed connect is
 * BEV_EVENT_ERROR with the cause in EVUTIL_SOCKET_ERROR(); success is
 * BEV_EVENT_CONNECTED.
 *
 * bufferevent_socket_connect(bev, NULL, 0) says "the socket is connecting
 * already".  libuv cannot wait for an fd it did not connect itself, so uvbev
 * queues a zero-length write on the socket: it completes (status 0) once the
 * socket is writable, i.e. connected, and fails with the connect error (e.g.
 * ECONNREFUSED) otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "bev_socket-internal.h"
#include "platform-internal.h"
#include "event2/event.h"

/* ---- completion ---------------------------------------------------------------- */

void bev_socket_connect_begin_(struct bev_socket *s) {
  bev_core_suspend_read_(&s->p.bev, BEV_SUSPEND_CONNECT);
  bev_core_set_connect_pending_(&s->p.bev, 1);
}

void bev_socket_connect_end_(struct bev_socket *s) {
  if (s->conn) s->conn->connecting = 0;
  bev_core_set_connect_pending_(&s->p.bev, 0);
  bev_core_unsuspend_read_(&s->p.bev, BEV_SUSPEND_CONNECT);
}

void bev_socket_connected_(struct bev_socket *s) {
  struct bufferevent *bev = &s->p.bev;
  bev_socket_connect_end_(s);
  bev_core_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
  if (!s->p.freed && s->conn) bev_socket_write_out_(s);
}

void bev_socket_connect_failed_(struct bev_socket *s, int err) {
  struct bufferevent *bev = &s->p.bev;
  /* As libevent: the socket stays, without I/O; the event callback decides. */
  if (s->conn) s->conn->failed = 1;
  bev_socket_connect_end_(s);
  EVUTIL_SET_SOCKET_ERROR(uvbev_socket_error_from_uv_(err));
  bev_core_run_eventcb_(bev, BEV_EVENT_ERROR, 0);
}

/* uv_tcp_connect / uv_pipe_connect callback, and the probe write's.  An
 * attempt of a race (connect by name) is the race's to judge. */
static void on_connected(struct bev_conn *c, int status) {
  struct bev_socket *s = c->owner;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_(bev);
  BEV_LOCK(bev);
  c->connecting = 0;
  if (!c->detached && !s->p.freed && !bev_socket_race_attempt_done_(s, c, status)) {
    if (status == 0)
      bev_socket_connected_(s);
    else
      bev_socket_connect_failed_(s, status);
  }
  BEV_UNLOCK(bev);
  bev_core_decref_(bev);
}

static void on_connect(uv_connect_t *req, int status) {
  struct bev_conn *c = req->data;
  uvbev_free_(req);
  on_connected(c, status);
}

static void on_probe_written(uv_write_t *req, int status) {
  struct bev_conn *c = req->data;
  c->writing = 0;
  on_connected(c, status);
}

/* ---- starting ------------------------------------------------------------------ */

/* An AF_INET / AF_INET6 address of a sufficient length. */
static int addr_len_ok(const struct sockaddr *sa, int socklen) {
  if (sa->sa_family == AF_INET) return socklen >= (int)sizeof(struct sockaddr_in);
  if (sa->sa_family == AF_INET6) return socklen >= (int)sizeof(struct sockaddr_in6);
  return 0;
}

int bev_socket_conn_connect_(struct bev_conn *c, const struct sockaddr *sa, int socklen) {
  uv_connect_t *req = uvbev_malloc_(sizeof(*req));
  int r;
  if (!req) return UV_ENOMEM;
  req->data = c;
  if (c->is_pipe) {
    char path[UVBEV_SOCK_PATH_MAX];
    r = uvbev_sock_local_path_(sa, socklen, path, sizeof(path)) != 0 ? UV_EINVAL : 0;
    if (r == 0) uv_pipe_connect(req, &c->own.pipe, path, on_connect);
  } else {
    r = !addr_len_ok(sa, socklen) ? UV_EINVAL
                                  : uv_tcp_connect(req, &c->own.tcp, sa, on_connect);
  }
  if (r < 0) {
    uvbev_free_(req);
    return r;
  }
  c->connecting = 1;
  return 0;
}

/* Starts connecting s->conn (created for sa's family if missing) to sa.
 * Returns 0 or a libuv error. */
static int start_connect(struct bev_socket *s, const struct sockaddr *sa, int socklen) {
  int r;
  if (!s->conn) {
    r = bev_socket_conn_create_(s, sa->sa_family);
    if (r < 0) return r;
  }
  r = bev_socket_conn_connect_(s->conn, sa, socklen);
  if (r == 0) bev_socket_connect_begin_(s);
  return r;
}

/* addr NULL: the socket is connecting already (see the top of the file). */
static int start_probe(struct bev_socket *s) {
  struct bev_conn *c = s->conn;
  static char nothing[1];
  uv_buf_t buf = uv_buf_init(nothing, 0);
  int r;
  if (!c || c->writing || c->connecting) return -1;
  if (!bev_socket_wreq_(c)) return -1;
  r = uv_write(c->wreq, &c->own.stream, &buf, 1, on_probe_written);
  if (r < 0) return -1;
  c->writing = 1;
  c->connecting = 1;
  bev_socket_connect_begin_(s);
  return 0;
}

static int socket_connect_on_loop(struct bufferevent *top, const struct sockaddr *addr,
                                  int socklen) {
  struct bev_socket *s = bev_socket_bottom_(top);
  struct bufferevent *bev;
  int r;
  if (!s || (addr && socklen <= 0)) return -1;
  bev = &s->p.bev;
  BEV_LOCK(bev);
  if (!addr) {
    r = start_probe(s);
  } else {
    bev_socket_cancel_lookup_(s);
    if (s->conn && s->conn->failed) bev_socket_conn_drop_(s); /* a new attempt needs a new socket */
    r = start_connect(s, addr, socklen) < 0 ? -1 : 0;
  }
  BEV_UNLOCK(bev);
  return r;
}

/* ---- by name ------------------------------------------------------------------- */

static int socket_connect_hostname_on_loop(struct bufferevent *top, int family,
                                           const char *hostname, int port) {
  struct bev_socket *s = bev_socket_bottom_(top);
  struct bufferevent *bev;
  char portbuf[16];
  int r;
  if (!s || !hostname || port < 1 || port > 65535) return -1;
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) return -1;
  snprintf(portbuf, sizeof(portbuf), "%d", port);
  bev = &s->p.bev;
  BEV_LOCK(bev);
  bev_socket_cancel_lookup_(s);
  bev_socket_dns_error_clear_(s);
  r = bev_socket_race_name_(s, family, hostname, portbuf);
  BEV_UNLOCK(bev);
  return r;
}

int bufferevent_socket_get_dns_error(struct bufferevent *top) {
  struct bev_socket *s = bev_socket_bottom_(top);
  struct bufferevent *bev;
  int r;
  if (!s) return 0;
  bev = &s->p.bev;
  BEV_LOCK(bev);
  r = bev_socket_dns_error_(s);
  BEV_UNLOCK(bev);
  return r;
}

/* ---- from any thread ------------------------------------------------------------ */

/* Connecting touches libuv handles, so a call from another thread is run by
 * the loop thread while the caller waits (uvbev_base_call_); the arguments
 * live on the caller's stack meanwhile. */
struct connect_call {
  struct bufferevent *bev;
  const struct sockaddr *addr;
  int socklen;
  int family;
  const char *hostname;
  int port;
};

static int connect_call_run(void *obj, const struct timeval *tv) {
  struct connect_call *cc = obj;
  (void)tv;
  if (cc->hostname)
    return socket_connect_hostname_on_loop(cc->bev, cc->family, cc->hostname, cc->port);
  return socket_connect_on_loop(cc->bev, cc->addr, cc->socklen);
}

int bufferevent_socket_connect(struct bufferevent *bev, const struct sockaddr *addr, int socklen) {
  struct connect_call cc;
  if (!bev) return -1;
  memset(&cc, 0, sizeof(cc));
  cc.bev = bev;
  cc.addr = addr;
  cc.socklen = socklen;
  return uvbev_base_call_under_(bev->ev_base, BEV_UPCAST(bev)->lock, connect_call_run, &cc, NULL);
}

int bufferevent_socket_connect_hostname(struct bufferevent *bev, struct evdns_base *dns_base,
                                        int family, const char *hostname, int port) {
  struct connect_call cc;
  (void)dns_base; /* lookups never depend on it: see include/event2/dns.h */
  if (!bev || !hostname) return -1;
  memset(&cc, 0, sizeof(cc));
  cc.bev = bev;
  cc.family = family;
  cc.hostname = hostname;
  cc.port = port;
  return uvbev_base_call_under_(bev->ev_base, BEV_UPCAST(bev)->lock, connect_call_run, &cc, NULL);
}
