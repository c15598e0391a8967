/* SPDX-License-Identifier: MIT */
/* evutil time: monotonic timers and RFC 1123 dates.
 *
 * A precise (or default) timer reads libuv's high-resolution monotonic clock.
 * The fallback timer reads the wall clock and never lets it run backwards:
 * when the wall clock steps back, an offset grows so that the readings
 * resume from the last one. */
#include <limits.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "event2/util.h"
#include "platform-internal.h"
#include "mm-internal.h"

struct evutil_monotonic_timer {
  int fallback;
  int64_t last_us; /* the last reading of a fallback timer */
  int64_t skew_us; /* added to the wall clock to keep it monotonic */
};

struct evutil_monotonic_timer *evutil_monotonic_timer_new(void) {
  return uvbev_calloc_(1, sizeof(struct evutil_monotonic_timer));
}

void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer) {
  uvbev_free_(timer);
}

int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer, int flags) {
  if (!timer) return -1;
  timer->fallback = (flags & EV_MONOT_FALLBACK) != 0;
  timer->last_us = 0;
  timer->skew_us = 0;
  return 0;
}

static int64_t fallback_now_us(struct evutil_monotonic_timer *timer) {
  uv_timeval64_t wall;
  int64_t now;
  if (uv_gettimeofday(&wall) != 0) return timer->last_us;
  now = (int64_t)wall.tv_sec * 1000000 + wall.tv_usec + timer->skew_us;
  if (now < timer->last_us) { /* the wall clock stepped back */
    timer->skew_us += timer->last_us - now;
    now = timer->last_us;
  }
  timer->last_us = now;
  return now;
}

int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer, struct timeval *tp) {
  int64_t us;
  if (!timer || !tp) return -1;
  us = timer->fallback ? fallback_now_us(timer) : (int64_t)(uv_hrtime() / 1000);
  tp->tv_sec = (long)(us / 1000000);
  tp->tv_usec = (long)(us % 1000000);
  return 0;
}

int evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm now;
  if (!date && datelen) return -1;
  if (!tm) {
    if (uvbev_gmtime_(time(NULL), &now) != 0) return -1;
    tm = &now;
  }
  if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 || tm->tm_mon > 11 ||
      tm->tm_year > INT_MAX - 1900) {
    if (date && datelen) date[0] = '\0';
    return -1;
  }
  return evutil_snprintf(date, datelen, "%s, %02d %s %4d %02d:%02d:%02d GMT", days[tm->tm_wday],
                         tm->tm_mday, months[tm->tm_mon], 1900 + tm->tm_year, tm->tm_hour,
                         tm->tm_min, tm->tm_sec);
}
