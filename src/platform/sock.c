/* SPDX-License-Identifier: MIT */
/* The listener's socket calls (platform-internal.h): the same on every
 * platform, written against the socket headers <uv.h> brings (winsock2.h,
 * sys/socket.h); what differs is in unix-sock.c / win-sock.c. */
#include "platform-internal.h"

/* Closes a socket given up after a failure, keeping that failure's socket
 * error for the caller to report. */
static void sock_discard(evutil_socket_t fd) {
  int err = EVUTIL_SOCKET_ERROR();
  uvbev_closesocket_raw_(fd);
  EVUTIL_SET_SOCKET_ERROR(err);
}

evutil_socket_t uvbev_sock_stream_(int family) {
  int on = 1;
  /* socket() gives -1 (Unix) or INVALID_SOCKET (Windows): both UVBEV_NO_SOCKET */
  evutil_socket_t s = (evutil_socket_t)socket(family, SOCK_STREAM, 0);
  if (s == UVBEV_NO_SOCKET) return s;
  if (evutil_make_socket_nonblocking(s) < 0 || evutil_make_socket_closeonexec(s) < 0 ||
      setsockopt(UVBEV_SOCK_TO_UV(s), SOL_SOCKET, SO_KEEPALIVE, (const void *)&on, sizeof(on)) <
          0) {
    sock_discard(s);
    return UVBEV_NO_SOCKET;
  }
  return s;
}

int uvbev_sock_ipv6only_(evutil_socket_t fd) {
  int on = 1;
  return setsockopt(UVBEV_SOCK_TO_UV(fd), IPPROTO_IPV6, IPV6_V6ONLY, (const void *)&on,
                    sizeof(on)) == 0
             ? 0
             : -1;
}

int uvbev_sock_listen_(evutil_socket_t fd, int backlog) {
  return listen(UVBEV_SOCK_TO_UV(fd), backlog) == 0 ? 0 : -1;
}

int uvbev_sock_bind_(evutil_socket_t fd, const struct sockaddr *sa, int socklen) {
  return bind(UVBEV_SOCK_TO_UV(fd), sa, (ev_socklen_t)socklen) == 0 ? 0 : -1;
}

evutil_socket_t uvbev_sock_accept_(evutil_socket_t fd, struct sockaddr *sa, int *len, int blocking,
                                   int cloexec) {
  ev_socklen_t n = (ev_socklen_t)*len;
  evutil_socket_t s = (evutil_socket_t)accept(UVBEV_SOCK_TO_UV(fd), sa, &n);
  *len = (int)n;
  if (s == UVBEV_NO_SOCKET) return s;
  if ((!blocking && evutil_make_socket_nonblocking(s) < 0) ||
      (cloexec && evutil_make_socket_closeonexec(s) < 0)) {
    sock_discard(s);
    return UVBEV_NO_SOCKET;
  }
  return s;
}
