/* SPDX-License-Identifier: MIT */
/* evutil_addrinfo is the platform's struct addrinfo and the EVUTIL_AI_* /
 * EVUTIL_EAI_* constants are the platform's values, so that code mixing the
 * two spellings (and evdns_getaddrinfo) behaves as with libevent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include "compat-util.h"

static void set_hints(struct evutil_addrinfo *h, int family, int socktype, int protocol,
                      int flags) {
  memset(h, 0, sizeof(*h));
  h->ai_family = family;
  h->ai_socktype = socktype;
  h->ai_protocol = protocol;
  h->ai_flags = flags;
}

/* The platform's type goes in and comes out: this would not compile (or
 * would hand freeaddrinfo() a foreign block) if evutil_addrinfo were a
 * struct of its own. */
static void addrinfo_is_the_system_struct(void **state) {
  struct addrinfo hints, *res = NULL;
  struct sockaddr_in *sin;
  assert_int_equal(sizeof(struct evutil_addrinfo), sizeof(struct addrinfo));
  set_hints(&hints, AF_INET, SOCK_STREAM, 0, AI_NUMERICHOST | AI_NUMERICSERV);
  assert_int_equal(evutil_getaddrinfo("127.0.0.1", "8080", &hints, &res), 0);
  assert_non_null(res);
  assert_int_equal(res->ai_family, AF_INET);
  assert_int_equal(res->ai_socktype, SOCK_STREAM);
  assert_int_equal((int)res->ai_addrlen, (int)sizeof(struct sockaddr_in));
  sin = (struct sockaddr_in *)res->ai_addr;
  assert_int_equal(ntohs(sin->sin_port), 8080);
  assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x7f000001);
  evutil_freeaddrinfo(res);
}

static void ai_and_eai_constants_are_the_system_ones(void **state) {
  assert_int_equal(EVUTIL_AI_PASSIVE, AI_PASSIVE);
  assert_int_equal(EVUTIL_AI_CANONNAME, AI_CANONNAME);
  assert_int_equal(EVUTIL_AI_NUMERICHOST, AI_NUMERICHOST);
  assert_int_equal(EVUTIL_AI_NUMERICSERV, AI_NUMERICSERV);
  assert_int_equal(EVUTIL_AI_ADDRCONFIG, AI_ADDRCONFIG);
  assert_int_equal(EVUTIL_EAI_AGAIN, EAI_AGAIN);
  assert_int_equal(EVUTIL_EAI_BADFLAGS, EAI_BADFLAGS);
  assert_int_equal(EVUTIL_EAI_FAIL, EAI_FAIL);
  assert_int_equal(EVUTIL_EAI_FAMILY, EAI_FAMILY);
  assert_int_equal(EVUTIL_EAI_MEMORY, EAI_MEMORY);
  assert_int_equal(EVUTIL_EAI_NONAME, EAI_NONAME);
  assert_int_equal(EVUTIL_EAI_SERVICE, EAI_SERVICE);
  assert_int_equal(EVUTIL_EAI_SOCKTYPE, EAI_SOCKTYPE);
}

/* The system's AI_NUMERICHOST must stop a lookup, and the error must be one
 * that the system's gai_strerror() reads. */
static void system_numerichost_flag_refuses_names(void **state) {
  struct evutil_addrinfo hints, *res = NULL;
  int r;
  set_hints(&hints, AF_UNSPEC, SOCK_STREAM, 0, AI_NUMERICHOST);
  r = evutil_getaddrinfo("localhost", "80", &hints, &res);
  assert_int_equal(r, EAI_NONAME);
  assert_null(res);
  assert_string_equal(gai_strerror(r), gai_strerror(EAI_NONAME));
  assert_non_null(evutil_gai_strerror(r));
  assert_true(strlen(evutil_gai_strerror(r)) > 0);
}

static void numericserv_refuses_service_names(void **state) {
  struct evutil_addrinfo hints, *res = NULL;
  set_hints(&hints, AF_UNSPEC, SOCK_STREAM, 0, EVUTIL_AI_NUMERICSERV);
  assert_int_equal(evutil_getaddrinfo("1.2.3.4", "http", &hints, &res), EVUTIL_EAI_NONAME);
  assert_null(res);
}

