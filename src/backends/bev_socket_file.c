/* SPDX-License-Identifier: MIT */
/* File segments on the socket write path.  The output may hold file
 * segments not read yet (evbuffer_add_file).  Two ways to send them:
 *
 * sendfile, first (Linux, macOS, FreeBSD; not with EVBUF_FS_DISABLE_SENDFILE):
 * a segment at the front goes from the file to the non-blocking socket in
 * the kernel, as libevent sends it, as much as the socket takes: no copy,
 * and no memory.  The kernel reads the file on the loop thread then, which
 * waits for the disk when the file is not cached (as libevent's does;
 * EVBUF_FS_DISABLE_SENDFILE keeps every read off the loop).  When the socket
 * is full (EAGAIN), the next way takes over for one write, whose uv_write
 * waits for room.
 *
 * Windows of the file read on the thread pool, otherwise: a pin stops before unread bytes, and
 * reading them on the loop thread could block it on the disk.  So each time
 * the writer pins, it asks the output to read the next window on libuv's
 * thread pool (evbuffer_uv_load_ahead_), while the pinned bytes are written;
 * when the window is in, writing resumes through the reconcile deferred.
 * The load holds a reference on the bufferevent, as a pending write does.
 *
 * Only a socket's own output holds the user's segments: under a TLS or
 * filter layer it holds that layer's bytes, and the layer took the file's
 * through the read path. */
#include <stdint.h>

#include "bev_socket-internal.h"
#include "evbuffer-uv-internal.h"
#include "event-internal.h"
#include "ratelim-internal.h"

/* How far ahead of the front a window is read: the next one or two while
 * one is written, so that the disk and the socket work at once while a
 * sender holds at most a few windows of the file. */
#define BEV_SOCKET_FILE_AHEAD (512 * 1024)

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
  r = evbuffer_uv_load_ahead_(bev->output, uvbev_base_loop_(bev->ev_base),
                                  BEV_SOCKET_FILE_AHEAD, on_file_loaded, s);
  if (r == 1) bev_core_incref_(bev);
  return r < 0 ? r : 0;
}

int bev_socket_sendfile_(struct bev_socket *s, size_t budget) {
  struct bufferevent *bev = &s->p.bev;
  uv_os_fd_t fd;
  int r;
  if (!evbuffer_front_is_file_(bev->output)) return 0; /* before asking libuv for the fd */
  if (uv_fileno((const uv_handle_t *)&s->conn->own.stream, &fd) != 0) return 0;
  r = evbuffer_sendfile_(bev->output, (evutil_socket_t)(intptr_t)fd, budget);
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
