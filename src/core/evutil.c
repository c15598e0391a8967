/* SPDX-License-Identifier: MIT */
/* evutil: closing sockets, time, strings, randomness.  The socket options,
 * socketpair and socket errors differ by platform: src/platform/unix-sock.c and
 * win-sock.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "event2/util.h"
#include "platform-internal.h"

int evutil_make_listen_socket_ipv6only(evutil_socket_t sock) {
  return uvbev_sock_ipv6only_(sock);
}

int evutil_closesocket(evutil_socket_t sock) {
  return uvbev_closesocket_raw_(sock);
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
