/* SPDX-License-Identifier: MIT */
/* event_set_mem_functions(): once installed (before any other call, as
 * libevent requires), the library's memory comes from the user's functions
 * and goes back through them, and memory it returns to the caller (a line
 * from evbuffer_readln) belongs to the user's allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

/* Each block carries a header, so that a block from malloc() given to
 * counting_free (or one of ours given to free()) cannot go unnoticed. */
#define MAGIC ((size_t)0x5eb1ab1e)
struct header {
  size_t magic;
  size_t size;
  max_align_t align;
};

static long n_malloc, n_free, n_live, n_foreign;

static struct header *header_of(void *p) {
  return (struct header *)((char *)p - offsetof(struct header, align));
}

static void *counting_malloc(size_t sz) {
  struct header *h = malloc(offsetof(struct header, align) + sz);
  if (!h) return NULL;
  h->magic = MAGIC;
  h->size = sz;
  n_malloc++;
  n_live++;
  return &h->align;
}

static void counting_free(void *p) {
  struct header *h;
  if (!p) return;
  h = header_of(p);
  if (h->magic != MAGIC) { /* not ours: leak it rather than corrupt the heap */
    n_foreign++;
    return;
  }
  h->magic = 0;
  n_free++;
  n_live--;
  free(h);
}

static void *counting_realloc(void *p, size_t sz) {
  struct header *h;
  void *q;
  if (!p) return counting_malloc(sz);
  h = header_of(p);
  if (h->magic != MAGIC) {
    n_foreign++;
    return NULL;
  }
  q = counting_malloc(sz);
  if (!q) return NULL;
  memcpy(q, p, h->size < sz ? h->size : sz);
  counting_free(p);
  return q;
}

static int is_ours(void *p) {
  return p && header_of(p)->magic == MAGIC;
}

static void library_allocates_through_user_functions(void **state) {
  struct event_base *base;
  struct evbuffer *buf;
  struct bufferevent *pair[2];
  struct evutil_monotonic_timer *timer;
  char *line;
  size_t len;
  long before = n_malloc;

  base = event_base_new();
  assert_non_null(base);
  assert_true(n_malloc > before);

  buf = evbuffer_new();
  assert_non_null(buf);
  assert_int_equal(evbuffer_add_printf(buf, "hello %d\r\nrest", 42), 14);
  line = evbuffer_readln(buf, &len, EVBUFFER_EOL_CRLF);
  assert_non_null(line);
  assert_string_equal(line, "hello 42");
  assert_true(is_ours(line)); /* so the caller frees it with counting_free */
  counting_free(line);
  evbuffer_free(buf);

  assert_int_equal(bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE, pair), 0);
  assert_int_equal(bufferevent_write(pair[0], "ping", 4), 0);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);

  timer = evutil_monotonic_timer_new();
  assert_true(is_ours(timer));
  evutil_monotonic_timer_free(timer);

  event_base_free(base);
  assert_true(n_free > 0);
  assert_int_equal(n_foreign, 0);
  libevent_global_shutdown();
  assert_int_equal(n_live, 0); /* everything came back through counting_free */
}

static void *failing_malloc(size_t sz) {
  (void)sz;
  errno = ENOMEM;
  return NULL;
}

static void on_buffer_change(struct evbuffer *buf, size_t old_len, size_t new_len, void *arg) {}

/* When the user's malloc fails, the call that needed it fails cleanly and
 * loses nothing: the line is still there once memory is back. */
static void failed_allocation_is_reported(void **state) {
  struct evbuffer *buf = evbuffer_new();
  char *line;
  assert_non_null(buf);
  assert_int_equal(evbuffer_add(buf, "one\ntwo\n", 8), 0);
  event_set_mem_functions(failing_malloc, counting_realloc, counting_free);
  assert_null(evbuffer_readln(buf, NULL, EVBUFFER_EOL_LF));
  assert_int_equal(evbuffer_setcb(buf, on_buffer_change, NULL), -1);
  event_set_mem_functions(counting_malloc, counting_realloc, counting_free);
  assert_int_equal(evbuffer_get_length(buf), 8);
  line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_LF);
  assert_string_equal(line, "one");
  counting_free(line);
  evbuffer_free(buf);
  assert_int_equal(n_foreign, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(failed_allocation_is_reported),
      cmocka_unit_test(library_allocates_through_user_functions), /* ends with global shutdown */
  };
  /* Before any other call of the library. */
  event_set_mem_functions(counting_malloc, counting_realloc, counting_free);
  return cmocka_run_group_tests_name("compat_mem_functions (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
