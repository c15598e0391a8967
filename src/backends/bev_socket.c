/* SPDX-License-Identifier: MIT */
/* Socket bufferevents: the bytes of a uv_tcp_t / uv_pipe_t moved in and out
 * of the bufferevent's evbuffers.  Connecting lives in bev_socket_connect.c;
 * the connection's life is described in bev_socket-internal.h.
 *
 * Reading: alloc_cb reserves free space at the tail of the input (sized by
 * max_single_read and the room below the read high watermark), read_cb
 * commits what arrived: no copy, no malloc per read in steady state.
 *
 * Reconciling (the kind's op, contract in bufferevent-internal.h): a
 * trigger starts or stops reading at once; writing is left to the core's
 * reconcile deferred, so bytes leave from the loop and never from inside
 * bufferevent_write() (whose write callback would otherwise recurse into the
 * caller).  From the deferred, reading is brought in line with the state and
 * the output written: write_out pins the leading chunks of the output, tries
 * uv_try_write, and hands what is left to one uv_write; the write callback
 * unpins (drains) and reports to the core.
 *
 * Descriptor ownership.  libuv closes the descriptor it watches and cannot
 * let go of it.  So:
 *   - with BEV_OPT_CLOSE_ON_FREE the handle watches the caller's fd;
 *   - without it, the handle watches a duplicate (dup() on Unix,
 *     WSADuplicateSocket on Windows) and the caller's fd stays open after
 *     bufferevent_free(); getfd still reports the caller's fd;
 *   - an fd handed out by an evconnlistener is a plain descriptor, the same.
 *   - bufferevent_setfd() releases the previous connection like a free.
 *   - releasing a descriptor the caller keeps finishes the write in flight
 *     whose first bytes went out, before the handle closes, so the caller
 *     goes on from a write boundary (bev_socket_finish.c).
 *
 * Descriptor kinds (uvbev_fd_kind_): TCP sockets run on uv_tcp_t, AF_UNIX
 * stream sockets, pipes and FIFOs on uv_pipe_t; every other descriptor
 * libevent accepts (ttys, ptys, devices, regular files, other sockets)
 * runs on bev_socket_fdio.c, as s->fio instead of s->conn.
 */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "bev_socket-internal.h"
#include "platform-internal.h"
#include "evbuffer-uv-internal.h"
#include "event-internal.h"
#include "fault_inject-internal.h"
#include "ratelim-internal.h"
#include "event2/event.h"

/* ---- connections ------------------------------------------------------------ */

/* Frees c, or gives conn0 back. */
static void conn_release(struct bev_conn *c) {
  if (c->embedded)
    c->owner = NULL;
  else
    uvbev_free_(c);
}

static void conn_closed(uv_handle_t *handle) {
  struct bev_conn *c = handle->data;
  struct bev_socket *s = c->owner;
  uvbev_free_(c->wreq);
  conn_release(c);
  if (s) bev_core_decref_(&s->p.bev); /* may free the block, conn0 with it */
}

static void conn_close(struct bev_conn *c) {
  if (c->closing) return;
  c->closing = 1;
  if (!c->owner) {
    uv_close((uv_handle_t *)&c->own.stream, conn_closed);
    return;
  }
  bev_core_incref_(&c->owner->p.bev);
  uvbev_base_close_handle_(c->owner->p.bev.ev_base, (uv_handle_t *)&c->own.stream, conn_closed);
}

/* Bytes of a conn with its own TCP or pipe handle: up to the end of it. */
static size_t conn_size(int is_pipe) {
  return offsetof(struct bev_conn, own) + (is_pipe ? sizeof(uv_pipe_t) : sizeof(uv_tcp_t));
}

/* A conn: s->conn0 if it is free and has room for the handle, else one
 * allocated. */
static struct bev_conn *conn_alloc(struct bev_socket *s, int is_pipe) {
  struct bev_conn *c = &s->conn0;
  if (!c->owner && (!is_pipe || c->pipe_room)) {
    unsigned pipe_room = c->pipe_room, sends_all = c->release_sends_all;
    memset(c, 0, conn_size(is_pipe));
    c->embedded = 1;
    c->pipe_room = pipe_room;
    c->release_sends_all = sends_all;
  } else {
    c = uvbev_calloc_(1, conn_size(is_pipe));
    if (!c) return NULL;
  }
  c->owner = s;
  c->user_fd = UVBEV_NO_SOCKET;
  c->is_pipe = is_pipe ? 1 : 0;
  return c;
}

