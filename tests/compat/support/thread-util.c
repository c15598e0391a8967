/* SPDX-License-Identifier: MIT */
/* Portable threads for the thread compat tests (see thread-util.h). */
#include <stdio.h>
#include <stdlib.h>

#include "thread-util.h"

#ifdef _WIN32
#include <windows.h>
struct tu_thread {
  HANDLE h;
  tu_thread_fn fn;
  void *arg;
};
struct tu_mutex {
  CRITICAL_SECTION cs;
};
static DWORD WINAPI tu_trampoline(LPVOID p) {
  struct tu_thread *t = p;
  t->fn(t->arg);
  return 0;
}
struct tu_thread *tu_thread_start(tu_thread_fn fn, void *arg) {
  struct tu_thread *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->fn = fn;
  t->arg = arg;
  t->h = CreateThread(NULL, 0, tu_trampoline, t, 0, NULL);
  if (!t->h) {
    free(t);
    return NULL;
  }
  return t;
}
void tu_thread_join(struct tu_thread *t) {
  if (!t) return;
  WaitForSingleObject(t->h, INFINITE);
  CloseHandle(t->h);
  free(t);
}
struct tu_mutex *tu_mutex_new(void) {
  struct tu_mutex *m = calloc(1, sizeof(*m));
  if (m) InitializeCriticalSection(&m->cs);
  return m;
}
void tu_mutex_free(struct tu_mutex *m) {
  if (!m) return;
  DeleteCriticalSection(&m->cs);
  free(m);
}
void tu_mutex_lock(struct tu_mutex *m) {
  EnterCriticalSection(&m->cs);
}
void tu_mutex_unlock(struct tu_mutex *m) {
  LeaveCriticalSection(&m->cs);
}
void tu_sleep_ms(int ms) {
  Sleep((DWORD)ms);
}
#else
#include <pthread.h>
#include <time.h>
struct tu_thread {
  pthread_t id;
  tu_thread_fn fn;
  void *arg;
};
struct tu_mutex {
  pthread_mutex_t mu;
};
static void *tu_trampoline(void *p) {
  struct tu_thread *t = p;
  t->fn(t->arg);
  return NULL;
}
struct tu_thread *tu_thread_start(tu_thread_fn fn, void *arg) {
  struct tu_thread *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->fn = fn;
  t->arg = arg;
  if (pthread_create(&t->id, NULL, tu_trampoline, t) != 0) {
    free(t);
    return NULL;
  }
  return t;
}
void tu_thread_join(struct tu_thread *t) {
  if (!t) return;
  pthread_join(t->id, NULL);
  free(t);
}
struct tu_mutex *tu_mutex_new(void) {
  struct tu_mutex *m = calloc(1, sizeof(*m));
  if (m) pthread_mutex_init(&m->mu, NULL);
  return m;
}
void tu_mutex_free(struct tu_mutex *m) {
  if (!m) return;
  pthread_mutex_destroy(&m->mu);
  free(m);
}
void tu_mutex_lock(struct tu_mutex *m) {
  pthread_mutex_lock(&m->mu);
}
void tu_mutex_unlock(struct tu_mutex *m) {
  pthread_mutex_unlock(&m->mu);
}
void tu_sleep_ms(int ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}
#endif

void tu_flag_init(struct tu_flag *f) {
  f->m = tu_mutex_new();
  f->value = 0;
}
void tu_flag_free(struct tu_flag *f) {
  tu_mutex_free(f->m);
  f->m = NULL;
}
void tu_flag_set(struct tu_flag *f, int value) {
  tu_mutex_lock(f->m);
  f->value = value;
  tu_mutex_unlock(f->m);
}
int tu_flag_get(struct tu_flag *f) {
  int v;
  tu_mutex_lock(f->m);
  v = f->value;
  tu_mutex_unlock(f->m);
  return v;
}
int tu_flag_wait(struct tu_flag *f, int ms) {
  int i, v = 0;
  for (i = 0; i <= ms && !(v = tu_flag_get(f)); i++)
    tu_sleep_ms(1);
  return v;
}

struct tu_watchdog {
  struct tu_flag stop;
  struct tu_thread *t;
  int ms;
  const char *what;
};
static void tu_watchdog_main(void *arg) {
  struct tu_watchdog *w = arg;
  if (!tu_flag_wait(&w->stop, w->ms)) {
    fprintf(stderr, "watchdog: %s did not finish within %d ms (deadlock?)\n", w->what, w->ms);
    abort();
  }
}
struct tu_watchdog *tu_watchdog_start(int ms, const char *what) {
  struct tu_watchdog *w = calloc(1, sizeof(*w));
  if (!w) return NULL;
  tu_flag_init(&w->stop);
  w->ms = ms;
  w->what = what;
  w->t = tu_thread_start(tu_watchdog_main, w);
  return w;
}
void tu_watchdog_stop(struct tu_watchdog *w) {
  if (!w) return;
  tu_flag_set(&w->stop, 1);
  tu_thread_join(w->t);
  tu_flag_free(&w->stop);
  free(w);
}
