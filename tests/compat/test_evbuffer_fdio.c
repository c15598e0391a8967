/* SPDX-License-Identifier: MIT */
/* evbuffer_read / evbuffer_write / evbuffer_write_atmost over a loopback TCP
 * pair.  libevent API plus plain sockets only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/util.h>
#include "compat-util.h"

/* Reads exactly n bytes from fd into buf with evbuffer_read (blocking
 * socket), in as many calls as needed (bounded). */
static void read_exactly(struct evbuffer *buf, evutil_socket_t fd, size_t n) {
  int calls = 0;
  while (evbuffer_get_length(buf) < n) {
    int r = evbuffer_read(buf, fd, (int)(n - evbuffer_get_length(buf)));
    assert_true(r > 0);
    assert_true(++calls < 100000);
  }
  assert_int_equal(evbuffer_get_length(buf), n);
}

static void write_then_read_roundtrip(void **state) {
  evutil_socket_t sv[2];
  struct evbuffer *out = evbuffer_new();
  struct evbuffer *in = evbuffer_new();
  char *data = malloc(100000);
  size_t i;
  cu_ignore_sigpipe();
  assert_int_equal(cu_tcp_pair(sv), 0);
  for (i = 0; i < 100000; i++)
    data[i] = (char)(i * 7);
  /* Several chunks: a copy, a reference and a printf. */
  evbuffer_add(out, data, 50000);
  evbuffer_add_reference(out, data + 50000, 49990, NULL, NULL);
  evbuffer_add_printf(out, "%010d", 42);
  while (evbuffer_get_length(out) > 0) {
    int w = evbuffer_write(out, sv[0]);
    assert_true(w > 0);
    read_exactly(in, sv[1], 100000 - evbuffer_get_length(out));
  }
  assert_memory_equal(evbuffer_pullup(in, 99990), data, 99990);
  assert_memory_equal(evbuffer_pullup(in, -1) + 99990, "0000000042", 10);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  free(data);
  evbuffer_free(out);
  evbuffer_free(in);
}

static void write_atmost_limits_and_drains(void **state) {
  evutil_socket_t sv[2];
  struct evbuffer *out = evbuffer_new();
  struct evbuffer *in = evbuffer_new();
  cu_ignore_sigpipe();
  assert_int_equal(cu_tcp_pair(sv), 0);
  evbuffer_add(out, "0123456789", 10);
  assert_int_equal(evbuffer_write_atmost(out, sv[0], 4), 4);
  assert_int_equal(evbuffer_get_length(out), 6);
  read_exactly(in, sv[1], 4);
  assert_memory_equal(evbuffer_pullup(in, -1), "0123", 4);
  assert_int_equal(evbuffer_write_atmost(out, sv[0], -1), 6);
  read_exactly(in, sv[1], 10);
  assert_memory_equal(evbuffer_pullup(in, -1), "0123456789", 10);
  assert_int_equal(evbuffer_write(out, sv[0]), -1); /* nothing left: -1, as libevent */
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  evbuffer_free(out);
  evbuffer_free(in);
}

static void read_returns_zero_at_eof(void **state) {
  evutil_socket_t sv[2];
  struct evbuffer *in = evbuffer_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  assert_int_equal(send(sv[0], "bye", 3, 0), 3);
  evutil_closesocket(sv[0]);
  read_exactly(in, sv[1], 3);
  assert_int_equal(evbuffer_read(in, sv[1], -1), 0);
  assert_int_equal(evbuffer_get_length(in), 3);
  evutil_closesocket(sv[1]);
  evbuffer_free(in);
}

static void frozen_ends_refuse_io(void **state) {
  evutil_socket_t sv[2];
  struct evbuffer *buf = evbuffer_new();
  assert_int_equal(cu_tcp_pair(sv), 0);
  evbuffer_add(buf, "x", 1);
  evbuffer_freeze(buf, 1);
  assert_int_equal(evbuffer_write(buf, sv[0]), -1);
  evbuffer_unfreeze(buf, 1);
  evbuffer_freeze(buf, 0);
  assert_int_equal(evbuffer_read(buf, sv[1], 10), -1);
  evbuffer_unfreeze(buf, 0);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(write_then_read_roundtrip),
      cmocka_unit_test(write_atmost_limits_and_drains),
      cmocka_unit_test(read_returns_zero_at_eof),
      cmocka_unit_test(frozen_ends_refuse_io),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