static int family_port(const struct evutil_addrinfo *ai, char *buf, size_t len) {
  if (ai->ai_family == AF_INET) {
    const struct sockaddr_in *sin = (const void *)ai->ai_addr;
    evutil_inet_ntop(AF_INET, &sin->sin_addr, buf, len);
    return ntohs(sin->sin_port);
  }
  {
    const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;
    evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len);
    return ntohs(sin6->sin6_port);
  }
}

/* No node name: the wildcard address with EVUTIL_AI_PASSIVE (for bind),
 * the loopback address without (for connect). */
static void null_node_is_wildcard_or_loopback(void **state) {
  struct evutil_addrinfo hints, *res = NULL;
  char buf[64];
  set_hints(&hints, AF_INET, 0, IPPROTO_TCP, EVUTIL_AI_PASSIVE);
  assert_int_equal(evutil_getaddrinfo(NULL, "9999", &hints, &res), 0);
  assert_int_equal(family_port(res, buf, sizeof(buf)), 9999);
  assert_string_equal(buf, "0.0.0.0");
  assert_int_equal(res->ai_socktype, SOCK_STREAM);
  evutil_freeaddrinfo(res);
  res = NULL;
  hints.ai_flags = 0;
  assert_int_equal(evutil_getaddrinfo(NULL, "9998", &hints, &res), 0);
  assert_int_equal(family_port(res, buf, sizeof(buf)), 9998);
  assert_string_equal(buf, "127.0.0.1");
  evutil_freeaddrinfo(res);
}

struct dns_answer {
  struct event_base *base;
  int *pending; /* answers still awaited: the last one stops the loop */
  int called;
  int err;
  int port;
  char addr[64];
};

static void on_answer(int err, struct evutil_addrinfo *res, void *arg) {
  struct dns_answer *a = arg;
  a->called++;
  a->err = err;
  if (res) {
    a->port = family_port(res, a->addr, sizeof(a->addr));
    evutil_freeaddrinfo(res);
  }
  if (--*a->pending == 0) event_base_loopbreak(a->base);
}

/* evdns_getaddrinfo takes the same hints: the system's AI_NUMERICHOST
 * refuses a name there too, and a numeric host is answered. */
static void evdns_getaddrinfo_takes_system_flags(void **state) {
  struct event_base *base = event_base_new();
  struct evdns_base *dns = evdns_base_new(base, 0);
  struct evutil_addrinfo hints;
  int pending = 2;
  struct dns_answer refused, numeric;
  assert_non_null(dns);
  memset(&refused, 0, sizeof(refused));
  refused.base = base;
  refused.pending = &pending;
  numeric = refused;
  set_hints(&hints, AF_INET, SOCK_STREAM, 0, AI_NUMERICHOST);
  evdns_getaddrinfo(dns, "localhost", "80", &hints, on_answer, &refused);
  evdns_getaddrinfo(dns, "127.0.0.1", "81", &hints, on_answer, &numeric);
  if (pending) cu_dispatch_bounded(base, 5000); /* libevent answers these at once */
  assert_int_equal(refused.called, 1);
  assert_int_equal(refused.err, EAI_NONAME);
  assert_int_equal(numeric.called, 1);
  assert_int_equal(numeric.err, 0);
  assert_int_equal(numeric.port, 81);
  assert_string_equal(numeric.addr, "127.0.0.1");
  evdns_base_free(dns, 0);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(addrinfo_is_the_system_struct),
      cmocka_unit_test(ai_and_eai_constants_are_the_system_ones),
      cmocka_unit_test(system_numerichost_flag_refuses_names),
      cmocka_unit_test(numericserv_refuses_service_names),
      cmocka_unit_test(null_node_is_wildcard_or_loopback),
      cmocka_unit_test(evdns_getaddrinfo_takes_system_flags),
  };
  return cmocka_run_group_tests_name("compat_evutil_addrinfo (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
