/* SPDX-License-Identifier: MIT */
/* evutil: addresses, getaddrinfo, socketpair, errors, strings, time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/util.h>
#include "compat-util.h"

/* libevent keeps EVUTIL_UPCAST in its private util-internal.h, and programs
 * built from libevent's sources (le-proxy) bring their own: the public
 * header must not define it (a clashing definition fails this build). */
#define EVUTIL_UPCAST(ptr, type, field) ((type *)(void *)((char *)(ptr)-offsetof(type, field)))

static void pton_ntop_round_trip(void **state) {
  struct in_addr a4;
  struct in6_addr a6;
  char buf[64];
  assert_int_equal(evutil_inet_pton(AF_INET, "192.168.1.20", &a4), 1);
  assert_string_equal(evutil_inet_ntop(AF_INET, &a4, buf, sizeof(buf)), "192.168.1.20");
  assert_int_equal(evutil_inet_pton(AF_INET6, "fe80::1:2", &a6), 1);
  assert_string_equal(evutil_inet_ntop(AF_INET6, &a6, buf, sizeof(buf)), "fe80::1:2");
  assert_int_equal(evutil_inet_pton(AF_INET, "300.1.1.1", &a4), 0);
  assert_int_equal(evutil_inet_pton(AF_INET, "nonsense", &a4), 0);
  assert_null(evutil_inet_ntop(AF_INET, &a4, buf, 3));
}

static void parse_sockaddr_port_variants(void **state) {
  struct sockaddr_storage ss;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  char buf[64];
  int len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("127.0.0.1:8080", (struct sockaddr *)&ss, &len), 0);
  assert_int_equal(len, (int)sizeof(struct sockaddr_in));
  assert_int_equal(sin->sin_family, AF_INET);
  assert_int_equal(ntohs(sin->sin_port), 8080);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("10.0.0.1", (struct sockaddr *)&ss, &len), 0);
  assert_int_equal(ntohs(sin->sin_port), 0);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("[::1]:443", (struct sockaddr *)&ss, &len), 0);
  assert_int_equal(len, (int)sizeof(struct sockaddr_in6));
  assert_int_equal(sin6->sin6_family, AF_INET6);
  assert_int_equal(ntohs(sin6->sin6_port), 443);
  assert_string_equal(evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)), "::1");
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("[ffff::1]", (struct sockaddr *)&ss, &len), 0);
  assert_int_equal(ntohs(sin6->sin6_port), 0);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("::1", (struct sockaddr *)&ss, &len), 0);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("1.2.3.4:99999", (struct sockaddr *)&ss, &len), -1);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("www.example.com:80", (struct sockaddr *)&ss, &len),
                   -1);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("[::1:80", (struct sockaddr *)&ss, &len), -1);
  len = (int)sizeof(ss);
  assert_int_equal(evutil_parse_sockaddr_port("", (struct sockaddr *)&ss, &len), -1);
  len = 4; /* too small */
  assert_int_equal(evutil_parse_sockaddr_port("1.2.3.4:80", (struct sockaddr *)&ss, &len), -1);
}

static void sockaddr_cmp_orders(void **state) {
  struct sockaddr_in a, b;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  evutil_inet_pton(AF_INET, "10.0.0.1", &a.sin_addr);
  a.sin_port = htons(80);
  b = a;
  assert_int_equal(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1), 0);
  b.sin_port = htons(81);
  assert_int_equal(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 0), 0);
  assert_true(evutil_sockaddr_cmp((struct sockaddr *)&a, (struct sockaddr *)&b, 1) < 0);
}

static void getaddrinfo_numeric_host(void **state) {
  struct evutil_addrinfo hints, *res = NULL;
  struct sockaddr_in *sin;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = EVUTIL_AI_NUMERICHOST;
  assert_int_equal(evutil_getaddrinfo("127.0.0.1", "8080", &hints, &res), 0);
  assert_non_null(res);
  assert_int_equal(res->ai_family, AF_INET);
  sin = (struct sockaddr_in *)res->ai_addr;
  assert_int_equal(ntohs(sin->sin_port), 8080);
  assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001);
  evutil_freeaddrinfo(res);
  res = NULL;
  assert_int_not_equal(evutil_getaddrinfo("not-a-number.invalid", NULL, &hints, &res), 0);
  assert_non_null(evutil_gai_strerror(EVUTIL_EAI_NONAME));
  assert_true(strlen(evutil_gai_strerror(EVUTIL_EAI_NONAME)) > 0);
}

