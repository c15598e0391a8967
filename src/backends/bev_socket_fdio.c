/* SPDX-License-Identifier: MIT */
/* Socket bufferevents on descriptors libuv has no stream for: ttys and ptys,
 * datagram and other sockets, character devices, regular files, /dev/null.
 * libevent accepts any descriptor its backend can watch, and its poll
 * backend reports files and /dev/null always ready; programs such as tmux
 * depend on that (stdin and stdout may be any of these, a window pane is a
 * pty master).  TCP sockets, AF_UNIX stream sockets, pipes and FIFOs stay on
 * the streams of bev_socket.c.
 *
 * A descriptor the loop's poller can watch runs on a uv_poll_t; one it
 * refuses (epoll: regular files, /dev/null), and regular files everywhere,
 * run on a uv_idle_t: always ready, as with libevent's poll backend.  Either
 * way the bytes move as libevent moves them: on readiness, one read() of at
 * most max_single_read bytes into the input's free tail, one writev() of at
 * most max_single_write bytes of the output, then back to the loop, so a
 * file never monopolises it.  read() = 0 is EOF, an error (a pty master's
 * EIO once its child is gone) is BEV_EVENT_ERROR with errno set.
 *
 * Life: bev_fdio_open_ (handle initialised, s->fio) -> watching follows the
 * state through bev_fdio_update_ -> bev_fdio_drop_ (detached, uv_close, the
 * bufferevent holds a reference) -> close callback: the descriptor (the
 * caller's with BEV_OPT_CLOSE_ON_FREE, else a duplicate made at open, as for
 * streams) is closed and the struct freed. */
#include <stdlib.h>

#include "mm-internal.h"
#include "bev_socket-internal.h"
#include "platform-internal.h"
#include "event-internal.h"
#include "evbuffer-uv-internal.h"
#include "fault_inject-internal.h"
#include "ratelim-internal.h"

struct bev_fdio {
  struct bev_socket *owner;
  evutil_socket_t fd;        /* watched, and closed by the close callback */
  evutil_socket_t user_fd;   /* what getfd reports */
  int mask;                  /* UV_READABLE|UV_WRITABLE being watched */
  unsigned always_ready : 1; /* h.idle (else h.poll) */
  unsigned detached : 1;     /* no longer s->fio */
  union {
    uv_handle_t handle;
    uv_poll_t poll;
    uv_idle_t idle;
  } h;
};

static void fdio_closed(uv_handle_t *handle) {
  struct bev_fdio *f = handle->data;
  struct bev_socket *s = f->owner;
  uvbev_closesocket_raw_(f->fd);
  uvbev_free_(f);
  if (s) bev_core_decref_(&s->p.bev);
}

evutil_socket_t bev_fdio_fd_(const struct bev_socket *s) {
  return s->fio ? s->fio->user_fd : UVBEV_NO_SOCKET;
}

/* ---- moving bytes ------------------------------------------------------------ */

static void fdio_read(struct bev_socket *s, struct bev_fdio *f) {
  struct bufferevent *bev = &s->p.bev;
  size_t want = (size_t)bev_ratelim_read_max_(&s->p); /* max_single_read, or less */
  uv_buf_t buf;
  int n;
  if (bev->wm_read.high) {
    size_t have = evbuffer_get_length(bev->input);
    size_t room = have < bev->wm_read.high ? bev->wm_read.high - have : 0;
    if (room < want) want = room;
  }
  if (want == 0) return; /* the core suspends reading at the watermark */
  if (evbuffer_uv_reserve_(bev->input, want, 0, uvbev_base_read_cache_(bev->ev_base), &buf) == 0) {
    bev_socket_read_failed_(s, UV_ENOMEM);
    return;
  }
  uvbev_fault_read_cut_(&buf, 1); /* as is, unless injecting */
  n = buf.len > 0 ? uvbev_fd_read_(f->fd, buf.base, buf.len) : UV_EAGAIN;
  evbuffer_uv_commit_(bev->input, n > 0 ? (size_t)n : 0);
  if (n > 0) {
    bev_ratelim_count_read_(&s->p, (size_t)n);
    bev_core_input_added_(bev);
  } else if (n != UV_EAGAIN)
    bev_socket_read_failed_(s, n == 0 ? UV_EOF : n);
}

