/* SPDX-License-Identifier: MIT */
/* File segments on the socket write path.  The output may hold file
 * segments not read yet (evbuffer_add_file).  Three ways to send them:
 *
 * sendfile, first (Linux, macOS, FreeBSD; not with EVBUF_FS_DISABLE_SENDFILE):
 * a segment at the front goes from the file to the non-blocking socket in
 * the kernel, as libevent sends it, as much as the socket takes: no copy,
 * and no memory.  The kernel reads the file on the loop thread then, which
 * waits for the disk when the file is not cached (as libevent's does;
 * EVBUF_FS_DISABLE_SENDFILE keeps every read off the loop).  When the socket
 * is full (EAGAIN), the last way takes over for one write, whose uv_write
 * waits for room.
 *
 * TransmitFile, where sendfile is missing (Windows, on a TCP socket: libuv's
 * pipes are no sockets; a disk file; not with EVBUF_FS_DISABLE_SENDFILE): a
 * segment at the front goes in an overlapped TransmitFile of at most the
 * write budget (max_single_write, the rate limit's share) and
 * BEV_SOCKET_XMIT_MAX, which the system runs on its own, reading the file
 * off the loop thread (the platform's uvbev_xmit_start_, win-xmit.c).  The
 * transfer is the connection's write: `writing` is held until it completes,
 * so nothing else writes meanwhile, and its bytes are a pin of no memory
 * (evbuffer_file_pin_: bytes the user drains meanwhile are not drained
 * twice, nothing is prepended before them).  On completion the bytes sent
 * are drained and counted, as sendfile's are, and writing goes on; a failure
 * is a write failure.  Releasing the connection (free, setfd, the base's
 * shutdown) gives the transfer up before its socket closes: on a descriptor
 * the caller keeps it first may complete (bev_socket_finish.c, bounded as a
 * write is), then it is cancelled and waited for (bounded), its callback
 * never runs, and what it sent is drained.
 *
 * Windows of the file read on the thread pool, otherwise: a pin stops before unread bytes, and
 * reading them on the loop thread could block it on the disk.  So each time
 * the writer pins, it asks the output to read the next window on libuv's
 * thread pool (evbuffer_uv_load_ahead_), while the pinned bytes are written;
 * when the window is in, writing resumes through the reconcile deferred.
 * The load holds a reference on the bufferevent, as a pending write does.
 * A segment the system may send is not read ahead behind other bytes: it
 * waits to reach the front, and is read only if neither way above takes it.
 *
 * Only a socket's own output holds the user's segments: under a TLS or
 * filter layer it holds that layer's bytes, and the layer took the file's
 * through the read path. */
#include <stdint.h>

#include "bev_socket-internal.h"
#include "mm-internal.h"
#include "platform-internal.h"
#include "evbuffer-uv-internal.h"
#include "event-internal.h"
#include "ratelim-internal.h"

/* How far ahead of the front a window is read: the next one or two while
 * one is written, so that the disk and the socket work at once while a
 * sender holds at most a few windows of the file. */
#define BEV_SOCKET_FILE_AHEAD (512 * 1024)

/* The most one TransmitFile sends: rate limits and max_single_write bound
 * it further (the budget), as they bound a write. */
#define BEV_SOCKET_XMIT_MAX (1024 * 1024)

static void on_file_loaded(void *arg, int status) {
  struct bev_socket *s = arg;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_and_lock_(bev);
  if (!s->p.freed) {
    if (status < 0)
      bev_socket_write_failed_(s, status); /* the file could not be read */
    else
      bev_core_reconcile_later_(bev, BEV_RC_OUTPUT);
  }
  bev_core_decref_and_unlock_(bev);
  bev_core_decref_(bev); /* the load's */
}

int bev_socket_file_ahead_(struct bev_socket *s, size_t npinned) {
  struct bufferevent *bev = &s->p.bev;
  int r;
  /* All pinned: no unread file chunk (a pin stops before one), no walk. */
  if (npinned > 0 && npinned == evbuffer_get_length(bev->output)) return 0;
  /* A segment the system may send (sendfile; TransmitFile, but not on a
   * pipe) waits for the front rather than being read ahead. */
  r = evbuffer_uv_load_ahead_(bev->output, uvbev_base_loop_(bev->ev_base), BEV_SOCKET_FILE_AHEAD,
                              !UVBEV_HAS_XMIT || !s->conn->is_pipe, on_file_loaded, s);
  if (r == 1) bev_core_incref_(bev);
  return r < 0 ? r : 0;
}

/* ---- TransmitFile (Windows) ---------------------------------------------------- */

static bev_socket_xmit_hook_fn xmit_hook;

void bev_socket_set_xmit_hook_(bev_socket_xmit_hook_fn fn) {
  xmit_hook = fn;
}

#if UVBEV_HAS_XMIT
/* A TransmitFile in flight: the segment it reads from (a reference, so that
 * its descriptor stays open however the output changes meanwhile). */
struct bev_xmit {
  struct uvbev_xmit *x;
  struct evbuffer_file_segment *seg;
};

