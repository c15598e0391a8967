/* SPDX-License-Identifier: MIT */
/* evbuffer locking: evbuffer_enable_locking with threads enabled, and adds
 * from two threads at once keep every byte.  libevent API (+ threads). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/thread.h>

#ifdef _WIN32
#  include <windows.h>
typedef HANDLE thread_t;
static DWORD WINAPI thread_main(LPVOID arg);
static void thread_start(thread_t *t, void *arg) {
  *t = CreateThread(NULL, 0, thread_main, arg, 0, NULL);
}
static void thread_join(thread_t t) {
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
}
#else
#  include <pthread.h>
typedef pthread_t thread_t;
static void *thread_main(void *arg);
static void thread_start(thread_t *t, void *arg) {
  pthread_create(t, NULL, thread_main, arg);
}
static void thread_join(thread_t t) {
  pthread_join(t, NULL);
}
#endif

#define ADDS 20000

struct job {
  struct evbuffer *buf;
  char tag;
};

static void adder(struct job *j) {
  int i;
  char rec[4] = {j->tag, j->tag, j->tag, '\n'};
  for (i = 0; i < ADDS; i++) {
    /* Whole records: one add each, under the lock. */
    evbuffer_add(j->buf, rec, sizeof(rec));
    if (i % 64 == 0) {
      evbuffer_lock(j->buf);
      evbuffer_unlock(j->buf);
    }
  }
}

#ifdef _WIN32
static DWORD WINAPI thread_main(LPVOID arg) {
  adder(arg);
  return 0;
}
#else
static void *thread_main(void *arg) {
  adder(arg);
  return NULL;
}
#endif

static int use_threads(void) {
#ifdef _WIN32
  return evthread_use_windows_threads();
#else
  return evthread_use_pthreads();
#endif
}

static void locked_buffer_keeps_concurrent_adds_whole(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct job a, b;
  thread_t ta, tb;
  int na = 0, nb = 0;
  char *line;
  assert_int_equal(evbuffer_enable_locking(buf, NULL), 0);
  assert_int_equal(evbuffer_enable_locking(buf, NULL), -1); /* already */
  a.buf = b.buf = buf;
  a.tag = 'a';
  b.tag = 'b';
  thread_start(&ta, &a);
  thread_start(&tb, &b);
  thread_join(ta);
  thread_join(tb);
  assert_int_equal(evbuffer_get_length(buf), 2 * ADDS * 4);
  while ((line = evbuffer_readln(buf, NULL, EVBUFFER_EOL_LF)) != NULL) {
    if (strcmp(line, "aaa") == 0)
      na++;
    else if (strcmp(line, "bbb") == 0)
      nb++;
    else
      fail_msg("torn record '%s'", line);
    free(line);
  }
  assert_int_equal(na, ADDS);
  assert_int_equal(nb, ADDS);
  evbuffer_free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(locked_buffer_keeps_concurrent_adds_whole),
  };
  if (use_threads() != 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
