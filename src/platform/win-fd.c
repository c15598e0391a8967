/* SPDX-License-Identifier: MIT */
/* Windows descriptors (platform-internal.h): what a descriptor is and raw I/O
 * on sockets, for the descriptors libuv has no stream for and for
 * evbuffer_read / evbuffer_write; mapped views of files.  Descriptors given to libevent's API are
 * SOCKETs on Windows. */
#include <io.h>
#include <limits.h>
#include <stdint.h>
#include <winsock2.h>
#include <windows.h>

#include "platform-internal.h"

/* Windows descriptors given to libevent are SOCKETs, and every stream
 * socket runs on uv_tcp_t there (pipes and files are not SOCKETs). */
enum uvbev_fd_kind uvbev_fd_kind_(evutil_socket_t fd) {
  return fd == (evutil_socket_t)INVALID_SOCKET ? UVBEV_FD_INVALID : UVBEV_FD_TCP;
}

int uvbev_fd_unpollable_(int uv_err) {
  (void)uv_err;
  return 0;
}

int uvbev_fd_read_(evutil_socket_t fd, char *buf, size_t len) {
  int r = recv((SOCKET)fd, buf, len > INT_MAX ? INT_MAX : (int)len, 0);
  return r >= 0 ? r : uvbev_uv_error_from_socket_error_(WSAGetLastError());
}

int uvbev_fd_write_(evutil_socket_t fd, const uv_buf_t *bufs, int n) {
  WSABUF b[UVBEV_FD_MAX_BUFS];
  DWORD sent = 0;
  int i;
  if (n > UVBEV_FD_MAX_BUFS) n = UVBEV_FD_MAX_BUFS;
  for (i = 0; i < n; i++) {
    b[i].buf = bufs[i].base;
    b[i].len = bufs[i].len;
  }
  if (WSASend((SOCKET)fd, b, (DWORD)n, &sent, 0, NULL, NULL) != 0)
    return uvbev_uv_error_from_socket_error_(WSAGetLastError());
  return (int)sent;
}

size_t uvbev_stream_unsent_(const uv_stream_t *stream) {
  /* libuv's write_queue_size counts the bytes of overlapped sends still
   * pending, which the kernel already has: none is left to libuv. */
  (void)stream;
  return 0;
}

int uvbev_write_settle_(const uv_write_t *req, uint64_t deadline) {
  /* Polled rather than waited on: the completion also goes to libuv's port,
   * which reports it later as usual, and the socket's other pending
   * operation (libuv's read) would wake a wait on the handle. */
  while (!HasOverlappedIoCompleted(&req->u.io.overlapped)) {
    if (uv_hrtime() >= deadline) return 0;
    Sleep(1);
  }
  return 1;
}

int uvbev_fd_wait_writable_(evutil_socket_t fd, int timeout_ms) {
  WSAPOLLFD p;
  int r;
  p.fd = (SOCKET)fd;
  p.events = POLLWRNORM;
  p.revents = 0;
  r = WSAPoll(&p, 1, timeout_ms);
  if (r == SOCKET_ERROR) return uvbev_uv_error_from_socket_error_(WSAGetLastError());
  return r > 0 ? 1 : 0;
}

/* WSABUFs for up to UVBEV_FD_MAX_IOVECS extents; returns how many. */
static DWORD wsabufs(WSABUF *b, const struct evbuffer_iovec *v, int n) {
  int i;
  if (n > UVBEV_FD_MAX_IOVECS) n = UVBEV_FD_MAX_IOVECS;
  for (i = 0; i < n; i++) {
    b[i].buf = (char *)v[i].iov_base;
    b[i].len = (ULONG)v[i].iov_len;
  }
  return (DWORD)n;
}

/* Unlike uvbev_fd_read_ / _write_, these leave the WSA error as the system
 * set it: evbuffer_read's caller reads it with EVUTIL_SOCKET_ERROR(). */
int uvbev_fd_readv_(evutil_socket_t fd, struct evbuffer_iovec *v, int n) {
  WSABUF b[UVBEV_FD_MAX_IOVECS];
  DWORD got = 0, flags = 0;
  if (WSARecv((SOCKET)fd, b, wsabufs(b, v, n), &got, &flags, NULL, NULL) != 0) return -1;
  return (int)got;
}

int uvbev_fd_writev_(evutil_socket_t fd, struct evbuffer_iovec *v, int n) {
  WSABUF b[UVBEV_FD_MAX_IOVECS];
  DWORD sent = 0;
  if (WSASend((SOCKET)fd, b, wsabufs(b, v, n), &sent, 0, NULL, NULL) != 0) return -1;
  return (int)sent;
}

/* No synchronous sendfile: a TransmitFile that is not overlapped blocks
 * until the peer took the bytes.  The socket kind sends file segments with
 * an overlapped one instead (win-xmit.c). */
int uvbev_fd_sendfile_(evutil_socket_t out, int file_fd, int64_t offset, size_t len) {
  (void)out;
  (void)file_fd;
  (void)offset;
  (void)len;
  return UV_ENOSYS;
}

/* ---- mapped views of files ----------------------------------------------------- */

/* A mapping of the whole file (size 0: the file's size) that lives as long
 * as a view of it: its handle is closed at once.  A view that would reach
 * past the end of the file fails (no SIGBUS as on Unix), and so does a
 * mapping of an empty file or of what is not a disk file (a pipe). */
void *uvbev_file_map_(int file_fd, int64_t offset, size_t len, size_t *skip) {
  SYSTEM_INFO si;
  HANDLE file = (HANDLE)_get_osfhandle(file_fd), map;
  int64_t start;
  void *view;
  if (file == INVALID_HANDLE_VALUE || offset < 0 || len == 0 ||
      (uint64_t)len > (uint64_t)(INT64_MAX - offset) || GetFileType(file) != FILE_TYPE_DISK)
    return NULL;
  GetSystemInfo(&si);
  start = offset - offset % (int64_t)si.dwAllocationGranularity;
  *skip = (size_t)(offset - start);
  if (len > SIZE_MAX - *skip) return NULL;
  map = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
  if (map == NULL) return NULL;
  view = MapViewOfFile(map, FILE_MAP_READ, (DWORD)((uint64_t)start >> 32),
                       (DWORD)((uint64_t)start & 0xffffffffu), len + *skip);
  CloseHandle(map);
  return view;
}

void uvbev_file_unmap_(void *view, size_t size) {
  (void)size;
  UnmapViewOfFile(view);
}