/* Ends c's transfer (its pin: the bytes sent are drained). */
static void xmit_end(struct bufferevent *bev, struct bev_conn *c, int sent) {
  struct bev_xmit *t = c->xmit;
  c->xmit = NULL;
  c->writing = 0;
  evbuffer_uv_unpin_(bev->output, sent > 0 ? (size_t)sent : 0);
  evbuffer_file_segment_free(t->seg);
  uvbev_free_(t);
}

static void on_transmitted(void *arg, int result) {
  struct bev_conn *c = arg;
  struct bev_socket *s = c->owner;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_and_lock_(bev);
  xmit_end(bev, c, result);
  /* Never a detached connection's: bev_socket_xmit_drop_ took that over. */
  if (s->p.freed) {
    /* nothing */
  } else if (result <= 0) {
    bev_socket_write_failed_(s, result == 0 ? UV_EOF : result);
  } else {
    bev_ratelim_count_write_(&s->p, (size_t)result);
    if (uvbev_base_broken_(bev->ev_base)) {
      bev_core_output_drained_later_(bev); /* no callback after a loopbreak */
    } else {
      bev_core_output_drained_(bev);
      if (!s->p.freed && s->conn == c) bev_socket_write_out_(s);
    }
  }
  bev_core_decref_and_unlock_(bev);
}

/* Sends up to budget bytes of the file segment at the front of the output
 * with an overlapped TransmitFile.  Returns 1 if it started (or failed the
 * write), 0 if the output is to be written another way. */
static int transmit(struct bev_socket *s, evutil_socket_t sock, size_t budget) {
  struct bufferevent *bev = &s->p.bev;
  struct bev_conn *c = s->conn;
  struct evbuffer_file_segment *seg;
  struct bev_xmit *t;
  int64_t offset;
  size_t n;
  int fd, r;
  n = evbuffer_file_pin_(bev->output, budget < BEV_SOCKET_XMIT_MAX ? budget : BEV_SOCKET_XMIT_MAX,
                         &seg, &fd, &offset);
  if (n == 0) return 0; /* the front is no such segment */
  if ((t = uvbev_malloc_(sizeof(*t))) == NULL) {
    evbuffer_uv_unpin_(bev->output, 0);
    evbuffer_file_segment_free(seg);
    return 0;
  }
  t->x = NULL;
  t->seg = seg;
  c->xmit = t;
  c->writing = 1;
  r = uvbev_xmit_start_(uvbev_base_loop_(bev->ev_base), sock, fd, offset, n, on_transmitted, c,
                        &t->x);
  if (r == 1) {
    if (xmit_hook != NULL) xmit_hook(bev, n);
    return 1;
  }
  xmit_end(bev, c, 0);
  if (r == UV_ENOSYS) return 0; /* not a disk file */
  bev_socket_write_failed_(s, r == 0 ? UV_EOF : r); /* 0: the file is short */
  return 1;
}

void bev_socket_xmit_settle_(struct bev_conn *c, uint64_t deadline) {
  if (c->xmit != NULL) uvbev_xmit_settle_(c->xmit->x, deadline);
}

void bev_socket_xmit_drop_(struct bev_socket *s, struct bev_conn *c) {
  if (c->xmit == NULL) return;
  xmit_end(&s->p.bev, c, uvbev_xmit_abandon_(c->xmit->x));
}
#else
void bev_socket_xmit_settle_(struct bev_conn *c, uint64_t deadline) {
  (void)c;
  (void)deadline;
}

void bev_socket_xmit_drop_(struct bev_socket *s, struct bev_conn *c) {
  (void)s;
  (void)c;
}
#endif

/* ---- sendfile ------------------------------------------------------------------ */

int bev_socket_sendfile_(struct bev_socket *s, size_t budget) {
  struct bufferevent *bev = &s->p.bev;
  uv_os_fd_t fd;
  int r;
  if (!evbuffer_front_is_file_(bev->output)) return 0; /* before asking libuv for the fd */
  if (uv_fileno((const uv_handle_t *)&s->conn->own.stream, &fd) != 0) return 0;
  r = evbuffer_sendfile_(bev->output, (evutil_socket_t)(intptr_t)fd, budget);
#if UVBEV_HAS_XMIT
  if (r == UV_ENOSYS && !s->conn->is_pipe)
    return transmit(s, (evutil_socket_t)(intptr_t)fd, budget); /* Windows */
#endif
  if (r == UV_ENOSYS || r == UV_EAGAIN) return 0; /* the pin and uv_write path */
  if (r <= 0) {
    bev_socket_write_failed_(s, r == 0 ? UV_EOF : r); /* 0: the file is short */
    return 1;
  }
  bev_ratelim_count_write_(&s->p, (size_t)r);
  bev_core_output_drained_(bev);
  /* The rest (or the half-close an empty output may be waiting for) from
   * the next iteration, so that a fast peer cannot keep this call looping. */
  if (!s->p.freed) bev_core_reconcile_later_(bev, BEV_RC_OUTPUT);
  return 1;
}
