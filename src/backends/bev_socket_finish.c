/* SPDX-License-Identifier: MIT */
/* Finishing a started write when a socket bufferevent lets go of a
 * descriptor that stays open: bufferevent_free or bufferevent_setfd without
 * BEV_OPT_CLOSE_ON_FREE, the base's shutdown under a bufferevent never freed.
 *
 * libevent writes with write(2): once bufferevent_free returns, every byte
 * it wrote is in the kernel and it writes nothing more, so whoever keeps the
 * descriptor continues the stream where it stopped (a TLS bufferevent made
 * again on the same SSL object and socket included: libevent's SSL keeps the
 * rest of a record the kernel took only part of).  uvbev hands the bytes to
 * uv_write, which sends what the kernel takes and keeps the rest for later;
 * closing the handle cancels that rest, and the stream would stop in the
 * middle of a write: a TLS record cut in two, whose next reader hangs or
 * fails.  So before the handle closes, the rest of a write whose first bytes
 * went out is written here, straight to the descriptor (libuv never writes
 * again once the handle is closing).  A write none of whose bytes left is
 * dropped with the rest of the output, as libevent drops its pending output.
 * Except under a TLS layer whose SSL object the caller keeps
 * (bev_socket_release_sends_all_): every record in the output is sealed and
 * counted as sent by the SSL object (record sequence numbers), so dropping
 * one would break the stream for its next writer just as a cut does; there
 * the whole output goes, libevent's SSL writing its records straight to the
 * socket.
 *
 * Synchronously, inside the free, rather than by keeping the handle open
 * after it: the descriptor's owner may write to it as soon as free returns
 * (with libevent nothing else is written then), and bytes of ours sent later
 * could land in the middle of its own.  When the kernel's buffer is full the
 * free waits for it, at most FINISH_WAIT_MS: only a peer that stops reading
 * makes it wait, and such a peer gets the stream cut as before.  At the
 * base's shutdown nothing waits (event_base_free must not depend on a peer):
 * what the kernel takes at once is written.
 *
 * Windows: an overlapped WSASend gives the kernel every byte at once (libuv
 * keeps nothing back), but closing the handle cancels a send still pending;
 * there the free waits, bounded the same way, for it to complete
 * (uvbev_write_settle_).  The same for a file segment's TransmitFile in
 * flight (bev_socket_xmit_settle_): once it completed, its bytes are
 * drained and the stream ends at its end; one still pending at the
 * deadline is cancelled (bev_socket_xmit_drop_).
 */
#include <stdint.h>

#include "bev_socket-internal.h"
#include "platform-internal.h"
#include "evbuffer-uv-internal.h"
#include "fault_inject-internal.h"

/* How long a free may wait for the kernel to take the rest of a write: long
 * enough for a peer that reads to drain its window, short enough that a
 * stalled one holds the loop only briefly. */
#define FINISH_WAIT_MS 1000

/* Bytes of c's write in flight that have not gone to the kernel: libuv's,
 * and under fault injection the parts of the drip not yet given to it. */
static size_t conn_unsent(struct bev_conn *c) {
  size_t n = uvbev_stream_unsent_(&c->own.stream);
#ifdef UVBEV_FAULT_INJECTION
  n += uvbev_fault_write_left_(&c->fault_w);
#endif
  return n;
}

/* Fills bufs with up to UVBEV_FD_MAX_BUFS extents of out covering at most
 * len bytes from offset pos; returns how many. */
static int peek_at(struct evbuffer *out, size_t pos, size_t len, uv_buf_t *bufs) {
  struct evbuffer_iovec v[UVBEV_FD_MAX_BUFS];
  struct evbuffer_ptr ptr;
  int i, n;
  if (evbuffer_ptr_set(out, &ptr, pos, EVBUFFER_PTR_SET) < 0) return 0;
  n = evbuffer_peek(out, (ev_ssize_t)len, &ptr, v, UVBEV_FD_MAX_BUFS);
  if (n > UVBEV_FD_MAX_BUFS) n = UVBEV_FD_MAX_BUFS;
  for (i = 0; i < n && len > 0; i++) {
    size_t take = v[i].iov_len < len ? v[i].iov_len : len; /* the last extent runs on */
    bufs[i] = uv_buf_init(v[i].iov_base, (unsigned int)take);
    len -= take;
  }
  return i;
}