uv_write_t *bev_socket_wreq_(struct bev_conn *c) {
  if (!c->wreq) c->wreq = uvbev_malloc_(sizeof(*c->wreq));
  if (c->wreq) c->wreq->data = c;
  return c->wreq;
}

/* Frees a conn whose handle failed to open (it was initialised: close it).
 * conn0 closes like any installed conn, holding a reference on the block it
 * lives in. */
static void conn_abort(struct bev_conn *c) {
  c->own.stream.data = c;
  if (c->embedded) {
    conn_close(c);
    return;
  }
  c->owner = NULL;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->own.stream, conn_closed);
}

static void conn_install(struct bev_socket *s, struct bev_conn *c) {
  bev_socket_conn_drop_(s);
  c->own.stream.data = c;
  s->conn = c;
}

void bev_socket_conn_drop_(struct bev_socket *s) {
  struct bev_conn *c = s->conn;
  bev_fdio_drop_(s);
  if (!c) return;
  bev_socket_finish_write_(s, c); /* bev_socket_finish.c */
  bev_socket_xmit_drop_(s, c);    /* bev_socket_file.c: before the socket closes */
  s->conn = NULL;
  c->detached = 1;
  if (c->reading) uv_read_stop(&c->own.stream);
  c->reading = 0;
  conn_close(c);
}

int bev_socket_conn_create_(struct bev_socket *s, int family) {
  uv_loop_t *loop = uvbev_base_loop_(s->p.bev.ev_base);
  struct bev_conn *c = conn_alloc(s, family == AF_UNIX);
  int r;
  if (!c) return UV_ENOMEM;
  if (c->is_pipe) {
    r = uv_pipe_init(loop, &c->own.pipe, 0);
  } else {
    r = uv_tcp_init_ex(loop, &c->own.tcp, (unsigned)family);
  }
  if (r < 0) {
    conn_release(c);
    return r;
  }
  conn_install(s, c);
  return 0;
}

/* Opens (or duplicates) a descriptor into a fresh handle. */
static int conn_open_fd(struct bev_socket *s, struct bev_conn *c, evutil_socket_t fd) {
  uv_loop_t *loop = uvbev_base_loop_(s->p.bev.ev_base);
  evutil_socket_t osfd = fd;
  int r;
  if (!(s->p.options & BEV_OPT_CLOSE_ON_FREE)) {
    osfd = uvbev_sock_dup_(fd);
    if (osfd == UVBEV_NO_SOCKET) {
      conn_release(c); /* the caller counts on c being released */
      return UV_EBADF;
    }
  }
  r = c->is_pipe ? uv_pipe_init(loop, &c->own.pipe, 0) : uv_tcp_init(loop, &c->own.tcp);
  if (r < 0) goto fail;
  r = c->is_pipe ? uv_pipe_open(&c->own.pipe, (uv_file)osfd)
                 : uv_tcp_open(&c->own.tcp, UVBEV_SOCK_TO_UV(osfd));
  if (r < 0) {
    conn_abort(c);
    if (osfd != fd) uvbev_closesocket_raw_(osfd);
    return r;
  }
  return 0;
fail:
  if (osfd != fd) uvbev_closesocket_raw_(osfd);
  conn_release(c);
  return r;
}

/* Installs a connection on an existing descriptor, of the kind it is (see
 * the top of the file). */
static int conn_adopt_kind(struct bev_socket *s, evutil_socket_t fd, enum uvbev_fd_kind kind) {
  struct bev_conn *c;
  int r;
  if (kind == UVBEV_FD_INVALID) return UV_EBADF;
  if (kind == UVBEV_FD_POLLABLE || kind == UVBEV_FD_FILE)
    return bev_fdio_open_(s, fd, kind == UVBEV_FD_FILE);
  c = conn_alloc(s, kind == UVBEV_FD_LOCAL);
  if (!c) return UV_ENOMEM;
  r = conn_open_fd(s, c, fd);
  if (r < 0) return r; /* conn_open_fd released c */
  c->user_fd = fd;
  conn_install(s, c);
  return 0;
}

static int conn_adopt(struct bev_socket *s, evutil_socket_t fd) {
  return conn_adopt_kind(s, fd, uvbev_fd_kind_(fd));
}

