/* SPDX-License-Identifier: MIT */
/* The listener's socket calls (listener_os-internal.h): the platform
 * primitives first, then what is the same everywhere on top of them. */
#include "listener_os-internal.h"

#ifdef _WIN32

#include <winsock2.h>
#include <ws2tcpip.h>

int uvbev_sock_accept_retriable_(int err) {
  return err == WSAEWOULDBLOCK || err == WSAEINTR || err == WSAECONNRESET;
}

static evutil_socket_t sock_os_socket(int family) {
  SOCKET s = socket(family, SOCK_STREAM, 0);
  return s == INVALID_SOCKET ? UVBEV_NO_SOCKET : (evutil_socket_t)s;
}

static evutil_socket_t sock_os_accept(evutil_socket_t fd, struct sockaddr *sa, int *len) {
  SOCKET s = accept((SOCKET)fd, sa, len);
  return s == INVALID_SOCKET ? UVBEV_NO_SOCKET : (evutil_socket_t)s;
}

static int sock_os_close(evutil_socket_t fd) {
  return closesocket((SOCKET)fd);
}

#else

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int uvbev_sock_accept_retriable_(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED;
}

static evutil_socket_t sock_os_socket(int family) {
  int s = socket(family, SOCK_STREAM, 0);
  return s < 0 ? UVBEV_NO_SOCKET : s;
}

static evutil_socket_t sock_os_accept(evutil_socket_t fd, struct sockaddr *sa, int *len) {
  socklen_t n = (socklen_t)*len;
  int s = accept(fd, sa, &n);
  *len = (int)n;
  return s < 0 ? UVBEV_NO_SOCKET : s;
}

static int sock_os_close(evutil_socket_t fd) {
  int err = errno;
  int r = close(fd);
  errno = err; /* the caller reports the error that made it close */
  return r;
}

#endif

/* ---- the same on every platform, on the primitives above ---------------------- */

evutil_socket_t uvbev_sock_stream_(int family) {
  int on = 1;
  evutil_socket_t s = sock_os_socket(family);
  if (s == UVBEV_NO_SOCKET) return s;
  if (evutil_make_socket_nonblocking(s) < 0 || evutil_make_socket_closeonexec(s) < 0 ||
      setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (const void *)&on, sizeof(on)) < 0) {
    sock_os_close(s);
    return UVBEV_NO_SOCKET;
  }
  return s;
}

int uvbev_sock_ipv6only_(evutil_socket_t fd) {
  int on = 1;
  return setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (const void *)&on, sizeof(on)) == 0 ? 0 : -1;
}

int uvbev_sock_listen_(evutil_socket_t fd, int backlog) {
  return listen(fd, backlog) == 0 ? 0 : -1;
}

int uvbev_sock_bind_(evutil_socket_t fd, const struct sockaddr *sa, int socklen) {
  return bind(fd, sa, socklen) == 0 ? 0 : -1;
}

evutil_socket_t uvbev_sock_accept_(evutil_socket_t fd, struct sockaddr *sa, int *len, int blocking,
                                   int cloexec) {
  evutil_socket_t s = sock_os_accept(fd, sa, len);
  if (s == UVBEV_NO_SOCKET) return s;
  if ((!blocking && evutil_make_socket_nonblocking(s) < 0) ||
      (cloexec && evutil_make_socket_closeonexec(s) < 0)) {
    sock_os_close(s);
    return UVBEV_NO_SOCKET;
  }
  return s;
}
