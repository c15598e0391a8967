/* SPDX-License-Identifier: MIT */
/* evbuffer callbacks: the evbuffer_cb_info sequences of each operation,
 * disabled and removed callbacks, the obsolete evbuffer_setcb, and deferred
 * callbacks run from the loop.  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/event.h>

#define MAX_CALLS 32

struct log {
  int n;
  struct evbuffer_cb_info info[MAX_CALLS];
};

static void log_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  struct log *l = arg;
  (void)buf;
  if (l->n < MAX_CALLS) l->info[l->n] = *info;
  l->n++;
}

static void expect_call(const struct log *l, int i, size_t orig, size_t added, size_t deleted) {
  assert_true(i < l->n);
  assert_int_equal(l->info[i].orig_size, orig);
  assert_int_equal(l->info[i].n_added, added);
  assert_int_equal(l->info[i].n_deleted, deleted);
}

static void each_operation_reports_its_change(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer *other = evbuffer_new();
  struct log l = {0};
  char out[8];
  char *line;
  assert_non_null(evbuffer_add_cb(buf, log_cb, &l));
  evbuffer_add(buf, "hello\n", 6);
  expect_call(&l, 0, 0, 6, 0);
  evbuffer_prepend(buf, ">", 1);
  expect_call(&l, 1, 6, 1, 0);
  evbuffer_drain(buf, 1);
  expect_call(&l, 2, 7, 0, 1);
  evbuffer_remove(buf, out, 2);
  expect_call(&l, 3, 6, 0, 2);
  /* readln: the line, then its end of line. */
  line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_LF);
  free(line);
  expect_call(&l, 4, 4, 0, 3);
  expect_call(&l, 5, 1, 0, 1);
  evbuffer_add_printf(buf, "%d", 1234);
  expect_call(&l, 6, 0, 4, 0);
  evbuffer_add(other, "xyz", 3);
  evbuffer_add_buffer(buf, other);
  expect_call(&l, 7, 4, 3, 0);
  evbuffer_remove_buffer(buf, other, 5);
  expect_call(&l, 8, 7, 0, 5);
  evbuffer_add_reference(buf, "ref", 3, NULL, NULL);
  expect_call(&l, 9, 2, 3, 0);
  assert_int_equal(l.n, 10);
  /* No change, no call. */
  evbuffer_drain(buf, 0);
  evbuffer_add(buf, "", 0);
  evbuffer_copyout(buf, out, 3);
  assert_int_equal(l.n, 10);
  evbuffer_free(buf);
  evbuffer_free(other);
}

static void reserve_commit_reports_committed_bytes(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct log l = {0};
  struct evbuffer_iovec v[2];
  evbuffer_add_cb(buf, log_cb, &l);
  assert_true(evbuffer_reserve_space(buf, 100, v, 2) >= 1);
  assert_int_equal(l.n, 0);
  memset(v[0].iov_base, 'r', 10);
  v[0].iov_len = 10;
  assert_int_equal(evbuffer_commit_space(buf, v, 1), 0);
  expect_call(&l, 0, 0, 10, 0);
  assert_int_equal(l.n, 1);
  evbuffer_free(buf);
}

static void disabled_callback_misses_changes(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct log l = {0};
  struct evbuffer_cb_entry *e = evbuffer_add_cb(buf, log_cb, &l);
  assert_int_equal(evbuffer_cb_clear_flags(buf, e, EVBUFFER_CB_ENABLED), 0);
  evbuffer_add(buf, "abc", 3);
  assert_int_equal(l.n, 0);
  assert_int_equal(evbuffer_cb_set_flags(buf, e, EVBUFFER_CB_ENABLED), 0);
  evbuffer_add(buf, "de", 2);
  assert_int_equal(l.n, 1);
  expect_call(&l, 0, 3, 2, 0);
  evbuffer_free(buf);
}

static void removed_callbacks_stop(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct log a = {0}, b = {0};
  struct evbuffer_cb_entry *ea = evbuffer_add_cb(buf, log_cb, &a);
  evbuffer_add_cb(buf, log_cb, &b);
  evbuffer_add(buf, "x", 1);
  assert_int_equal(a.n, 1);
  assert_int_equal(b.n, 1);
  assert_int_equal(evbuffer_remove_cb_entry(buf, ea), 0);
  evbuffer_add(buf, "x", 1);
  assert_int_equal(a.n, 1);
  assert_int_equal(b.n, 2);
  assert_int_equal(evbuffer_remove_cb(buf, log_cb, &b), 0);
  assert_int_equal(evbuffer_remove_cb(buf, log_cb, &b), -1);
  evbuffer_add(buf, "x", 1);
  assert_int_equal(b.n, 2);
  evbuffer_free(buf);
}

