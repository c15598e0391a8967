/* SPDX-License-Identifier: MIT */
/* Fuzz target: address parsing.  evutil_parse_sockaddr_port on arbitrary
 * text must either fail or give an address that prints and parses back to
 * itself; evutil_inet_pton/ntop must round-trip, and ntop must work with a
 * buffer of exactly the printed size (+1) and fail with one byte less. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/util.h>
#ifndef _WIN32
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#include "fuzz_input.h"

/* Prints addr (AF_INET or AF_INET6 raw bytes) and checks the exact-size
 * rules and the round trip. */
static void check_ntop(int af, const void *addr, size_t addr_len) {
  char text[128], exact[128];
  unsigned char back[16];
  size_t n;
  FUZZ_CHECK(evutil_inet_ntop(af, addr, text, sizeof(text)) == text);
  n = strlen(text);
  FUZZ_CHECK(n > 0 && n < sizeof(text));
  FUZZ_CHECK(evutil_inet_ntop(af, addr, exact, n + 1) == exact);
  FUZZ_CHECK(strcmp(exact, text) == 0);
  FUZZ_CHECK(evutil_inet_ntop(af, addr, exact, n) == NULL);
  FUZZ_CHECK(evutil_inet_pton(af, text, back) == 1);
  FUZZ_CHECK(memcmp(back, addr, addr_len) == 0);
}

static void check_parse(const char *text) {
  struct sockaddr_storage ss, again;
  int len = (int)sizeof(ss), len2 = (int)sizeof(again);
  char printed[128], with_port[160];
  if (evutil_parse_sockaddr_port(text, (struct sockaddr *)&ss, &len) != 0) return;
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    FUZZ_CHECK(len == (int)sizeof(*sin));
    check_ntop(AF_INET, &sin->sin_addr, 4);
    evutil_inet_ntop(AF_INET, &sin->sin_addr, printed, sizeof(printed));
    snprintf(with_port, sizeof(with_port), "%s:%u", printed, ntohs(sin->sin_port));
    if (sin->sin_port == 0) snprintf(with_port, sizeof(with_port), "%s", printed);
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    FUZZ_CHECK(ss.ss_family == AF_INET6 && len == (int)sizeof(*sin6));
    check_ntop(AF_INET6, &sin6->sin6_addr, 16);
    evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, printed, sizeof(printed));
    snprintf(with_port, sizeof(with_port), "[%s]:%u", printed, ntohs(sin6->sin6_port));
    if (sin6->sin6_port == 0) snprintf(with_port, sizeof(with_port), "[%s]", printed);
  }
  /* What it parsed prints back (port 0 is never written: libevent refuses
   * ":0") into text that parses to the same address. */
  FUZZ_CHECK(evutil_parse_sockaddr_port(with_port, (struct sockaddr *)&again, &len2) == 0);
  FUZZ_CHECK(len2 == len && again.ss_family == ss.ss_family);
  if (ss.ss_family == AF_INET)
    FUZZ_CHECK(memcmp(&((struct sockaddr_in *)&again)->sin_addr,
                      &((struct sockaddr_in *)&ss)->sin_addr, 4) == 0 &&
               ((struct sockaddr_in *)&again)->sin_port == ((struct sockaddr_in *)&ss)->sin_port);
  else
    FUZZ_CHECK(memcmp(&((struct sockaddr_in6 *)&again)->sin6_addr,
                      &((struct sockaddr_in6 *)&ss)->sin6_addr, 16) == 0 &&
               ((struct sockaddr_in6 *)&again)->sin6_port ==
                   ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char text[256];
  unsigned char addr[16];
  size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
  memcpy(text, data, n);
  text[n] = '\0';
  check_parse(text);
  if (evutil_inet_pton(AF_INET, text, addr) == 1) check_ntop(AF_INET, addr, 4);
  if (evutil_inet_pton(AF_INET6, text, addr) == 1) check_ntop(AF_INET6, addr, 16);
  /* Raw bytes as addresses: every value prints and parses back. */
  if (size >= 16) check_ntop(AF_INET6, data, 16);
  if (size >= 4) check_ntop(AF_INET, data, 4);
  return 0;
}
