/* SPDX-License-Identifier: MIT */
/* Unix descriptors (platform-internal.h): what a descriptor is and raw I/O on
 * the ones libuv has no stream for, and evbuffer_read / evbuffer_write's
 * readv / writev, sendfile and mapped views of files.  The platform half of
 * "any descriptor libevent accepts works". */
#include <limits.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/sendfile.h>
#endif

#include "platform-internal.h"

/* The classes of uv_guess_handle(), with sockets asked first: a socket (the
 * common case) costs two system calls instead of four.  Every descriptor
 * that is neither a stream libuv runs nor a file is "pollable": ttys and
 * ptys, datagram and seqpacket sockets, character devices (/dev/null is
 * one: the poller refuses it and it ends up always ready). */
enum uvbev_fd_kind uvbev_fd_kind_(evutil_socket_t fd) {
  struct sockaddr_storage ss;
  struct stat st;
  socklen_t len = sizeof(int);
  int type;
  if (fd < 0) return UVBEV_FD_INVALID;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0) {
    len = sizeof(ss);
    if (type != SOCK_STREAM || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
      return UVBEV_FD_POLLABLE;
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) return UVBEV_FD_TCP;
    return ss.ss_family == AF_UNIX ? UVBEV_FD_LOCAL : UVBEV_FD_POLLABLE;
  }
  if (errno == EBADF || fstat(fd, &st) != 0) return UVBEV_FD_INVALID;
  if (S_ISFIFO(st.st_mode)) return UVBEV_FD_LOCAL;
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode)) return UVBEV_FD_FILE;
  return UVBEV_FD_POLLABLE;
}

/* epoll refuses what has no poll support (regular files, /dev/null) with
 * EPERM; kqueue and event ports refuse some devices with EINVAL, which on
 * Linux means something else (the loop's own epoll descriptor). */
int uvbev_fd_unpollable_(int uv_err) {
#ifdef __linux__
  return uv_err == UV_EPERM;
#else
  return uv_err == UV_EPERM || uv_err == UV_EINVAL;
#endif
}

static int uv_error_from_errno(void) {
  return errno == EWOULDBLOCK ? UV_EAGAIN : uvbev_uv_error_from_socket_error_(errno);
}

int uvbev_fd_read_(evutil_socket_t fd, char *buf, size_t len) {
  ssize_t r;
  if (len > INT_MAX) len = INT_MAX;
  do
    r = read(fd, buf, len);
  while (r < 0 && errno == EINTR);
  return r >= 0 ? (int)r : uv_error_from_errno();
}

int uvbev_fd_write_(evutil_socket_t fd, const uv_buf_t *bufs, int n) {
  struct iovec v[UVBEV_FD_MAX_BUFS];
  size_t total = 0;
  ssize_t r;
  int i;
  if (n > UVBEV_FD_MAX_BUFS) n = UVBEV_FD_MAX_BUFS;
  for (i = 0; i < n; i++) {
    /* writev's result is a ssize_t: keep the sum an int */
    size_t room = (size_t)INT_MAX - total;
    v[i].iov_base = bufs[i].base;
    v[i].iov_len = bufs[i].len < room ? bufs[i].len : room;
    total += v[i].iov_len;
  }
  do
    r = writev(fd, v, n);
  while (r < 0 && errno == EINTR);
  return r >= 0 ? (int)r : uv_error_from_errno();
}

size_t uvbev_stream_unsent_(const uv_stream_t *stream) {
  return uv_stream_get_write_queue_size(stream);
}

int uvbev_write_settle_(const uv_write_t *req, uint64_t deadline) {
  (void)req;
  (void)deadline;
  return 1;
}

int uvbev_fd_wait_writable_(evutil_socket_t fd, int timeout_ms) {
  struct pollfd p;
  int r;
  p.fd = fd;
  p.events = POLLOUT;
  p.revents = 0;
  do
    r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r < 0) return uv_error_from_errno();
  return r > 0 ? 1 : 0;
}

