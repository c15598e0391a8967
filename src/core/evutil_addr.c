/* evutil addresses: inet_pton/ntop (libuv's portable ones), parsing
 * "host:port", comparing sockaddrs, blocking getaddrinfo. */
/* struct addrinfo and getaddrinfo() are POSIX, hidden in strict C11 mode */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200112L
#endif
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "event2/util.h"

const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len) {
  if (!src || !dst) return NULL;
  return uv_inet_ntop(af, src, dst, len) == 0 ? dst : NULL;
}

int evutil_inet_pton(int af, const char *src, void *dst) {
  if (!src || !dst) return -1;
  if (af != AF_INET && af != AF_INET6) return -1;
  return uv_inet_pton(af, src, dst) == 0 ? 1 : 0;
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
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons((unsigned short)port);
    if (uv_inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 0) return -1;
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

/* ---- getaddrinfo: translate flags, codes and results ---------------------- */

static const struct {
  int ev;
  int sys;
} ai_flags_map[] = {
    {EVUTIL_AI_PASSIVE, AI_PASSIVE},         {EVUTIL_AI_CANONNAME, AI_CANONNAME},
    {EVUTIL_AI_NUMERICHOST, AI_NUMERICHOST}, {EVUTIL_AI_NUMERICSERV, AI_NUMERICSERV},
    {EVUTIL_AI_V4MAPPED, AI_V4MAPPED},       {EVUTIL_AI_ALL, AI_ALL},
    {EVUTIL_AI_ADDRCONFIG, AI_ADDRCONFIG},
};

static const struct {
  int ev;
  int sys;
} eai_map[] = {
    {EVUTIL_EAI_AGAIN, EAI_AGAIN},
    {EVUTIL_EAI_BADFLAGS, EAI_BADFLAGS},
    {EVUTIL_EAI_FAIL, EAI_FAIL},
    {EVUTIL_EAI_FAMILY, EAI_FAMILY},
    {EVUTIL_EAI_MEMORY, EAI_MEMORY},
    {EVUTIL_EAI_NONAME, EAI_NONAME},
    {EVUTIL_EAI_SERVICE, EAI_SERVICE},
    {EVUTIL_EAI_SOCKTYPE, EAI_SOCKTYPE},
#ifdef EAI_ADDRFAMILY
    {EVUTIL_EAI_ADDRFAMILY, EAI_ADDRFAMILY},
#endif
#if defined(EAI_NODATA) && EAI_NODATA != EAI_NONAME
    {EVUTIL_EAI_NODATA, EAI_NODATA},
#endif
#ifdef EAI_SYSTEM
    {EVUTIL_EAI_SYSTEM, EAI_SYSTEM},
#endif
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static int ai_flags_to_sys(int ev_flags) {
  int sys = 0;
  size_t i;
  for (i = 0; i < COUNT_OF(ai_flags_map); i++)
    if (ev_flags & ai_flags_map[i].ev) sys |= ai_flags_map[i].sys;
  return sys;
}

static int ai_flags_from_sys(int sys_flags) {
  int ev = 0;
  size_t i;
  for (i = 0; i < COUNT_OF(ai_flags_map); i++)
    if (sys_flags & ai_flags_map[i].sys) ev |= ai_flags_map[i].ev;
  return ev;
}

static int eai_from_sys(int sys) {
  size_t i;
  for (i = 0; i < COUNT_OF(eai_map); i++)
    if (eai_map[i].sys == sys) return eai_map[i].ev;
  return EVUTIL_EAI_FAIL;
}

static int eai_to_sys(int ev) {
  size_t i;
  for (i = 0; i < COUNT_OF(eai_map); i++)
    if (eai_map[i].ev == ev) return eai_map[i].sys;
  return EAI_FAIL;
}

/* One evutil_addrinfo with its address (and canonical name) in the same
 * allocation, so that evutil_freeaddrinfo frees one block per entry. */
static struct evutil_addrinfo *copy_one(const struct addrinfo *ai) {
  size_t name_len = ai->ai_canonname ? strlen(ai->ai_canonname) + 1 : 0;
  struct evutil_addrinfo *out = calloc(1, sizeof(*out) + ai->ai_addrlen + name_len);
  if (!out) return NULL;
  out->ai_flags = ai_flags_from_sys(ai->ai_flags);
  out->ai_family = ai->ai_family;
  out->ai_socktype = ai->ai_socktype;
  out->ai_protocol = ai->ai_protocol;
  out->ai_addrlen = ai->ai_addrlen;
  out->ai_addr = (struct sockaddr *)(void *)(out + 1);
  memcpy(out->ai_addr, ai->ai_addr, ai->ai_addrlen);
  if (name_len) {
    out->ai_canonname = (char *)out->ai_addr + ai->ai_addrlen;
    memcpy(out->ai_canonname, ai->ai_canonname, name_len);
  }
  return out;
}

int evutil_getaddrinfo(const char *nodename, const char *servname,
                       const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res) {
  struct addrinfo hints, *sys_res = NULL, *ai;
  struct evutil_addrinfo *head = NULL, **tail = &head;
  int rc;
  if (!res) return EVUTIL_EAI_FAIL;
  *res = NULL;
  if (!nodename && !servname) return EVUTIL_EAI_NONAME;
  memset(&hints, 0, sizeof(hints));
  if (hints_in) {
    hints.ai_flags = ai_flags_to_sys(hints_in->ai_flags);
    hints.ai_family = hints_in->ai_family;
    hints.ai_socktype = hints_in->ai_socktype;
    hints.ai_protocol = hints_in->ai_protocol;
  }
  rc = getaddrinfo(nodename, servname, &hints, &sys_res);
  if (rc != 0) return eai_from_sys(rc);
  for (ai = sys_res; ai; ai = ai->ai_next) {
    struct evutil_addrinfo *one = copy_one(ai);
    if (!one) {
      freeaddrinfo(sys_res);
      evutil_freeaddrinfo(head);
      return EVUTIL_EAI_MEMORY;
    }
    *tail = one;
    tail = &one->ai_next;
  }
  freeaddrinfo(sys_res);
  *res = head;
  return 0;
}

void evutil_freeaddrinfo(struct evutil_addrinfo *ai) {
  while (ai) {
    struct evutil_addrinfo *next = ai->ai_next;
    free(ai);
    ai = next;
  }
}

const char *evutil_gai_strerror(int err) {
  if (err == EVUTIL_EAI_CANCEL) return "Request canceled";
  if (err == 0) return "No error";
#ifdef _WIN32
  return gai_strerrorA(eai_to_sys(err));
#else
  return gai_strerror(eai_to_sys(err));
#endif
}
