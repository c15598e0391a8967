/* SPDX-License-Identifier: MIT */
/* evutil_date_rfc1123 and the monotonic timer API (libevent 2.1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <event2/util.h>

static void utc(time_t t, struct tm *out) {
  *out = *gmtime(&t); /* the tests are single-threaded */
}

static void date_rfc1123_formats_utc_dates(void **state) {
  static const struct {
    time_t t;
    const char *text;
  } cases[] = {
      {0, "Thu, 01 Jan 1970 00:00:00 GMT"},          {946684799, "Fri, 31 Dec 1999 23:59:59 GMT"},
      {946684800, "Sat, 01 Jan 2000 00:00:00 GMT"},  {1015113600, "Sun, 03 Mar 2002 00:00:00 GMT"},
      {1118016000, "Mon, 06 Jun 2005 00:00:00 GMT"}, {1220918400, "Tue, 09 Sep 2008 00:00:00 GMT"},
      {1435708800, "Wed, 01 Jul 2015 00:00:00 GMT"}, {1481866376, "Fri, 16 Dec 2016 05:32:56 GMT"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct tm tm;
    char out[30];
    utc(cases[i].t, &tm);
    assert_int_equal(evutil_date_rfc1123(out, sizeof(out), &tm), 29);
    assert_string_equal(out, cases[i].text);
  }
}

/* A short buffer gets the beginning, NUL-terminated; the return value is
 * still the full length. */
static void date_rfc1123_truncates_safely(void **state) {
  struct tm tm;
  char out[30];
  memset(out, 'x', sizeof(out));
  utc(0, &tm);
  assert_int_equal(evutil_date_rfc1123(out, 8, &tm), 29);
  assert_string_equal(out, "Thu, 01");
  assert_int_equal(out[8], 'x');
}

static void date_rfc1123_null_tm_is_now(void **state) {
  char out[64];
  assert_int_equal(evutil_date_rfc1123(out, sizeof(out), NULL), 29);
  assert_int_equal(strlen(out), 29);
  assert_string_equal(out + 25, " GMT");
  assert_int_equal(out[3], ',');
}

static int64_t usec(const struct timeval *tv) {
  return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* Every clock choice gives readings that never decrease (bounded by count). */
static void monotonic_timer_never_runs_backwards(void **state) {
  static const int flags[] = {0, EV_MONOT_PRECISE, EV_MONOT_FALLBACK};
  size_t f;
  for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
    struct evutil_monotonic_timer *timer = evutil_monotonic_timer_new();
    struct timeval prev, now;
    int i;
    assert_non_null(timer);
    assert_int_equal(evutil_configure_monotonic_time(timer, flags[f]), 0);
    assert_int_equal(evutil_gettime_monotonic(timer, &prev), 0);
    assert_true(prev.tv_usec >= 0 && prev.tv_usec < 1000000);
    for (i = 0; i < 10000; i++) {
      assert_int_equal(evutil_gettime_monotonic(timer, &now), 0);
      assert_true(now.tv_usec >= 0 && now.tv_usec < 1000000);
      assert_true(usec(&now) >= usec(&prev));
      prev = now;
    }
    evutil_monotonic_timer_free(timer);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(date_rfc1123_formats_utc_dates),
      cmocka_unit_test(date_rfc1123_truncates_safely),
      cmocka_unit_test(date_rfc1123_null_tm_is_now),
      cmocka_unit_test(monotonic_timer_never_runs_backwards),
  };
  return cmocka_run_group_tests_name("compat_evutil_time (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
