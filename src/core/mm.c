/* SPDX-License-Identifier: MIT */
/* The allocator (mm-internal.h) and event_set_mem_functions().
 *
 * The user's functions replace malloc/realloc/free for every allocation
 * uvbev makes.  libuv's allocations follow them too, through
 * uv_replace_allocator(), but only when event_set_mem_functions() runs
 * before uvbev allocated anything: a block libuv took from malloc() must
 * never reach the user's free.  (OpenSSL's and zlib's allocations are
 * their own.)  Like libevent, the function pointers are plain globals set
 * once before any other call; they are not meant to change while other
 * threads allocate. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "event2/event.h"
#include "mm-internal.h"

static void *(*user_malloc)(size_t);
static void *(*user_realloc)(void *, size_t);
static void (*user_free)(void *);
/* Set by the first allocation: from then on, replacing libuv's allocator
 * could hand the user's free a block that malloc() returned. */
static volatile int allocated_once;

static void note_allocation(void) {
  if (!allocated_once) allocated_once = 1; /* no store (and no shared cache line) after the first */
}

void *uvbev_malloc_(size_t size) {
  if (size == 0) return NULL;
  note_allocation();
  return user_malloc ? user_malloc(size) : malloc(size);
}

void *uvbev_calloc_(size_t count, size_t size) {
  void *p;
  if (count == 0 || size == 0) return NULL;
  if (count > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  note_allocation();
  if (!user_malloc) return calloc(count, size);
  p = user_malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *uvbev_realloc_(void *ptr, size_t size) {
  note_allocation();
  return user_realloc ? user_realloc(ptr, size) : realloc(ptr, size);
}

char *uvbev_strdup_(const char *str) {
  size_t n;
  char *copy;
  if (!str) {
    errno = EINVAL;
    return NULL;
  }
  n = strlen(str);
  if (n == SIZE_MAX) {
    errno = ENOMEM;
    return NULL;
  }
  copy = uvbev_malloc_(n + 1);
  if (copy) memcpy(copy, str, n + 1);
  return copy;
}

void uvbev_free_(void *ptr) {
  if (!ptr) return;
  if (user_free)
    user_free(ptr);
  else
    free(ptr);
}

/* libuv's allocator contract differs at zero (it never asks malloc or
 * realloc for 0 bytes, and expects calloc to succeed for 0): adapt. */
static void *uv_calloc_hook(size_t count, size_t size) {
  return uvbev_calloc_(count ? count : 1, size ? size : 1);
}

void event_set_mem_functions(void *(*malloc_fn)(size_t sz),
                             void *(*realloc_fn)(void *ptr, size_t sz),
                             void (*free_fn)(void *ptr)) {
  user_malloc = malloc_fn;
  user_realloc = realloc_fn;
  user_free = free_fn;
  if (!allocated_once)
    uv_replace_allocator(uvbev_malloc_, uvbev_realloc_, uv_calloc_hook, uvbev_free_);
}