/* ---- reading ---------------------------------------------------------------- */

static void conn_stop_reading(struct bev_conn *c);

/* Reads between messages go into a new chunk this big (one page, from the
 * loop's cache), or into the free space the input kept, whatever its size;
 * a read that fills its space means a stream, and new chunks grow to
 * max_single_read.  A dry read of at most this much is a message. */
#define BEV_SOCKET_MESSAGE_READ 4096

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  struct bev_conn *c = handle->data;
  struct bufferevent *bev = &c->owner->p.bev;
  size_t want, chunk;
  (void)suggested;
  BEV_LOCK(bev);
  *buf = evbuffer_uv_buf_(NULL, 0);
  if (c->read_turn_used) {
    c->read_turn_used = 0;
    c->read_yielded = 1;
    BEV_UNLOCK(bev);
    return;
  }
  want = (size_t)bev_ratelim_read_max_(&c->owner->p); /* max_single_read, or less */
  chunk = c->last_read_full ? want : BEV_SOCKET_MESSAGE_READ;
  if (bev->wm_read.high) {
    size_t have = evbuffer_get_length(bev->input);
    size_t room = have < bev->wm_read.high ? bev->wm_read.high - have : 0;
    if (room < want) want = room;
  }
  if (want > 0 && evbuffer_uv_reserve_(bev->input, want, chunk,
                                       uvbev_base_read_cache_(bev->ev_base), buf) > 0) {
    c->reserved = 1;
#ifdef UVBEV_FAULT_INJECTION
    c->fault_read_offer = buf->len;
#endif
    uvbev_fault_read_cut_(buf, 0); /* as is, unless injecting */
  }
  BEV_UNLOCK(bev);
}

static void read_failed(struct bev_socket *s, ssize_t nread, int held) {
  struct bufferevent *bev = &s->p.bev;
  short what = BEV_EVENT_READING;
  int sockerr = 0;
  if (nread == UV_EOF) {
    what |= BEV_EVENT_EOF;
  } else {
    what |= BEV_EVENT_ERROR;
    sockerr = uvbev_socket_error_from_uv_((int)nread);
  }
  /* As libevent: reading is disabled, then the event callback runs. */
  bufferevent_disable(bev, EV_READ);
  if (sockerr) EVUTIL_SET_SOCKET_ERROR(sockerr);
  bev_core_run_eventcb_(bev, what, held ? BEV_TRIG_DEFER_CALLBACKS : 0);
}

/* event_base_loopbreak stops the loop before the next user callback, but
 * libuv goes on reading a socket (up to 32 reads a wake-up) and reading the
 * other sockets that woke it.  So after a break, reading pauses: the
 * reconcile deferred, which the break leaves on the base's deferred queue for
 * the next loop, starts it again.  What was read stays in the input; its read
 * callback is queued on the deferred queue too (before the reconcile) and
 * runs in the next loop. */
static void read_pause(struct bev_socket *s, struct bev_conn *c) {
  if (s->p.freed || s->conn != c) return;
  conn_stop_reading(c);
  bev_core_reconcile_later_(&s->p.bev, BEV_RC_READ);
}

/* A reply written by the read callback leaves when the callback returns,
 * from on_read, rather than from the reconcile deferred: the same moment
 * (off every caller's stack, before the next socket is read) without a trip
 * through the base's queue, which is a tenth of a request-response's cost.
 * A write that finds another connection, or no read dispatch, goes
 * through the deferred as before. */
static void write_soon(struct bev_socket *s) {
  if (s->conn->in_read_dispatch)
    s->conn->write_after_read = 1;
  else
    bev_core_reconcile_later_(&s->p.bev, BEV_RC_OUTPUT);
}

static void read_dispatch(struct bev_socket *s, struct bev_conn *c) {
  c->in_read_dispatch = 1;
  bev_core_input_added_(&s->p.bev);
  c->in_read_dispatch = 0;
  if (!c->write_after_read) return;
  c->write_after_read = 0;
  if (s->p.freed || s->conn != c) return;
  if (uvbev_base_broken_(s->p.bev.ev_base))
    bev_core_reconcile_later_(&s->p.bev, BEV_RC_OUTPUT); /* after the break */
  else
    bev_socket_write_out_(s);
}

