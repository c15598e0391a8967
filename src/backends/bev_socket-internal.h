/* SPDX-License-Identifier: MIT */
/* The socket bufferevent kind, shared between bev_socket.c (I/O, fd
 * ownership, ops), bev_socket_connect.c (connect, connect by name) and
 * bev_socket_fdio.c (descriptors libuv has no stream for).
 *
 * A socket bufferevent owns at most one connection at a time (struct
 * bev_conn): one libuv stream handle (uv_tcp_t for TCP, uv_pipe_t for AF_UNIX
 * stream sockets, pipes and FIFOs) plus the requests that run on it; or,
 * for any other descriptor, a struct bev_fdio (see bev_socket_fdio.c).
 * bufferevent_setfd() and connecting to a name replace the connection (the
 * attempts for a name race on connections of their own, not s->conn, until
 * one wins: bev_socket_race.c): the old one is detached and closed, and its
 * callbacks that still arrive (cancelled writes, the close callback) only
 * release what they hold.
 *
 * Life of a connection:
 *   conn_new (handle initialised, fd opened/adopted)
 *   -> reads (uv_read_start) and writes (uv_try_write, then uv_write) while it
 *      is s->conn and not connecting
 *   -> conn_close: uv_close; the bufferevent holds a reference for it.  On a
 *      descriptor the user keeps, the rest of a started write is sent
 *      first (bev_socket_finish.c): libuv would cancel it mid-stream
 *   -> close callback: the handle and the conn are freed, the reference dropped.
 * The first connection lives in the bufferevent's block (s->conn0), so that
 * an idle socket bufferevent is one allocation; that reference keeps the
 * block while it closes.  A connection made while conn0 is in use or still
 * closing (setfd, connect, the attempts of a race) is allocated.
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
#include "platform-internal.h"

struct bev_xmit;

struct bev_conn {
  struct bev_socket *owner;     /* the bufferevent (valid until close cb) */
  uv_write_t *wreq;             /* allocated on the first write, kept */
#if UVBEV_HAS_XMIT
  struct bev_xmit *xmit; /* a TransmitFile in flight (bev_socket_file.c); only
                            where there is one: 16 bytes more per connection */
#endif
  evutil_socket_t user_fd;      /* what getfd reports; -1: ask uv_fileno */
  unsigned is_pipe : 1;         /* own is a uv_pipe_t (else a uv_tcp_t) */
  unsigned reading : 1;         /* uv_read_start is on */
  unsigned reserved : 1;        /* an alloc_cb reservation is open */
  unsigned writing : 1;         /* wreq is pending (write or connect probe),
                                   or xmit */
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
  unsigned in_read_dispatch : 1; /* on_read is running the read callback */
  unsigned write_after_read : 1; /* ...which wrote: write when it returns */
  unsigned embedded : 1;     /* it is owner->conn0 */
  unsigned pipe_room : 1;    /* conn0 only, kept across uses: the block has
                                room for a uv_pipe_t */
  /* conn0 only, kept across uses, for the whole bufferevent: released
   * (freed) on a descriptor the caller keeps, its whole output goes out,
   * not only the started write (bev_socket_release_sends_all_).  Here
   * rather than in struct bev_socket, where it would cost 16 bytes. */
  unsigned release_sends_all : 1;
  unsigned write_begun : 1;    /* uv_try_write sent the head of the pending write */
  unsigned write_finished : 1; /* bev_socket_finish_write_ took the pending
                                  write over: its pin is done with */
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
  /* Connecting to a name (bev_socket_race.c's), allocated by the first
   * such connect or setting, as most sockets never make one. */
  struct bev_socket_addrs *addrs;
  /* The first connection, last: the block ends where its handle does (a
   * uv_tcp_t, or a uv_pipe_t if conn0.pipe_room).  In use (until its close
   * callback) while conn0.owner is set; loop thread only. */
  struct bev_conn conn0;
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

/* Starts connecting c (not yet connected) to sa; its callback goes to the
 * race (bev_socket_race_attempt_done_) if c is one of its attempts, else
 * ends the connect of s->conn.  Returns 0 or a libuv error. */
int bev_socket_conn_connect_(struct bev_conn *c, const struct sockaddr *sa, int socklen);

/* A connect (or a lookup) starts / ends: reading suspended and the write
 * timeout covering the wait, then both undone. */
void bev_socket_connect_begin_(struct bev_socket *s);
void bev_socket_connect_end_(struct bev_socket *s);

/* The connection s->conn is established: ends the connect, reports
 * BEV_EVENT_CONNECTED and starts the enabled I/O. */
void bev_socket_connected_(struct bev_socket *s);

/* The connect of s->conn (if any) failed with libuv error `err`: the
 * socket stays without I/O, BEV_EVENT_ERROR with EVUTIL_SOCKET_ERROR() set. */