static void socketpair_echo(void **state) {
  evutil_socket_t sv[2];
  char buf[8];
  cu_ignore_sigpipe();
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
  assert_int_equal(evutil_make_socket_closeonexec(sv[0]), 0);
  assert_int_equal(send(sv[1], "hello", 5, 0), 5);
  assert_int_equal(recv(sv[0], buf, sizeof(buf), 0), 5);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(send(sv[0], "back", 4, 0), 4);
  assert_int_equal(recv(sv[1], buf, sizeof(buf), 0), 4);
  /* non-blocking: nothing to read */
  assert_true(recv(sv[0], buf, sizeof(buf), 0) < 0);
  assert_int_equal(evutil_closesocket(sv[0]), 0);
  assert_int_equal(evutil_closesocket(sv[1]), 0);
}

static void listen_socket_options(void **state) {
  evutil_socket_t fd;
  assert_true(cu_listen_loopback(&fd) > 0);
  assert_int_equal(evutil_make_listen_socket_reuseable(fd), 0);
  assert_int_equal(evutil_closesocket(fd), 0);
}

/* IPV6_V6ONLY on an IPv6 socket; an IPv4 socket refuses the option. */
static void listen_socket_ipv6only(void **state) {
  evutil_socket_t fd = socket(AF_INET6, SOCK_STREAM, 0);
  int on = 0;
  ev_socklen_t len = (ev_socklen_t)sizeof(on);
  if (fd == EVUTIL_INVALID_SOCKET) skip(); /* no IPv6 on this host */
  assert_int_equal(evutil_make_listen_socket_ipv6only(fd), 0);
  assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (void *)&on, &len), 0);
  assert_int_not_equal(on, 0);
  assert_int_equal(evutil_closesocket(fd), 0);
#ifndef _WIN32
  /* The refusal is the kernel's answer, passed on as -1 (wine's Winsock
   * accepts the option on an IPv4 socket). */
  fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd != EVUTIL_INVALID_SOCKET);
  assert_int_equal(evutil_make_listen_socket_ipv6only(fd), -1);
  assert_int_equal(evutil_closesocket(fd), 0);
#endif
}

static void socket_error_string(void **state) {
  const char *s;
#ifdef _WIN32
  s = evutil_socket_error_to_string(WSAECONNREFUSED);
#else
  s = evutil_socket_error_to_string(ECONNREFUSED);
  EVUTIL_SET_SOCKET_ERROR(ECONNREFUSED);
  assert_int_equal(EVUTIL_SOCKET_ERROR(), ECONNREFUSED);
#endif
  assert_non_null(s);
  assert_true(strlen(s) > 0);
}

static void strings_and_numbers(void **state) {
  char buf[8];
  assert_int_equal(evutil_snprintf(buf, sizeof(buf), "%d-%s", 42, "abcdefgh"), 11);
  assert_string_equal(buf, "42-abcd");
  assert_int_equal(evutil_ascii_strcasecmp("HeLLo", "hello"), 0);
  assert_true(evutil_ascii_strcasecmp("a", "B") < 0);
  assert_int_equal(evutil_ascii_strncasecmp("ABCx", "abcy", 3), 0);
  assert_true(evutil_strtoll("-9000000000", NULL, 10) == -9000000000LL);
}

static void timeval_macros(void **state) {
  struct timeval a = {1, 900000}, b = {0, 200000}, c;
  evutil_timeradd(&a, &b, &c);
  assert_int_equal(c.tv_sec, 2);
  assert_int_equal(c.tv_usec, 100000);
  evutil_timersub(&c, &a, &c);
  assert_int_equal(c.tv_sec, 0);
  assert_int_equal(c.tv_usec, 200000);
  assert_true(evutil_timercmp(&a, &b, >));
  evutil_timerclear(&c);
  assert_false(evutil_timerisset(&c));
  assert_int_equal(evutil_gettimeofday(&a, NULL), 0);
  assert_true(a.tv_sec > 1000000000);
}

static void secure_rng_fills_buffer(void **state) {
  unsigned char a[32], b[32];
  memset(a, 0, sizeof(a));
  memset(b, 0, sizeof(b));
  evutil_secure_rng_get_bytes(a, sizeof(a));
  evutil_secure_rng_get_bytes(b, sizeof(b));
  assert_memory_not_equal(a, b, sizeof(a));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pton_ntop_round_trip),    cmocka_unit_test(parse_sockaddr_port_variants),
      cmocka_unit_test(sockaddr_cmp_orders),     cmocka_unit_test(getaddrinfo_numeric_host),
      cmocka_unit_test(socketpair_echo),         cmocka_unit_test(listen_socket_options),
      cmocka_unit_test(listen_socket_ipv6only),  cmocka_unit_test(socket_error_string),
      cmocka_unit_test(strings_and_numbers),     cmocka_unit_test(timeval_macros),
      cmocka_unit_test(secure_rng_fills_buffer),
  };
  return cmocka_run_group_tests_name("compat_evutil (" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
