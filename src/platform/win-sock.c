/* SPDX-License-Identifier: MIT */
/* Windows sockets (platform-internal.h): closing and duplicating, the socket
 * options and errors of evutil, socketpair (a loopback TCP pair), local
 * addresses (none). */
#include <string.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#include "platform-internal.h"

int uvbev_closesocket_raw_(evutil_socket_t fd) {
  return closesocket((SOCKET)fd) == 0 ? 0 : -1;
}

evutil_socket_t uvbev_sock_dup_(evutil_socket_t fd) {
  WSAPROTOCOL_INFOW info;
  SOCKET s;
  if (WSADuplicateSocketW((SOCKET)fd, GetCurrentProcessId(), &info) != 0) return UVBEV_NO_SOCKET;
  s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                 WSA_FLAG_OVERLAPPED);
  return s == INVALID_SOCKET ? UVBEV_NO_SOCKET : (evutil_socket_t)s;
}

int uvbev_sock_accept_retriable_(int err) {
  return err == WSAEWOULDBLOCK || err == WSAEINTR || err == WSAECONNRESET;
}

int uvbev_sock_local_path_(const struct sockaddr *sa, int socklen, char *path, size_t size) {
  (void)sa;
  (void)socklen;
  (void)path;
  (void)size;
  return UV_EINVAL;
}

/* ---- evutil (event2/util.h) ---------------------------------------------------- */

int evutil_make_socket_nonblocking(evutil_socket_t fd) {
  u_long on = 1;
  return ioctlsocket((SOCKET)fd, FIONBIO, &on) == 0 ? 0 : -1;
}

int evutil_make_socket_closeonexec(evutil_socket_t fd) {
  (void)fd;
  return 0;
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
  (void)sock; /* SO_REUSEADDR means "steal the port" on Windows */
  return 0;
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
  (void)sock;
  return -1;
}

int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock) {
  (void)sock;
  return 0;
}

/* A connected loopback TCP pair: Windows has no socketpair(). */
static int loopback_pair(int family, evutil_socket_t sv[2]) {
  SOCKET listener, a = INVALID_SOCKET, b = INVALID_SOCKET;
  struct sockaddr_in addr;
  int len = sizeof(addr);
  if (family != AF_INET && family != AF_UNIX) {
    WSASetLastError(WSAEAFNOSUPPORT);
    return -1;
  }
  listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener == INVALID_SOCKET) return -1;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
    goto fail;
  a = socket(AF_INET, SOCK_STREAM, 0);
  if (a == INVALID_SOCKET || connect(a, (struct sockaddr *)&addr, sizeof(addr)) != 0) goto fail;
  b = accept(listener, NULL, NULL);
  if (b == INVALID_SOCKET) goto fail;
  closesocket(listener);
  sv[0] = (evutil_socket_t)a;
  sv[1] = (evutil_socket_t)b;
  return 0;
fail:
  closesocket(listener);
  if (a != INVALID_SOCKET) closesocket(a);
  return -1;
}

int evutil_socketpair(int family, int type, int protocol, evutil_socket_t sv[2]) {
  if (!sv) return -1;
  (void)type;
  (void)protocol;
  return loopback_pair(family, sv);
}

int evutil_socket_geterror(evutil_socket_t sock) {
  int optval, optvallen = sizeof(optval);
  int err = WSAGetLastError();
  if (err == WSAEWOULDBLOCK && sock >= 0) {
    if (getsockopt((SOCKET)sock, SOL_SOCKET, SO_ERROR, (void *)&optval, &optvallen)) return err;
    if (optval) return optval;
  }
  return err;
}

const char *evutil_socket_error_to_string(int errcode) {
  return uv_strerror(uvbev_uv_error_from_socket_error_(errcode));
}
