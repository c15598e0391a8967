/* SPDX-License-Identifier: MIT */
/* uvbev_memmem_ (platform-internal.h): the C library's memmem where it has
 * one (glibc, musl, the BSDs, macOS; _GNU_SOURCE comes from CMake), a plain
 * search elsewhere (MSVC's and MinGW's C libraries have none). */
#include <string.h>

#include "platform-internal.h"

#if defined(__GLIBC__) || defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) ||    \
    defined(__NetBSD__) || (defined(__linux__) && !defined(__GLIBC__))

const void *uvbev_memmem_(const void *hay, size_t hlen, const void *needle, size_t nlen) {
  return memmem(hay, hlen, needle, nlen);
}

#else

const void *uvbev_memmem_(const void *hay, size_t hlen, const void *needle, size_t nlen) {
  const unsigned char *h = hay, *first = needle;
  const unsigned char *end = h + (hlen >= nlen ? hlen - nlen + 1 : 0);
  while (h < end && (h = memchr(h, *first, (size_t)(end - h))) != NULL) {
    if (memcmp(h, needle, nlen) == 0) return h;
    h++;
  }
  return NULL;
}

#endif
