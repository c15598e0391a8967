/* SPDX-License-Identifier: MIT */
/* Loopback TCP sockets for every test (unit and compat): plain socket calls
 * and the libevent API only, so they build against uvbev and libevent. */
#include <string.h>

#include "loopback.h"

int cu_listen_loopback(evutil_socket_t *fd_out) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd == EVUTIL_INVALID_SOCKET) return -1;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
    evutil_closesocket(fd);
    return -1;
  }
  *fd_out = fd;
  return ntohs(sin.sin_port);
}

int cu_tcp_pair(evutil_socket_t sv[2]) {
  struct sockaddr_in sin;
  evutil_socket_t listener, a, b;
  int port = cu_listen_loopback(&listener);
  if (port < 0) return -1;
  a = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  sin.sin_port = htons((unsigned short)port);
  if (a == EVUTIL_INVALID_SOCKET || connect(a, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
    evutil_closesocket(listener);
    if (a != EVUTIL_INVALID_SOCKET) evutil_closesocket(a);
    return -1;
  }
  b = accept(listener, NULL, NULL);
  evutil_closesocket(listener);
  if (b == EVUTIL_INVALID_SOCKET) {
    evutil_closesocket(a);
    return -1;
  }
  sv[0] = a;
  sv[1] = b;
  return 0;
}
