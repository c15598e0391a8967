/* SPDX-License-Identifier: MIT */
/* The platform-specific socket operation of src/backends
 * (sock_os-internal.h). */
#include "sock_os-internal.h"

#ifdef _WIN32

#include <winsock2.h>

evutil_socket_t uvbev_sock_dup_(evutil_socket_t fd) {
  WSAPROTOCOL_INFOW info;
  SOCKET s;
  if (WSADuplicateSocketW((SOCKET)fd, GetCurrentProcessId(), &info) != 0) return UVBEV_NO_SOCKET;
  s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                 WSA_FLAG_OVERLAPPED);
  return s == INVALID_SOCKET ? UVBEV_NO_SOCKET : (evutil_socket_t)s;
}

#else

#include <fcntl.h>
#include <unistd.h>

evutil_socket_t uvbev_sock_dup_(evutil_socket_t fd) {
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return d < 0 ? UVBEV_NO_SOCKET : d;
}

#endif