/* Waits until fd may take more bytes; 0 once the deadline (uv_hrtime) passed
 * or on error. */
static int wait_writable(evutil_socket_t fd, uint64_t deadline) {
  uint64_t now = uv_hrtime();
  if (now >= deadline) return 0;
  return uvbev_fd_wait_writable_(fd, (int)((deadline - now + 999999) / 1000000)) > 0;
}

/* The bytes [*pos, *end) of the output to send before c closes, if any:
 * the rest of a started write, or (release_sends_all, at a free) the rest of
 * the whole output. */
static int finish_range(struct bev_socket *s, struct bev_conn *c, uint64_t deadline, size_t *pos,
                        size_t *end) {
  struct evbuffer *out = s->p.bev.output;
  size_t pinned = evbuffer_uv_pinned_(out), left;
  if (c->connecting || c->closing || c->failed || c->shutdown_started || c->write_finished)
    return 0;
  if ((s->p.options & BEV_OPT_CLOSE_ON_FREE) || c->user_fd == UVBEV_NO_SOCKET)
    return 0; /* the descriptor closes with us: nobody reads on after the cut */
  if (!c->writing && pinned > 0) return 0; /* a replaced connection's write */
  /* What the kernel holds of the write must not be cancelled by the close
   * (Windows); then what libuv holds is sent below.  A TransmitFile
   * (Windows) is the kernel's alone: once it completed, its bytes are
   * drained (bev_socket_xmit_drop_) and the stream stops at its end. */
  if (bev_socket_xmit_busy_(c)) bev_socket_xmit_settle_(c, deadline);
  if (c->writing && !bev_socket_xmit_busy_(c) && c->wreq) uvbev_write_settle_(c->wreq, deadline);
  left = c->writing ? conn_unsent(c) : 0;
  if (left > pinned) return 0;
  *pos = pinned - left;
  if (s->conn0.release_sends_all && s->p.unlinked)
    *end = evbuffer_get_length(out);
  else if (left > 0 && (left < pinned || c->write_begun))
    *end = pinned; /* some of it went out */
  else
    return 0;
  return *end > *pos;
}

void bev_socket_release_sends_all_(struct bufferevent *bev) {
  struct bev_socket *s = bev_socket_upcast_(bev);
  if (s) s->conn0.release_sends_all = 1;
}

void bev_socket_finish_write_(struct bev_socket *s, struct bev_conn *c) {
  struct evbuffer *out = s->p.bev.output;
  size_t pos = 0, end = 0;
  int at_shutdown = s->p.unlinked && !s->p.freed; /* a bufferevent never freed */
  uint64_t deadline = uv_hrtime() + (at_shutdown ? 0 : (uint64_t)FINISH_WAIT_MS * 1000000);
  evutil_socket_t fd;
  uv_os_fd_t osfd;
  if (!finish_range(s, c, deadline, &pos, &end)) return;
  if (uv_fileno((uv_handle_t *)&c->own.stream, &osfd) != 0) return;
  fd = (evutil_socket_t)(intptr_t)osfd;
  while (pos < end) {
    uv_buf_t bufs[UVBEV_FD_MAX_BUFS];
    int n = peek_at(out, pos, end - pos, bufs);
    int r = n > 0 ? uvbev_fd_write_(fd, bufs, n) : UV_EINVAL;
    if (r > 0) {
      pos += (size_t)r;
    } else if (r != UV_EAGAIN || !wait_writable(fd, deadline)) {
      break; /* the peer is gone, or too slow: cut, as without us */
    }
  }
  /* Sent or given up: the pin is done with (its callback is a cancel). */
  c->write_finished = 1;
}
