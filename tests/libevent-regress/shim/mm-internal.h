/* SPDX-License-Identifier: MIT */
/* Shim for libevent's private mm-internal.h (see regress-shim.h): the
 * tests allocate with mm_* for their own buffers; here that is the C
 * library's allocator.  (libevent's own mm_* behaviour is tested by tests
 * that are excluded.) */
#ifndef UVBEV_REGRESS_MM_INTERNAL_H_INCLUDED_
#define UVBEV_REGRESS_MM_INTERNAL_H_INCLUDED_

#include <stdlib.h>
#include <string.h>

#define mm_malloc(sz) malloc(sz)
#define mm_calloc(n, sz) calloc((n), (sz))
#define mm_realloc(p, sz) realloc((p), (sz))
#define mm_strdup(s) strdup(s)
#define mm_free(p) free(p)

#endif
