/* SPDX-License-Identifier: MIT */
/* event_base_init_common_timeout: one stable pointer per duration and base,
 * and events added with it time out after that duration (libevent's
 * common_timeout test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include "compat-util.h"

static void same_duration_same_pointer(void **state) {
  struct event_base *base = event_base_new();
  struct event_base *other = event_base_new();
  struct timeval ms100 = {0, 100000}, ms200 = {0, 200000}, s5 = {5, 0};
  struct timeval usec5m = {0, 5000000};
  const struct timeval *p100, *p200, *p5;
  p100 = event_base_init_common_timeout(base, &ms100);
  p200 = event_base_init_common_timeout(base, &ms200);
  p5 = event_base_init_common_timeout(base, &s5);
  assert_non_null(p100);
  assert_non_null(p200);
  assert_non_null(p5);
  assert_ptr_not_equal(p100, p200);
  assert_ptr_equal(event_base_init_common_timeout(base, &ms200), p200);
  /* the returned value names its own duration */
  assert_ptr_equal(event_base_init_common_timeout(base, p200), p200);
  /* 5000000 microseconds are 5 seconds */
  assert_ptr_equal(event_base_init_common_timeout(base, &usec5m), p5);
  assert_int_equal(p100->tv_sec, 0);
  assert_int_equal(p5->tv_sec, 5);
  /* libevent's encoding, which its own suite checks: a marker, the index of
   * the duration and its microseconds in tv_usec */
  assert_int_equal(p100->tv_usec, 100000 | 0x50000000);
  assert_int_equal(p200->tv_usec, 200000 | 0x50100000);
  assert_int_equal(p5->tv_usec, 0 | 0x50200000);
  /* another base has its own table */
  assert_ptr_not_equal(event_base_init_common_timeout(other, &ms100), p100);
  event_base_free(other);
  event_base_free(base);
}

struct ct_info {
  struct event ev;
  int count;
  long last_ms;
};

static void ct_cb(evutil_socket_t fd, short what, void *arg) {
  struct ct_info *ti = arg;
  ti->last_ms = cu_now_ms();
  if (++ti->count >= 4) event_del(&ti->ev);
}

/* Persistent events on common timeouts each fire 4 times, then delete
 * themselves; the 4th call comes no sooner than 4 durations. */
static void events_fire_at_common_duration(void **state) {
  struct event_base *base = event_base_new();
  struct timeval ms20 = {0, 20000}, ms40 = {0, 40000};
  const struct timeval *p20 = event_base_init_common_timeout(base, &ms20);
  const struct timeval *p40 = event_base_init_common_timeout(base, &ms40);
  struct ct_info info[6];
  struct event *safety;
  long start;
  int i;
  memset(info, 0, sizeof(info));
  start = cu_now_ms();
  for (i = 0; i < 6; i++) {
    event_assign(&info[i].ev, base, -1, EV_TIMEOUT | EV_PERSIST, ct_cb, &info[i]);
    if (i == 4) {
      /* a common timeout replaced by a plain one, and the other way round */
      assert_int_equal(event_add(&info[i].ev, p40), 0);
      assert_int_equal(event_add(&info[i].ev, &ms20), 0);
    } else if (i == 5) {
      assert_int_equal(event_add(&info[i].ev, &ms40), 0);
      assert_int_equal(event_add(&info[i].ev, p20), 0);
    } else {
      assert_int_equal(event_add(&info[i].ev, (i % 2) ? p20 : p40), 0);
    }
    assert_true(event_pending(&info[i].ev, EV_TIMEOUT, NULL));
  }
  safety = cu_safety_timeout(base, 10000);
  event_del(safety); /* dispatch must end by itself once all are deleted */
  assert_int_equal(event_base_dispatch(base), 1);
  for (i = 0; i < 6; i++) {
    long want = (i % 2 || i >= 4) ? 4 * 20 : 4 * 40;
    assert_int_equal(info[i].count, 4);
    /* ms readings of the wall clock against the library's timers: libevent
     * reads CLOCK_MONOTONIC_COARSE (one tick, 4 ms at HZ=250, without
     * EVENT_BASE_FLAG_PRECISE_TIMER) and was seen firing 3 ms early; 10 ms of
     * slack below still tells 4 x 20 ms from 4 x 40 ms */
    assert_in_range(info[i].last_ms - start, want - 10, want + 60000);
  }
  event_free(safety);
  event_base_free(base);
}

/* A base may be freed with events still added on common timeouts. */
static void free_base_with_common_timeouts_added(void **state) {
  struct event_base *base = event_base_new();
  struct timeval ms100 = {0, 100000};
  const struct timeval *p = event_base_init_common_timeout(base, &ms100);
  struct event ev;
  event_assign(&ev, base, -1, EV_TIMEOUT, ct_cb, NULL);
  assert_int_equal(event_add(&ev, p), 0);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_duration_same_pointer),
      cmocka_unit_test(events_fire_at_common_duration),
      cmocka_unit_test(free_base_with_common_timeouts_added),
  };
  return cmocka_run_group_tests_name("compat_event_common_timeout (" COMPAT_IMPL_NAME ")", tests,
                                     NULL, NULL);
}
