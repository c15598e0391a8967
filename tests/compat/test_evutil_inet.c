/* SPDX-License-Identifier: MIT */
/* evutil_inet_pton/ntop on libevent's tables of good and bad addresses, and
 * IPv6 zone ids ("fe80::1%eth0", "%2"): evutil_inet_pton_scope and
 * evutil_parse_sockaddr_port set the scope, an unknown zone is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#ifndef _WIN32
#include <net/if.h>
#endif

#include <event2/util.h>

static void ipv4_text_round_trips(void **state) {
  static const struct {
    const char *text;
    uint32_t addr; /* host order; 0 for a bad one */
  } cases[] = {
      {"1.2.3.4", 0x01020304u},
      {"255.255.255.255", 0xffffffffu},
      {"176.192.208.244", 0xb0c0d0f4u},
      {"256.0.0.0", 0},
      {"ABC", 0},
      {"1.2.3.4.5", 0},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct in_addr in;
    char out[64];
    int r = evutil_inet_pton(AF_INET, cases[i].text, &in);
    if (!cases[i].addr) {
      assert_int_equal(r, 0);
      continue;
    }
    assert_int_equal(r, 1);
    assert_int_equal(ntohl(in.s_addr), cases[i].addr);
    assert_string_equal(evutil_inet_ntop(AF_INET, &in, out, sizeof(out)), cases[i].text);
  }
}

static void ipv6_text_round_trips(void **state) {
  static const struct {
    const char *text;
    int good;
    const char *canonical; /* what ntop writes back */
  } cases[] = {
      {"::", 1, "::"},
      {"0:0:0:0:0:0:0:0", 1, "::"},
      {"::1", 1, "::1"},
      {"::1.2.3.4", 1, "::1.2.3.4"},
      {"ffff:1::", 1, "ffff:1::"},
      {"FFFF::1234", 1, "ffff::1234"},
      {"0102::1.2.3.4", 1, "102::102:304"},
      {"::9:c0a8:1:1", 1, "::9:c0a8:1:1"},
      {"::ffff:1.2.3.4", 1, "::ffff:1.2.3.4"},
      {"foobar", 0, NULL},
      {"fo:obar", 0, NULL},
      {"fffff::", 0, NULL},
      {"::1.0.1.1000", 0, NULL},
      {"1:2:33333:4::", 0, NULL},
      {"1:2:3:4:5:6:7:8:9", 0, NULL},
      {"1::2::3", 0, NULL},
      {":::1", 0, NULL},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct in6_addr in6;
    char out[64];
    int r = evutil_inet_pton(AF_INET6, cases[i].text, &in6);
    assert_int_equal(r, cases[i].good);
    if (r == 1)
      assert_string_equal(evutil_inet_ntop(AF_INET6, &in6, out, sizeof(out)), cases[i].canonical);
  }
}

/* Plain inet_pton has no zones: it refuses one rather than drop it. */
static void inet_pton_refuses_a_zone(void **state) {
  struct in6_addr in6;
  assert_int_equal(evutil_inet_pton(AF_INET6, "fe80::1%1", &in6), 0);
}

static void inet_pton_scope_numeric_zone(void **state) {
  static const uint8_t db8[16] = {0x20, 0x01, 0x0d, 0xb8};
  struct in6_addr in6;
  unsigned scope = 99;
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "2001:DB8::", &in6, &scope), 1);
  assert_int_equal(scope, 0);
  assert_memory_equal(in6.s6_addr, db8, 16);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "2001:DB8::%0", &in6, &scope), 1);
  assert_int_equal(scope, 0);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "2001:DB8::%1", &in6, &scope), 1);
  assert_int_equal(scope, 1);
  assert_memory_equal(in6.s6_addr, db8, 16);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "foobar.", &in6, &scope), 0);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "foo%1", &in6, &scope), 0);
}

/* evutil_parse_sockaddr_port into *ss: the length used, or -1. */
static int parse(const char *text, struct sockaddr_storage *ss) {
  int len = (int)sizeof(*ss);
  memset(ss, 0, sizeof(*ss));
  return evutil_parse_sockaddr_port(text, (struct sockaddr *)ss, &len) == 0 ? len : -1;
}

static void unknown_zone_is_refused(void **state) {
  struct in6_addr in6;
  struct sockaddr_storage ss;
  unsigned scope;
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "2001:DB8::%does-not-exist", &in6, &scope), 0);
  assert_int_equal(parse("[fe80::1%does-not-exist]:80", &ss), -1);
  assert_int_equal(parse("fe80::1%does-not-exist", &ss), -1);
}

static void parse_sockaddr_port_sets_scope_id(void **state) {
  struct sockaddr_storage ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  char buf[64];
  assert_int_equal(parse("[fe80::1%2]:8080", &ss), (int)sizeof(struct sockaddr_in6));
  assert_int_equal(sin6->sin6_family, AF_INET6);
  assert_int_equal(ntohs(sin6->sin6_port), 8080);
  assert_int_equal(sin6->sin6_scope_id, 2);
  assert_string_equal(evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)), "fe80::1");
  assert_int_equal(parse("fe80::1%3", &ss), (int)sizeof(struct sockaddr_in6));
  assert_int_equal(sin6->sin6_scope_id, 3);
  assert_int_equal(ntohs(sin6->sin6_port), 0);
  assert_int_equal(parse("[::1]:80", &ss), (int)sizeof(struct sockaddr_in6));
  assert_int_equal(sin6->sin6_scope_id, 0);
}

/* A zone that names an interface of this host gives that interface's index. */
static void zone_by_interface_name(void **state) {
#ifdef _WIN32
  skip();
#else
  struct if_nameindex *ifs = if_nameindex();
  struct sockaddr_storage ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  struct in6_addr in6;
  char text[64 + IF_NAMESIZE];
  unsigned scope = 0, index;
  if (!ifs || !ifs[0].if_name) {
    if (ifs) if_freenameindex(ifs);
    skip();
  }
  index = ifs[0].if_index;
  snprintf(text, sizeof(text), "fe80::1%%%s", ifs[0].if_name);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, text, &in6, &scope), 1);
  assert_int_equal(scope, index);
  snprintf(text, sizeof(text), "[fe80::1%%%s]:443", ifs[0].if_name);
  if_freenameindex(ifs);
  assert_int_equal(parse(text, &ss), (int)sizeof(struct sockaddr_in6));
  assert_int_equal(sin6->sin6_scope_id, index);
  assert_int_equal(ntohs(sin6->sin6_port), 443);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ipv4_text_round_trips),
      cmocka_unit_test(ipv6_text_round_trips),
      cmocka_unit_test(inet_pton_refuses_a_zone),
      cmocka_unit_test(inet_pton_scope_numeric_zone),
      cmocka_unit_test(unknown_zone_is_refused),
      cmocka_unit_test(parse_sockaddr_port_sets_scope_id),
      cmocka_unit_test(zone_by_interface_name),
  };
  return cmocka_run_group_tests_name("compat_evutil_inet (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