static void read_added(struct bev_socket *s, struct bev_conn *c) {
  struct bufferevent *bev = &s->p.bev;
  if (uvbev_base_broken_(bev->ev_base)) {
    bev_core_input_added_later_(bev); /* another callback broke the loop */
    read_pause(s, c);
    return;
  }
  read_dispatch(s, c);
  if (uvbev_base_broken_(bev->ev_base)) read_pause(s, c); /* the user's read callback did */
}

/* Whether to give the chunk kept for the next read back (to the loop's
 * cache, or to malloc).  A read that left the socket dry (libuv: EAGAIN or
 * a partial read) ends a burst.  A stream is bursts of full reads, each
 * ending with one dry read, or big dry reads; messages are small dry read
 * after dry read.  So a small dry read that does not follow a full one is a
 * message: once the user drained it, the chunk goes back, and a connection
 * idle between messages holds no read buffer (libevent frees chunks on
 * drain too), while a stream keeps reusing its chunk with no malloc per
 * read.  A connection idle after a stream keeps its one chunk until its
 * next message. */
static void maybe_trim_input(struct bev_conn *c, struct bufferevent *bev, ssize_t nread,
                             const uv_buf_t *buf) {
  int dry = nread >= 0 && (size_t)nread < buf->len;
#ifdef UVBEV_FAULT_INJECTION
  /* A read that filled a buffer fault injection had cut short says nothing
   * about the peer (stream or messages): the heuristic follows the others. */
  if (buf->base && buf->len != c->fault_read_offer && !dry) return;
#endif
  if (dry && nread <= BEV_SOCKET_MESSAGE_READ && !c->last_read_full &&
      evbuffer_get_length(bev->input) == 0)
    evbuffer_uv_trim_(bev->input, uvbev_base_read_cache_(bev->ev_base));
  c->last_read_full = nread > 0 && !dry;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct bev_conn *c = stream->data;
  struct bev_socket *s = c->owner;
  struct bufferevent *bev = &s->p.bev;
  int yielded;
  bev_core_incref_and_lock_(bev);
  if (c->reserved) {
    c->reserved = 0;
    evbuffer_uv_commit_(bev->input, nread > 0 ? (size_t)nread : 0);
  }
  yielded = nread == UV_ENOBUFS && c->read_yielded;
  if (yielded) c->read_yielded = 0;
  if (c->detached || s->p.freed || yielded) {
    /* nothing: a stale connection, a freed bufferevent, or the end of a
     * rate-limited turn */
  } else if (nread > 0) {
    if (s->p.rate_limiting) c->read_turn_used = 1;
    bev_ratelim_count_read_(&s->p, (size_t)nread);
    read_added(s, c);
  } else if (nread < 0 && nread != UV_ENOBUFS) {
    read_failed(s, nread, uvbev_base_broken_(bev->ev_base));
  } else if (nread == UV_ENOBUFS && !(bev_core_desired_io_(bev) & EV_READ)) {
    /* no room: the watermark suspended reading meanwhile */
  } else if (nread == UV_ENOBUFS) {
    read_failed(s, UV_ENOMEM, uvbev_base_broken_(bev->ev_base));
  }
  if (!s->p.freed && !yielded) maybe_trim_input(c, bev, nread, buf);
  bev_core_decref_and_unlock_(bev);
}

void bev_socket_read_failed_(struct bev_socket *s, int err) {
  read_failed(s, err, uvbev_base_broken_(s->p.bev.ev_base));
}

static void conn_start_reading(struct bev_conn *c) {
  if (c->reading || c->connecting || c->closing || c->failed) return;
  if (uv_read_start(&c->own.stream, on_alloc, on_read) == 0) c->reading = 1;
}

static void conn_stop_reading(struct bev_conn *c) {
  if (!c->reading) return;
  uv_read_stop(&c->own.stream);
  c->reading = 0;
}

/* ---- writing ---------------------------------------------------------------- */

static void write_failed(struct bev_socket *s, int err) {
  struct bufferevent *bev = &s->p.bev;
  int sockerr = uvbev_socket_error_from_uv_(err);
  bufferevent_disable(bev, EV_WRITE);
  EVUTIL_SET_SOCKET_ERROR(sockerr);
  bev_core_run_eventcb_(bev, BEV_EVENT_ERROR | BEV_EVENT_WRITING, 0);
}

