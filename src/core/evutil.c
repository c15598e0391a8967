/* SPDX-License-Identifier: MIT */
/* evutil: socket options, socketpair, time, strings, randomness.  The few
 * calls that differ between Windows and Unix sit in #ifdef blocks here, each
 * with both branches. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include "event2/util.h"
#include "accepted-internal.h"
#include "compat-internal.h"

int evutil_make_socket_nonblocking(evutil_socket_t fd) {
#ifdef _WIN32
  u_long on = 1;
  return ioctlsocket((SOCKET)fd, FIONBIO, &on) == 0 ? 0 : -1;
#else
  int flags = fcntl(fd, F_GETFL, NULL);
  if (flags < 0) return -1;
  if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) return -1;
  return 0;
#endif
}

int evutil_make_socket_closeonexec(evutil_socket_t fd) {
#ifdef _WIN32
  (void)fd;
  return 0;
#else
  int flags = fcntl(fd, F_GETFD, NULL);
  if (flags < 0) return -1;
  if (!(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1) return -1;
  return 0;
#endif
}

int evutil_make_listen_socket_reuseable(evutil_socket_t sock) {
#ifdef _WIN32
  (void)sock; /* SO_REUSEADDR means "steal the port" on Windows */
  return 0;
#else
  int one = 1;
  return setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, (void *)&one, sizeof(one));
#endif
}

int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock) {
#if defined(SO_REUSEPORT) && !defined(_WIN32)
  int one = 1;
  return setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, (void *)&one, sizeof(one));
#else
  (void)sock;
  return -1;
#endif
}

int evutil_make_listen_socket_ipv6only(evutil_socket_t sock) {
#ifdef IPV6_V6ONLY
  int one = 1;
  return setsockopt(UVBEV_SOCK_TO_UV(sock), IPPROTO_IPV6, IPV6_V6ONLY, (void *)&one,
                    (ev_socklen_t)sizeof(one)) == 0
             ? 0
             : -1;
#else
  (void)sock;
  return -1;
#endif
}

int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock) {
#if defined(TCP_DEFER_ACCEPT) && !defined(_WIN32)
  int one = 1;
  return setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one));
#else
  (void)sock;
  return 0;
#endif
}

int evutil_closesocket(evutil_socket_t sock) {
  if (uvbev_accepted_close_(sock)) return 0;
  return uvbev_closesocket_raw_(sock);
}

#ifdef _WIN32
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
#endif

int evutil_socketpair(int family, int type, int protocol, evutil_socket_t sv[2]) {
  if (!sv) return -1;
#ifdef _WIN32
  (void)type;
  (void)protocol;
  return loopback_pair(family, sv);
#else
  return socketpair(family, type, protocol, sv);
#endif
}

int evutil_socket_geterror(evutil_socket_t sock) {
#ifdef _WIN32
  int optval, optvallen = sizeof(optval);
  int err = WSAGetLastError();
  if (err == WSAEWOULDBLOCK && sock >= 0) {
    if (getsockopt((SOCKET)sock, SOL_SOCKET, SO_ERROR, (void *)&optval, &optvallen)) return err;
    if (optval) return optval;
  }
  return err;
#else
  (void)sock;
  return errno;
#endif
}

const char *evutil_socket_error_to_string(int errcode) {
#ifdef _WIN32
  return uv_strerror(uvbev_uv_error_from_socket_error_(errcode));
#else
  return strerror(errcode);
#endif
}

/* ---- time ----------------------------------------------------------------- */

int evutil_gettimeofday(struct timeval *tv, struct timezone *tz) {
  uv_timeval64_t t;
  (void)tz;
  if (!tv) return -1;
  if (uv_gettimeofday(&t) != 0) return -1;
  tv->tv_sec = (long)t.tv_sec;
  tv->tv_usec = (long)t.tv_usec;
  return 0;
}

/* ---- strings and numbers -------------------------------------------------- */

ev_int64_t evutil_strtoll(const char *s, char **endptr, int base) {
  return (ev_int64_t)strtoll(s, endptr, base);
}

int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap) {
  int r;
  if (!buflen) return vsnprintf(NULL, 0, format, ap);
  r = vsnprintf(buf, buflen, format, ap);
  buf[buflen - 1] = '\0';
  return r;
}

int evutil_snprintf(char *buf, size_t buflen, const char *format, ...) {
  int r;
  va_list ap;
  va_start(ap, format);
  r = evutil_vsnprintf(buf, buflen, format, ap);
  va_end(ap);
  return r;
}

static int ascii_lower(int c) {
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int evutil_ascii_strncasecmp(const char *s1, const char *s2, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    int c1 = ascii_lower((unsigned char)s1[i]), c2 = ascii_lower((unsigned char)s2[i]);
    if (c1 != c2) return c1 < c2 ? -1 : 1;
    if (!c1) break;
  }
  return 0;
}

int evutil_ascii_strcasecmp(const char *s1, const char *s2) {
  return evutil_ascii_strncasecmp(s1, s2, (size_t)-1);
}

/* ---- randomness ----------------------------------------------------------- */

void evutil_secure_rng_get_bytes(void *buf, size_t n) {
  if (!buf || !n) return;
  if (uv_random(NULL, NULL, buf, n, 0, NULL) != 0) abort(); /* no safe fallback */
}

int evutil_secure_rng_init(void) {
  return 0;
}
int evutil_secure_rng_set_urandom_device_file(char *fname) {
  return fname ? 0 : -1;
}
void evutil_secure_rng_add_bytes(const char *dat, size_t datlen) {}