void bev_socket_connect_failed_(struct bev_socket *s, int err);

/* ---- connecting to a name: Happy Eyeballs (bev_socket_race.c) ---- */

/* Looks `hostname` up and races connections to its addresses (see the top
 * of bev_socket_race.c): CONNECTED for the first that accepts, ERROR (with
 * bufferevent_socket_get_dns_error() set if the lookup failed) if none does.
 * Returns 0, or -1 (out of memory; no callback). */
int bev_socket_race_name_(struct bev_socket *s, int family, const char *hostname, const char *port);

/* The same race over the addresses of `list` (taking ownership of it, to be
 * freed with evutil_freeaddrinfo), as once resolved.  Returns 0 if an
 * attempt started, -1 if none could (list freed; no callback). */
int bev_socket_connect_addrs_(struct bev_socket *s, struct evutil_addrinfo *list);

/* The connect callback of c with libuv status `status`: returns 1 if c was
 * an attempt of the race (which it then judges), 0 if it is not the race's. */
int bev_socket_race_attempt_done_(struct bev_socket *s, struct bev_conn *c, int status);

/* c (s->conn, about to close) lets go of a descriptor that stays open:
 * sends the rest of a write in flight whose first bytes went out, straight
 * to the descriptor, waiting for the kernel a bounded time (see
 * bev_socket_finish.c).  Nothing to do for other connections. */
void bev_socket_finish_write_(struct bev_socket *s, struct bev_conn *c);

/* For a socket bufferevent whose output is already the peer's (the records
 * of a TLS layer whose SSL object the caller keeps: its sequence numbers
 * count them as sent): when freed on a descriptor the caller keeps, it sends
 * all of its output, not only the started write, within the same bounded
 * wait.  No effect on other kinds. */
void bev_socket_release_sends_all_(struct bufferevent *bev);

/* Starts writing the output now (call from loop callbacks only). */
void bev_socket_write_out_(struct bev_socket *s);

/* Stops connecting to a name: lookups cancelled, attempts in flight closed,
 * the addresses forgotten. */
void bev_socket_cancel_lookup_(struct bev_socket *s);

/* Frees s->addrs (when the bufferevent is destroyed). */
void bev_socket_addrs_free_(struct bev_socket *s);

/* bufferevent_socket_get_dns_error's answer (kept in s->addrs: only a
 * connect to a name sets it), and its reset for a new connect. */
int bev_socket_dns_error_(const struct bev_socket *s);
void bev_socket_dns_error_clear_(struct bev_socket *s);

/* Reports a read (write) failure with libuv error `err` (UV_EOF: end of
 * file) as libevent does: that direction disabled, then the event callback
 * with BEV_EVENT_READING (WRITING) and EVUTIL_SOCKET_ERROR() set. */
void bev_socket_read_failed_(struct bev_socket *s, int err);
void bev_socket_write_failed_(struct bev_socket *s, int err);

/* ---- file segments in the output (bev_socket_file.c) ---- */

/* Before pinning the output: sends a file segment at its front with
 * sendfile (up to budget bytes).  Returns 1 if it did (or failed the write:
 * the file is short or the socket broken), 0 if the output is to be written
 * the usual way. */
int bev_socket_sendfile_(struct bev_socket *s, size_t budget);

/* Non-zero while c's TransmitFile is in flight (never where there is none). */
static inline int bev_socket_xmit_busy_(const struct bev_conn *c) {
#if UVBEV_HAS_XMIT
  return c->xmit != NULL;
#else
  (void)c;
  return 0;
#endif
}

/* Waits until deadline (uv_hrtime's clock) at the most for c's TransmitFile
 * in flight, if any, to complete: on a descriptor the caller keeps, the
 * stream then goes on from a write boundary (bev_socket_finish.c). */
void bev_socket_xmit_settle_(struct bev_conn *c, uint64_t deadline);

/* c (s->conn, about to close, its socket still open) lets go of its
 * TransmitFile in flight, if any: cancelled unless it completed, the bytes
 * it sent drained from the output, no callback after. */
void bev_socket_xmit_drop_(struct bev_socket *s, struct bev_conn *c);

/* Test hook, not API: called each time a TransmitFile of len bytes starts
 * on bev (NULL: none).  Set it only while no bufferevent writes. */
typedef void (*bev_socket_xmit_hook_fn)(struct bufferevent *bev, size_t len);
void bev_socket_set_xmit_hook_(bev_socket_xmit_hook_fn fn);

/* Call after each pin of the output (npinned bytes): starts reading the
 * next window of a file segment near the front on the thread pool, unless
 * one is being read; writing resumes when it is in (a write failure if it
 * cannot be read).  Returns 0, or a libuv error if the read could not
 * start. */
int bev_socket_file_ahead_(struct bev_socket *s, size_t npinned);

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
