/* SPDX-License-Identifier: MIT */
/* evutil addresses: inet_pton/ntop (libuv's portable ones), parsing
 * "host:port", comparing sockaddrs, blocking getaddrinfo. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "event2/util.h"
#include "platform-internal.h"

const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len) {
  if (!src || !dst) return NULL;
  return uv_inet_ntop(af, src, dst, len) == 0 ? dst : NULL;
}

int evutil_inet_pton(int af, const char *src, void *dst) {
  if (!src || !dst) return -1;
  if (af != AF_INET && af != AF_INET6) return -1;
  /* libuv drops an IPv6 zone silently; inet_pton refuses it */
  if (af == AF_INET6 && strchr(src, '%')) return 0;
  return uv_inet_pton(af, src, dst) == 0 ? 1 : 0;
}

/* The interface index a zone id names: an interface of this host, else a
 * decimal index (as libevent: not checked against the interfaces).  Returns
 * 0 and sets *index, or -1. */
static int parse_zone(const char *zone, unsigned *index) {
  unsigned long n = 0;
  const char *p;
  unsigned by_name = uvbev_if_nametoindex_(zone);
  if (by_name) {
    *index = by_name;
    return 0;
  }
  for (p = zone; *p; p++) {
    unsigned long digit = (unsigned long)(*p - '0');
    if (*p < '0' || *p > '9' || n > (0xffffffffUL - digit) / 10) return -1;
    n = n * 10 + digit;
  }
  *index = (unsigned)n;
  return 0;
}

int evutil_inet_pton_scope(int af, const char *src, void *dst, unsigned *indexp) {
  char addr[64];
  const char *zone;
  size_t n;
  if (!src || !dst || !indexp) return -1;
  *indexp = 0;
  zone = af == AF_INET6 ? strchr(src, '%') : NULL;
  if (!zone) return evutil_inet_pton(af, src, dst);
  n = (size_t)(zone - src);
  if (n >= sizeof(addr) || parse_zone(zone + 1, indexp) != 0) return 0;
  memcpy(addr, src, n);
  addr[n] = '\0';
  return evutil_inet_pton(af, addr, dst);
}

/* Splits str into an address part (copied into addr) and a port (-1 when
 * absent).  Returns 0, or -1 on malformed input. */
static int split_host_port(const char *str, char *addr, size_t addrlen, int *port, int *v6) {
  const char *host = str, *end, *colon;
  size_t n;
  *port = -1;
  *v6 = 0;
  if (*str == '[') {
    host = str + 1;
    end = strchr(host, ']');
    if (!end) return -1;
    colon = end[1] == ':' ? end + 1 : NULL;
    if (end[1] && !colon) return -1;
    *v6 = 1;
  } else {
    colon = strchr(str, ':');
    if (colon && strchr(colon + 1, ':')) { /* bare IPv6, no port */
      colon = NULL;
      *v6 = 1;
    }
    end = colon ? colon : str + strlen(str);
  }
  if (colon) {
    char *stop;
    long p = strtol(colon + 1, &stop, 10);
    if (colon[1] == '\0' || *stop || p <= 0 || p > 65535) return -1;
    *port = (int)p;
  }
  n = (size_t)(end - host);
  if (n == 0 || n >= addrlen) return -1;
  memcpy(addr, host, n);
  addr[n] = '\0';
  return 0;
}

int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen) {
  char addr[128];
  int port, v6;
  if (!str || !out || !outlen) return -1;
  if (split_host_port(str, addr, sizeof(addr), &port, &v6) != 0) return -1;
  if (port < 0) port = 0;
  if (v6) {
    struct sockaddr_in6 sin6;
    unsigned scope;
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons((unsigned short)port);
    if (evutil_inet_pton_scope(AF_INET6, addr, &sin6.sin6_addr, &scope) != 1) return -1;
    sin6.sin6_scope_id = scope;
    if ((size_t)*outlen < sizeof(sin6)) return -1;
    memset(out, 0, (size_t)*outlen);
    memcpy(out, &sin6, sizeof(sin6));
    *outlen = (int)sizeof(sin6);
  } else {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    if (uv_inet_pton(AF_INET, addr, &sin.sin_addr) != 0) return -1;
    if ((size_t)*outlen < sizeof(sin)) return -1;
    memset(out, 0, (size_t)*outlen);
    memcpy(out, &sin, sizeof(sin));
    *outlen = (int)sizeof(sin);
  }
  return 0;
}