static void fdio_write(struct bev_socket *s, struct bev_fdio *f) {
  struct bufferevent *bev = &s->p.bev;
  uv_buf_t bufs[UVBEV_MAX_WRITE_BUFS];
  size_t npinned = 0;
  int n, r;
  /* A pin still open is a replaced stream's write in flight: wait for it. */
  if (evbuffer_uv_pinned_(bev->output) > 0) return;
  n = evbuffer_uv_pin_(bev->output, bufs, UVBEV_MAX_WRITE_BUFS,
                       (size_t)bev_ratelim_write_max_(&s->p), &npinned);
  if ((r = bev_socket_file_ahead_(s, npinned)) < 0) { /* bev_socket_file.c */
    if (n > 0) evbuffer_uv_unpin_(bev->output, 0);
    bev_socket_write_failed_(s, r);
    return;
  }
  if (n <= 0) return;
  n = (int)uvbev_fault_write_cut_(bufs, (unsigned)n); /* as is, unless injecting */
  r = n > 0 ? uvbev_fd_write_(f->fd, bufs, n) : UV_EAGAIN;
  evbuffer_uv_unpin_(bev->output, r > 0 ? (size_t)r : 0);
  if (r > 0) {
    bev_ratelim_count_write_(&s->p, (size_t)r);
    bev_core_output_drained_(bev);
  } else if (r < 0 && r != UV_EAGAIN)
    bev_socket_write_failed_(s, r);
}

/* Readiness (events: UV_READABLE|UV_WRITABLE) of an attached descriptor. */
static void fdio_ready(struct bev_fdio *f, int events) {
  struct bev_socket *s = f->owner;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_and_lock_(bev);
  if (!f->detached && !s->p.freed && (events & UV_READABLE) &&
      (bev_core_desired_io_(bev) & EV_READ))
    fdio_read(s, f);
  if (!f->detached && !s->p.freed && (events & UV_WRITABLE) &&
      (bev_core_desired_io_(bev) & EV_WRITE))
    fdio_write(s, f);
  if (!f->detached && !s->p.freed) bev_fdio_update_(s);
  bev_core_decref_and_unlock_(bev);
}

static void on_fdio_poll(uv_poll_t *handle, int status, int events) {
  struct bev_fdio *f = handle->data;
  if (f->detached) return;
  if (status < 0) {
    /* libuv stopped the handle (POLLERR): the read or write that follows
     * reports the descriptor's own error, as libevent's would. */
    f->mask = 0;
    events = UV_READABLE | UV_WRITABLE;
  }
  fdio_ready(f, events);
}

static void on_fdio_idle(uv_idle_t *handle) {
  struct bev_fdio *f = handle->data;
  if (!f->detached) fdio_ready(f, f->mask);
}

/* ---- watching ------------------------------------------------------------------ */

void bev_fdio_update_(struct bev_socket *s) {
  struct bev_fdio *f = s->fio;
  struct bufferevent *bev = &s->p.bev;
  short active = bev_core_desired_io_(bev);
  int mask = 0;
  if (!f) return;
  if (active & EV_READ) mask |= UV_READABLE;
  if ((active & EV_WRITE) && evbuffer_get_length(bev->output) > 0) mask |= UV_WRITABLE;
  if (mask == f->mask) return;
  f->mask = mask;
  if (f->always_ready) {
    if (mask)
      uv_idle_start(&f->h.idle, on_fdio_idle);
    else
      uv_idle_stop(&f->h.idle);
  } else if (mask) {
    uv_poll_start(&f->h.poll, mask, on_fdio_poll);
  } else {
    uv_poll_stop(&f->h.poll);
  }
}

/* The handle for fd: a poll if the loop's poller takes it, else always
 * ready.  Returns 0 or a libuv error (nothing to close then). */
static int fdio_init_handle(uv_loop_t *loop, struct bev_fdio *f, int always_ready) {
  int r = UV_EPERM;
  if (!always_ready) r = uv_poll_init_socket(loop, &f->h.poll, UVBEV_SOCK_TO_UV(f->fd));
  if (r != 0 && uvbev_fd_unpollable_(r)) {
    f->always_ready = 1;
    r = uv_idle_init(loop, &f->h.idle);
  }
  f->h.handle.data = f;
  return r;
}

int bev_fdio_open_(struct bev_socket *s, evutil_socket_t fd, int always_ready) {
  struct bev_fdio *f = uvbev_calloc_(1, sizeof(*f));
  int r;
  if (!f) return UV_ENOMEM;
  f->owner = s;
  f->user_fd = fd;
  f->fd = (s->p.options & BEV_OPT_CLOSE_ON_FREE) ? fd : uvbev_sock_dup_(fd);
  if (f->fd == UVBEV_NO_SOCKET) {
    uvbev_free_(f);
    return UV_EBADF;
  }
  r = fdio_init_handle(uvbev_base_loop_(s->p.bev.ev_base), f, always_ready);
  if (r != 0) {
    if (f->fd != fd) uvbev_closesocket_raw_(f->fd);
    uvbev_free_(f);
    return r;
  }
  bev_socket_conn_drop_(s);
  s->fio = f;
  return 0;
}

void bev_fdio_drop_(struct bev_socket *s) {
  struct bev_fdio *f = s->fio;
  if (!f) return;
  s->fio = NULL;
  f->detached = 1;
  bev_core_incref_(&s->p.bev);
  uvbev_base_close_handle_(s->p.bev.ev_base, &f->h.handle, fdio_closed);
}
