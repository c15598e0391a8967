/* SPDX-License-Identifier: MIT */
/* Unix sockets (platform-internal.h): closing and duplicating, the socket
 * options and errors of evutil, socketpair, local (AF_UNIX) addresses. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "platform-internal.h"

int uvbev_closesocket_raw_(evutil_socket_t fd) {
  return close(fd);
}

evutil_socket_t uvbev_sock_dup_(evutil_socket_t fd) {
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return d < 0 ? UVBEV_NO_SOCKET : d;
}

int uvbev_sock_accept_retriable_(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED;
}

int uvbev_sock_local_path_(const struct sockaddr *sa, int socklen, char *path, size_t size) {
  const struct sockaddr_un *un = (const struct sockaddr_un *)(const void *)sa;
  size_t n = (size_t)socklen > offsetof(struct sockaddr_un, sun_path)
                 ? (size_t)socklen - offsetof(struct sockaddr_un, sun_path)
                 : 0;
  if (sa->sa_family != AF_UNIX || n == 0 || un->sun_path[0] == '\0' || size == 0)
    return UV_EINVAL; /* abstract names are not supported by libuv */
  if (n > sizeof(un->sun_path)) n = sizeof(un->sun_path);
  if (n > size - 1) n = size - 1;
  memcpy(path, un->sun_path, n);
  path[n] = '\0';
  return 0;
}

/* ---- evutil (event2/util.h) ---------------------------------------------------- */

int evutil_make_socket_nonblocking(evutil_socket_t fd) {
  int flags = fcntl(fd, F_GETFL, NULL);
  if (flags < 0) return -1;
  if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) return -1;
  return 0;
}

int evutil_make_socket_closeonexec(evutil_socket_t fd) {
  int flags = fcntl(fd, F_GETFD, NULL);
  if (flags < 0) return -1;
  if (!(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1) return -1;
  return 0;
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
  int one = 1;
  return setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, (void *)&one, sizeof(one));
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
#ifdef SO_REUSEPORT
  int one = 1;
  return setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, (void *)&one, sizeof(one));
#else
  (void)sock;
  return -1;
#endif
}

int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock) {
#ifdef TCP_DEFER_ACCEPT
  int one = 1;
  return setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
#else
  (void)sock;
  return 0;
#endif
}

int evutil_socketpair(int family, int type, int protocol, evutil_socket_t sv[2]) {
  if (!sv) return -1;
  return socketpair(family, type, protocol, sv);
}

int evutil_socket_geterror(evutil_socket_t sock) {
  (void)sock;
  return errno;
}

const char *evutil_socket_error_to_string(int errcode) {
  return strerror(errcode);
}
