/* Platform differences (compat-internal.h): the one translation between
 * libuv's negative error codes and the platform's socket errors, closing a
 * socket, the backend's name. */
#include <string.h>
#ifndef _WIN32
#include <errno.h>
#include <unistd.h>
#endif

#include "compat-internal.h"

#ifdef _WIN32
/* libuv's codes are negated errno values everywhere; Windows sockets report
 * WSA* codes instead.  Pairs: (libuv code, WSA code). */
static const struct {
  int uv;
  int wsa;
} error_map[] = {
    {UV_EINTR, WSAEINTR},
    {UV_EBADF, WSAEBADF},
    {UV_EACCES, WSAEACCES},
    {UV_EFAULT, WSAEFAULT},
    {UV_EINVAL, WSAEINVAL},
    {UV_EMFILE, WSAEMFILE},
    {UV_EAGAIN, WSAEWOULDBLOCK},
    {UV_EALREADY, WSAEALREADY},
    {UV_ENOTSOCK, WSAENOTSOCK},
    {UV_EMSGSIZE, WSAEMSGSIZE},
    {UV_EPROTOTYPE, WSAEPROTOTYPE},
    {UV_ENOPROTOOPT, WSAENOPROTOOPT},
    {UV_EPROTONOSUPPORT, WSAEPROTONOSUPPORT},
    {UV_ENOTSUP, WSAEOPNOTSUPP},
    {UV_EAFNOSUPPORT, WSAEAFNOSUPPORT},
    {UV_EADDRINUSE, WSAEADDRINUSE},
    {UV_EADDRNOTAVAIL, WSAEADDRNOTAVAIL},
    {UV_ENETDOWN, WSAENETDOWN},
    {UV_ENETUNREACH, WSAENETUNREACH},
    {UV_ECONNABORTED, WSAECONNABORTED},
    {UV_ECONNRESET, WSAECONNRESET},
    {UV_ENOBUFS, WSAENOBUFS},
    {UV_EISCONN, WSAEISCONN},
    {UV_ENOTCONN, WSAENOTCONN},
    {UV_ESHUTDOWN, WSAESHUTDOWN},
    {UV_ETIMEDOUT, WSAETIMEDOUT},
    {UV_ECONNREFUSED, WSAECONNREFUSED},
    {UV_EHOSTUNREACH, WSAEHOSTUNREACH},
    {UV_ENAMETOOLONG, WSAENAMETOOLONG},
    {UV_ECANCELED, WSA_OPERATION_ABORTED},
    {UV_EAI_NONAME, WSAHOST_NOT_FOUND},
    {UV_EAI_AGAIN, WSATRY_AGAIN},
    {UV_EAI_FAIL, WSANO_RECOVERY},
};

int uvbev_socket_error_from_uv_(int uv_err) {
  size_t i;
  for (i = 0; i < sizeof(error_map) / sizeof(error_map[0]); i++)
    if (error_map[i].uv == uv_err) return error_map[i].wsa;
  return uv_err == 0 ? 0 : WSAEINVAL;
}

int uvbev_uv_error_from_socket_error_(int sock_err) {
  size_t i;
  for (i = 0; i < sizeof(error_map) / sizeof(error_map[0]); i++)
    if (error_map[i].wsa == sock_err) return error_map[i].uv;
  return sock_err == 0 ? 0 : UV_EINVAL;
}

void uvbev_set_socket_error_from_uv_(int uv_err) {
  WSASetLastError(uvbev_socket_error_from_uv_(uv_err));
}

int uvbev_closesocket_raw_(evutil_socket_t fd) {
  return closesocket((SOCKET)fd) == 0 ? 0 : -1;
}

#else /* Unix: libuv's codes are -errno (except getaddrinfo's UV_EAI_*) */

int uvbev_socket_error_from_uv_(int uv_err) {
  switch (uv_err) {
  case UV_EAI_AGAIN:
    return EAGAIN;
  case UV_EAI_MEMORY:
    return ENOMEM;
  case UV_EAI_NONAME:
  case UV_EAI_NODATA:
  case UV_EAI_FAIL:
    return EHOSTUNREACH;
  case UV_EAI_CANCELED:
    return ECANCELED;
  case UV_EOF:
    return ECONNRESET;
  default:
    return uv_err < 0 && uv_err > -4096 ? -uv_err : EINVAL;
  }
}

int uvbev_uv_error_from_socket_error_(int sock_err) {
  return -sock_err;
}

void uvbev_set_socket_error_from_uv_(int uv_err) {
  errno = uvbev_socket_error_from_uv_(uv_err);
}

int uvbev_closesocket_raw_(evutil_socket_t fd) {
  return close(fd);
}

#endif

#if defined(_WIN32)
#define UVBEV_BACKEND_NAME "iocp"
#elif defined(__linux__)
#define UVBEV_BACKEND_NAME "epoll"
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || \
    defined(__DragonFly__)
#define UVBEV_BACKEND_NAME "kqueue"
#elif defined(__sun)
#define UVBEV_BACKEND_NAME "event ports"
#elif defined(_AIX)
#define UVBEV_BACKEND_NAME "pollset"
#else
#define UVBEV_BACKEND_NAME "poll" /* no second "poll" in the method list */
#define UVBEV_BACKEND_IS_POLL 1
#endif

const char *uvbev_backend_name_(void) {
  return UVBEV_BACKEND_NAME;
}

const char **uvbev_methods_(void) {
#ifdef UVBEV_BACKEND_IS_POLL
  static const char *methods[] = {UVBEV_BACKEND_NAME, NULL};
#else
  static const char *methods[] = {UVBEV_BACKEND_NAME, "poll", NULL};
#endif
  return methods;
}
