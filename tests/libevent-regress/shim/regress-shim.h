/* SPDX-License-Identifier: MIT */
/* Shared by the shim headers that stand in for libevent's private headers
 * when libevent 2.1.12's regression tests are built (against libevent itself
 * and against uvbev, identically).
 *
 * A shim provides only what reads no library state: format macros, assertion
 * macros, the tests' PRNG, sleeping, malloc.  A libevent-internal function
 * that a test calls is renamed to REGRESS_INTERNAL(name): the file still
 * compiles, and a test that reaches such a call aborts with the name.  Every
 * test that calls one is listed in tests/libevent-regress/exclusions.txt and
 * never runs. */
#ifndef UVBEV_REGRESS_SHIM_H_INCLUDED_
#define UVBEV_REGRESS_SHIM_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#  define REGRESS_NORETURN_ __attribute__((noreturn))
#else
#  define REGRESS_NORETURN_
#endif

/** Reports that a libevent-internal function was reached, then aborts. */
REGRESS_NORETURN_ void regress_internal_(const char *name);

/* Typed as an int-valued expression so that it fits where the internal call
 * stood; excluded tests only, never evaluated in a test that runs. */
#define REGRESS_INTERNAL(name) (regress_internal_(#name), 0)

#endif
