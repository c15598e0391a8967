/* SPDX-License-Identifier: MIT */
/* Operations that have nothing to do succeed on a frozen buffer, as in
 * libevent: draining an empty buffer, prepending or moving zero bytes; the
 * same calls with bytes to move fail.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

static void zero_length_ops_on_frozen_start(void **state) {
  struct evbuffer *buf = evbuffer_new(), *other = evbuffer_new();
  (void)state;
  evbuffer_freeze(buf, 1);
  assert_int_equal(evbuffer_drain(buf, 0), 0);
  assert_int_equal(evbuffer_drain(buf, 10), 0); /* empty: nothing to drain */
  assert_int_equal(evbuffer_prepend(buf, "x", 0), 0);
  assert_int_equal(evbuffer_remove_buffer(buf, other, 0), 0);
  assert_int_equal(evbuffer_prepend_buffer(buf, other), 0); /* other is empty */
  assert_int_equal(evbuffer_prepend_buffer(buf, buf), 0);
  /* With bytes, the front is frozen. */
  evbuffer_add(buf, "abc", 3);
  assert_int_equal(evbuffer_drain(buf, 0), -1);
  assert_int_equal(evbuffer_drain(buf, 1), -1);
  assert_int_equal(evbuffer_prepend(buf, "x", 0), 0);
  assert_int_equal(evbuffer_prepend(buf, "x", 1), -1);
  assert_int_equal(evbuffer_remove_buffer(buf, other, 0), 0);
  assert_int_equal(evbuffer_remove_buffer(buf, other, 1), -1);
  evbuffer_add(other, "d", 1);
  assert_int_equal(evbuffer_prepend_buffer(buf, other), -1);
  assert_int_equal(evbuffer_get_length(buf), 3);
  assert_int_equal(evbuffer_get_length(other), 1);
  evbuffer_free(buf);
  evbuffer_free(other);
}

static void zero_length_ops_on_frozen_end(void **state) {
  struct evbuffer *buf = evbuffer_new(), *other = evbuffer_new();
  (void)state;
  evbuffer_freeze(buf, 0);
  assert_int_equal(evbuffer_add_buffer(buf, other), 0); /* other is empty */
  assert_int_equal(evbuffer_remove_buffer(other, buf, 0), 0);
  assert_int_equal(evbuffer_add_buffer_reference(buf, other), 0);
  assert_int_equal(evbuffer_add(buf, "x", 0), -1); /* as libevent: frozen */
  evbuffer_add(other, "d", 1);
  assert_int_equal(evbuffer_add_buffer(buf, other), -1);
  assert_int_equal(evbuffer_remove_buffer(other, buf, 1), -1);
  assert_int_equal(evbuffer_add_buffer_reference(buf, other), -1);
  assert_int_equal(evbuffer_get_length(buf), 0);
  assert_int_equal(evbuffer_get_length(other), 1);
  evbuffer_free(buf);
  evbuffer_free(other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(zero_length_ops_on_frozen_start),
      cmocka_unit_test(zero_length_ops_on_frozen_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
