/* SPDX-License-Identifier: MIT */
/* The socket bufferevent kind, shared between bev_socket.c (I/O, fd
 * ownership, ops), bev_socket_connect.c (connect, connect by name) and
 * bev_socket_fdio.c (descriptors libuv has no stream for).
 *
 * A socket bufferevent owns at most one connection at a time (struct
 * bev_conn): one libuv stream handle (uv_tcp_t for TCP, uv_pipe_t for AF_UNIX
 * stream sockets, pipes and FIFOs) plus the requests that run on it; or,
 * for any other descriptor, a struct bev_fdio (see bev_socket_fdio.c).
 * bufferevent_setfd() and trying the next address of a name replace the
 * connection: the old one is detached and closed, and its callbacks that
 * still arrive (cancelled writes, the close callback) only release what they
 * hold.
 *
 * Life of a connection:
 *   conn_new (handle initialised, fd opened/adopted)
 *   -> reads (uv_read_start) and writes (uv_try_write, then uv_write) while it
 *      is s->conn and not connecting
 *   -> conn_close: uv_close; the bufferevent holds a reference for it
 *   -> close callback: the handle and the conn are freed, the reference dropped.
 * libuv runs the callbacks of pending requests (UV_ECANCELED) before the close
 * callback, so a conn outlives all of its requests.
 *
 * Memory: an idle connection costs its handle and this small struct; the
 * write request is allocated on the first write and kept, the connect and
 * shutdown requests live only while pending.
 */
#ifndef UVBEV_BEV_SOCKET_INTERNAL_H_
#define UVBEV_BEV_SOCKET_INTERNAL_H_

#include <uv.h>
#include "bufferevent-internal.h"
#include "fault_inject-internal.h"

struct bev_conn {
  uv_stream_t *stream;          /* &own.stream */
  struct bev_socket *owner;     /* the bufferevent (valid until close cb) */
  uv_write_t *wreq;             /* allocated on the first write, kept */
  evutil_socket_t user_fd;      /* what getfd reports; -1: ask uv_fileno */
  unsigned is_pipe : 1;         /* own is a uv_pipe_t (else a uv_tcp_t) */
  unsigned reading : 1;         /* uv_read_start is on */
  unsigned reserved : 1;        /* an alloc_cb reservation is open */
  unsigned writing : 1;         /* wreq is pending (write or connect probe) */
  unsigned connecting : 1;      /* creq (or the probe) is pending */
  unsigned failed : 1;          /* the connect failed: no more I/O */
  unsigned shutdown_wanted : 1; /* BEV_FINISHED: half-close once written */
  unsigned shutdown_started : 1;
  unsigned closing : 1;        /* uv_close was called */
  unsigned detached : 1;       /* no longer s->conn */
  unsigned last_read_full : 1; /* the last read filled its buffer (a stream) */
  /* Rate-limited: one read per wake-up, as libevent does (libuv would read
   * up to 32 times), so that the members of a group take turns; the next
   * alloc gives no buffer, which ends the wake-up's reads. */
  unsigned read_turn_used : 1;
  unsigned read_yielded : 1; /* that empty buffer's UV_ENOBUFS is ours */
#ifdef UVBEV_FAULT_INJECTION
  struct uvbev_fault_write fault_w; /* the pending write's drip */
  size_t fault_read_offer;          /* the read buffer's length before a cut */
#endif
  /* The handle.  It is last so that a conn is allocated only as long as it
   * needs: up to the end of the tcp member for TCP (smaller than a pipe).
   * The bytes of the pending write are the output's pin
   * (evbuffer_uv_pinned_), not kept here. */
  union {
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } own;
};

struct bev_socket {
  struct bufferevent_private p; /* first */
  struct bev_conn *conn;        /* NULL: no socket yet */
  struct bev_fdio *fio;         /* or a descriptor without a libuv stream
                                   (bev_socket_fdio.c); never both */
  /* Connecting to a list of addresses (by name): bev_socket_connect.c's,
   * allocated by the first such connect, as most sockets never make one. */
  struct bev_socket_addrs *addrs;
  int dns_error;
};

/* The write request of c, allocated on first use (NULL: out of memory). */
uv_write_t *bev_socket_wreq_(struct bev_conn *c);

/* The struct of a socket bufferevent, or NULL if bev is another kind. */
struct bev_socket *bev_socket_upcast_(struct bufferevent *bev);

/* The socket bufferevent at the bottom of a stack of layers over bev (bev
 * itself if it is a socket), or NULL if there is none. */
struct bev_socket *bev_socket_bottom_(struct bufferevent *bev);

/* A new connection for the socket of `family` (AF_INET, AF_INET6, AF_UNIX),
 * not yet connected, installed as s->conn (the previous one is closed).
 * Returns 0 or a libuv error. */
int bev_socket_conn_create_(struct bev_socket *s, int family);

/* Detaches and closes s->conn (if any). */
void bev_socket_conn_drop_(struct bev_socket *s);

/* The connection is established: clears the connecting state, reports
 * BEV_EVENT_CONNECTED and starts the enabled I/O. */
void bev_socket_connected_(struct bev_socket *s);

/* A connect attempt failed with libuv error `err`: tries the next resolved
 * address if any, else reports BEV_EVENT_ERROR. */
void bev_socket_connect_failed_(struct bev_socket *s, int err);

/* Connects to the addresses of `list` in turn (taking ownership of it, to be
 * freed with evutil_freeaddrinfo), as connect_hostname does once resolved:
 * CONNECTED for the first that accepts, ERROR if none does.  Returns 0 if an
 * attempt started, -1 if none could (list freed; no callback). */
int bev_socket_connect_addrs_(struct bev_socket *s, struct evutil_addrinfo *list);

/* Starts writing the output now (call from loop callbacks only). */
void bev_socket_write_out_(struct bev_socket *s);

/* Cancels the pending name lookup and forgets the remaining addresses. */
void bev_socket_cancel_lookup_(struct bev_socket *s);

/* Frees s->addrs (when the bufferevent is destroyed). */
void bev_socket_addrs_free_(struct bev_socket *s);

/* Reports a read (write) failure with libuv error `err` (UV_EOF: end of
 * file) as libevent does: that direction disabled, then the event callback
 * with BEV_EVENT_READING (WRITING) and EVUTIL_SOCKET_ERROR() set. */
void bev_socket_read_failed_(struct bev_socket *s, int err);
void bev_socket_write_failed_(struct bev_socket *s, int err);

/* ---- descriptors without a libuv stream (bev_socket_fdio.c) ---- */

/* Installs fd (a tty, pty, device, file, non-stream socket: see
 * uvbev_fd_kind_) as s->fio, replacing the connection, watched by a poll
 * handle or (always_ready, or if the poller refuses it) an idle handle.
 * Returns 0 or a libuv error (s unchanged). */
int bev_fdio_open_(struct bev_socket *s, evutil_socket_t fd, int always_ready);

/* Detaches and closes s->fio (if any). */
void bev_fdio_drop_(struct bev_socket *s);

/* Watches s->fio for what the bufferevent wants now: reading while EV_READ
 * is active, writing while EV_WRITE is active and output is pending.  Loop
 * thread only. */
void bev_fdio_update_(struct bev_socket *s);

/* The descriptor getfd reports for s->fio (UVBEV_NO_SOCKET without one). */
evutil_socket_t bev_fdio_fd_(const struct bev_socket *s);

#endif
