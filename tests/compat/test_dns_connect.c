/* SPDX-License-Identifier: MIT */
/* Connecting by name and evdns_getaddrinfo.  libevent API only.
 *
 * Names used: "localhost" and "127.0.0.1" (answered from /etc/hosts or
 * numerically, no network), and "nonexistent.invalid": .invalid is reserved
 * (RFC 6761) and fails fast where a resolver answers NXDOMAIN; without any
 * reachable nameserver it fails when the resolver gives up, which the generous
 * safety timeout allows for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "compat-util.h"
#include "sock-util.h"

struct dns_ctx {
  struct event_base *base;
  int nevents;
  short first_event;
  int dns_error;
  struct evbuffer *got;
  size_t want;
  int gai_calls;
  int gai_result;
  int gai_family;
};

static void record_event(struct bufferevent *bev, short what, void *arg) {
  struct dns_ctx *c = arg;
  if (c->nevents++ == 0) {
    c->first_event = what;
    c->dns_error = bufferevent_socket_get_dns_error(bev);
  }
  if (!c->want || !(what & BEV_EVENT_CONNECTED)) event_base_loopexit(c->base, NULL);
}

static void collect_until_want(struct bufferevent *bev, void *arg) {
  struct dns_ctx *c = arg;
  bufferevent_read_buffer(bev, c->got);
  if (evbuffer_get_length(c->got) >= c->want) event_base_loopexit(c->base, NULL);
}

static void connect_to_name(const char *name) {
  struct dns_ctx c;
  struct evdns_base *dns;
  struct bufferevent *bev;
  struct su_echo *echo;
  int port;
  cu_ignore_sigpipe();
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  c.got = evbuffer_new();
  c.want = 4;
  dns = evdns_base_new(c.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  assert_non_null(dns);
  echo = su_echo_start(c.base, &port);
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, collect_until_want, NULL, record_event, &c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  bufferevent_write(bev, "name", 4);
  assert_int_equal(bufferevent_socket_connect_hostname(bev, dns, AF_INET, name, port), 0);
  cu_dispatch_bounded(c.base, 10000);
  assert_int_equal(c.first_event, BEV_EVENT_CONNECTED);
  assert_int_equal(c.dns_error, 0);
  assert_int_equal(evbuffer_get_length(c.got), 4);
  bufferevent_free(bev);
  su_echo_free(echo);
  evdns_base_free(dns, 0);
  evbuffer_free(c.got);
  event_base_free(c.base);
}

static void connect_hostname_localhost_connects(void **state) {
  (void)state;
  connect_to_name("localhost");
}

static void connect_hostname_numeric_connects(void **state) {
  (void)state;
  connect_to_name("127.0.0.1");
}

static void connect_hostname_unknown_name_reports_dns_error(void **state) {
  struct dns_ctx c;
  struct evdns_base *dns;
  struct bufferevent *bev;
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  dns = evdns_base_new(c.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, record_event, &c);
  assert_int_equal(
      bufferevent_socket_connect_hostname(bev, dns, AF_UNSPEC, "nonexistent.invalid", 80), 0);
  cu_dispatch_bounded(c.base, 60000);
  assert_int_equal(c.nevents, 1);
  assert_true(c.first_event & BEV_EVENT_ERROR);
  assert_int_not_equal(c.dns_error, 0);
  bufferevent_free(bev);
  evdns_base_free(dns, 0);
  event_base_free(c.base);
}

static void connect_hostname_refuses_bad_arguments(void **state) {
  struct event_base *base = event_base_new();
  struct evdns_base *dns = evdns_base_new(base, 0);
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  (void)state;
  assert_int_equal(bufferevent_socket_connect_hostname(bev, dns, AF_INET, "localhost", 0), -1);
  assert_int_equal(bufferevent_socket_connect_hostname(bev, dns, 12345, "localhost", 80), -1);
  assert_int_equal(bufferevent_socket_get_dns_error(bev), 0);
  bufferevent_free(bev);
  evdns_base_free(dns, 0);
  event_base_free(base);
}

/* Freeing the bufferevent while its lookup is pending: no callback runs. */
static void freeing_during_lookup_runs_no_callback(void **state) {
  struct dns_ctx c;
  struct evdns_base *dns;
  struct bufferevent *bev;
  struct timeval tv = {0, 200000};
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  dns = evdns_base_new(c.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  bev = bufferevent_socket_new(c.base, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(bev, NULL, NULL, record_event, &c);
  assert_int_equal(bufferevent_socket_connect_hostname(bev, dns, AF_INET, "localhost", 80), 0);
  bufferevent_free(bev);
  event_base_loopexit(c.base, &tv);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 0);
  evdns_base_free(dns, 0);
  event_base_free(c.base);
}

static void on_gai(int result, struct evutil_addrinfo *res, void *arg) {
  struct dns_ctx *c = arg;
  c->gai_calls++;
  c->gai_result = result;
  if (res) {
    c->gai_family = res->ai_family;
    evutil_freeaddrinfo(res);
  }
  if (c->base) event_base_loopexit(c->base, NULL);
}

static void evdns_getaddrinfo_resolves_a_numeric_address(void **state) {
  struct dns_ctx c;
  struct evdns_base *dns;
  struct evutil_addrinfo hints;
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  dns = evdns_base_new(c.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  /* libevent answers numeric addresses at once (NULL), uvbev later */
  if (evdns_getaddrinfo(dns, "127.0.0.1", "80", &hints, on_gai, &c) != NULL || c.gai_calls == 0)
    cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.gai_calls, 1);
  assert_int_equal(c.gai_result, 0);
  assert_int_equal(c.gai_family, AF_INET);
  evdns_base_free(dns, 0);
  event_base_free(c.base);
}

static void evdns_getaddrinfo_cancel_reports_cancel(void **state) {
  struct dns_ctx c;
  struct evdns_base *dns;
  struct evdns_getaddrinfo_request *req;
  struct evutil_addrinfo hints;
  (void)state;
  memset(&c, 0, sizeof(c));
  c.base = event_base_new();
  dns = evdns_base_new(c.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  req = evdns_getaddrinfo(dns, "nonexistent.invalid", "80", &hints, on_gai, &c);
  if (req) {
    evdns_getaddrinfo_cancel(req);
    if (c.gai_calls == 0) cu_dispatch_bounded(c.base, 60000);
    assert_int_equal(c.gai_result, EVUTIL_EAI_CANCEL);
  }
  assert_int_equal(c.gai_calls, 1);
  evdns_base_free(dns, 0);
  event_base_free(c.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(connect_hostname_localhost_connects),
      cmocka_unit_test(connect_hostname_numeric_connects),
      cmocka_unit_test(connect_hostname_unknown_name_reports_dns_error),
      cmocka_unit_test(connect_hostname_refuses_bad_arguments),
      cmocka_unit_test(freeing_during_lookup_runs_no_callback),
      cmocka_unit_test(evdns_getaddrinfo_resolves_a_numeric_address),
      cmocka_unit_test(evdns_getaddrinfo_cancel_reports_cancel),
  };
  return cmocka_run_group_tests_name("dns_connect(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}
