/* SPDX-License-Identifier: MIT */
/* uvbev's allocator keeps libevent's mm_* contract (libevent's regress
 * util/mm_malloc, mm_calloc, mm_strdup), and the evutil time functions
 * answer bad input with -1 where libevent would crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <event2/util.h>
#include "mm-internal.h"

static void malloc_zero_is_null(void **state) {
  void *p;
  errno = 0;
  assert_null(uvbev_malloc_(0));
  assert_int_equal(errno, 0);
  p = uvbev_malloc_(8);
  assert_non_null(p);
  uvbev_free_(p);
  uvbev_free_(NULL);
}

static void calloc_zero_and_overflow(void **state) {
  unsigned char *p;
  errno = 0;
  assert_null(uvbev_calloc_(0, 0));
  assert_null(uvbev_calloc_(0, 1));
  assert_null(uvbev_calloc_(1, 0));
  assert_int_equal(errno, 0);
  p = uvbev_calloc_(8, 8);
  assert_non_null(p);
  assert_int_equal(p[0] | p[63], 0);
  uvbev_free_(p);
  assert_null(uvbev_calloc_(SIZE_MAX / 2, SIZE_MAX / 2 + 8));
  assert_int_equal(errno, ENOMEM);
}

static void strdup_null_and_copies(void **state) {
  char *p;
  errno = 0;
  assert_null(uvbev_strdup_(NULL));
  assert_int_equal(errno, EINVAL);
  p = uvbev_strdup_("");
  assert_string_equal(p, "");
  uvbev_free_(p);
  p = uvbev_strdup_("foo");
  assert_string_equal(p, "foo");
  uvbev_free_(p);
}

static void time_functions_refuse_bad_input(void **state) {
  struct evutil_monotonic_timer *timer = evutil_monotonic_timer_new();
  struct timeval tv;
  struct tm tm;
  char out[32] = "unchanged";
  assert_int_equal(evutil_configure_monotonic_time(NULL, 0), -1);
  assert_int_equal(evutil_gettime_monotonic(NULL, &tv), -1);
  assert_int_equal(evutil_gettime_monotonic(timer, NULL), -1);
  /* unconfigured: the default clock */
  assert_int_equal(evutil_gettime_monotonic(timer, &tv), 0);
  evutil_monotonic_timer_free(timer);
  evutil_monotonic_timer_free(NULL);
  memset(&tm, 0, sizeof(tm));
  tm.tm_mon = 12;
  assert_int_equal(evutil_date_rfc1123(out, sizeof(out), &tm), -1);
  assert_string_equal(out, "");
  tm.tm_mon = 0;
  tm.tm_wday = -1;
  assert_int_equal(evutil_date_rfc1123(out, sizeof(out), &tm), -1);
  tm.tm_wday = 0;
  tm.tm_year = INT_MAX; /* 1900 + tm_year would overflow */
  assert_int_equal(evutil_date_rfc1123(out, sizeof(out), &tm), -1);
  assert_int_equal(evutil_date_rfc1123(NULL, 4, NULL), -1);
  assert_int_equal(evutil_date_rfc1123(NULL, 0, NULL), 29); /* the length only */
}

static void inet_pton_scope_null_arguments(void **state) {
  struct in6_addr in6;
  unsigned scope;
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, NULL, &in6, &scope), -1);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "::1", NULL, &scope), -1);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "::1", &in6, NULL), -1);
  assert_int_equal(evutil_inet_pton_scope(AF_INET6, "::1%99999999999", &in6, &scope), 0);
  assert_int_equal(evutil_inet_pton_scope(AF_UNIX, "::1", &in6, &scope), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(malloc_zero_is_null),
      cmocka_unit_test(calloc_zero_and_overflow),
      cmocka_unit_test(strdup_null_and_copies),
      cmocka_unit_test(time_functions_refuse_bad_input),
      cmocka_unit_test(inet_pton_scope_null_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
