/* SPDX-License-Identifier: MIT */
/* uvbev's one allocator.  Every allocation uvbev makes for itself goes
 * through these, so that event_set_mem_functions() (event.h) sees all of
 * them; nothing in src/ calls malloc/calloc/realloc/strdup/free directly.
 *
 * Semantics (as libevent's): uvbev_malloc_(0) and uvbev_calloc_ with a zero
 * count or size return NULL; an overflowing calloc returns NULL with errno
 * ENOMEM; uvbev_strdup_(NULL) returns NULL with errno EINVAL;
 * uvbev_free_(NULL) does nothing.  Memory from one of these is released with
 * uvbev_free_ only.  tests/scripts/test_allocations.sh checks src/ for direct
 * calls (and --fix converts them). */
#ifndef UVBEV_MM_INTERNAL_H_
#define UVBEV_MM_INTERNAL_H_

#include <stddef.h>

void *uvbev_malloc_(size_t size);
void *uvbev_calloc_(size_t count, size_t size);
void *uvbev_realloc_(void *ptr, size_t size);
char *uvbev_strdup_(const char *str);
void uvbev_free_(void *ptr);

#endif
