/* SPDX-License-Identifier: MIT */
/* Platform-specific socket operations of the backends (socket bufferevents,
 * listeners), kept in sock_os.c so that no other backend file needs
 * #ifdef _WIN32.  (Candidates for src/core/compat-internal.h.) */
#ifndef UVBEV_SOCK_OS_INTERNAL_H_
#define UVBEV_SOCK_OS_INTERNAL_H_

#include "event2/util.h"

/* EVUTIL_INVALID_SOCKET as an evutil_socket_t (on Windows INVALID_SOCKET is
 * unsigned while evutil_socket_t is signed). */
#define UVBEV_NO_SOCKET ((evutil_socket_t)EVUTIL_INVALID_SOCKET)

/* A second descriptor for the same socket, close-on-exec (dup on Unix,
 * WSADuplicateSocket on Windows), or UVBEV_NO_SOCKET.  libuv closes the
 * descriptor it watches; watching a duplicate leaves the caller's open. */
evutil_socket_t uvbev_sock_dup_(evutil_socket_t fd);

#endif
