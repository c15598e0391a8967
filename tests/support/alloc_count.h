/* SPDX-License-Identifier: MIT */
/* Counting the library's allocations, as a user would: through
 * event_set_mem_functions. */
#ifndef TESTS_ALLOC_COUNT_H
#define TESTS_ALLOC_COUNT_H

/* Routes the library's allocations through counters (call before any
 * other library call). */
void cu_count_allocations(void);

/* Blocks allocated so far (malloc, calloc, and realloc of NULL). */
unsigned long cu_allocations(void);

/* Blocks allocated and not freed yet. */
long cu_live_blocks(void);

#endif