/* Unlike uvbev_fd_read_ / _write_, these leave errno as the system set it:
 * evbuffer_read's caller reads it with EVUTIL_SOCKET_ERROR(). */
int uvbev_fd_readv_(evutil_socket_t fd, struct evbuffer_iovec *v, int n) {
  ssize_t r;
  do
    r = readv(fd, v, n);
  while (r < 0 && errno == EINTR);
  return (int)r;
}

int uvbev_fd_writev_(evutil_socket_t fd, struct evbuffer_iovec *v, int n) {
  ssize_t r;
  do
    r = writev(fd, v, n);
  while (r < 0 && errno == EINTR);
  return (int)r;
}

/* ---- sendfile ---------------------------------------------------------------- */

#if defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__) || defined(__DragonFly__)
/* A descriptor pair the system's sendfile does not take (not a socket on
 * macOS/BSD, a file system without it) is not an error: the caller sends
 * the bytes another way. */
static int sendfile_error(void) {
  if (errno == EINVAL || errno == ENOSYS || errno == ENOTSOCK || errno == EOPNOTSUPP)
    return UV_ENOSYS;
  return uv_error_from_errno();
}
#endif

int uvbev_fd_sendfile_(evutil_socket_t out, int file_fd, int64_t offset, size_t len) {
  if (len > INT_MAX) len = INT_MAX;
#if defined(__linux__)
  {
    off_t off = (off_t)offset;
    ssize_t r;
    do
      r = sendfile(out, file_fd, &off, len);
    while (r < 0 && errno == EINTR);
    return r >= 0 ? (int)r : sendfile_error();
  }
#elif defined(__APPLE__)
  {
    off_t n = (off_t)len;
    /* A partial send fails with EAGAIN or EINTR and says how much went. */
    if (sendfile(file_fd, out, (off_t)offset, &n, NULL, 0) == 0 || n > 0) return (int)n;
    return sendfile_error();
  }
#elif defined(__FreeBSD__) || defined(__DragonFly__)
  {
    off_t n = 0;
    if (sendfile(file_fd, out, (off_t)offset, len, NULL, &n, 0) == 0 || n > 0) return (int)n;
    return sendfile_error();
  }
#else
  (void)out;
  (void)file_fd;
  (void)offset;
  return UV_ENOSYS; /* other systems: through the thread pool */
#endif
}

/* ---- mapped views of files ----------------------------------------------------- */

void *uvbev_file_map_(int file_fd, int64_t offset, size_t len, size_t *skip) {
  struct stat st;
  int64_t page = (int64_t)sysconf(_SC_PAGESIZE), start;
  void *view;
  if (page <= 0 || offset < 0 || len == 0 || (uint64_t)len > (uint64_t)(INT64_MAX - offset))
    return NULL;
  /* Only a regular file that holds the whole range: a page of the view past
   * the end of the file raises SIGBUS when touched. */
  if (fstat(file_fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      (int64_t)st.st_size - offset < (int64_t)len)
    return NULL;
  start = offset - offset % page;
  if ((int64_t)(off_t)start != start) return NULL; /* a 32-bit off_t */
  *skip = (size_t)(offset - start);
  if (len > SIZE_MAX - *skip) return NULL;
  view = mmap(NULL, len + *skip, PROT_READ, MAP_PRIVATE, file_fd, (off_t)start);
  if (view == MAP_FAILED) return NULL;
#ifdef MADV_WILLNEED
  /* Starts the disk reads of the pages not cached now, without waiting for
   * them: the thread that touches the view later (the loop thread, for a
   * socket) waits less, or not at all.  Advice only: a failure changes
   * nothing. */
  (void)madvise(view, len + *skip, MADV_WILLNEED);
#endif
  return view;
}

void uvbev_file_unmap_(void *view, size_t size) {
  munmap(view, size);
}
