/* SPDX-License-Identifier: MIT */
/* Threads for the thread compat tests, portable (pthreads on Unix, Win32
 * threads on Windows) and independent of the library under test. */
#ifndef THREAD_UTIL_H
#define THREAD_UTIL_H

typedef void (*tu_thread_fn)(void *arg);
struct tu_thread;
struct tu_mutex;

/* Enables libevent/uvbev threading (evthread_use_pthreads or
 * evthread_use_windows_threads).  Returns 0 or -1.  Inline: only the tests
 * that call it link libevent_pthreads. */
#include <event2/thread.h>
static inline int tu_use_threads(void) {
#ifdef _WIN32
  return evthread_use_windows_threads();
#else
  return evthread_use_pthreads();
#endif
}

/* Starts fn(arg) on a new thread; NULL on failure. */
struct tu_thread *tu_thread_start(tu_thread_fn fn, void *arg);
/* Waits for the thread to end and frees it. */
void tu_thread_join(struct tu_thread *t);

/* A plain (non-recursive) mutex. */
struct tu_mutex *tu_mutex_new(void);
void tu_mutex_free(struct tu_mutex *m);
void tu_mutex_lock(struct tu_mutex *m);
void tu_mutex_unlock(struct tu_mutex *m);

/* An int shared between threads, read and written under a mutex. */
struct tu_flag {
  struct tu_mutex *m;
  int value;
};
void tu_flag_init(struct tu_flag *f);
void tu_flag_free(struct tu_flag *f);
void tu_flag_set(struct tu_flag *f, int value);
int tu_flag_get(struct tu_flag *f);
/* Waits (polling every millisecond, up to ms) until the flag is non-zero.
 * Returns its value, 0 on timeout. */
int tu_flag_wait(struct tu_flag *f, int ms);

void tu_sleep_ms(int ms);

/* Aborts the process if not disarmed within ms: bounds a test that could
 * deadlock (a blocked loop cannot run its own safety timer). */
struct tu_watchdog;
struct tu_watchdog *tu_watchdog_start(int ms, const char *what);
void tu_watchdog_stop(struct tu_watchdog *w);

#endif