void bev_socket_write_failed_(struct bev_socket *s, int err) {
  write_failed(s, err);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  /* The peer sees EOF; errors (ENOTCONN after a reset) need no report: the
   * read side reports the connection's fate. */
  (void)status;
  uvbev_free_(req);
}

static void conn_maybe_shutdown(struct bev_conn *c) {
  uv_shutdown_t *req;
  if (!c->shutdown_wanted || c->shutdown_started || c->writing || c->connecting) return;
  req = uvbev_malloc_(sizeof(*req));
  if (!req) return;
  if (uv_shutdown(req, &c->own.stream, on_shutdown) == 0)
    c->shutdown_started = 1;
  else
    uvbev_free_(req);
}

static void on_write(uv_write_t *req, int status) {
  struct bev_conn *c = req->data;
  struct bev_socket *s = c->owner;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_and_lock_(bev);
  c->writing = 0;
  /* Only this write holds the output's pin (flushes wait for it).  A write
   * bev_socket_finish_write_ took over is done with, whatever libuv says of
   * it (cancelled by the close). */
  evbuffer_uv_unpin_(bev->output,
                     status == 0 || c->write_finished ? evbuffer_uv_pinned_(bev->output) : 0);
  if (c->detached || s->p.freed) {
    if (s->conn && !s->p.freed) bev_socket_write_out_(s); /* the new connection may write now */
  } else if (status < 0) {
    write_failed(s, status);
  } else if (uvbev_base_broken_(bev->ev_base)) {
    bev_core_output_drained_later_(bev); /* no callback after a loopbreak */
  } else {
    bev_core_output_drained_(bev);
    if (!s->p.freed && s->conn == c) bev_socket_write_out_(s);
  }
  bev_core_decref_and_unlock_(bev);
}

/* Starts c->wreq on bufs (pinned), reporting to on_write. */
static int conn_write(struct bev_conn *c, const uv_buf_t *bufs, unsigned n) {
#ifdef UVBEV_FAULT_INJECTION
  return uvbev_fault_write_(&c->fault_w, c->wreq, &c->own.stream, bufs, n, on_write);
#else
  return uv_write(c->wreq, &c->own.stream, bufs, n, on_write);
#endif
}

void bev_socket_write_out_(struct bev_socket *s) {
  struct bufferevent *bev = &s->p.bev;
  struct bev_conn *c = s->conn;
  uv_buf_t bufs[UVBEV_MAX_WRITE_BUFS];
  size_t npinned = 0, budget;
  int n, r, begun;
  if (!c || c->connecting || c->closing || c->writing || c->shutdown_started || c->failed) return;
  if (evbuffer_uv_pinned_(bev->output) > 0)
    return; /* a detached connection's write still holds the pin */
  if (evbuffer_get_length(bev->output) == 0 || !(bev_core_desired_io_(bev) & EV_WRITE)) {
    if (evbuffer_get_length(bev->output) == 0) conn_maybe_shutdown(c);
    return;
  }
  budget = (size_t)bev_ratelim_write_max_(&s->p); /* max_single_write, or less */
  if (bev_socket_sendfile_(s, budget)) return; /* bev_socket_file.c */
  n = evbuffer_uv_pin_(bev->output, bufs, UVBEV_MAX_WRITE_BUFS, budget, &npinned);
  if ((r = bev_socket_file_ahead_(s, npinned)) < 0) { /* bev_socket_file.c */
    if (n > 0) evbuffer_uv_unpin_(bev->output, 0);
    write_failed(s, r);
    return;
  }
  if (n <= 0) return;
  r = uvbev_fault_try_write_(&c->own.stream, bufs, (unsigned)n); /* uv_try_write */
  if (r == (int)npinned) {
    evbuffer_uv_unpin_(bev->output, npinned);
    bev_ratelim_count_write_(&s->p, npinned);
    bev_core_output_drained_(bev);
    /* More data (or the user's write callback added some): next iteration,
     * so that a fast peer cannot keep this call looping. */
    if (!s->p.freed && s->conn == c) {
      if (evbuffer_get_length(bev->output) > 0)
        bev_core_reconcile_later_(bev, BEV_RC_OUTPUT);
      else
        conn_maybe_shutdown(c);
    }
    return;
  }
  if (r > 0) {
    evbuffer_uv_unpin_(bev->output, (size_t)r);
    bev_ratelim_count_write_(&s->p, (size_t)r);
    n = evbuffer_uv_pin_(bev->output, bufs, UVBEV_MAX_WRITE_BUFS, budget - (size_t)r, &npinned);
  } else if (r != UV_EAGAIN && r != UV_ENOSYS) {
    evbuffer_uv_unpin_(bev->output, 0);
    write_failed(s, r);
    return;
  }
  begun = r > 0; /* r: what uv_try_write sent */
  r = bev_socket_wreq_(c) ? conn_write(c, bufs, (unsigned)n) : UV_ENOMEM;
  if (r < 0) {
    evbuffer_uv_unpin_(bev->output, 0);
    write_failed(s, r);
    return;
  }
  c->writing = 1;
  c->write_begun = begun ? 1 : 0;
  bev_ratelim_count_write_(&s->p, npinned); /* on its way: counted now */
}