int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2, int include_port) {
  int r;
  if ((r = (int)sa1->sa_family - (int)sa2->sa_family)) return r;
  if (sa1->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const void *)sa1, *b = (const void *)sa2;
    unsigned long x = ntohl(a->sin_addr.s_addr), y = ntohl(b->sin_addr.s_addr);
    if (x != y) return x < y ? -1 : 1;
    if (include_port && a->sin_port != b->sin_port)
      return ntohs(a->sin_port) < ntohs(b->sin_port) ? -1 : 1;
    return 0;
  }
  if (sa1->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const void *)sa1, *b = (const void *)sa2;
    if ((r = memcmp(&a->sin6_addr, &b->sin6_addr, 16))) return r;
    if (include_port && a->sin6_port != b->sin6_port)
      return ntohs(a->sin6_port) < ntohs(b->sin6_port) ? -1 : 1;
    return 0;
  }
  return 1;
}

/* ---- getaddrinfo: the platform's ---------------------------------------- */

/* As libevent: a protocol without a socket type, or the reverse, is
 * completed before the system sees the hints, since Windows' getaddrinfo
 * leaves them as given (a TCP lookup answered with socket type 0). */
static void complete_socktype_protocol(struct addrinfo *hints) {
  if (!hints->ai_protocol && hints->ai_socktype == SOCK_STREAM) hints->ai_protocol = IPPROTO_TCP;
  if (!hints->ai_protocol && hints->ai_socktype == SOCK_DGRAM) hints->ai_protocol = IPPROTO_UDP;
  if (!hints->ai_socktype && hints->ai_protocol == IPPROTO_TCP) hints->ai_socktype = SOCK_STREAM;
  if (!hints->ai_socktype && hints->ai_protocol == IPPROTO_UDP) hints->ai_socktype = SOCK_DGRAM;
}

int evutil_getaddrinfo(const char *nodename, const char *servname,
                       const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res) {
  struct addrinfo hints;
  if (!res) return EVUTIL_EAI_FAIL;
  *res = NULL;
  if (!nodename && !servname) return EVUTIL_EAI_NONAME;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  if (hints_in) { /* only the request fields: the rest may be stale */
    hints.ai_flags = hints_in->ai_flags;
    hints.ai_family = hints_in->ai_family;
    hints.ai_socktype = hints_in->ai_socktype;
    hints.ai_protocol = hints_in->ai_protocol;
  }
  complete_socktype_protocol(&hints);
  return getaddrinfo(nodename, servname, &hints, res);
}

void evutil_freeaddrinfo(struct evutil_addrinfo *ai) {
  if (ai) freeaddrinfo(ai);
}

/* Text for the codes that are uvbev's own numbers on this platform (see
 * util.h); the platform's gai_strerror() knows the others. */
static const char *fallback_gai_text(int err) {
  static const char *const text[] = {
      "address family of the name not supported",  /* -901 ADDRFAMILY */
      "temporary failure in name resolution",      /* -902 AGAIN */
      "bad flags in the hints",                    /* -903 BADFLAGS */
      "permanent failure in name resolution",      /* -904 FAIL */
      "address family not supported",              /* -905 FAMILY */
      "out of memory",                             /* -906 MEMORY */
      "no address for the name",                   /* -907 NODATA */
      "name or service not known",                 /* -908 NONAME */
      "service not supported for the socket type", /* -909 SERVICE */
      "socket type not supported",                 /* -910 SOCKTYPE */
      "system error",                              /* -911 SYSTEM */
  };
  if (err == EVUTIL_EAI_CANCEL) return "Request canceled";
  if (err == 0) return "No error";
  if (err <= -901 && err >= -911) return text[-901 - err];
  return NULL;
}

const char *evutil_gai_strerror(int err) {
  const char *own = fallback_gai_text(err);
  if (own) return own;
  return uvbev_gai_strerror_(err);
}