static struct evbuffer_cb_entry *self_entry;
static void remove_self_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  (*(int *)arg)++;
  evbuffer_remove_cb_entry(buf, self_entry);
}

static void callback_may_remove_itself(void **state) {
  struct evbuffer *buf = evbuffer_new();
  int n = 0;
  struct log l = {0};
  evbuffer_add_cb(buf, log_cb, &l);
  self_entry = evbuffer_add_cb(buf, remove_self_cb, &n);
  evbuffer_add(buf, "x", 1);
  evbuffer_add(buf, "x", 1);
  assert_int_equal(n, 1);
  assert_int_equal(l.n, 2);
  evbuffer_free(buf);
}

static void drain_in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
  struct log *l = arg;
  log_cb(buf, info, arg);
  if (l->n == 1) evbuffer_drain(buf, 2); /* recursive invocation */
}

static void callback_changing_buffer_recurses(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct log l = {0};
  evbuffer_add_cb(buf, drain_in_cb, &l);
  evbuffer_add(buf, "abcd", 4);
  assert_int_equal(l.n, 2);
  expect_call(&l, 0, 0, 4, 0);
  expect_call(&l, 1, 4, 0, 2);
  evbuffer_free(buf);
}

static size_t old_len_seen, new_len_seen;
static int obsolete_calls;
static void obsolete_cb(struct evbuffer *buf, size_t old_len, size_t new_len, void *arg) {
  old_len_seen = old_len;
  new_len_seen = new_len;
  obsolete_calls++;
}

static void setcb_replaces_callbacks(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct log l = {0};
  evbuffer_add_cb(buf, log_cb, &l);
  assert_int_equal(evbuffer_setcb(buf, obsolete_cb, NULL), 0);
  evbuffer_add(buf, "abc", 3);
  assert_int_equal(l.n, 0);
  assert_int_equal(obsolete_calls, 1);
  assert_int_equal(old_len_seen, 0);
  assert_int_equal(new_len_seen, 3);
  evbuffer_drain(buf, 1);
  assert_int_equal(old_len_seen, 3);
  assert_int_equal(new_len_seen, 2);
  assert_int_equal(evbuffer_setcb(buf, NULL, NULL), 0);
  evbuffer_add(buf, "abc", 3);
  assert_int_equal(obsolete_calls, 2);
  evbuffer_free(buf);
}

static void deferred_callbacks_run_from_loop_coalesced(void **state) {
  struct event_base *base = event_base_new();
  struct evbuffer *buf = evbuffer_new();
  struct log l = {0};
  assert_non_null(base);
  assert_int_equal(evbuffer_defer_callbacks(buf, base), 0);
  evbuffer_add_cb(buf, log_cb, &l);
  evbuffer_add(buf, "abcdef", 6);
  evbuffer_drain(buf, 2);
  evbuffer_add(buf, "g", 1);
  assert_int_equal(l.n, 0);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(l.n, 1);
  expect_call(&l, 0, 0, 7, 2);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(l.n, 1);
  evbuffer_free(buf);
  event_base_free(base);
}

/* As libevent: a queued deferred run keeps the buffer alive and happens. */
static void deferred_callbacks_outlive_evbuffer_free(void **state) {
  struct event_base *base = event_base_new();
  struct evbuffer *buf = evbuffer_new();
  struct log l = {0};
  evbuffer_defer_callbacks(buf, base);
  evbuffer_add_cb(buf, log_cb, &l);
  evbuffer_add(buf, "abc", 3);
  evbuffer_free(buf);
  assert_int_equal(l.n, 0);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(l.n, 1);
  expect_call(&l, 0, 0, 3, 0);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_operation_reports_its_change),
      cmocka_unit_test(reserve_commit_reports_committed_bytes),
      cmocka_unit_test(disabled_callback_misses_changes),
      cmocka_unit_test(removed_callbacks_stop),
      cmocka_unit_test(callback_may_remove_itself),
      cmocka_unit_test(callback_changing_buffer_recurses),
      cmocka_unit_test(setcb_replaces_callbacks),
      cmocka_unit_test(deferred_callbacks_run_from_loop_coalesced),
      cmocka_unit_test(deferred_callbacks_outlive_evbuffer_free),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
