/* SPDX-License-Identifier: MIT */
/* evbuffer_reserve_space with several vectors spans as many chunks as it
 * needs, up to the number of vectors, and hands out the extents libevent
 * does for the same calls; commit_space takes them back.  libevent API only
 * (the sequences are those of libevent's regress_buffer.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "compat-util.h"

/* Fills n bytes of the first extent with ch and commits only those. */
static void commit_first(struct evbuffer *buf, struct evbuffer_iovec *v, char ch, size_t n) {
  memset(v[0].iov_base, ch, n);
  v[0].iov_len = n;
  assert_int_equal(evbuffer_commit_space(buf, v, 1), 0);
}

enum first_step { NOTHING, ADD_ONE, FILL_FIRST };

/* Reserves in 2, then 3 vectors, each time asking for more than is free,
 * then in 2 vectors again: no room for that many chunks, so the free chunks
 * are replaced by one big enough. */
static void reserve_grows_by_chunks(enum first_step step) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[8];
  char *cp1, *cp2;
  size_t sz, committed = 0;
  assert_int_equal(evbuffer_reserve_space(buf, 128, v, 2), 1);
  assert_true(v[0].iov_len >= 128);
  sz = v[0].iov_len;
  cp1 = v[0].iov_base;
  if (step == ADD_ONE) {
    committed = 1;
    commit_first(buf, v, 'X', committed);
  } else if (step == FILL_FIRST) {
    committed = v[0].iov_len;
    commit_first(buf, v, 'X', committed);
    assert_int_equal(evbuffer_reserve_space(buf, 128, v, 2), 1);
    assert_ptr_not_equal(v[0].iov_base, cp1);
    sz = v[0].iov_len;
    cp1 = v[0].iov_base;
  }
  /* A second chunk. */
  assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)sz + 128, v, 2), 2);
  assert_ptr_equal(v[0].iov_base, step == ADD_ONE ? cp1 + 1 : cp1);
  sz = v[0].iov_len + v[1].iov_len;
  assert_true(sz >= v[0].iov_len + 128);
  cp1 = v[0].iov_base;
  cp2 = v[1].iov_base;
  /* A third one, after the same two. */
  assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)sz + 128, v, 3), 3);
  assert_ptr_equal(v[0].iov_base, cp1);
  assert_ptr_equal(v[1].iov_base, cp2);
  sz = v[0].iov_len + v[1].iov_len + v[2].iov_len;
  assert_true(sz >= 2 * 128);
  /* Only two vectors for more than the three hold. */
  if (step == ADD_ONE) {
    assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)sz + 128, v, 2), 2);
    assert_ptr_equal(v[0].iov_base, cp1);
    assert_true(v[0].iov_len + v[1].iov_len >= sz + 128);
  } else {
    assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)sz + 128, v, 2), 1);
    assert_true(v[0].iov_len >= sz + 128);
  }
  assert_int_equal(evbuffer_get_length(buf), committed);
  evbuffer_free(buf);
}

static void reserve_many_on_empty_buffer(void **state) {
  (void)state;
  reserve_grows_by_chunks(NOTHING);
}

static void reserve_many_after_one_byte(void **state) {
  (void)state;
  reserve_grows_by_chunks(ADD_ONE);
}

static void reserve_many_after_full_chunk(void **state) {
  (void)state;
  reserve_grows_by_chunks(FILL_FIRST);
}

/* The two-vector cases: one chunk while it has room, then its free tail and
 * a new chunk; committing part of the first, then parts of both. */
static void reserve_two_extents_and_commit_both(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  size_t remaining;
  char *cp, *cp2;
  int i;
  (void)state;
  assert_int_equal(evbuffer_reserve_space(buf, 1024, v, 2), 1);
  assert_true(v[0].iov_len >= 1024);
  cp = v[0].iov_base;
  remaining = v[0].iov_len - 512;
  commit_first(buf, v, 'X', 512);

  assert_int_equal(evbuffer_reserve_space(buf, 32, v, 2), 1);
  assert_ptr_equal(v[0].iov_base, cp + 512);
  assert_int_equal(v[0].iov_len, remaining);
  commit_first(buf, v, 'Y', 8);
  remaining -= 8;

  assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)remaining + 64, v, 2), 2);
  assert_ptr_equal(v[0].iov_base, cp + 520);
  assert_int_equal(v[0].iov_len, remaining);
  assert_true(v[1].iov_len >= 64);
  cp2 = v[1].iov_base;
  commit_first(buf, v, 'Z', 1);
  remaining -= 1;

  /* The second chunk, unused, is handed out again. */
  assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)remaining + 64, v, 2), 2);
  assert_ptr_equal(v[0].iov_base, cp + 521);
  assert_int_equal(v[0].iov_len, remaining);
  assert_ptr_equal(v[1].iov_base, cp2);
  memset(v[0].iov_base, 'W', 400);
  v[0].iov_len = 400;
  memset(v[1].iov_base, 'x', 60);
  v[1].iov_len = 60;
  assert_int_equal(evbuffer_commit_space(buf, v, 2), 0);
  assert_int_equal(evbuffer_get_length(buf), 981);

  assert_int_equal(evbuffer_peek(buf, -1, NULL, v, 2), 2);
  assert_int_equal(v[0].iov_len, 921);
  assert_int_equal(v[1].iov_len, 60);
  cp = v[0].iov_base;
  for (i = 0; i < 921; i++)
    assert_int_equal(cp[i], i < 512 ? 'X' : i < 520 ? 'Y' : i < 521 ? 'Z' : 'W');
  for (i = 0; i < 60; i++)
    assert_int_equal(((char *)v[1].iov_base)[i], 'x');
  evbuffer_free(buf);
}

/* Three extents filled in part each become three chunks of data. */
static void commit_three_extents(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[3], p[4];
  size_t sz;
  int n, k;
  (void)state;
  assert_int_equal(evbuffer_reserve_space(buf, 128, v, 3), 1);
  sz = v[0].iov_len;
  assert_int_equal(evbuffer_reserve_space(buf, (ev_ssize_t)sz + 128, v, 3), 2);
  sz = v[0].iov_len + v[1].iov_len;
  n = evbuffer_reserve_space(buf, (ev_ssize_t)sz + 128, v, 3);
  assert_int_equal(n, 3);
  for (k = 0; k < 3; k++) {
    memset(v[k].iov_base, 'a' + k, 10);
    v[k].iov_len = 10;
  }
  assert_int_equal(evbuffer_commit_space(buf, v, 3), 0);
  assert_int_equal(evbuffer_get_length(buf), 30);
  assert_int_equal(evbuffer_peek(buf, -1, NULL, p, 4), 3);
  cu_assert_contents(buf, "aaaaaaaaaabbbbbbbbbbcccccccccc");
  evbuffer_free(buf);
}

/* Asking several vectors for nothing hands out no extent. */
static void reserve_nothing_in_many_vectors(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[2];
  (void)state;
  assert_int_equal(evbuffer_reserve_space(buf, 0, v, 2), 0);
  assert_int_equal(evbuffer_commit_space(buf, v, 0), 0);
  assert_int_equal(evbuffer_get_length(buf), 0);
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reserve_many_on_empty_buffer),
      cmocka_unit_test(reserve_many_after_one_byte),
      cmocka_unit_test(reserve_many_after_full_chunk),
      cmocka_unit_test(reserve_two_extents_and_commit_both),
      cmocka_unit_test(commit_three_extents),
      cmocka_unit_test(reserve_nothing_in_many_vectors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
