/* SPDX-License-Identifier: MIT */
/* evbuffer_read / evbuffer_write / evbuffer_write_atmost: one system call
 * each, scatter/gather over the chunks (uvbev_fd_readv_ / _writev_: sockets
 * on Windows, any descriptor elsewhere), or sendfile for a file segment at
 * the front of the buffer. */
#include <limits.h>

#include "evbuffer-internal.h"
#include "evbuffer-uv-internal.h"
#include "platform-internal.h"

/* As libevent 2.1: a read takes at most this much when asked for "all". */
#define EVBUFFER_MAX_READ 4096
/* Extents per gathered write. */
#define EVBUFFER_MAX_WRITE_VECS UVBEV_FD_MAX_IOVECS

int evbuffer_read(struct evbuffer *buf, evutil_socket_t fd, int howmuch) {
  struct evbuffer_iovec v[2];
  int n, r = -1;
  if (buf == NULL) return -1;
  if (howmuch < 0 || howmuch > EVBUFFER_MAX_READ) howmuch = EVBUFFER_MAX_READ;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_end) goto done;
  n = evbuffer_reserve_space(buf, howmuch, v, 2);
  if (n < 0) goto done;
  /* Never more than asked: trim the extents. */
  if (v[0].iov_len >= (size_t)howmuch) {
    v[0].iov_len = (size_t)howmuch;
    n = 1;
  } else if (n == 2 && v[0].iov_len + v[1].iov_len > (size_t)howmuch) {
    v[1].iov_len = (size_t)howmuch - v[0].iov_len;
  }
  r = uvbev_fd_readv_(fd, v, n);
  if (r <= 0) goto done;
  if ((size_t)r <= v[0].iov_len) {
    v[0].iov_len = (size_t)r;
    n = 1;
  } else {
    v[1].iov_len = (size_t)r - v[0].iov_len;
  }
  evbuffer_commit_space(buf, v, n);
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_write_atmost(struct evbuffer *buf, evutil_socket_t fd, ev_ssize_t howmuch) {
  struct evbuffer_iovec v[EVBUFFER_MAX_WRITE_VECS];
  int n, r = -1;
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_start) goto done;
  if (howmuch < 0 || (size_t)howmuch > buf->total_len) howmuch = (ev_ssize_t)buf->total_len;
  if (howmuch > INT_MAX) howmuch = INT_MAX;
  if (howmuch == 0) /* -1, as libevent */
    goto done;
  if ((r = evbuffer_sendfile_(buf, fd, (size_t)howmuch)) != UV_ENOSYS) {
    /* A file segment at the front went with sendfile, as libevent's does. */
    if (r <= 0) {
      uvbev_set_socket_error_from_uv_(r == 0 ? UV_EOF : r); /* 0: the file is short */
      r = -1;
    }
    goto done;
  }
  howmuch = (ev_ssize_t)evbuffer_file_write_cap_(buf, (size_t)howmuch); /* file: a window */
  n = evbuffer_peek(buf, howmuch, NULL, v, EVBUFFER_MAX_WRITE_VECS);
  if (n > EVBUFFER_MAX_WRITE_VECS) n = EVBUFFER_MAX_WRITE_VECS;
  {
    /* The last extent may hold more than asked. */
    size_t total = 0;
    int i;
    for (i = 0; i < n; i++) {
      if (total + v[i].iov_len > (size_t)howmuch) v[i].iov_len = (size_t)howmuch - total;
      total += v[i].iov_len;
    }
  }
  r = uvbev_fd_writev_(fd, v, n);
  if (r > 0) {
    evbuffer_drain_raw_(buf, (size_t)r);
    evbuffer_invoke_cbs_(buf);
  }
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_write(struct evbuffer *buf, evutil_socket_t fd) {
  return evbuffer_write_atmost(buf, fd, -1);
}
