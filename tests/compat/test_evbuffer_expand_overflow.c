/* SPDX-License-Identifier: MIT */
/* Asking an evbuffer for more room than any object can have fails with -1
 * and leaves the buffer as it was (libevent's regress_buffer.c
 * expand_overflow); no allocation of that size is even tried, so a
 * sanitizer's allocator does not abort.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

static void expand_beyond_any_object_fails(void **state) {
  struct evbuffer *buf = evbuffer_new();
  (void)state;
  evbuffer_add(buf, "1", 1);
  assert_int_equal(evbuffer_expand(buf, (size_t)EV_SSIZE_MAX), -1);
  assert_int_equal(evbuffer_expand(buf, EV_SIZE_MAX), -1);
  cu_assert_contents(buf, "1");
  evbuffer_add(buf, "2", 1);
  cu_assert_contents(buf, "12");
  evbuffer_free(buf);
}

static void reserve_beyond_any_object_fails(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[1];
  (void)state;
  evbuffer_add(buf, "1", 1);
  assert_int_equal(evbuffer_reserve_space(buf, EV_SSIZE_MAX, v, 1), -1);
  cu_assert_contents(buf, "1");
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(expand_beyond_any_object_fails),
      cmocka_unit_test(reserve_beyond_any_object_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