/* bufferevent_flush(BEV_FINISHED) on the write side: half-close once the
 * output is written (other flushes have nothing to do on a socket). */
static void finish_asked(struct bev_socket *s, short changed) {
  struct bufferevent *bev = &s->p.bev;
  enum bufferevent_flush_mode mode;
  short iotype = bev_core_flush_asked_(bev, &mode);
  if (!(iotype & EV_WRITE) || mode != BEV_FINISHED) return;
  s->conn->shutdown_wanted = 1;
  if (evbuffer_get_length(bev->output) == 0)
    conn_maybe_shutdown(s->conn);
  else if (!(changed & BEV_RC_QUEUED))
    bev_core_reconcile_later_(bev, BEV_RC_OUTPUT);
}

/* The kind's reconcile op (see the top of the file). */
static int be_socket_reconcile(struct bufferevent *bev, short changed) {
  struct bev_socket *s = (struct bev_socket *)bev;
  struct bev_conn *c = s->conn;
  short desired;
  if (s->fio) {
    bev_fdio_update_(s);
    return 0;
  }
  if (!c) return 0;
  if (changed & BEV_RC_FLUSH) finish_asked(s, changed);
  desired = bev_core_desired_io_(bev);
  if (changed & (BEV_RC_READ | BEV_RC_QUEUED)) {
    if (desired & EV_READ)
      conn_start_reading(c);
    else
      conn_stop_reading(c);
  }
  if (changed & BEV_RC_QUEUED) {
    bev_socket_write_out_(s);
    return 0;
  }
  /* EV_WRITE off: a uv_write in flight cannot be recalled; no new one starts. */
  if (!(desired & EV_WRITE)) return 0;
  if (((changed & BEV_RC_WRITE) && evbuffer_get_length(bev->output) > 0) ||
      ((changed & BEV_RC_OUTPUT) && !c->connecting))
    write_soon(s);
  return 0;
}

static void be_socket_on_free(struct bufferevent *bev) {
  struct bev_socket *s = (struct bev_socket *)bev;
  bev_socket_cancel_lookup_(s);
  bev_socket_conn_drop_(s);
}

static void be_socket_destruct(struct bufferevent *bev) {
  bev_socket_addrs_free_((struct bev_socket *)bev);
}

/* The descriptor getfd reports: the caller's, or the one libuv made. */
static evutil_socket_t conn_fd(struct bev_conn *c) {
  uv_os_fd_t osfd;
  if (c->user_fd != UVBEV_NO_SOCKET) return c->user_fd;
  if (uv_fileno((uv_handle_t *)&c->own.stream, &osfd) != 0) return UVBEV_NO_SOCKET;
  return (evutil_socket_t)(intptr_t)osfd;
}

/* bufferevent_setfd(): the previous connection goes (see the top of the
 * file), the new fd takes its place with the enabled directions running. */
static int set_fd(struct bev_socket *s, evutil_socket_t fd) {
  struct bufferevent *bev = &s->p.bev;
  short desired;
  bev_socket_cancel_lookup_(s);
  bev_core_unsuspend_read_(bev, BEV_SUSPEND_CONNECT);
  bev_core_set_connect_pending_(bev, 0);
  if (fd == UVBEV_NO_SOCKET || fd < 0) {
    bev_socket_conn_drop_(s);
    return 0;
  }
  if ((s->conn && conn_fd(s->conn) == fd && !s->conn->failed) || (s->fio && bev_fdio_fd_(s) == fd))
    return be_socket_reconcile(bev, bev_core_desired_io_(bev)); /* already ours */
  if (conn_adopt(s, fd) < 0) return -1;
  desired = bev_core_desired_io_(bev);
  return be_socket_reconcile(bev, desired);
}

