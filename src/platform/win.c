/* SPDX-License-Identifier: MIT */
/* Windows (platform-internal.h): the one translation between libuv's
 * negative error codes and WSA* codes, signal dispositions (the C runtime's
 * signal()), process and thread ids, the C library calls Windows names
 * differently, the backend's name. */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>

#include "platform-internal.h"

/* ---- errors ------------------------------------------------------------------ */

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

/* ---- signals and processes ------------------------------------------------- */

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

unsigned long uvbev_thread_self_id_(void) {
  return (unsigned long)GetCurrentThreadId();
}

/* ---- the C library and the system ------------------------------------------ */

unsigned uvbev_if_nametoindex_(const char *name) {
  return (unsigned)if_nametoindex(name);
}

int uvbev_gmtime_(time_t t, struct tm *out) {
  struct tm *r = gmtime(&t); /* per-thread buffer in the Windows CRT */
  if (!r) return -1;
  *out = *r;
  return 0;
}

const char *uvbev_gai_strerror_(int err) {
  return gai_strerrorA(err);
}

const char *uvbev_backend_name_(void) {
  return "iocp";
}

const char **uvbev_methods_(void) {
  static const char *methods[] = {"iocp", "poll", NULL};
  return methods;
}
