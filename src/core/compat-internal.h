/* The few platform differences of uvbev, kept here so that no other file needs
 * #ifdef _WIN32: socket error codes, closing sockets, and the one translation
 * of libuv's negative error codes into the platform's socket errors. */
#ifndef UVBEV_COMPAT_INTERNAL_H_
#define UVBEV_COMPAT_INTERNAL_H_

#include <uv.h>
#include "event2/util.h"

/* The platform socket error (errno value on Unix, WSA* code on Windows) that
 * corresponds to a libuv error code (negative).  The only such translation. */
int uvbev_socket_error_from_uv_(int uv_err);

/* Sets EVUTIL_SOCKET_ERROR() from a libuv error code, so that an event callback
 * that sees BEV_EVENT_ERROR can read the cause. */
void uvbev_set_socket_error_from_uv_(int uv_err);

/* The libuv error code (negative) for a platform socket error. */
int uvbev_uv_error_from_socket_error_(int sock_err);

/* Closes a socket without consulting the accepted-handle registry. */
int uvbev_closesocket_raw_(evutil_socket_t fd);

/* libuv's backend on this platform: "epoll", "kqueue", "iocp", ... */
const char *uvbev_backend_name_(void);

/* The methods event_get_supported_methods() lists, NULL-terminated: the
 * backend, then "poll" (the same backend; see event.h) unless the backend
 * is poll itself.  Static, never written. */
const char **uvbev_methods_(void);

/* uv_os_sock_t <-> evutil_socket_t, without casts spread around. */
#define UVBEV_SOCK_TO_UV(fd) ((uv_os_sock_t)(fd))
#define UVBEV_SOCK_FROM_UV(s) ((evutil_socket_t)(s))

#endif