static int be_socket_ctrl(struct bufferevent *bev, enum bev_ctrl_op op, union bev_ctrl_data *d) {
  struct bev_socket *s = (struct bev_socket *)bev;
  switch (op) {
  case BEV_CTRL_SET_FD:
    return set_fd(s, d->fd);
  case BEV_CTRL_GET_FD:
    d->fd = s->conn ? conn_fd(s->conn) : bev_fdio_fd_(s);
    return 0;
  default:
    return -1;
  }
}

static const struct bev_kind bev_socket_kind = {
    .ops = {.on_free = be_socket_on_free, .destruct = be_socket_destruct, .ctrl = be_socket_ctrl},
    .reconcile = be_socket_reconcile,
};

struct bev_socket *bev_socket_upcast_(struct bufferevent *bev) {
  if (!bev || bev->be_ops != &bev_socket_kind.ops) return NULL;
  return (struct bev_socket *)bev;
}

/* Layers over a socket (TLS from bufferevent_openssl_socket_new, filters) are
 * connected through the top bufferevent, as in libevent: the connect functions
 * act on the socket at the bottom of the stack, found through each layer's
 * transport (the TLS socket flavour has no underlying for the user).  The depth bound guards
 * against a corrupted stack, not a legitimate one. */
struct bev_socket *bev_socket_bottom_(struct bufferevent *bev) {
  int depth;
  for (depth = 0; bev && depth < 64; depth++) {
    union bev_ctrl_data d;
    if (bev->be_ops == &bev_socket_kind.ops) return (struct bev_socket *)bev;
    d.ptr = NULL;
    if (!bev->be_ops->ctrl || bev->be_ops->ctrl(bev, BEV_CTRL_GET_TRANSPORT, &d) < 0) return NULL;
    bev = d.ptr;
  }
  return NULL;
}

/* Opening the descriptor's libuv handle touches the loop: from another
 * thread, the loop thread does it while the caller waits (uvbev_base_call_),
 * as a threaded server wraps accepted sockets for a loop that runs. */
struct adopt_call {
  struct bev_socket *s;
  evutil_socket_t fd;
  enum uvbev_fd_kind kind;
};

static int adopt_call_run(void *obj, const struct timeval *tv) {
  struct adopt_call *a = obj;
  (void)tv;
  return conn_adopt_kind(a->s, a->fd, a->kind);
}

static int socket_adopt(struct bev_socket *s, evutil_socket_t fd, enum uvbev_fd_kind kind) {
  struct adopt_call a;
  a.s = s;
  a.fd = fd;
  a.kind = kind;
  return uvbev_base_call_(s->p.bev.ev_base, adopt_call_run, &a, NULL);
}

struct bufferevent *bufferevent_socket_new(struct event_base *base, evutil_socket_t fd,
                                           int options) {
  struct bev_socket *s;
  struct bufferevent *bev;
  int has_fd = fd >= 0 && fd != UVBEV_NO_SOCKET;
  enum uvbev_fd_kind kind = has_fd ? uvbev_fd_kind_(fd) : UVBEV_FD_INVALID;
  /* One block: the core, its buffers and conn0 with room for a TCP handle,
   * and for a pipe if the fd needs one (without an fd, connect makes TCP
   * sockets but for AF_UNIX). */
  size_t conn0_size = conn_size(0);
  if (kind == UVBEV_FD_LOCAL && conn_size(1) > conn0_size) conn0_size = conn_size(1);
  s = uvbev_calloc_(1, offsetof(struct bev_socket, conn0) + conn0_size);
  if (!s) return NULL; /* a NULL base: bev_core_init_kind_ decides */
  s->conn0.pipe_room = conn_size(1) <= conn0_size ? 1 : 0;
  if (bev_core_init_kind_(&s->p, base, &bev_socket_kind, options, EV_WRITE) < 0) {
    uvbev_free_(s);
    return NULL;
  }
  bev = &s->p.bev;
  if (has_fd && socket_adopt(s, fd, kind) < 0) {
    bufferevent_free(bev);
    return NULL;
  }
  return bev;
}
