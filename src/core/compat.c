/* SPDX-License-Identifier: MIT */
/* Platform differences (compat-internal.h): the one translation between
 * libuv's negative error codes and the platform's socket errors, closing a
 * socket, signal dispositions, the process id, the backend's name. */
#include <signal.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <winsock2.h>
#include <iphlpapi.h>
#else
#include <errno.h>
#include <net/if.h>
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

int uvbev_sig_install_(int signum, void (*handler)(int), struct uvbev_sigsave *old) {
  void (*prev)(int) = signal(signum, handler);
  if (prev == SIG_ERR) return -1;
  old->handler = prev;
  return 0;
}

void uvbev_sig_restore_(int signum, const struct uvbev_sigsave *old) {
  signal(signum, old->handler);
}

void uvbev_sig_rearm_(int signum, void (*handler)(int)) {
  signal(signum, handler);
}

long uvbev_process_id_(void) {
  return 0;
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

int uvbev_sig_install_(int signum, void (*handler)(int), struct uvbev_sigsave *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  return sigaction(signum, &sa, &old->action) == 0 ? 0 : -1;
}

void uvbev_sig_restore_(int signum, const struct uvbev_sigsave *old) {
  sigaction(signum, &old->action, NULL);
}

void uvbev_sig_rearm_(int signum, void (*handler)(int)) {
  (void)signum;
  (void)handler;
}

long uvbev_process_id_(void) {
  return (long)getpid();
}

#endif

unsigned uvbev_if_nametoindex_(const char *name) {
  return (unsigned)if_nametoindex(name);
}

int uvbev_gmtime_(time_t t, struct tm *out) {
#ifdef _WIN32
  struct tm *r = gmtime(&t); /* per-thread buffer in the Windows CRT */
  if (!r) return -1;
  *out = *r;
  return 0;
#else
  return gmtime_r(&t, out) ? 0 : -1;
#endif
}

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
