/* SPDX-License-Identifier: MIT */
#include "alloc_count.h"

#include <stdlib.h>

#include <event2/event.h>

static unsigned long allocations;
static long live;

static void *count_malloc(size_t n) {
  void *p = malloc(n);
  if (p != NULL) {
    allocations++;
    live++;
  }
  return p;
}

static void *count_realloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (p == NULL && q != NULL) {
    allocations++;
    live++;
  }
  return q;
}

static void count_free(void *p) {
  if (p != NULL) live--;
  free(p);
}

void cu_count_allocations(void) {
  event_set_mem_functions(count_malloc, count_realloc, count_free);
}

unsigned long cu_allocations(void) {
  return allocations;
}

long cu_live_blocks(void) {
  return live;
}
